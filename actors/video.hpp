// The video entity: like and comment counters, its likers, and its comments.
// A video lives in its author's partition (see user_videos.cpp).
#pragma once

#include <string>
#include <vector>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"

namespace reel::actors {

using video_actor = entity_actor::extend<
    // (commenter, text) -> the new comment's id and time, once durable.
    caf::replies_to<comment_atom, user_id, std::string>::with<comment_id, millis>,
    // (requester, comment): only the comment's author or the video's author may delete.
    caf::replies_to<uncomment_atom, user_id, comment_id>::with<caf::ok_atom>,
    // Outbox effects addressed to this video (likes), applied in order and idempotently.
    caf::replies_to<apply_atom, std::vector<std::string>>::with<caf::ok_atom>>;

video_actor spawn_video(caf::actor_system& sys, context& ctx, video_id id);

}  // namespace reel::actors
