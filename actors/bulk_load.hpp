// Offline bulk loading of users, follow edges and videos, for benchmarks and migrations.
//
// Writes the same records and keys as the actors do, with the same invariants: counts equal
// stored edges, both sides of every follow exist, each video is in its author's works and
// the global timeline, and every non-celebrity author's video is in each follower's inbox
// (newest `inbox_cap` kept) as a finished fan-out leaves it. Runs with the node stopped
// (RocksDB's lock keeps a running reeld out) and never hashes more than one password.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/id_generator.hpp"
#include "schema/ids.hpp"
#include "storage/store.hpp"

namespace reel::actors {

struct bulk_plan {
  std::vector<std::string> names;                              // one user per name
  std::vector<std::pair<std::uint32_t, std::uint32_t>> follows;  // (follower, followee) indices into names
  std::size_t videos_per_user = 0;
  std::string media_hash;     // every video plays these stored bytes
  std::string password_hash;  // every user's Argon2id hash (one hash, computed once)
  std::size_t inbox_cap = 1000;
  std::uint64_t celebrity_threshold = 10'000;
};

struct bulk_result {
  std::vector<user_id> users;  // in the order of plan.names
  std::vector<video_id> videos;
  std::size_t follows = 0;       // distinct edges written
  std::size_t inbox_entries = 0;
  std::size_t celebrities = 0;
};

using bulk_progress = std::function<void(const std::string& step, std::size_t done, std::size_t total)>;

bulk_result bulk_load(storage::store& db, cluster::id_generator& ids, const bulk_plan& plan,
                      const bulk_progress& progress);

}  // namespace reel::actors
