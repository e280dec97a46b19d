#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "http/rate_limit.hpp"

using namespace reel::http;
using namespace std::chrono_literals;

namespace {

const rate_limiter::clock::time_point t0{std::chrono::hours(1000)};

int allowed_in_a_row(rate_limiter& limiter, std::string_view key, rate_limiter::clock::time_point now,
                     int tries) {
  int allowed = 0;
  for (int i = 0; i < tries; ++i) allowed += limiter.allow(key, now) ? 1 : 0;
  return allowed;
}

}  // namespace

TEST_CASE("a bucket allows its burst, then refills at the configured rate up to the burst") {
  rate_limiter limiter(2.0, 5.0);
  CHECK(allowed_in_a_row(limiter, "10.0.0.1", t0, 10) == 5);
  CHECK_FALSE(limiter.allow("10.0.0.1", t0 + 400ms));  // 0.8 token
  CHECK(limiter.allow("10.0.0.1", t0 + 500ms));        // 1 token
  CHECK_FALSE(limiter.allow("10.0.0.1", t0 + 500ms));
  CHECK(allowed_in_a_row(limiter, "10.0.0.1", t0 + 2000ms, 10) == 3);
  CHECK(allowed_in_a_row(limiter, "10.0.0.1", t0 + 1h, 10) == 5);  // capped at the burst
}

TEST_CASE("keys have separate buckets") {
  rate_limiter limiter(1.0, 2.0);
  CHECK(allowed_in_a_row(limiter, "a", t0, 5) == 2);
  CHECK(allowed_in_a_row(limiter, "b", t0, 5) == 2);
  CHECK_FALSE(limiter.allow("a", t0));
  CHECK(limiter.size() == 2);
}

TEST_CASE("a non-positive rate disables limiting and keeps no state") {
  for (double rate : {0.0, -1.0}) {
    rate_limiter limiter(rate, 1.0);
    CHECK(allowed_in_a_row(limiter, "k", t0, 1000) == 1000);
    CHECK(limiter.size() == 0);
  }
}

TEST_CASE("a burst below one is raised to one so that a key can pass at all") {
  rate_limiter limiter(1.0, 0.0);
  CHECK(allowed_in_a_row(limiter, "k", t0, 3) == 1);
  CHECK(allowed_in_a_row(limiter, "k", t0 + 1s, 3) == 1);
}

TEST_CASE("a time earlier than the bucket's last one grants nothing") {
  rate_limiter limiter(1.0, 1.0);
  CHECK(limiter.allow("k", t0 + 10s));
  CHECK_FALSE(limiter.allow("k", t0));
  CHECK_FALSE(limiter.allow("k", t0 + 10s));
  CHECK(limiter.allow("k", t0 + 11s));
}

TEST_CASE("memory stays bounded under a flood of distinct keys") {
  const std::size_t per_shard = 100;
  rate_limiter limiter(1.0, 3.0, per_shard);
  for (int i = 0; i < 100'000; ++i) {
    // A new key starts with a full bucket, eviction or not.
    REQUIRE(limiter.allow("flood-" + std::to_string(i), t0 + std::chrono::microseconds(i)));
  }
  CHECK(limiter.size() <= 16 * per_shard);
  CHECK(limiter.size() >= 16 * per_shard / 2);
}

TEST_CASE("idle buckets are evicted before a busy one") {
  rate_limiter limiter(1.0, 3.0, 100);
  for (int i = 0; i < 3000; ++i) limiter.allow("idle-" + std::to_string(i), t0);
  std::size_t before = limiter.size();
  // Ten seconds later every idle bucket has refilled; the hot client empties its own.
  auto later = t0 + 10s;
  CHECK(allowed_in_a_row(limiter, "hot", later, 5) == 3);
  for (int i = 0; i < 500; ++i) limiter.allow("new-" + std::to_string(i), later);
  CHECK(limiter.size() < before);
  CHECK_FALSE(limiter.allow("hot", later));  // a dropped bucket would have come back full
}

TEST_CASE("concurrent callers on one key never exceed the burst") {
  rate_limiter limiter(1e-9, 1000.0);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) allowed += limiter.allow("shared", t0) ? 1 : 0;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(allowed == 1000);
}
