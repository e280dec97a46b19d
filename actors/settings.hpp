// Tunables of the actor layer (reeld --help lists them).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace reel::actors {

struct settings {
  std::chrono::milliseconds idle_passivation{60'000};  // entity actor idle time before it is stopped
  std::chrono::milliseconds request_timeout{5'000};    // every actor request carries it
  std::uint32_t node = 0;                              // node number in the id layout (0..15)
  unsigned gateway_actors = 2;                         // edge actors (about one per core)
  std::size_t max_message_bytes = 4096;
  std::size_t inbox_cap = 1000;                  // newest entries kept per home timeline
  std::uint64_t celebrity_threshold = 10'000;    // authors with this many followers are pulled, not pushed
  std::size_t backfill_videos = 30;              // a new follow copies this many recent works
  std::size_t fanout_page = 4096;                // followers read per fan-out step
  std::size_t read_cache_mb = 256;               // records and edges kept in memory for point reads
  // Free space writes leave on the data disk (storage/free_space.hpp); nullopt: 1% of the
  // disk, at most 256 MiB; 0: none.
  std::optional<std::uint64_t> min_free_bytes;
};

}  // namespace reel::actors
