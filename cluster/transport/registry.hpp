// Every type that crosses nodes, registered under one name on every node. CAF 0.17 drops a
// message whose type the receiver does not know without a word (the sender's request just
// times out), so all of them are listed here, and a test sends each across a real
// middleman (tests/unit/test_transport.cpp).
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "cluster/replication/types.hpp"
#include "cluster/snapshot.hpp"
#include "schema/ids.hpp"

namespace reel::cluster::transport {

// Loads the middleman with heartbeats on (a hung or cut-off peer is otherwise never noticed)
// and registers every cross-node message type. Call before constructing the actor system.
void configure(caf::actor_system_config& cfg);

}  // namespace reel::cluster::transport
