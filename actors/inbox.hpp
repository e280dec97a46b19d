// The inbox shard of one partition: owns the home timelines (inboxes) of that partition's
// users. Fan-out pushes one batch per partition here; follow backfill and unfollow hiding
// come from the follower's user actor. Inboxes keep the newest `inbox_cap` entries. In a
// cluster, pushes are held up to 50 ms, or while a push write is on its way, and written
// together (a big fan-out's, 64 owners or more, go as soon as no write is on its way).
#pragma once

#include <vector>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

using linger_atom = caf::atom_constant<caf::atom("linger")>;

using inbox_actor = entity_actor::extend<
    // (video, author, created, owners): adds the video to each owner's inbox. Idempotent.
    caf::replies_to<push_atom, video_id, user_id, millis, std::vector<user_id>>::with<caf::ok_atom>,
    // (owner, author): copies the author's recent works into the owner's inbox.
    caf::replies_to<backfill_atom, user_id, user_id>::with<caf::ok_atom>,
    // (owner, author): removes the author's videos from the owner's inbox.
    caf::replies_to<hide_atom, user_id, user_id>::with<caf::ok_atom>,
    // The shard's own timer (cluster mode): the pushes held since the first one go.
    caf::reacts_to<linger_atom>>;

inbox_actor spawn_inbox_shard(caf::actor_system& sys, context& ctx, storage::partition_id shard);

}  // namespace reel::actors
