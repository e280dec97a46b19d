#include "actors/outbox.hpp"

#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "actors/directory.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

constexpr std::size_t max_batch = 256;
constexpr auto retry_delay = std::chrono::milliseconds(200);

struct queued {
  storage::partition_id partition;
  op_id op;
  std::string entry;
  std::optional<caf::typed_response_promise<caf::ok_atom>> waiter;  // none for replayed entries
  bool dropped = false;  // its partition moved away while it was in flight: not ours to clean up
};

// Who an effect is for: likes go to videos, everything else to users.
struct target_ref {
  std::uint64_t id = 0;
  bool video = false;
  friend bool operator==(target_ref, target_ref) = default;
};

struct target_hash {
  std::size_t operator()(target_ref t) const { return std::hash<std::uint64_t>{}(t.id * 2 + t.video); }
};

target_ref target_of(const storage::outbox_entry& e) {
  return {e.target, std::holds_alternative<storage::like_change>(e.effect)};
}

struct relay_state {
  std::unordered_map<target_ref, std::deque<queued>, target_hash> queues;
  std::unordered_map<target_ref, std::size_t, target_hash> in_flight;  // entries sent, at the queue's front
  std::size_t replay_left = 0;
  bool replaying = false;
};

using self_ptr = outbox_relay_actor::stateful_pointer<relay_state>;

void pump(self_ptr self, context& ctx, relay_probe& probe, target_ref target);

// Deletes applied entries. A single node writes them in one write without fsync: losing the
// deletion only redelivers effects that targets ignore (one write per partition made the
// relay, one actor for the node, the bottleneck of a like storm: 8% fewer requests/s). A
// cluster replicates them like any write (without waiting), partition by partition, so that
// a new primary does not redeliver everything.
class deletions {
 public:
  explicit deletions(const context& ctx) : replicated_(ctx.replicated) {}
  void add(storage::partition_id p, op_id op) {
    batches_[replicated_ ? p : 0].Delete(storage::keys::outbox(p, op).str());
  }
  void write(context& ctx) {
    for (auto& [partition, batch] : batches_) {
      if (replicated_) {
        ctx.commits.submit(partition, std::move(batch), [](bool) {});
        continue;
      }
      try {
        ctx.db.write_buffered(batch);
      } catch (const std::exception&) {
        // Refused (a full disk) or failed: the entries stay and are delivered again after a
        // restart, which their targets ignore. Never let it stop the relay.
      }
    }
  }

 private:
  bool replicated_;
  std::map<storage::partition_id, rocksdb::WriteBatch> batches_;
};

void acknowledged(self_ptr self, context& ctx, relay_probe& probe, target_ref target, std::size_t count) {
  auto& st = self->state;
  auto& queue = st.queues[target];
  deletions cleanup(ctx);
  std::int64_t applied = 0;  // of ours: dropped entries were counted out when dropped
  for (std::size_t i = 0; i < count; ++i) {
    auto& q = queue.front();
    if (!q.dropped) {
      cleanup.add(q.partition, q.op);
      if (q.waiter)
        q.waiter->deliver(caf::ok_atom::value);
      else if (st.replay_left > 0 && --st.replay_left == 0)
        probe.replayed = true;
      ++applied;
    }
    queue.pop_front();
  }
  cleanup.write(ctx);
  probe.delivered += applied;
  probe.pending -= applied;
  st.in_flight.erase(target);
  if (queue.empty())
    st.queues.erase(target);
  else
    pump(self, ctx, probe, target);
}

// Sends `batch` to the target's actor; the response arrives as for any request.
auto apply_request(self_ptr self, context& ctx, target_ref target, std::vector<std::string> batch) {
  if (target.video)
    return self->request(ctx.dir.video(video_id(target.id)), ctx.cfg.request_timeout, apply_atom::value,
                         std::move(batch));
  return self->request(ctx.dir.user(user_id(target.id)), ctx.cfg.request_timeout, apply_atom::value, std::move(batch));
}

void pump(self_ptr self, context& ctx, relay_probe& probe, target_ref target) {
  auto& st = self->state;
  auto it = st.queues.find(target);
  if (it == st.queues.end() || it->second.empty() || st.in_flight.count(target)) return;
  std::vector<std::string> batch;
  for (auto& q : it->second) {
    if (batch.size() == max_batch) break;
    batch.push_back(q.entry);
  }
  st.in_flight[target] = batch.size();
  auto count = batch.size();
  apply_request(self, ctx, target, std::move(batch))
      .then([self, &ctx, &probe, target, count](caf::ok_atom) { acknowledged(self, ctx, probe, target, count); },
            [self, &probe, target](caf::error&) {
              // Keep the order: the whole queue of this target waits for the retry.
              ++probe.retries;
              self->state.in_flight.erase(target);
              self->delayed_send(self, retry_delay, retry_atom::value, target.id, target.video);
            });
}

void enqueue(self_ptr self, relay_probe& probe, queued q, target_ref target) {
  ++probe.pending;
  self->state.queues[target].push_back(std::move(q));
}

// Queues every stored entry of partition `p`; returns their targets.
std::vector<target_ref> load_partition(self_ptr self, context& ctx, relay_probe& probe, storage::partition_id p) {
  std::vector<target_ref> targets;
  auto prefix = storage::keys::outbox_prefix(p);
  ctx.db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view value) {
    auto entry = storage::decode_outbox_entry(value);
    if (!entry) return true;  // unreadable: left in place for an operator, never misapplied
    enqueue(self, probe, queued{p, entry->op, std::string(value), std::nullopt}, target_of(*entry));
    targets.push_back(target_of(*entry));
    ++self->state.replay_left;
    return true;
  });
  return targets;
}

void replay(self_ptr self, context& ctx, relay_probe& probe) {
  std::vector<target_ref> targets;
  for (storage::partition_id p = 0; p < storage::partition_count; ++p) {
    auto loaded = load_partition(self, ctx, probe, p);
    targets.insert(targets.end(), loaded.begin(), loaded.end());
  }
  if (self->state.replay_left == 0) probe.replayed = true;
  for (auto t : targets) pump(self, ctx, probe, t);
}

// The partition's primary is elsewhere now: its entries leave the queues (their waiters
// hear an error), except those in flight, which stay until answered but are not cleaned up.
void forget(self_ptr self, relay_probe& probe, storage::partition_id p) {
  auto& st = self->state;
  for (auto it = st.queues.begin(); it != st.queues.end();) {
    auto sent = st.in_flight.count(it->first) ? st.in_flight[it->first] : 0;
    auto& queue = it->second;
    std::deque<queued> kept;
    for (std::size_t i = 0; i < queue.size(); ++i) {
      auto& q = queue[i];
      if (q.partition != p) {
        kept.push_back(std::move(q));
        continue;
      }
      if (q.waiter && !q.dropped) q.waiter->deliver(caf_error(errc::unavailable, "the partition moved"));
      --probe.pending;
      if (i < sent) {
        q.dropped = true;
        kept.push_back(std::move(q));
      }
    }
    queue = std::move(kept);
    if (queue.empty())
      it = st.queues.erase(it);
    else
      ++it;
  }
}

outbox_relay_actor::behavior_type relay_behavior(self_ptr self, context* ctx, relay_probe* probe) {
  return {
      [=](deliver_atom, storage::partition_id partition, std::string& bytes) {
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto entry = storage::decode_outbox_entry(bytes);
        if (!entry) {
          rp.deliver(caf_error(errc::internal, "malformed outbox entry"));
          return rp;
        }
        enqueue(self, *probe, queued{partition, entry->op, std::move(bytes), rp}, target_of(*entry));
        pump(self, *ctx, *probe, target_of(*entry));
        return rp;
      },
      [=](retry_atom, std::uint64_t target, bool video) {
        pump(self, *ctx, *probe, target_ref{target, video});
      },
      [=](replay_atom) { replay(self, *ctx, *probe); },
      [=](replay_atom, storage::partition_id p) {
        for (auto t : load_partition(self, *ctx, *probe, p)) pump(self, *ctx, *probe, t);
      },
      [=](forget_atom, storage::partition_id p) { forget(self, *probe, p); },
  };
}

}  // namespace

outbox_relay_actor spawn_outbox_relay(caf::actor_system& sys, context& ctx, relay_probe& probe) {
  return sys.spawn(relay_behavior, &ctx, &probe);
}

}  // namespace reel::actors
