// Per-client request rate limiting: one token bucket per key (the client address).
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace reel::http {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  // `per_second` tokens refill each bucket up to `burst` (at least 1, so a key can ever pass).
  // per_second <= 0 disables limiting. `max_keys_per_shard` bounds memory: past it, idle
  // buckets are dropped, then the least recently seen ones.
  rate_limiter(double per_second, double burst, std::size_t max_keys_per_shard = 10'000);

  // Takes one token from `key`'s bucket; false when it is empty. Thread safe.
  bool allow(std::string_view key, clock::time_point now);

  // Buckets currently held, over all shards.
  std::size_t size() const;

 private:
  struct bucket {
    double tokens;
    clock::time_point last;  // the latest time tokens were counted
  };

  // Heterogeneous lookup so that allow() hashes the string_view without allocating.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
  };

  struct shard {
    mutable std::mutex mutex;
    std::unordered_map<std::string, bucket, key_hash, std::equal_to<>> buckets;
  };

  static constexpr std::size_t shard_count = 16;

  double refilled(const bucket& b, clock::time_point now) const;
  void make_room(shard& s, clock::time_point now);

  double per_second_;
  double burst_;
  std::size_t max_keys_per_shard_;
  std::array<shard, shard_count> shards_;
};

}  // namespace reel::http
