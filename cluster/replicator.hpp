// A cluster node's replication host: one replica state machine per partition (and the
// shared partition), all driven by one thread, which does their I/O.
//
// - Writes: an actor's batch is proposed to its partition's replica; its callback runs once
//   the batch is visible on every replica (cluster/replication/replica.hpp), or fails.
// - The log: entries persist as [p][log_entry][index] through the group committer, one
//   fsync for every partition's appends of a round; a truncation is a range deletion in the
//   same write.
// - Applying: a committed entry's batch plus [p][partition_meta] = its index, as one write
//   without fsync (the log is durable; after a crash the entries are applied again, which
//   is idempotent: puts and deletes in log order).
// - Messages: everything a round produces for one node leaves as one message (peer_link).
//
// It is also the node's routing (which node is each partition's primary, and whether this
// node may read it), published after every round for lock-free readers.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "cluster/replication/replica.hpp"
#include "cluster/routing.hpp"
#include "cluster/snapshot.hpp"
#include "cluster/write_path.hpp"
#include "storage/committer.hpp"
#include "storage/store.hpp"

namespace reel::cluster {

// The data partitions and the shared one.
constexpr std::size_t replicated_partitions = storage::partition_count + 1;

// Where replication messages leave the node: one call per destination node and round.
class peer_link {
 public:
  virtual ~peer_link() = default;
  virtual void send(replication::node_id to, std::vector<replication::append_request> requests,
                    std::vector<replication::append_response> responses) = 0;
  // Sends a snapshot chunk by chunk, each acknowledged before the next; `done` says
  // whether the peer installed it all. Called on the replicator's thread, reads `source`
  // on another: it must not touch the replicator.
  virtual void send_snapshot(replication::node_id to, chunk_source source, chunk_ack done) = 0;
};

// What the replicator tells the rest of the node. Called on its thread: hand over, never block.
struct replicator_hooks {
  std::function<void(storage::partition_id)> became_primary;   // serving now: start its relay and fan-out
  std::function<void(storage::partition_id)> stopped_primary;  // no longer primary: stop its entities
  std::function<void(const replication::report&)> report;      // for the controller
};

struct replicator_options {
  replication::member self;
  replication::timing times;
  std::chrono::milliseconds tick{10};
  // Log entries kept behind the applied point once a partition's log is compacted; a peer
  // further behind gets a snapshot. The log is compacted when it holds twice this many, or
  // more than log_max_bytes of payload (then down to the applied point).
  std::uint64_t log_retention = 10'000;
  std::size_t log_max_bytes = 16 << 20;
  // A snapshot install with no chunk for this long is abandoned (the sender retries).
  std::chrono::milliseconds install_timeout{15'000};
};

// One partition as /metrics and the status command show it.
struct partition_status {
  storage::partition_id partition = 0;
  replication::configuration config;
  replication::replica::role role = replication::replica::role::none;
  bool serving = false;
  bool readable = false;
  std::uint64_t last_index = 0, commit = 0, applied = 0, visible = 0;
  std::vector<replication::replica::peer_view> peers;  // as this node's primary sees them
};

struct replication_probe {
  std::atomic<std::uint64_t> proposals{0};
  std::atomic<std::uint64_t> proposals_failed{0};
  std::atomic<std::uint64_t> entries_proposed{0};   // log entries the proposals were merged into
  std::atomic<std::uint64_t> committed_entries{0};  // applied here
  std::atomic<std::uint64_t> became_primary{0};
  std::atomic<std::uint64_t> messages_sent{0};
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> snapshots_sent{0};
  std::atomic<std::uint64_t> snapshots_installed{0};
  std::atomic<std::uint64_t> compactions{0};
};

class replicator final : public write_path, public routing {
 public:
  replicator(storage::store& db, storage::committer& commits, peer_link& link, replicator_options options,
             replicator_hooks hooks);
  ~replicator() override;

  // write_path (any thread)
  void submit(storage::partition_id partition, rocksdb::WriteBatch batch, callback done,
              std::uint64_t term = 0) override;

  // routing (any thread, lock-free)
  owner owner_of(storage::partition_id p) const override;
  bool can_read(storage::partition_id p) const override;
  bool can_read_all() const override;
  std::vector<std::uint16_t> other_members(storage::partition_id p) const override;
  std::uint64_t term(storage::partition_id p) const override;

  // Inputs (any thread).
  void deliver(replication::node_id from, std::vector<replication::append_request> requests,
               std::vector<replication::append_response> responses);
  void set_config(storage::partition_id p, replication::configuration config);
  void set_authority(std::chrono::steady_clock::time_point until);
  void peer_unreachable(replication::node_id node);
  // A chunk of a snapshot from the partition's primary; `ack` once it is durable (the
  // last: once the whole snapshot is installed), or with false when refused.
  void receive_snapshot(replication::node_id from, snapshot_chunk chunk, chunk_ack ack);
  // The node lost its lease and registered again: every replica starts over as `self`,
  // from what is durable, once the writes in flight have landed.
  void reincarnate(replication::member self);

  replication::member self() const;
  std::vector<partition_status> status() const;
  const replication_probe& probe() const { return probe_; }
  void stop();

 private:
  struct ev_propose {
    storage::partition_id p;
    std::string batch;
    callback done;
    std::uint64_t term;
  };
  struct ev_messages {
    replication::node_id from;
    std::vector<replication::append_request> requests;
    std::vector<replication::append_response> responses;
  };
  struct ev_persisted {
    storage::partition_id p;
    std::uint64_t generation, index, epoch;
    bool ok;
  };
  struct ev_applied {
    storage::partition_id p;
    std::uint64_t generation, index;
    bool ok;
  };
  struct ev_config {
    storage::partition_id p;
    replication::configuration config;
  };
  struct ev_authority {
    replication::instant until;
  };
  struct ev_peer_down {
    replication::node_id node;
  };
  struct ev_reincarnate {
    replication::member self;
  };
  struct ev_rebuild {  // the writes of the previous incarnation have landed
    std::uint64_t generation;
  };
  struct ev_chunk {
    replication::node_id from;
    snapshot_chunk chunk;
    chunk_ack ack;
  };
  struct ev_installed {  // a snapshot's last chunk is durable
    storage::partition_id p;
    std::uint64_t generation, index, epoch;
    chunk_ack ack;
  };
  struct ev_sent {  // a snapshot transfer ended
    storage::partition_id p;
    std::uint64_t generation;
    replication::node_id node;
    bool ok;
  };
  using event = std::variant<ev_propose, ev_messages, ev_persisted, ev_applied, ev_config, ev_authority, ev_peer_down,
                             ev_reincarnate, ev_rebuild, ev_chunk, ev_installed, ev_sent>;

  // A snapshot being installed here.
  struct install {
    replication::node_id from;
    std::uint64_t index = 0, epoch = 0, next_seq = 0;
    replication::instant last_chunk{0};
  };

  struct slot {
    std::unique_ptr<replication::replica> replica;
    // Proposals accepted since the last drain, merged into one log entry there: under load
    // the loop handles many events per pass, and one entry per write (a fan-out touches
    // ~30 partitions per publish) paid a log record, an applied-index record and a message
    // per replica for each.
    std::string staged;
    std::vector<callback> staged_callbacks;
    std::map<std::uint64_t, std::vector<callback>> proposals;  // by log index, until visible or abandoned
    bool primary = false;                                      // hooks told: became_primary
  };

  // Published for lock-free readers.
  struct route {
    std::atomic<std::uint32_t> owner{0};      // encode_owner()
    std::atomic<std::int64_t> read_until{0};  // steady ms; reads are allowed before it
    std::atomic<std::uint64_t> term{1};       // bumped each time this node starts serving it
  };

  void push(event e);
  void run();
  void handle(event& e, replication::instant now);
  void on(ev_propose& e, replication::instant now);
  void on(ev_messages& e, replication::instant now);
  void on(ev_persisted& e, replication::instant now);
  void on(ev_applied& e, replication::instant now);
  void on(ev_config& e, replication::instant now);
  void on(ev_authority& e, replication::instant now);
  void on(ev_peer_down& e, replication::instant now);
  void on(ev_reincarnate& e, replication::instant now);
  void on(ev_rebuild& e, replication::instant now);
  void on(ev_chunk& e, replication::instant now);
  void on(ev_installed& e, replication::instant now);
  void on(ev_sent& e, replication::instant now);

  void build_replicas();
  void propose_staged(slot& s, replication::instant now);
  void drain(storage::partition_id p, replication::instant now);
  void persist(storage::partition_id p, std::vector<replication::persist_op>& ops);
  void apply(storage::partition_id p, std::vector<replication::entry>& entries);
  void settle_proposals(slot& s, std::uint64_t visible, bool abandon);
  void compact(storage::partition_id p);
  void send_snapshot(storage::partition_id p, const replication::member& target, replication::instant now);
  void abandon_install(storage::partition_id p);
  void check_installs(replication::instant now);
  void flush_messages();
  void publish(replication::instant now);

  storage::store& db_;
  storage::committer& commits_;
  peer_link& link_;
  replicator_options options_;
  replicator_hooks hooks_;
  replication_probe probe_;

  // The loop's state (its thread only).
  std::array<slot, replicated_partitions> slots_;
  std::uint64_t generation_ = 1;  // bumped by reincarnation: completions of older writes are ignored
  std::array<std::optional<install>, replicated_partitions> installs_;
  std::array<std::set<std::uint16_t>, replicated_partitions> sending_;  // peers being sent a snapshot
  bool rebuilding_ = false;
  replication::instant authority_{0};
  // The newest configuration heard of each partition: a reincarnation rebuilds the replicas,
  // and a configuration that arrives meanwhile (the registration reads the whole map right
  // after it) must reach the rebuilt replica, not be dropped.
  std::array<std::optional<replication::configuration>, replicated_partitions> configs_;
  std::map<std::uint16_t,
           std::pair<std::vector<replication::append_request>, std::vector<replication::append_response>>>
      outgoing_;

  std::array<route, replicated_partitions> routes_;
  std::atomic<std::int64_t> all_read_until_{0};

  mutable std::mutex status_mutex_;
  std::vector<partition_status> status_;
  replication::member self_;  // guarded by status_mutex_ for readers
  std::chrono::steady_clock::time_point next_status_{};

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<event> events_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace reel::cluster
