// The controller's decisions about one partition's configuration, as a pure function: the
// real controller (cluster/membership) and the simulation call the same code. The caller
// writes the configuration it returns to etcd with a transaction on the previous one's
// revision, so a stale controller's decision fails.
//
// Rules (every one keeps "each replica of the configuration durably holds every committed
// entry" and "a member is dropped only once its authority has provably ended"):
// - A dead primary (its incarnation's authority has ended) is replaced by the member with the
//   longest log among the live replicas and the live re-incarnations of replicas (same node,
//   same storage: their durable log holds everything committed while they were members).
// - A dead replica is replaced in place by its re-incarnation when it has one with the same
//   storage, else dropped, but never below min_replicas (such a configuration commits
//   nothing, and the dead replica still names a disk that holds every committed entry); a
//   promoted learner takes its place. A dead learner is dropped.
// - A replica the primary reports lost while its lease lives is evicted: the caller revokes
//   its lease, and it is dropped once its authority has ended (one full TTL later).
// - A learner the primary reports caught up is promoted.
// - A configuration with fewer members than the replication factor gains a learner, the
//   least loaded live node that is not in it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "cluster/replication/types.hpp"

namespace reel::cluster::replication {

// Testing only: known controller bugs, for the simulation to catch.
struct controller_faults {
  bool elect_learner = false;       // a learner (a log outside the configuration) may become primary
  bool elect_shortest_log = false;  // the replica with the shortest log becomes primary
  bool drop_before_fenced = false;  // a reported replica is dropped before its authority ends
  bool keep_wiped_replica = false;  // a re-incarnation replaces its old self even on a new storage
};

struct log_position {
  std::uint64_t last_epoch = 0;
  std::uint64_t last_index = 0;
  friend constexpr auto operator<=>(const log_position&, const log_position&) = default;
};

struct cluster_view {
  std::vector<member> live;                  // incarnations whose lease exists and is not being evicted
  std::function<bool(const member&)> ended;  // the incarnation's authority has provably ended
  std::function<std::size_t(node_id)> load;  // memberships a node holds (placement spreads them)
  std::size_t replication_factor = 3;
  std::uint32_t min_replicas = 2;
};

// A live member's log end, or nullopt when it did not answer.
using position_query = std::function<std::optional<log_position>(const member&)>;

struct decision {
  std::optional<configuration> next;  // the configuration to write, if any
  std::vector<member> evict;          // reported lost while alive: revoke their leases
};

decision decide(const configuration& current, const cluster_view& view, const std::vector<report>& reports,
                const position_query& positions, const controller_faults& faults = {});

// The first configuration of a partition: `replicas` (primary first) from the live nodes.
configuration initial_configuration(const std::vector<member>& replicas, std::uint32_t min_replicas);

// A planned move of the primary to `to`, a live replica (to spread primaries evenly): the
// old primary stays a replica, so a write the new one acknowledges waits for the old one to
// have applied it, and the old one cannot commit anything once the others adopt the new
// epoch. No lease has to expire. nullopt unless the configuration is healthy (every replica
// live, no learner) and `to` is one of its replicas.
std::optional<configuration> hand_over(const configuration& current, const cluster_view& view, const member& to);

}  // namespace reel::cluster::replication
