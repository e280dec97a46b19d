#include "storage/read_cache.hpp"

#include <functional>

namespace reel::storage {

read_cache::read_cache(std::size_t capacity_bytes)
    : capacity_(capacity_bytes), shard_capacity_(capacity_bytes / shard_count) {
  for (std::size_t i = 0; i < shard_count; ++i) shards_.push_back(std::make_unique<shard>());
}

read_cache::shard& read_cache::shard_of(std::string_view key) {
  return *shards_[std::hash<std::string_view>{}(key) % shard_count];
}

// The entry's payload plus a rough allowance for the list node and the index slot.
std::size_t read_cache::cost(const entry& e) { return e.key.size() + (e.value ? e.value->size() : 0) + 96; }

void read_cache::erase(shard& s, std::list<entry>::iterator it) {
  s.bytes -= cost(*it);
  s.index.erase(std::string_view(it->key));
  s.lru.erase(it);
}

read_cache::lookup read_cache::find(std::string_view key) {
  lookup out;
  if (!enabled()) return out;
  auto& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  out.writes_seen = s.writes;
  auto found = s.index.find(key);
  if (found == s.index.end()) {
    ++s.misses;
    return out;
  }
  ++s.hits;
  s.lru.splice(s.lru.begin(), s.lru, found->second);
  out.hit = true;
  out.value = found->second->value;
  return out;
}

void read_cache::fill(std::string_view key, const std::optional<std::string>& value, std::uint64_t writes_seen) {
  if (!enabled()) return;
  auto& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  if (s.writes != writes_seen) return;  // a write may have landed after RocksDB answered
  if (auto found = s.index.find(key); found != s.index.end()) erase(s, found->second);
  s.lru.push_front(entry{std::string(key), value});
  s.index.emplace(std::string_view(s.lru.front().key), s.lru.begin());
  s.bytes += cost(s.lru.front());
  while (s.bytes > shard_capacity_ && !s.lru.empty()) erase(s, std::prev(s.lru.end()));
}

void read_cache::invalidate(std::string_view key) {
  if (!enabled()) return;
  auto& s = shard_of(key);
  std::lock_guard lock(s.mutex);
  ++s.writes;
  if (auto found = s.index.find(key); found != s.index.end()) erase(s, found->second);
}

void read_cache::clear() {
  for (auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    ++s->writes;
    s->index.clear();
    s->lru.clear();
    s->bytes = 0;
  }
}

read_cache::stats read_cache::snapshot() const {
  stats out;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mutex);
    out.hits += s->hits;
    out.misses += s->misses;
    out.entries += s->index.size();
    out.bytes += s->bytes;
  }
  return out;
}

}  // namespace reel::storage
