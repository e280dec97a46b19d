// One Reel node: its store, group committer, id generator, actor system and the service
// the HTTP edge calls; in cluster mode also its membership (etcd), replication and the
// transport to its peers. No CAF in this header: app/ and http/ see only plain C++.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "actors/media_copy.hpp"
#include "actors/service.hpp"
#include "actors/settings.hpp"
#include "cluster/membership/membership.hpp"

namespace reel::actors {

struct cluster_options {
  cluster::membership::cluster_settings membership;
  std::string listen_host = "127.0.0.1";  // the cluster port binds here
  std::uint16_t listen_port = 0;          // 0: any free port (it is advertised through etcd)
  std::uint64_t log_retention = 10'000;   // log entries kept behind the applied point (per partition)
};

struct node_options {
  std::filesystem::path data_dir;
  settings cfg;
  std::optional<cluster_options> cluster;  // cluster mode when set
  media_store media;                       // the media library (cluster mode copies videos)
  // The rate limit of register/login attempts per client address (default: none).
  std::function<bool(const std::string& client)> admit = [](const std::string&) { return true; };
};

class node {
 public:
  // Opens storage, starts the actors and replays the outbox; in cluster mode registers with
  // etcd and joins the cluster. Throws std::runtime_error.
  explicit node(const node_options& options);
  // Stops the actors, commits what is queued and closes storage; in cluster mode first gives
  // up its authority and its lease, so that its partitions move at once.
  ~node();

  service& api();
  // Ready to serve. Single node: the outbox replay of the start has been applied and the
  // interrupted fan-out jobs are loaded. Cluster: this node may read every partition.
  bool ready() const;
  // The secret that signs login tokens: `local` on a single node; on a cluster the one every
  // node shares (the first node to start stores its own).
  std::string token_secret(const std::string& local);
  // Whether a write may go ahead: errc::ok, or why it is refused right now (the data disk
  // is full: errc::storage_full, counted as a refused write). The edge asks before doing
  // any work. A cluster node answers errc::ok: its partitions' writes decide for themselves.
  errc admit_write();
  // Whether `bytes` of media may be written and leave the free-space reserve; counts a
  // refused write when not.
  bool room_for(std::uint64_t bytes);
  // Prometheus text for /metrics.
  std::string metrics() const;
  // Cluster mode: the partitions as this node sees them (JSON), for the status command.
  std::string cluster_status() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace reel::actors
