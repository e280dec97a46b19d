// The user actor's state and the helpers its handler files share (user.cpp,
// user_relations.cpp, user_videos.cpp). Private to the user actor.
#pragma once

#include <optional>
#include <unordered_map>

#include "actors/relations.hpp"
#include "actors/service.hpp"
#include "actors/user.hpp"
#include "storage/records.hpp"

namespace reel::actors {

template <class Key>
using overlay = std::unordered_map<Key, std::optional<millis>>;

struct user_state {
  user_id id;
  std::optional<storage::user_record> record;  // nullopt: the user does not exist (yet)
  // Values written but maybe not yet durable; storage is current once the log is idle.
  overlay<user_id> following;
  overlay<user_id> followers;
  overlay<video_id> favorites;
  std::unordered_map<video_id, storage::favorites_seen> seen;
  // The creation time of the user's newest video (loaded on the first publish): the next one
  // is later, so that the user's videos list newest first even when two fall in one
  // millisecond or the clock steps back.
  std::optional<millis> last_created;
  write_log log;
  idle_timer idle;
  std::uint64_t term = 0;  // the partition's term when this activation loaded its state (runtime.hpp: persist)
  int relay_requests = 0;
};

using user_self = user_actor::stateful_pointer<user_state>;
using ok_promise = caf::typed_response_promise<caf::ok_atom>;

// Counts are derived from edges that were just checked; never let a bug wrap around.
inline void adjust(std::uint64_t& count, int delta) {
  if (delta < 0 && count == 0) return;
  count += delta;
}

std::optional<millis> follow_edge(user_self self, context& ctx, edge_direction dir, user_id other);

// Continuation for a write: on failure the promise gets an error and the actor stops (its
// memory is ahead of storage; the next message reloads it); on success `then` runs.
write_log::continuation on_durable(user_self self, const context& ctx, std::function<void()> then,
                                   std::function<void(caf::error)> fail);
// The common case: deliver ok_atom to `rp` once durable.
write_log::continuation reply_when_durable(user_self self, const context& ctx, ok_promise rp);

// Writes the record with `batch` and adds an outbox entry for `effect`; once durable and
// applied by its target (or timed out: it stays in the outbox), `then` runs.
void persist_with_effect(user_self self, context& ctx, rocksdb::WriteBatch batch, storage::outbox_entry effect,
                         std::function<void()> then, std::function<void(caf::error)> fail);

// Handlers, by topic.
ok_promise follow(user_self self, context& ctx, user_id target, bool on);
ok_promise like(user_self self, context& ctx, video_id video, bool on);
caf::typed_response_promise<video_id> publish(user_self self, context& ctx, std::string title, std::string hash);
// Effects from the outbox; false when the change is not for this actor's state.
bool stage_follower_change(user_self self, context& ctx, rocksdb::WriteBatch& batch,
                           const storage::follower_change& change);
bool stage_favorites_report(user_self self, context& ctx, rocksdb::WriteBatch& batch,
                            const storage::favorites_report& report);

}  // namespace reel::actors
