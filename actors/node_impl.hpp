// The parts of a node (actors/node.hpp), shared by node.cpp (assembly) and node_metrics.cpp.
// Private to those two files.
#pragma once

#include <memory>
#include <optional>

#include "actors/celebrities.hpp"
#include "actors/directory.hpp"
#include "actors/gateway.hpp"
#include "actors/node.hpp"
#include "actors/outbox.hpp"
#include "actors/revocations.hpp"
#include "actors/timelines.hpp"
#include "cluster/membership/membership.hpp"
#include "cluster/replicator.hpp"
#include "cluster/transport/transport.hpp"

namespace reel::actors {

// Cluster mode's parts: membership (etcd), the transport to the peers, replication.
struct cluster_parts {
  std::unique_ptr<cluster::membership::membership> membership;
  std::unique_ptr<cluster::transport::transport> transport;
  std::unique_ptr<cluster::replicator> replicator;
  caf::actor router;
};

struct node::impl {
  explicit impl(const node_options& options);
  ~impl();

  void follow_write(std::string_view key, std::optional<std::string_view> value);
  void join_cluster(std::uint16_t number, std::uint64_t storage);
  void start_cluster(const cluster_options& options);
  void became_primary(storage::partition_id p);
  void stopped_primary(storage::partition_id p);

  bool replicated() const { return cluster.replicator != nullptr; }

  node_options options;
  std::unique_ptr<storage::store> db;
  std::unique_ptr<storage::committer> commits;
  cluster_parts cluster;
  std::unique_ptr<cluster::write_path> local_writes;
  cluster::single_node_routing single_routing;
  std::unique_ptr<cluster::id_generator> ids;
  caf::actor_system_config caf_config;
  std::unique_ptr<caf::actor_system> system;
  std::unique_ptr<directory> dir;
  celebrity_set celebrities;
  recent_timeline recent;
  revocation_list revoked;
  std::unique_ptr<context> ctx;
  relay_probe relay;
  fanout_probe fanout;
  std::unique_ptr<gateway_service> gateway;
};

}  // namespace reel::actors
