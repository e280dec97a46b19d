// One partition's replica on one node: the replication protocol as a state machine with no
// I/O, no clock and no threads (in the style of etcd's raft package). The caller feeds it
// configurations, messages, ticks and completions, and carries out what take_ready() hands
// back: persist, send, apply, report. A real node, the unit tests and the deterministic
// simulation all run this same code.
//
// The protocol (PacificA, with configurations decided by the controller in etcd):
// - The primary of a configuration gives each write the next (epoch, index), persists it and
//   ships it to every replica and learner, pipelined. A replica accepts entries only from
//   the primary of its configuration epoch, only where its log agrees with the primary's
//   (the previous entry's index and epoch match), persists them, then acknowledges.
// - An entry is committed once every replica of the configuration durably holds it; only
//   committed entries are applied. It becomes visible (the client's write is acknowledged)
//   once every replica has also applied it, so any replica may serve reads: a replica's
//   state is never older than the last acknowledged write.
// - A new primary appends a barrier entry and serves only once the barrier is visible:
//   everything it inherited is then committed and applied everywhere.
// - Where logs disagree (a replica that followed an older primary), the replica reports the
//   epoch of its conflicting entry and where that epoch starts; the primary resends from
//   where its own log ends that epoch, and the replica truncates the uncommitted suffix.
// - Authority comes from the node's etcd lease: a replica serves reads, and a primary makes
//   writes visible, only before the lease deadline the caller sets. The controller removes
//   a member only once its authority has provably ended, and never makes a restarted node
//   (a new incarnation) a member without catching it up as a learner first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "cluster/replication/partition_log.hpp"
#include "cluster/replication/types.hpp"

namespace reel::cluster::replication {

struct timing {
  instant heartbeat{100};         // the primary's empty appends: each period, to peers sent nothing for half of one
  instant retransmit{400};        // resend from a peer's match when it has not advanced for this long
  instant failure_timeout{2000};  // a peer silent for this long is reported lost
};

// Testing only: each flag re-creates a known replication bug, so that the simulation can
// show it catches it. Never set outside tests.
struct fault_injection {
  bool commit_on_majority = false;    // commit once a majority, not every replica, holds an entry
  bool apply_uncommitted = false;     // apply whatever is durable, committed or not
  bool serve_before_barrier = false;  // a new primary serves before its inherited suffix commits
  bool visible_on_commit = false;     // acknowledge once committed, before every replica applied
  bool ignore_epoch_check = false;    // accept appends without checking the previous entry's epoch
};

struct replica_options {
  member self;
  partition_number partition = 0;
  timing times;
  std::size_t max_entries_per_message = 256;
  std::size_t max_bytes_per_message = 1 << 20;
  std::size_t max_entries_in_flight = 4096;  // per peer, sent but not acknowledged
  fault_injection faults;
};

// What the durable log holds when the node starts.
struct restored_state {
  std::uint64_t base_index = 0;  // last entry compacted away or covered by a snapshot
  std::uint64_t base_epoch = 0;
  std::vector<entry> entries;  // after the base, contiguous
  std::uint64_t applied = 0;   // applied index stored with the applied data (>= base)
};

class replica {
 public:
  enum class role { none, learner, backup, primary };

  replica(replica_options options, restored_state restored);

  // --- Inputs -------------------------------------------------------------------------------

  // A configuration from etcd (or carried by a primary's message). Older epochs are ignored.
  void set_config(const configuration& config, instant now);
  // The node's authority ends at `until` (its lease deadline, with a margin for clock rates).
  void set_authority(instant until, instant now);
  // Primary only: appends a write. nullopt when this replica may not take writes now.
  std::optional<std::uint64_t> propose(std::string payload, instant now);
  void receive(const message& m, instant now);
  void tick(instant now);
  // The log is durable up to (index, epoch) (after a persist op of take_ready()).
  void persisted(std::uint64_t index, std::uint64_t epoch, instant now);
  // Every entry up to `index` is applied (after the apply list of take_ready()).
  void applied(std::uint64_t index, instant now);
  // The transport lost its connection to `node`.
  void peer_unreachable(node_id node, instant now);
  // The caller compacted its durable log up to `index` (clamped to what is applied).
  void compact(std::uint64_t index);

  // Snapshots. Receiving side: true when a snapshot at (index, epoch) sent to `target` should
  // be installed: this replica is that member, a backup or learner, and behind it. The
  // caller then replaces the partition's state, calls snapshot_installed, and trims its
  // durable log to log()'s bounds (a suffix that agrees with the snapshot point is kept:
  // it may hold committed entries).
  bool begin_snapshot(std::uint64_t index, std::uint64_t epoch, const member& target);
  void snapshot_installed(std::uint64_t index, std::uint64_t epoch, instant now);
  void snapshot_aborted();
  // Sending side: the transfer to `node` failed; it is offered again later.
  void snapshot_failed(node_id node, instant now);

  ready take_ready();

  // --- Queries -------------------------------------------------------------------------------

  role current_role() const { return role_; }
  const configuration& config() const { return config_; }
  // A primary that takes writes: barrier visible, authority held, not known to be deposed.
  bool serving(instant now) const;
  // Whether this replica may answer reads: its state holds every acknowledged write.
  bool can_read(instant now) const;
  std::uint64_t commit_index() const { return commit_; }
  std::uint64_t applied_index() const { return applied_; }
  std::uint64_t visible_index() const { return visible_; }
  std::uint64_t durable_index() const { return durable_; }
  const partition_log& log() const { return log_; }
  // Where a snapshot taken now stands: the applied index and the epoch of its entry.
  std::pair<std::uint64_t, std::uint64_t> snapshot_point() const;
  partition_number partition() const { return options_.partition; }
  // A primary's view of its peers, for metrics: how far each holds and has applied the log.
  struct peer_view {
    member who;
    std::uint64_t match = 0;
    std::uint64_t applied = 0;
  };
  std::vector<peer_view> peers() const;
  // A committed entry was found conflicting: the protocol's safety was broken (never expected;
  // the simulation's checker fails on it).
  std::uint64_t safety_violations() const { return violations_; }
  const std::string& first_violation() const { return first_violation_; }

 private:
  struct progress {
    member who;
    std::uint64_t next = 1;     // the next entry to send
    std::uint64_t match = 0;    // durably holds our log up to here
    std::uint64_t applied = 0;  // has applied up to here
    instant last_heard{0};
    instant last_sent{0};
    instant last_advanced{0};  // when match last moved, or a resend started
    instant last_report{0};
    instant last_promotion_report{0};
    instant snapshot_retry_at{0};
    bool probing = false;   // after a mismatch: one request at a time until it agrees
    bool snapshot = false;  // a snapshot is being sent: no appends meanwhile
    bool reported = false;  // reported lost (again after failure_timeout while still silent)
    bool promotion_reported = false;
  };

  // Roles and configurations.
  void adopt(const configuration& config, instant now);
  void become_primary(instant now);
  void sync_peers(instant now);
  void step_down();

  // Primary side.
  void on_response(const append_response& r, instant now);
  void on_mismatch(progress& p, const append_response& r, instant now);
  void send_entries(progress& p, instant now, bool force);
  void send_notice(progress& p, instant now);
  append_request request_after(std::uint64_t prev) const;  // no entries yet, with the commit point
  void broadcast(instant now, bool notice);
  std::vector<std::uint64_t> quorum_values(bool applied) const;
  void advance_commit();
  void advance_visible(instant now);
  void check_learner(progress& p, instant now);
  void check_peers(instant now);

  // Replica side.
  void on_request(const append_request& r, instant now);
  void respond(append_response::verdict v, std::uint64_t conflict_index = 0, std::uint64_t conflict_epoch = 0);
  bool append_entries(const append_request& r);

  void emit_apply();
  bool authority(instant now) const { return now < authority_until_; }

  replica_options options_;
  partition_log log_;
  configuration config_;
  role role_ = role::none;
  instant authority_until_{0};
  instant now_{0};
  instant last_tick_{0};

  std::uint64_t durable_ = 0;  // the log is durable up to here
  std::uint64_t commit_ = 0;
  std::uint64_t applied_ = 0;        // the caller confirmed
  std::uint64_t apply_emitted_ = 0;  // handed out for applying
  std::uint64_t visible_ = 0;

  // Replica side: how far the log is known to agree with this epoch's primary.
  std::uint64_t confirmed_epoch_ = 0;
  std::uint64_t confirmed_ = 0;
  bool response_due_ = false;
  bool installing_ = false;  // a snapshot is being installed: the log and state are in flux
  // Reads wait until the first commit point heard from a settled primary (one whose barrier
  // committed) is applied: what was applied before a crash may not have been synced, and
  // an unsettled primary's commit point may be behind writes acknowledged before it.
  std::optional<std::uint64_t> read_floor_;

  // Primary side.
  std::unordered_map<node_id, progress> peers_;
  std::unordered_set<node_id> pending_promotion_;  // learners counted for commits ahead of their promotion
  std::uint64_t barrier_ = 0;
  bool stale_ = false;          // a peer knows a newer epoch: stop until etcd's configuration arrives
  bool fenced_ = false;         // authority lapsed: what was pending has been abandoned
  bool replicate_due_ = false;  // new entries to ship
  bool commit_due_ = false;     // the commit point moved: tell the peers

  void violation(std::string what);
  std::uint64_t violations_ = 0;
  std::string first_violation_;
  ready ready_;
};

}  // namespace reel::cluster::replication
