// The facts every node needs to answer requests, kept in the shared partition: revoked
// tokens and the celebrity set. One actor writes them, on the shared partition's primary
// (on a cluster, every node replicates that partition, and its store observer updates each
// node's in-memory lists as the writes apply: actors/node.cpp).
#pragma once

#include <cstdint>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"

namespace reel::actors {

using revoke_atom = caf::atom_constant<caf::atom("revoke")>;
using celebrity_atom = caf::atom_constant<caf::atom("celebrity")>;

class revocation_list;

using shared_facts_actor = entity_actor::extend<
    // (token id, the token's expiry): the revocation is durable before the reply; the
    // records of tokens expired since leave in the same write.
    caf::replies_to<revoke_atom, std::uint64_t, millis>::with<caf::ok_atom>,
    // (author): the author's videos are pulled at read time from now on.
    caf::replies_to<celebrity_atom, user_id>::with<caf::ok_atom>>;

shared_facts_actor spawn_shared_facts(caf::actor_system& sys, context& ctx);

}  // namespace reel::actors
