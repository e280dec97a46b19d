// One shard of the username index (one actor per partition): claims names for new users.
//
// A claim writes the name and a create-user effect for the new user in one batch; the user
// record is created through the outbox, so a crash between the two leaves no name without
// its user once the outbox is replayed.
#pragma once

#include <string>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

using name_index_actor = entity_actor::extend<
    // (name, password hash) -> the new user's id; errc::conflict when the name is taken.
    caf::replies_to<claim_atom, std::string, std::string>::with<user_id>>;

name_index_actor spawn_name_index(caf::actor_system& sys, context& ctx, storage::partition_id shard);

}  // namespace reel::actors
