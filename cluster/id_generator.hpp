// Cluster-unique ids below 2^53, time-ordered, never reused.
//
//   [41 bits: ms since 2024-01-01][4 bits: node][8 bits: sequence]
//
// Time is logical: it never goes below the last id's time, even when the wall clock steps
// back, and it borrows the next millisecond when 256 ids were taken in one. Restarts are
// covered by a durable reservation: the generator first writes "ids up to time T may have
// been issued" (T = now + reserve window) and hands out ids only below T; after a restart
// it starts above the stored T. While the store refuses writes (a full disk) the
// reservation cannot be written: ids then go on above T (id_generator.cpp says why that is
// safe enough) and every next id tries to reserve again.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "schema/ids.hpp"
#include "storage/store.hpp"

namespace reel::cluster {

class id_generator {
 public:
  static constexpr std::int64_t epoch_ms = 1704067200000;  // 2024-01-01T00:00:00Z
  static constexpr int node_bits = 4;
  static constexpr int sequence_bits = 8;
  static constexpr std::int64_t reserve_window_ms = 10'000;

  using clock_fn = std::function<millis()>;

  // Reads the reservation from `db`; throws std::runtime_error if node >= 16.
  id_generator(storage::store& db, std::uint32_t node, clock_fn clock);

  std::uint64_t next();
  // The time encoded in an id (ms since the Unix epoch).
  static millis time_of(std::uint64_t id);

 private:
  void reserve_beyond(std::int64_t ms);

  storage::store& db_;
  std::uint32_t node_;
  clock_fn clock_;
  std::mutex mutex_;
  std::int64_t last_ms_ = 0;  // relative to epoch_ms
  std::uint32_t sequence_ = 0;
  std::int64_t reserved_until_ = 0;  // relative to epoch_ms, exclusive
};

}  // namespace reel::cluster
