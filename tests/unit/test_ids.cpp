// Id generation (cluster/id_generator.hpp) with an injected clock: ids are unique,
// increasing, below 2^53, and never reused when the clock steps back or the node restarts.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cluster/id_generator.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace reel;
using reel::cluster::id_generator;
using reel::unit::temp_dir;

namespace {

constexpr std::int64_t t0 = 1'750'000'000'000;  // 2025-06-15, well after the id epoch
constexpr std::int64_t day_ms = 24 * 3600 * 1000;

// A clock the test sets by hand.
struct manual_clock {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(t0);
  void set(std::int64_t ms) { now->store(ms); }
  id_generator::clock_fn fn() const {
    return [now = now] { return millis(now->load()); };
  }
};

std::uint32_t node_of(std::uint64_t id) { return static_cast<std::uint32_t>((id >> 8) & 0xF); }
std::uint32_t sequence_of(std::uint64_t id) { return static_cast<std::uint32_t>(id & 0xFF); }

}  // namespace

TEST_CASE("ids are strictly increasing, unique and below 2^53") {
  temp_dir dir("ids");
  auto db = storage::store::open(dir.path);
  manual_clock clock;
  id_generator ids(*db, 3, clock.fn());

  constexpr int n = 100'000;
  std::vector<std::uint64_t> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    if (i % 97 == 0) clock.set(t0 + i / 97);  // about 97 ids per millisecond
    out.push_back(ids.next());
  }
  std::unordered_set<std::uint64_t> unique(out.begin(), out.end());
  CHECK(unique.size() == out.size());
  bool increasing = true, safe = true, node_bits = true;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0 && out[i] <= out[i - 1]) increasing = false;
    if (out[i] > max_safe_id || out[i] == 0) safe = false;
    if (node_of(out[i]) != 3) node_bits = false;
  }
  CHECK(increasing);
  CHECK(safe);
  CHECK(node_bits);
  // The layout leaves room until 2093: an id of the last representable millisecond is still safe.
  constexpr std::uint64_t last_ms_id = ((std::uint64_t{1} << 41) - 1) << 12;
  CHECK(last_ms_id == (max_safe_id & ~std::uint64_t{0xFFF}));
}

TEST_CASE("time_of recovers the millisecond of an id") {
  temp_dir dir("ids");
  auto db = storage::store::open(dir.path);
  manual_clock clock;
  id_generator ids(*db, 0, clock.fn());
  CHECK(id_generator::time_of(ids.next()) == millis(t0));
  clock.set(t0 + 12'345);
  auto id = ids.next();
  CHECK(id_generator::time_of(id) == millis(t0 + 12'345));
  CHECK(sequence_of(id) == 0);
  CHECK(sequence_of(ids.next()) == 1);
  clock.set(t0 + 5 * day_ms);
  CHECK(id_generator::time_of(ids.next()) == millis(t0 + 5 * day_ms));
}

TEST_CASE("a clock stepping back never makes ids go back") {
  temp_dir dir("ids");
  auto db = storage::store::open(dir.path);
  manual_clock clock;
  id_generator ids(*db, 1, clock.fn());
  clock.set(t0 + 1'000);
  std::uint64_t last = 0;
  for (int i = 0; i < 10; ++i) {
    auto id = ids.next();
    CHECK(id > last);
    last = id;
  }
  clock.set(t0);  // one second back
  for (int i = 0; i < 1'000; ++i) {
    auto id = ids.next();
    REQUIRE(id > last);
    CHECK(id_generator::time_of(id) >= millis(t0 + 1'000));
    last = id;
  }
  clock.set(t0 - day_ms);  // a day back
  auto id = ids.next();
  CHECK(id > last);
  // Once the clock passes the logical time again, ids follow the clock.
  clock.set(t0 + 60'000);
  id = ids.next();
  CHECK(id > last);
  CHECK(id_generator::time_of(id) == millis(t0 + 60'000));
}

TEST_CASE("more than 256 ids in one millisecond borrow the next") {
  temp_dir dir("ids");
  auto db = storage::store::open(dir.path);
  manual_clock clock;
  id_generator ids(*db, 15, clock.fn());
  std::vector<std::uint64_t> out;
  for (int i = 0; i < 600; ++i) out.push_back(ids.next());  // the clock stands still at t0
  for (std::size_t i = 0; i < out.size(); ++i) {
    CAPTURE(i);
    CHECK(id_generator::time_of(out[i]) == millis(t0 + static_cast<std::int64_t>(i / 256)));
    CHECK(sequence_of(out[i]) == i % 256);
    CHECK(node_of(out[i]) == 15);
    if (i > 0) CHECK(out[i] > out[i - 1]);
  }
  // The clock catching up to a borrowed millisecond does not reuse it.
  clock.set(t0 + 2);
  auto next = ids.next();
  CHECK(next > out.back());
  CHECK(id_generator::time_of(next) == millis(t0 + 2));
  CHECK(sequence_of(next) == 600 % 256);
}

TEST_CASE("concurrent callers get unique ids") {
  temp_dir dir("ids");
  auto db = storage::store::open(dir.path);
  manual_clock clock;
  id_generator ids(*db, 2, clock.fn());
  constexpr int threads = 4, per_thread = 5'000;
  std::vector<std::vector<std::uint64_t>> got(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) got[t].push_back(ids.next());
    });
  }
  for (auto& w : workers) w.join();
  std::unordered_set<std::uint64_t> all;
  for (auto& v : got) {
    CHECK(std::is_sorted(v.begin(), v.end()));  // each caller sees its own ids increase
    all.insert(v.begin(), v.end());
  }
  CHECK(all.size() == static_cast<std::size_t>(threads * per_thread));
}

TEST_CASE("after a restart with the clock a day back, ids are above every id issued before") {
  temp_dir dir("ids");
  manual_clock clock;
  std::uint64_t max_before = 0;
  {
    auto db = storage::store::open(dir.path);
    id_generator ids(*db, 4, clock.fn());
    for (int i = 0; i < 1'000; ++i) max_before = std::max(max_before, ids.next());
    // Still inside the first reservation window: no new reservation is written for these.
    clock.set(t0 + id_generator::reserve_window_ms - 1);
    for (int i = 0; i < 300; ++i) max_before = std::max(max_before, ids.next());
    // The reservation on disk covers every id handed out.
    auto stored = db->get(storage::keys::id_reservation());
    REQUIRE(stored.has_value());
    auto until = storage::decode_id_reservation(*stored);
    REQUIRE(until.has_value());
    CHECK(*until > id_generator::time_of(max_before));
  }  // "crash": the generator's memory is gone

  clock.set(t0 - day_ms);
  std::uint64_t max_second = 0;
  {
    auto db = storage::store::open(dir.path);
    id_generator ids(*db, 4, clock.fn());
    auto first = ids.next();
    CHECK(first > max_before);
    max_second = first;
    for (int i = 0; i < 1'000; ++i) {
      auto id = ids.next();
      REQUIRE(id > max_second);
      max_second = id;
    }
  }

  // A restart that issues nothing, then another: still above everything.
  {
    auto db = storage::store::open(dir.path);
    id_generator idle(*db, 4, clock.fn());
  }
  auto db = storage::store::open(dir.path);
  id_generator ids(*db, 4, clock.fn());
  CHECK(ids.next() > max_second);

  // A clock far ahead of the reservation is simply followed.
  clock.set(t0 + 30 * day_ms);
  CHECK(id_generator::time_of(ids.next()) == millis(t0 + 30 * day_ms));
}

TEST_CASE("node numbers must fit in 4 bits - a corrupt reservation is refused") {
  temp_dir dir("ids");
  auto db = storage::store::open(dir.path);
  manual_clock clock;
  CHECK_THROWS_AS(id_generator(*db, 16, clock.fn()), std::runtime_error);
  CHECK_THROWS_AS(id_generator(*db, 1000, clock.fn()), std::runtime_error);
  CHECK_NOTHROW(id_generator(*db, 15, clock.fn()));

  rocksdb::WriteBatch corrupt;
  corrupt.Put(storage::keys::id_reservation().str(), "not a reservation");
  db->write_durable(corrupt);
  CHECK_THROWS_AS(id_generator(*db, 0, clock.fn()), std::runtime_error);
}
