#include "http/rate_limit.hpp"

#include <algorithm>
#include <vector>

namespace reel::http {

rate_limiter::rate_limiter(double per_second, double burst, std::size_t max_keys_per_shard)
    : per_second_(per_second),
      burst_(std::max(burst, 1.0)),
      max_keys_per_shard_(std::max<std::size_t>(max_keys_per_shard, 1)) {}

double rate_limiter::refilled(const bucket& b, clock::time_point now) const {
  // Threads read the clock before taking the shard lock, so `now` may trail `last` slightly;
  // time never runs backwards for a bucket.
  double elapsed = std::chrono::duration<double>(std::max(now, b.last) - b.last).count();
  return std::min(burst_, b.tokens + elapsed * per_second_);
}

bool rate_limiter::allow(std::string_view key, clock::time_point now) {
  if (per_second_ <= 0) return true;
  shard& s = shards_[key_hash{}(key) % shard_count];
  std::lock_guard lock(s.mutex);
  auto it = s.buckets.find(key);
  if (it == s.buckets.end()) {
    if (s.buckets.size() >= max_keys_per_shard_) make_room(s, now);
    it = s.buckets.emplace(std::string(key), bucket{burst_, now}).first;
  }
  bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.last = std::max(now, b.last);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

// A full bucket carries no history (a fresh one would be identical), so dropping it is free.
// If too few are full (many clients busy at once), the least recently seen go too until the
// shard is down to three quarters: those clients get a fresh bucket, which errs towards
// serving them rather than growing memory. Freeing a quarter per sweep keeps the sweep's
// cost amortised O(1) per new key.
void rate_limiter::make_room(shard& s, clock::time_point now) {
  std::erase_if(s.buckets, [&](const auto& entry) { return refilled(entry.second, now) >= burst_; });
  std::size_t target = max_keys_per_shard_ - max_keys_per_shard_ / 4 - 1;
  if (s.buckets.size() <= target) return;
  using entry_iterator = decltype(s.buckets)::iterator;
  std::vector<entry_iterator> by_age;
  by_age.reserve(s.buckets.size());
  for (auto it = s.buckets.begin(); it != s.buckets.end(); ++it) by_age.push_back(it);
  auto excess = static_cast<std::ptrdiff_t>(s.buckets.size() - target);
  std::nth_element(by_age.begin(), by_age.begin() + excess, by_age.end(),
                   [](entry_iterator a, entry_iterator b) { return a->second.last < b->second.last; });
  for (auto it = by_age.begin(); it != by_age.begin() + excess; ++it) s.buckets.erase(*it);
}

std::size_t rate_limiter::size() const {
  std::size_t total = 0;
  for (const shard& s : shards_) {
    std::lock_guard lock(s.mutex);
    total += s.buckets.size();
  }
  return total;
}

}  // namespace reel::http
