// The chat room of one unordered pair of users: appends messages in order.
//
// A message's create_time is strictly greater than the previous one's in the room (the
// clock may stand still or step back), so a client polling with pre_msg_time = the last
// create_time it saw never misses a message.
#pragma once

#include <string>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"

namespace reel::actors {

using chat_room_actor = entity_actor::extend<
    // (from, to, content): appends the message; replies once it is durable.
    caf::replies_to<message_atom, user_id, user_id, std::string>::with<caf::ok_atom>>;

chat_room_actor spawn_chat_room(caf::actor_system& sys, context& ctx, user_id low, user_id high);

}  // namespace reel::actors
