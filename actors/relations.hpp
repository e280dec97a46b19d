// Follow edges as stored: each direction has a by-id key (existence, point lookups) and a
// by-time key (newest-first listing). These functions stage the writes of one edge change
// into a batch; the user actor owning the edge's partition decides when and commits.
#pragma once

#include <rocksdb/write_batch.h>

#include <optional>

#include "schema/ids.hpp"
#include "storage/store.hpp"

namespace reel::actors {

enum class edge_direction { following, follower };

// The edge's "since" time, or nullopt when `owner` has no such edge to `other`.
std::optional<millis> read_edge(const storage::store& db, edge_direction dir, user_id owner, user_id other);

// Stages the change of one edge from `before` to `after` (nullopt = absent) and returns the
// change of the owner's count (-1, 0 or +1).
int stage_edge(rocksdb::WriteBatch& batch, edge_direction dir, user_id owner, user_id other,
               std::optional<millis> before, std::optional<millis> after);

}  // namespace reel::actors
