// Entities on other nodes (cluster mode). An entity's actor runs on its partition's primary;
// elsewhere, the directory hands out a forwarder with the same typed interface, so callers
// never know. Each request is routed when it arrives: to the local actor when this node is
// the primary, else to the primary's router (delegated: the answer goes straight back to
// the caller), else refused as unavailable. A router receives the entity's key with the
// request and hands it to the local actor, if this node still is the primary.
#pragma once

#include <functional>

#include "actors/chat_room.hpp"
#include "actors/inbox.hpp"
#include "actors/name_index.hpp"
#include "actors/runtime.hpp"
#include "actors/shared_facts.hpp"
#include "actors/user.hpp"
#include "actors/video.hpp"

namespace reel::actors {

// Which entity a routed request is for; the key follows.
using to_user_atom = caf::atom_constant<caf::atom("touser")>;      // user_id
using to_video_atom = caf::atom_constant<caf::atom("tovideo")>;    // video_id
using to_inbox_atom = caf::atom_constant<caf::atom("toinbox")>;    // partition (std::uint16_t)
using to_room_atom = caf::atom_constant<caf::atom("toroom")>;      // low, high user_id
using to_names_atom = caf::atom_constant<caf::atom("tonames")>;    // partition (std::uint16_t)
using to_shared_atom = caf::atom_constant<caf::atom("toshared")>;  // (no key: there is one)

// A forwarder passivates after the idle time like an entity, calling `retire` first.
using retire_fn = std::function<void(const caf::actor_addr&)>;
user_actor spawn_user_forwarder(caf::actor_system& sys, context& ctx, user_id id, retire_fn retire);
video_actor spawn_video_forwarder(caf::actor_system& sys, context& ctx, video_id id, retire_fn retire);
inbox_actor spawn_inbox_forwarder(caf::actor_system& sys, context& ctx, storage::partition_id shard, retire_fn retire);
chat_room_actor spawn_chat_room_forwarder(caf::actor_system& sys, context& ctx, user_id low, user_id high,
                                          retire_fn retire);
name_index_actor spawn_name_index_forwarder(caf::actor_system& sys, context& ctx, storage::partition_id shard,
                                            retire_fn retire);
shared_facts_actor spawn_shared_facts_forwarder(caf::actor_system& sys, context& ctx, retire_fn retire);

// The node's router: what peers' forwarders reach (published through the transport).
caf::actor spawn_router(caf::actor_system& sys, context& ctx);

}  // namespace reel::actors
