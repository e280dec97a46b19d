#include "storage/read_cache.hpp"

#include <functional>

namespace reel::storage {

namespace {

std::atomic<std::uint64_t> next_cache_id{1};

// One thread's level 1: copies of values with the write count of their shard when copied.
struct level1_entry {
  std::uint64_t cache = 0;
  std::uint64_t writes = 0;
  std::optional<std::string> value;
};
// Lookups by string_view without building a string (C++20 heterogeneous lookup).
struct key_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view k) const { return std::hash<std::string_view>{}(k); }
};
struct level1_table {
  std::unordered_map<std::string, level1_entry, key_hash, std::equal_to<>> entries;
  std::size_t bytes = 0;
};
thread_local level1_table level1;

// Level-1 hits, counted per thread slot so that counting does not bounce a shared line.
struct alignas(64) hit_slot {
  std::atomic<std::uint64_t> hits{0};
};
constexpr std::size_t hit_slots = 64;
hit_slot level1_hits[hit_slots];
std::atomic<std::size_t> next_slot{0};
thread_local const std::size_t my_slot = next_slot.fetch_add(1) % hit_slots;

std::size_t level1_cost(std::string_view key, const std::optional<std::string>& value) {
  return key.size() + (value ? value->size() : 0) + 96;
}

}  // namespace

read_cache::read_cache(std::size_t capacity_bytes)
    : id_(next_cache_id.fetch_add(1)),
      capacity_(capacity_bytes),
      shard_capacity_(capacity_bytes / shard_count),
      level1_capacity_(capacity_bytes / 32) {
  for (std::size_t i = 0; i < shard_count; ++i) shards_.push_back(std::make_unique<shard>());
}

std::size_t read_cache::shard_index(std::string_view key) const {
  return std::hash<std::string_view>{}(key) % shard_count;
}

// Keeps a copy in this thread's level 1, emptied whole when it outgrows its budget.
void read_cache::remember(std::string_view key, std::uint64_t writes,
                          const std::optional<std::string>& value) {
  auto cost = level1_cost(key, value);
  if (level1.bytes + cost > level1_capacity_) {
    level1.entries.clear();
    level1.bytes = 0;
    if (cost > level1_capacity_) return;
  }
  auto it = level1.entries.find(key);
  bool fresh = it == level1.entries.end();
  if (fresh) it = level1.entries.emplace(std::string(key), level1_entry{}).first;
  if (!fresh) level1.bytes -= level1_cost(key, it->second.value);
  it->second = level1_entry{id_, writes, value};
  level1.bytes += cost;
}

// The entry's payload plus a rough allowance for the list node and the index slot.
std::size_t read_cache::cost(const entry& e) { return e.key.size() + (e.value ? e.value->size() : 0) + 96; }

void read_cache::erase(shard& s, std::list<entry>::iterator it) {
  s.bytes -= cost(*it);
  s.index.erase(std::string_view(it->key));
  s.queue.erase(it);
}

read_cache::lookup read_cache::find(std::string_view key, bool copy_value) {
  lookup out;
  if (!enabled()) return out;
  auto index = shard_index(key);
  auto& s = *shards_[index];
  if (auto mine = level1.entries.find(key); mine != level1.entries.end()) {
    const auto& e = mine->second;
    if (e.cache == id_ && e.writes == s.published.load(std::memory_order_acquire)) {
      level1_hits[my_slot].hits.fetch_add(1, std::memory_order_relaxed);
      out.hit = true;
      out.present = e.value.has_value();
      if (copy_value) out.value = e.value;
      out.writes_seen = e.writes;
      return out;
    }
  }
  {
    std::shared_lock lock(s.mutex);
    out.writes_seen = s.writes;
    auto found = s.index.find(key);
    if (found == s.index.end()) {
      s.misses.fetch_add(1, std::memory_order_relaxed);
      return out;
    }
    s.hits.fetch_add(1, std::memory_order_relaxed);
    if (!found->second->used.load(std::memory_order_relaxed)) found->second->used.store(true, std::memory_order_relaxed);
    out.hit = true;
    out.present = found->second->value.has_value();
    remember(key, out.writes_seen, found->second->value);
    if (copy_value) out.value = found->second->value;
  }
  return out;
}

void read_cache::fill(std::string_view key, const std::optional<std::string>& value, std::uint64_t writes_seen) {
  if (!enabled()) return;
  auto index = shard_index(key);
  auto& s = *shards_[index];
  std::unique_lock lock(s.mutex);
  if (s.writes != writes_seen) return;  // a write may have landed after RocksDB answered
  remember(key, writes_seen, value);
  if (auto found = s.index.find(key); found != s.index.end()) erase(s, found->second);
  s.queue.emplace_front(std::string(key), value);
  s.index.emplace(std::string_view(s.queue.front().key), s.queue.begin());
  s.bytes += cost(s.queue.front());
  // Second chance: a used entry at the back moves to the front once instead of going.
  std::size_t chances = s.queue.size();
  while (s.bytes > shard_capacity_ && !s.queue.empty()) {
    auto last = std::prev(s.queue.end());
    if (chances > 0 && last->used.exchange(false, std::memory_order_relaxed)) {
      --chances;
      s.queue.splice(s.queue.begin(), s.queue, last);
      continue;
    }
    erase(s, last);
  }
}

void read_cache::invalidate(std::string_view key) {
  if (!enabled()) return;
  auto& s = shard_of(key);
  std::unique_lock lock(s.mutex);
  s.published.store(++s.writes, std::memory_order_release);
  if (auto found = s.index.find(key); found != s.index.end()) erase(s, found->second);
}

void read_cache::clear() {
  for (auto& s : shards_) {
    std::unique_lock lock(s->mutex);
    s->published.store(++s->writes, std::memory_order_release);
    s->index.clear();
    s->queue.clear();
    s->bytes = 0;
  }
}

read_cache::stats read_cache::snapshot() const {
  stats out;
  // Level-1 hits of every cache in the process: there is one store per process outside tests.
  for (const auto& slot : level1_hits) out.hits += slot.hits.load(std::memory_order_relaxed);
  for (const auto& s : shards_) {
    std::shared_lock lock(s->mutex);
    out.hits += s->hits.load(std::memory_order_relaxed);
    out.misses += s->misses.load(std::memory_order_relaxed);
    out.entries += s->index.size();
    out.bytes += s->bytes;
  }
  return out;
}

}  // namespace reel::storage
