#include "storage/read_cache.hpp"

#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace reel::storage {

namespace {

std::atomic<std::uint64_t> next_cache_id{1};

// One thread's level 1: copies of values with the write count of their shard when copied, in
// an open-addressed table whose slots hold the key inline. A lookup reads one slot's cache
// line (plus the value's bytes when it copies them); the node-based map it replaces chased
// three pointers per lookup and was a fifth of a home-feed read's CPU.
class level1_table {
 public:
  static constexpr std::size_t max_key = 22;  // record and edge keys are 11-19 bytes

  struct alignas(64) slot {
    std::size_t hash = 0;
    std::uint64_t writes = 0;
    std::unique_ptr<char[]> value;
    std::uint32_t value_size = 0;
    std::uint8_t key_size = 0;  // 0: empty
    bool present = false;
    char key[max_key];

    std::string_view key_view() const { return {key, key_size}; }
  };

  // The slot holding `key`, or nullptr; `hash` is std::hash of the key.
  const slot* find(std::uint64_t cache, std::string_view key, std::size_t hash) const {
    if (cache != owner_ || key.size() > max_key) return nullptr;
    for (auto i = hash & mask_;; i = (i + 1) & mask_) {
      const auto& s = slots_[i];
      if (s.key_size == 0) return nullptr;
      if (s.hash == hash && s.key_view() == key) return &s;
    }
  }

  void prefetch(std::uint64_t cache, std::size_t hash) const {
    if (cache == owner_) __builtin_prefetch(&slots_[hash & mask_]);
  }

  // Keeps a copy. The table doubles while it may; at its largest, it is emptied whole when
  // its slots or its value bytes run out.
  void put(std::uint64_t cache, std::size_t budget, std::string_view key, std::size_t hash, std::uint64_t writes,
           const std::optional<std::string>& value) {
    if (key.size() > max_key) return;
    if (cache != owner_) reset(cache, budget);
    auto size = value ? value->size() : 0;
    if (size > value_budget_ / 64) return;  // rare large records: not worth a copy per thread
    if (value_bytes_ + size > value_budget_) clear();
    if (used_ >= slots_.size() / 4 * 3) {
      if (slots_.size() < max_slots_) grow();
      else clear();
    }
    auto i = hash & mask_;
    while (slots_[i].key_size != 0 && !(slots_[i].hash == hash && slots_[i].key_view() == key)) i = (i + 1) & mask_;
    auto& s = slots_[i];
    if (s.key_size == 0) {
      ++used_;
      s.hash = hash;
      s.key_size = static_cast<std::uint8_t>(key.size());
      std::memcpy(s.key, key.data(), key.size());
    }
    value_bytes_ -= s.value_size;
    s.writes = writes;
    s.present = value.has_value();
    s.value_size = static_cast<std::uint32_t>(size);
    s.value.reset();
    if (size > 0) {
      s.value = std::make_unique_for_overwrite<char[]>(size);
      std::memcpy(s.value.get(), value->data(), size);
    }
    value_bytes_ += size;
  }

 private:
  // Up to half the budget for slots (a power of two, at most 3/4 used), half for value
  // bytes. The table starts small and doubles as it fills, so that a thread that reads
  // little (an actor's) never pays for zeroing a large one: allocating the
  // whole table on a thread's first read added 30 ms to the first fan-out job after a start.
  void reset(std::uint64_t cache, std::size_t budget) {
    max_slots_ = 64;
    while (max_slots_ * 2 * sizeof(slot) <= budget / 2) max_slots_ *= 2;
    slots_ = std::vector<slot>(std::min<std::size_t>(max_slots_, 1024));
    mask_ = slots_.size() - 1;
    value_budget_ = budget / 2;
    owner_ = cache;
    used_ = value_bytes_ = 0;
  }
  void grow() {
    std::vector<slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    for (auto& s : old) {
      if (s.key_size == 0) continue;
      auto i = s.hash & mask_;
      while (slots_[i].key_size != 0) i = (i + 1) & mask_;
      slots_[i] = std::move(s);
    }
  }
  void clear() {
    for (auto& s : slots_) s = slot{};
    used_ = value_bytes_ = 0;
  }

  std::uint64_t owner_ = 0;  // the read_cache whose entries these are
  std::vector<slot> slots_;
  std::size_t mask_ = 0, max_slots_ = 0, used_ = 0, value_bytes_ = 0, value_budget_ = 0;
};
// A process has one store with two caches (records and list heads): each gets its own table.
thread_local level1_table level1_tables[4];
level1_table& level1_of(std::uint64_t cache) { return level1_tables[cache % 4]; }

// Level-1 hits, counted per thread slot so that counting does not bounce a shared line.
struct alignas(64) hit_slot {
  std::atomic<std::uint64_t> hits{0};
};
constexpr std::size_t hit_slots = 64;
hit_slot level1_hits[hit_slots];
std::atomic<std::size_t> next_slot{0};
thread_local const std::size_t my_slot = next_slot.fetch_add(1) % hit_slots;

}  // namespace

read_cache::read_cache(std::size_t capacity_bytes)
    : id_(next_cache_id.fetch_add(1)),
      capacity_(capacity_bytes),
      shard_capacity_(capacity_bytes / shard_count),
      level1_capacity_(capacity_bytes / 8) {
  for (std::size_t i = 0; i < shard_count; ++i) shards_.push_back(std::make_unique<shard>());
}

std::size_t read_cache::hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

// The entry's payload plus a rough allowance for the list node and the index slot.
std::size_t read_cache::cost(const entry& e) { return e.key.size() + (e.value ? e.value->size() : 0) + 96; }

void read_cache::erase(shard& s, std::list<entry>::iterator it) {
  s.bytes -= cost(*it);
  s.index.erase(std::string_view(it->key));
  s.queue.erase(it);
}

void read_cache::prefetch(std::size_t key_hash) const {
  if (!enabled()) return;
  level1_of(id_).prefetch(id_, key_hash);
  __builtin_prefetch(&shards_[key_hash % shard_count]->published);
}

read_cache::lookup read_cache::find(std::string_view key, std::size_t h, bool copy_value) {
  lookup out;
  if (!enabled()) return out;
  auto& s = shard_of(h);
  if (auto* mine = level1_of(id_).find(id_, key, h); mine && mine->writes == s.published.load(std::memory_order_acquire)) {
    level1_hits[my_slot].hits.fetch_add(1, std::memory_order_relaxed);
    out.hit = true;
    out.present = mine->present;
    if (copy_value && mine->present) out.value.emplace(mine->value.get(), mine->value_size);
    out.writes_seen = mine->writes;
    return out;
  }
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
  level1_of(id_).put(id_, level1_capacity_, key, h, out.writes_seen, found->second->value);
  if (copy_value) out.value = found->second->value;
  return out;
}

void read_cache::fill(std::string_view key, const std::optional<std::string>& value, std::uint64_t writes_seen) {
  if (!enabled()) return;
  auto h = hash(key);
  auto& s = shard_of(h);
  std::unique_lock lock(s.mutex);
  if (s.writes != writes_seen) return;  // a write may have landed after RocksDB answered
  level1_of(id_).put(id_, level1_capacity_, key, h, writes_seen, value);
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
  auto& s = shard_of(hash(key));
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
