// The user entity: profile, credentials, counters, the user's side of follow edges and
// likes, and the publishing of the user's videos.
//
// Writes only. Reads of committed state (profiles, edge lists) go straight to storage
// through actors/views.hpp; the actor replies to a write once it is durable, so a read
// issued after the reply sees it.
#pragma once

#include <string>
#include <vector>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"

namespace reel::actors {

using user_actor = entity_actor::extend<
    // Follow (true) or unfollow (false) another user; the other user's follower side is
    // changed through the outbox. Idempotent.
    caf::replies_to<follow_atom, user_id, bool>::with<caf::ok_atom>,
    // Like (true) or unlike (false) a video; the video's side goes through the outbox.
    caf::replies_to<like_atom, video_id, bool>::with<caf::ok_atom>,
    // (title, media hash): writes the video, the works entry and its fan-out job in one
    // batch; replies with the new video's id once durable (fan-out continues after).
    caf::replies_to<publish_atom, std::string, std::string>::with<video_id>,
    // Outbox effects addressed to this user (encoded OutboxEntry records), applied in order
    // and idempotently; replies once they are durable.
    caf::replies_to<apply_atom, std::vector<std::string>>::with<caf::ok_atom>>;

user_actor spawn_user(caf::actor_system& sys, context& ctx, user_id id);

}  // namespace reel::actors
