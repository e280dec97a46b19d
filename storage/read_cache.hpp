// Committed values of point-read keys, in memory. The feed and profile paths read the same
// user, video and edge keys thousands of times a second; a RocksDB Get costs 1.5-7 µs even
// with its blocks cached, a hit here a hash lookup. Absences are cached too: most like and
// follow checks of a feed page find nothing.
//
// The store fills it on reads and drops every key a write touched once the write is applied.
// A read that raced a write is never cached: each shard counts its writes, and a value read
// from RocksDB is kept only if no write reached its shard between the lookup and the fill.
// So a hit is never older than the last completed write of its key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reel::storage {

class read_cache {
 public:
  // Least recently used entries go once the entries' bytes exceed `capacity_bytes`;
  // 0 disables the cache.
  explicit read_cache(std::size_t capacity_bytes);

  struct lookup {
    bool hit = false;
    std::optional<std::string> value;  // on a hit: the value, or nullopt for a cached absence
    std::uint64_t writes_seen = 0;     // pass to fill() after reading RocksDB on a miss
  };
  lookup find(std::string_view key);
  // Caches what RocksDB answered for `key`, unless a write reached its shard since find().
  void fill(std::string_view key, const std::optional<std::string>& value, std::uint64_t writes_seen);
  // Called after every write of `key` (before the write is acknowledged to anyone).
  void invalidate(std::string_view key);
  // Drops everything (a write the cache cannot map to keys).
  void clear();

  bool enabled() const { return capacity_ > 0; }

  struct stats {
    std::uint64_t hits = 0, misses = 0, entries = 0, bytes = 0;
  };
  stats snapshot() const;

 private:
  struct entry {
    std::string key;
    std::optional<std::string> value;
  };
  struct shard {
    mutable std::mutex mutex;
    std::list<entry> lru;  // most recently used first
    std::unordered_map<std::string_view, std::list<entry>::iterator> index;  // views into lru keys
    std::size_t bytes = 0;
    std::uint64_t writes = 0;
    std::uint64_t hits = 0, misses = 0;
  };
  static constexpr std::size_t shard_count = 1024;

  shard& shard_of(std::string_view key);
  static std::size_t cost(const entry& e);
  void erase(shard& s, std::list<entry>::iterator it);

  std::size_t capacity_;
  std::size_t shard_capacity_;
  std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace reel::storage
