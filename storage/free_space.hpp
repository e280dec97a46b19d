// The data disk's free space and the reserve that writes must leave free (--min-free-bytes).
//
// Writes are refused (storage_full) once they would leave less than the reserve free, so that
// in normal operation neither RocksDB (WAL, flushes, MANIFEST) nor the media library ever
// meets ENOSPC: RocksDB then has room to flush and compact, and a refused write has touched
// nothing. statvfs is read at most every 100 ms (refresh_interval); in between, bytes
// written are subtracted from the last reading, so a burst cannot overrun the reserve
// unnoticed.
#pragma once

#include <sys/statvfs.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>

namespace reel::storage {

// What a file system offers this process, in bytes.
struct space_reading {
  std::uint64_t total = 0;   // the file system's size
  std::uint64_t usable = 0;  // free space this process may fill
};

// From statvfs: a root process may also fill the blocks ext4 keeps for root (f_bfree),
// anyone else only f_bavail.
space_reading reading_of(const struct statvfs& s, bool root);
// The reading of the file system holding `dir`; nullopt when statvfs fails.
std::optional<space_reading> read_space(const std::filesystem::path& dir);

// The reserve when none is configured: 1% of the file system, at most 256 MiB.
std::uint64_t default_reserve(std::uint64_t total);
constexpr std::uint64_t max_default_reserve = std::uint64_t{256} << 20;

class free_space {
 public:
  using reader = std::function<std::optional<space_reading>()>;
  using clock_fn = std::function<std::chrono::steady_clock::time_point()>;
  static constexpr auto refresh_interval = std::chrono::milliseconds(100);

  // `reserve`: bytes to leave free; nullopt: default_reserve of the file system; 0: none
  // (RocksDB and the media library meet ENOSPC themselves; the store recovers from it).
  free_space(reader read, std::optional<std::uint64_t> reserve, clock_fn now = std::chrono::steady_clock::now);
  // The data dir's file system.
  free_space(const std::filesystem::path& dir, std::optional<std::uint64_t> reserve);

  // Whether `bytes` more may be written and still leave the reserve free; counts `writes`
  // refused when not. Reads statvfs when the last reading is older than refresh_interval.
  bool admit(std::uint64_t bytes, std::uint64_t writes = 1);
  // Whether writes are refused right now for want of space (no bytes asked for).
  bool below_reserve();
  // `bytes` were just written: they count against the last reading until the next one.
  void wrote(std::uint64_t bytes);
  // Counts writes refused for want of space elsewhere (RocksDB reported no space).
  void refused(std::uint64_t writes) { refused_.fetch_add(writes, std::memory_order_relaxed); }
  // Reads statvfs now; returns the usable bytes.
  std::uint64_t refresh();

  std::uint64_t reserve() const { return reserve_; }
  std::uint64_t usable() const { return usable_.load(std::memory_order_relaxed); }
  std::uint64_t refused_writes() const { return refused_.load(std::memory_order_relaxed); }

 private:
  void refresh_if_stale();

  reader read_;
  clock_fn now_;
  std::uint64_t reserve_ = 0;
  std::atomic<std::uint64_t> usable_{0};
  std::atomic<std::int64_t> read_at_ns_{0};  // steady clock of the last reading
  std::atomic<std::uint64_t> refused_{0};
};

}  // namespace reel::storage
