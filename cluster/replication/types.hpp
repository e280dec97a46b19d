// Vocabulary of the replication protocol (PacificA-style primary/backup per partition, with
// configurations decided outside, in etcd). Plain data: no CAF, no sockets, no clock. The
// inspect() overloads let CAF serialise the messages without CAF headers here.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace reel::cluster::replication {

// A node's number in the cluster (0..15: it is also the node field of ids).
struct node_id {
  std::uint16_t value = 0;
  constexpr node_id() = default;
  constexpr explicit node_id(std::uint16_t v) : value(v) {}
  friend constexpr auto operator<=>(node_id, node_id) = default;
};

template <class Inspector>
auto inspect(Inspector& f, node_id& x) {
  return f(x.value);
}

// Which partition a message or entry belongs to: 0..63 hold users, videos and chats; the
// system partition holds cluster-wide facts (revoked tokens, celebrities) on every node.
using partition_number = std::uint16_t;

// Monotonic time of the node that runs a replica, in milliseconds from an arbitrary origin.
// Never compared across nodes.
using instant = std::chrono::milliseconds;

// A node as one life of its process: its number, its incarnation (the id of the etcd lease
// it registered with) and its storage (an id created with its data directory). A node that
// restarts, or whose lease was revoked, is a new incarnation and acts in no configuration
// until the controller names that incarnation: its volatile state is gone. Its storage says
// whether its durable log survived (a wiped disk is a new storage).
struct member {
  node_id node;
  std::uint64_t incarnation = 0;
  std::uint64_t storage = 0;
  friend constexpr auto operator<=>(const member&, const member&) = default;
};

template <class Inspector>
auto inspect(Inspector& f, member& x) {
  return f(x.node, x.incarnation, x.storage);
}

// A partition's configuration: written only by the controller, as an etcd transaction that
// compares the previous revision, so each epoch has exactly one configuration and one primary.
struct configuration {
  std::uint64_t epoch = 0;  // 0: none known yet
  member primary;
  std::vector<member> replicas;  // includes the primary; an entry commits once all have it
  std::vector<member> learners;  // receive the log to catch up; count for nothing
  // Below this many replicas the primary refuses writes (an acknowledged write is always on
  // this many disks). The controller sets min(2, replication factor).
  std::uint32_t min_replicas = 2;

  bool has_replica(member m) const { return std::find(replicas.begin(), replicas.end(), m) != replicas.end(); }
  bool has_learner(member m) const { return std::find(learners.begin(), learners.end(), m) != learners.end(); }
  bool has_member(member m) const { return has_replica(m) || has_learner(m); }
  friend bool operator==(const configuration&, const configuration&) = default;
};

template <class Inspector>
auto inspect(Inspector& f, configuration& x) {
  return f(x.epoch, x.primary, x.replicas, x.learners, x.min_replicas);
}

// One log entry. The payload is opaque here (a RocksDB WriteBatch on a real node); an empty
// payload is a barrier, which a new primary appends to commit what it inherited.
struct entry {
  std::uint64_t index = 0;
  std::uint64_t epoch = 0;  // the configuration epoch in which the primary created it
  std::string payload;
};

template <class Inspector>
auto inspect(Inspector& f, entry& x) {
  return f(x.index, x.epoch, x.payload);
}

// Primary -> backup or learner: entries after (prev_index, prev_epoch), the commit point,
// and the sender's configuration (a recipient that knows an older one adopts it: every
// configuration a primary acts on came from etcd). An empty request is a heartbeat.
struct append_request {
  partition_number partition = 0;
  node_id from;
  configuration config;
  std::uint64_t prev_index = 0;
  std::uint64_t prev_epoch = 0;
  std::vector<entry> entries;
  std::uint64_t commit = 0;
  // The sender's barrier has committed: `commit` is past every write acknowledged in any
  // earlier epoch (a new primary's commit point may be behind them until then).
  bool settled = false;
};

template <class Inspector>
auto inspect(Inspector& f, append_request& x) {
  return f(x.partition, x.from, x.config, x.prev_index, x.prev_epoch, x.entries, x.commit, x.settled);
}

// Backup or learner -> primary.
struct append_response {
  enum class verdict : std::uint8_t {
    accepted,  // match and applied are valid
    mismatch,  // the log does not hold (prev_index, prev_epoch): see conflict_*
    stale,     // the request's epoch is older than the responder's (epoch says which)
  };
  partition_number partition = 0;
  node_id from;
  std::uint64_t epoch = 0;  // the responder's configuration epoch
  verdict result = verdict::accepted;
  // accepted: the responder durably holds the primary's log up to `match`, and has applied
  // every entry up to `applied`.
  std::uint64_t match = 0;
  std::uint64_t applied = 0;
  // mismatch: where the primary should look for agreement (Raft's conflict term and index):
  // conflict_epoch is the epoch of the responder's entry at prev_index (0 when its log is
  // shorter), conflict_index the first index the responder holds of that epoch (or its log
  // end + 1).
  std::uint64_t conflict_index = 0;
  std::uint64_t conflict_epoch = 0;
};

template <class Inspector>
auto inspect(Inspector& f, append_response& x) {
  return f(x.partition, x.from, x.epoch, x.result, x.match, x.applied, x.conflict_index, x.conflict_epoch);
}

using message = std::variant<append_request, append_response>;

struct outgoing {
  node_id to;
  message msg;
};

// What a replica asks the controller to decide.
struct report {
  enum class kind : std::uint8_t {
    replica_lost,       // a replica or learner has not answered for the failure timeout
    learner_caught_up,  // the learner holds and has applied everything committed: promote it
  };
  kind what;
  partition_number partition = 0;
  member subject;
  std::uint64_t epoch = 0;  // the configuration the report is about
};

// Persist in order and atomically: drop the log's entries above `truncate_after` (when set)
// and append `entries`; then call replica::persisted() with the last entry.
struct persist_op {
  bool truncate = false;
  std::uint64_t truncate_after = 0;
  std::vector<entry> entries;
};

// Everything a replica wants done since the last take_ready(), in the style of etcd raft's
// Ready: the caller persists, sends, applies and reports, and tells the replica when done.
struct ready {
  std::vector<persist_op> persist;
  std::vector<outgoing> messages;
  std::vector<entry> apply;  // committed entries in index order; call applied() when done
  // Proposals up to this index are acknowledged to clients: they are committed and applied
  // on every replica of the configuration (0 when it did not move).
  std::uint64_t visible = 0;
  // Every proposal not yet visible has failed (the primary lost its role or its authority);
  // some may still commit later, which is the ambiguity of any timed-out write.
  bool abandon = false;
  std::vector<report> reports;
  std::vector<member> snapshots;  // peers whose missing entries were compacted: send them a snapshot

  bool empty() const {
    return persist.empty() && messages.empty() && apply.empty() && visible == 0 && !abandon && reports.empty() &&
           snapshots.empty();
  }
};

}  // namespace reel::cluster::replication

template <>
struct std::hash<reel::cluster::replication::node_id> {
  std::size_t operator()(reel::cluster::replication::node_id n) const noexcept { return n.value; }
};
