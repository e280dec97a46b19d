// Committed values of point-read keys, in memory. The feed and profile paths read the same
// user, video and edge keys thousands of times a second; a RocksDB Get costs 1.5-7 µs even
// with its blocks cached, a hit here a hash lookup. Absences are cached too: most like and
// follow checks of a feed page find nothing.
//
// The store fills it on reads and drops every key a write touched once the write is applied.
// A read that raced a write is never cached: each shard counts its writes, and a value read
// from RocksDB is kept only if no write reached its shard between the lookup and the fill.
// So a hit is never older than the last completed write of its key.
//
// Feed pages read the same hot keys from every HTTP thread at once: with a lock per lookup,
// the lock words of hot shards bounced between cores (a tenth of a feed read's CPU). So each
// thread keeps its own copy of what it read (level 1, up to 1/8 of the budget per thread),
// valid while its shard's write count is unchanged; checking that count reads a cache line
// that only writes touch. Misses go to the shared level 2, where a hit takes its shard's lock
// shared and marks the entry used; eviction (under the exclusive lock) gives used entries a
// second chance.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
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
    bool present = false;              // on a hit: whether the key exists
    std::optional<std::string> value;  // on a hit, if asked for: the value (nullopt when absent)
    std::uint64_t writes_seen = 0;     // pass to fill() after reading RocksDB on a miss
  };
  // `copy_value` false: only whether the key exists (no copy of the value).
  lookup find(std::string_view key, bool copy_value = true) { return find(key, hash(key), copy_value); }
  // The same with the key's hash() already computed (a batch hashes each key once).
  lookup find(std::string_view key, std::size_t key_hash, bool copy_value);
  // Starts loading what find(key) will read, so that a batch of lookups overlaps their
  // cache misses instead of waiting for each in turn.
  void prefetch(std::size_t key_hash) const;
  static std::size_t hash(std::string_view key);
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
    entry(std::string k, std::optional<std::string> v) : key(std::move(k)), value(std::move(v)) {}
    std::string key;
    std::optional<std::string> value;
    std::atomic<bool> used{false};  // hit since it last reached the back of the queue
  };
  struct shard {
    mutable std::shared_mutex mutex;
    std::list<entry> queue;  // newest (or given a second chance) first
    std::unordered_map<std::string_view, std::list<entry>::iterator> index;  // views into queue keys
    std::size_t bytes = 0;
    std::uint64_t writes = 0;                // under the exclusive lock
    std::atomic<std::uint64_t> published{0};  // = writes, for level-1 checks without the lock
    std::atomic<std::uint64_t> hits{0}, misses{0};
  };
  static constexpr std::size_t shard_count = 1024;

  shard& shard_of(std::size_t key_hash) { return *shards_[key_hash % shard_count]; }
  static std::size_t cost(const entry& e);
  void erase(shard& s, std::list<entry>::iterator it);

  std::uint64_t id_;  // tells this cache's level-1 entries from another (destroyed) one's
  std::size_t capacity_;
  std::size_t shard_capacity_;
  std::size_t level1_capacity_;  // bytes per thread
  std::vector<std::unique_ptr<shard>> shards_;
};

}  // namespace reel::storage
