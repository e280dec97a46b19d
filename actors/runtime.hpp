// What every entity actor of a node shares: atoms, the node context, error conversion,
// and the write path (group commit + reply-after-durable) with idle passivation.
#pragma once

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "actors/settings.hpp"
#include "cluster/id_generator.hpp"
#include "cluster/routing.hpp"
#include "cluster/write_path.hpp"
#include "schema/errors.hpp"
#include "storage/store.hpp"

namespace reel::actors {

using follow_atom = caf::atom_constant<caf::atom("follow")>;
using apply_atom = caf::atom_constant<caf::atom("apply")>;
using durable_atom = caf::atom_constant<caf::atom("durable")>;
using message_atom = caf::atom_constant<caf::atom("message")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
using retry_atom = caf::atom_constant<caf::atom("retry")>;
using replay_atom = caf::atom_constant<caf::atom("replay")>;
using publish_atom = caf::atom_constant<caf::atom("rpublish")>;
using like_atom = caf::atom_constant<caf::atom("like")>;
using comment_atom = caf::atom_constant<caf::atom("comment")>;
using uncomment_atom = caf::atom_constant<caf::atom("uncomment")>;
using push_atom = caf::atom_constant<caf::atom("push")>;
using backfill_atom = caf::atom_constant<caf::atom("backfill")>;
using hide_atom = caf::atom_constant<caf::atom("hide")>;
using start_atom = caf::atom_constant<caf::atom("start")>;
using forget_atom = caf::atom_constant<caf::atom("forget")>;
using admit_atom = caf::atom_constant<caf::atom("admit")>;

// Every entity actor reacts to these: commit completions and its idle timer.
using entity_actor =
    caf::typed_actor<caf::reacts_to<durable_atom, std::uint64_t, bool>, caf::reacts_to<caf::tick_atom>>;

caf::error to_caf(const error& e);
error from_caf(const caf::error& e);
inline caf::error caf_error(errc code, std::string message = {}) {
  return to_caf(make_error(code, std::move(message)));
}

class directory;
class celebrity_set;
class recent_timeline;
class revocation_list;

// The node's shared services, alive as long as the actor system.
struct context {
  storage::store& db;
  cluster::write_path& commits;
  cluster::id_generator& ids;
  directory& dir;
  celebrity_set& celebrities;
  recent_timeline& recent;
  revocation_list& revoked;
  settings cfg;
  const cluster::routing& routing;
  // Cluster mode: entities may live on other nodes, and writes replicate.
  bool replicated = false;
  // Cluster mode: the entity router of a connected peer (null when not connected).
  std::function<caf::actor(std::uint16_t node)> peer_router;
  // Cluster mode: the media library, to copy videos between nodes (actors/media_copy.hpp).
  const struct media_store* media = nullptr;
  // Counts a register/login attempt from a client address here; false over the limit.
  std::function<bool(const std::string& client)> admit;
};

// A write that could not be made durable (single node) or visible on every replica of its
// partition (cluster: the primary changed or lost its lease): the client may retry. While
// this node's store refuses writes (a full disk: storage/write_gate.hpp) that is the
// reason given; it is read when the failure is answered, a moment after the write failed.
caf::error write_failed(const context& ctx);

// Bookkeeping of one entity actor's writes: each batch gets a sequence number; the commit
// thread reports durability with (durable_atom, seq, ok) and the continuations run then,
// in order. Replies that depend on earlier writes wait with after_pending().
class write_log {
 public:
  using continuation = std::function<void(bool durable)>;

  std::uint64_t begin(continuation then) {
    auto seq = ++last_;
    waiting_[seq].push_back(std::move(then));
    return seq;
  }

  // Runs `then` once everything written so far is durable (at once if nothing is pending).
  void after_pending(continuation then) {
    if (waiting_.empty())
      then(true);
    else
      waiting_.rbegin()->second.push_back(std::move(then));
  }

  void complete(std::uint64_t seq, bool durable) {
    auto node = waiting_.extract(seq);
    if (!node.empty())
      for (auto& f : node.mapped()) f(durable);
  }

  bool idle() const { return waiting_.empty(); }

 private:
  std::uint64_t last_ = 0;
  std::map<std::uint64_t, std::vector<continuation>> waiting_;
};

// Submits `batch` through group commit; `then` runs on the actor once it is durable.
// An entity's state holds the partition's term it loaded in (cluster::routing::term): its
// writes are refused if the partition's primary has changed since.
template <class Self>
void persist(Self* self, context& ctx, write_log& log, storage::partition_id partition, rocksdb::WriteBatch batch,
             write_log::continuation then) {
  auto seq = log.begin(std::move(then));
  auto me = caf::actor_cast<entity_actor>(self);
  std::uint64_t term = 0;
  if constexpr (requires { self->state.term; }) term = self->state.term;
  ctx.commits.submit(
      partition, std::move(batch), [me, seq](bool durable) { caf::anon_send(me, durable_atom::value, seq, durable); },
      term);
}

// Idle passivation: an entity with nothing pending and no message for `cfg.idle_passivation`
// leaves the directory and quits; its state is in RocksDB and the next message reactivates it.
struct idle_timer {
  std::chrono::steady_clock::time_point last_active = std::chrono::steady_clock::now();
  void touch() { last_active = std::chrono::steady_clock::now(); }
  bool expired(std::chrono::milliseconds idle) const { return std::chrono::steady_clock::now() - last_active >= idle; }
};

template <class Self>
void schedule_idle_check(Self* self, const context& ctx) {
  self->delayed_send(caf::actor_cast<entity_actor>(self), ctx.cfg.idle_passivation / 2 + std::chrono::milliseconds(1),
                     caf::tick_atom::value);
}

// The idle timer's tick: retire (leave the directory, then quit) when idle and not busy.
template <class Self, class Retire>
void on_idle_tick(Self* self, const context& ctx, bool busy, Retire retire) {
  if (!busy && self->state.idle.expired(ctx.cfg.idle_passivation)) {
    retire();
    self->quit();
  } else {
    schedule_idle_check(self, ctx);
  }
}

}  // namespace reel::actors
