// The node's outbox relay: delivers cross-actor effects written to the outbox.
//
// At-least-once and in order per target: all pending effects of one target go out as one
// batch, and the next batch only after the target acknowledged (durably applied) the
// previous one, so a follow and the unfollow after it can never be applied swapped.
// Acknowledged entries are deleted from the outbox; a crash before that only causes a
// redelivery, which targets ignore. On start the relay replays every stored entry.
#pragma once

#include <atomic>
#include <string>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

using outbox_relay_actor = caf::typed_actor<
    // (partition of the outbox entry, encoded OutboxEntry): replies once the target applied it.
    caf::replies_to<deliver_atom, storage::partition_id, std::string>::with<caf::ok_atom>,
    caf::reacts_to<retry_atom, std::uint64_t, bool>,  // (target id, is a video)
    // Loads every stored outbox entry and delivers it; sets `replayed` once all are applied.
    caf::reacts_to<replay_atom>,
    // Cluster mode: this node became the partition's primary: deliver its stored entries.
    caf::reacts_to<replay_atom, storage::partition_id>,
    // Cluster mode: it is no longer the primary: drop the partition's entries (the new
    // primary replays them).
    caf::reacts_to<forget_atom, storage::partition_id>>;

struct relay_probe {
  std::atomic<bool> replayed{false};
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::int64_t> pending{0};
};

outbox_relay_actor spawn_outbox_relay(caf::actor_system& sys, context& ctx, relay_probe& probe);

}  // namespace reel::actors
