// The controller: one reeld at a time, elected through a key under its lease. Every round
// (100 ms) it reads the cluster's state from etcd and, for each partition, applies the pure
// decision of cluster/replication/reconfiguration.hpp: a new configuration written with a
// transaction on the previous one's revision (and on its own election key, so a deposed
// controller's write fails), or the eviction of a member reported lost (an eviction record,
// then its lease revoked; the member counts as ended one full TTL later).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "cluster/membership/etcd_client.hpp"
#include "cluster/membership/records.hpp"
#include "cluster/replication/reconfiguration.hpp"

namespace reel::cluster::membership {

struct controller_settings {
  std::vector<std::string> etcd;
  keys layout;
  std::chrono::seconds lease_ttl{2};
  std::size_t bootstrap_nodes = 1;
  std::uint16_t partitions = 65;  // the data partitions and the shared one (the last)
};

class controller {
 public:
  // `self` gives this node's member, whose incarnation is also its lease id.
  controller(controller_settings settings, std::function<replication::member()> self);
  ~controller();
  bool elected() const { return elected_.load(); }
  void stop();

 private:
  struct state;
  void run();
  bool campaign(etcd_client& client, const replication::member& me);
  void round(etcd_client& client, const replication::member& me);
  using guarded_write =
      std::function<bool(const std::string& key, std::optional<std::string> value, std::int64_t revision)>;
  // Moves one primary off the node that leads the most partitions, to the least loaded live
  // replica of one of them, when that evens the counts (after a failover or a node's return
  // primaries concentrate). One move per round, only while no partition is failing over.
  void balance(const state& s, const replication::cluster_view& view, std::map<std::uint16_t, std::size_t>& primaries,
               const guarded_write& write);

  controller_settings settings_;
  std::function<replication::member()> self_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> elected_{false};
  std::int64_t election_revision_ = 0;  // our election key's mod revision (guards every write)
  std::uint64_t elected_as_ = 0;        // the incarnation that won the election
  std::map<std::uint64_t, std::chrono::steady_clock::time_point> evictions_seen_;
  std::thread thread_;
};

}  // namespace reel::cluster::membership
