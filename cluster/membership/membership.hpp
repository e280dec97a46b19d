// This node in the cluster, as etcd knows it: its node number (claimed once per name), its
// lease and incarnation, the partition map and the live nodes it follows, and the reports
// it hands the controller. Three threads, each with its own etcd client: the lease keeper
// (renewals, registration, reports), the watcher (map and nodes), and the controller
// (controller.hpp), which acts only while this node holds the election key.
//
// Authority: a renewal sent at t that etcd confirms gives this node authority until
// t + TTL - margin: etcd expires the lease no earlier than TTL after it received it. When a
// renewal finds the lease gone, the node registers again as a new incarnation and reads the
// whole map afresh before it claims authority again.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/membership/etcd_client.hpp"
#include "cluster/membership/records.hpp"
#include "cluster/replication/types.hpp"

namespace reel::cluster::membership {

struct cluster_settings {
  std::vector<std::string> etcd;             // endpoints, e.g. http://127.0.0.1:2379
  std::string cluster = "reel";              // several clusters may share an etcd: keys live under /reel/<cluster>
  std::string node_name;                     // stable across restarts; decides the node number
  std::string advertise_host = "127.0.0.1";  // where peers reach this node's cluster port
  std::string http_url;                      // this node's HTTP base URL (for the status command)
  std::chrono::seconds lease_ttl{2};
  std::size_t bootstrap_nodes = 1;  // the first placement waits for this many nodes
};

struct membership_hooks {
  // Registered, first or again after losing the lease; called before the configurations
  // that this incarnation may act on.
  std::function<void(const replication::member& self)> incarnation;
  std::function<void(std::chrono::steady_clock::time_point until)> authority;
  std::function<void(std::uint16_t partition, const replication::configuration& config)> configuration;
  std::function<void(const std::vector<node_record>& live)> nodes;
};

// The id of this data directory's storage, created with it (a wiped disk is a new storage).
std::uint64_t load_or_create_storage_id(const std::filesystem::path& data_dir);

class membership {
 public:
  membership(cluster_settings settings, std::uint64_t storage, membership_hooks hooks);
  ~membership();
  membership(const membership&) = delete;
  membership& operator=(const membership&) = delete;

  // This node's number (0..15), claimed in etcd the first time the name is seen. Throws
  // etcd_error when etcd cannot be reached, std::runtime_error when 16 names hold numbers.
  std::uint16_t claim_number();
  // The cluster's token secret: the first node stores `candidate`, the others read it.
  std::string token_secret(const std::string& candidate);
  // Registers (calling the hooks), then keeps the lease and follows the map in the background.
  void start(std::uint16_t cluster_port);
  void stop();

  // For the controller; written in the background, under this node's lease.
  void report(const replication::report& r);

  replication::member self() const;
  bool is_controller() const;
  std::uint64_t renewals_failed() const { return renewals_failed_.load(); }
  const cluster_settings& settings() const { return settings_; }
  const keys& layout() const { return keys_; }

 private:
  void keep_lease();
  void register_incarnation(etcd_client& client);
  void read_everything(etcd_client& client);
  void watch();
  void on_events(const std::vector<watch_event>& events);
  void publish_nodes();
  void write_reports(etcd_client& client);

  cluster_settings settings_;
  keys keys_;
  std::uint64_t storage_;
  membership_hooks hooks_;
  std::uint16_t number_ = 0;
  std::uint16_t cluster_port_ = 0;

  mutable std::mutex mutex_;
  replication::member self_;
  std::map<std::uint64_t, node_record> live_;  // by incarnation
  std::vector<replication::report> reports_;   // to write
  std::int64_t watch_from_ = 0;                // the revision the watcher resumes at

  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> renewals_failed_{0};
  std::unique_ptr<class controller> controller_;
  std::thread keeper_;
  std::thread watcher_;
};

}  // namespace reel::cluster::membership
