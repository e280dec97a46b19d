// Group commit (storage/committer.hpp) on a real RocksDB: every batch is acknowledged once,
// durably, in submission order, and each partition's applied-sequence number counts its
// batches and survives a reopen.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/committer.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace reel;
using namespace reel::storage;
using reel::unit::temp_dir;

namespace {

constexpr auto wait_limit = std::chrono::seconds(10);

// Counts callbacks; `all_done` becomes ready once `expected` of them ran.
struct completions {
  explicit completions(std::size_t expected) : calls(expected), durable(expected), expected(expected) {}

  committer::callback on(std::size_t index) {
    return [this, index](bool ok) {
      durable[index].store(ok);
      calls[index].fetch_add(1);
      if (done.fetch_add(1) + 1 == expected) all.set_value();
    };
  }
  void wait() {
    if (all_done.wait_for(wait_limit) != std::future_status::ready) FAIL("callbacks did not all run within 10 s");
  }

  std::vector<std::atomic<int>> calls;
  std::vector<std::atomic<bool>> durable;
  std::size_t expected;
  std::atomic<std::size_t> done{0};
  std::promise<void> all;
  std::future<void> all_done = all.get_future();
};

rocksdb::WriteBatch put(const std::string& key, const std::string& value) {
  rocksdb::WriteBatch batch;
  batch.Put(key, value);
  return batch;
}

std::string data_key(partition_id p, std::uint64_t n) { return key(p, table::user).u64(n).str(); }

}  // namespace

TEST_CASE("concurrent submitters: every batch acknowledged once and durably - applied_seq counts and persists") {
  temp_dir dir("committer");
  constexpr int threads = 4;
  constexpr int per_thread = 300;
  constexpr std::size_t total = threads * per_thread;
  auto partition_for = [](int t, int i) -> partition_id {
    if (i % 50 == 49) return node_partition;  // node bookkeeping: no partition's sequence
    return static_cast<partition_id>((t * 13 + i * 7) % partition_count);
  };

  std::array<std::uint64_t, partition_count> expected{};
  for (int t = 0; t < threads; ++t)
    for (int i = 0; i < per_thread; ++i)
      if (auto p = partition_for(t, i); p < partition_count) ++expected[p];

  {
    auto db = store::open(dir.path);
    completions done(total);
    {
      committer commits(*db);
      std::vector<std::thread> submitters;
      for (int t = 0; t < threads; ++t) {
        submitters.emplace_back([&, t] {
          for (int i = 0; i < per_thread; ++i) {
            auto index = static_cast<std::size_t>(t * per_thread + i);
            commits.submit(partition_for(t, i), put(data_key(partition_for(t, i), index), std::to_string(index)),
                           done.on(index));
          }
        });
      }
      for (auto& s : submitters) s.join();
      done.wait();

      for (std::size_t i = 0; i < total; ++i) {
        CAPTURE(i);
        CHECK(done.calls[i].load() == 1);
        CHECK(done.durable[i].load());
      }
      for (int t = 0; t < threads; ++t) {
        for (int i = 0; i < per_thread; ++i) {
          auto index = static_cast<std::size_t>(t * per_thread + i);
          CHECK(db->get(data_key(partition_for(t, i), index)) == std::to_string(index));
        }
      }
      for (partition_id p = 0; p < partition_count; ++p) {
        CAPTURE(p);
        CHECK(commits.applied_seq(p) == expected[p]);
        auto stored = db->get(keys::partition_meta(p));
        if (expected[p] == 0) {
          CHECK_FALSE(stored.has_value());
        } else {
          REQUIRE(stored.has_value());
          CHECK(decode_partition_meta(*stored) == expected[p]);
        }
      }
      const auto& probe = commits.probe();
      CHECK(probe.batches.load() == total);
      CHECK(probe.failures.load() == 0);
      CHECK(probe.groups.load() >= 1);
      CHECK(probe.groups.load() <= probe.batches.load());
      CHECK(probe.max_group.load() >= 1);
      CHECK(probe.max_group.load() <= total);
    }
    // Every callback ran exactly once, also after the committer stopped.
    for (std::size_t i = 0; i < total; ++i) CHECK(done.calls[i].load() == 1);
  }

  // Reopen: a new committer starts from the persisted sequence numbers and continues them.
  auto db = store::open(dir.path);
  completions one(1);
  committer commits(*db);
  for (partition_id p = 0; p < partition_count; ++p) {
    CAPTURE(p);
    CHECK(commits.applied_seq(p) == expected[p]);
  }
  CHECK(db->get(data_key(partition_for(0, 0), 0)) == "0");

  partition_id p = partition_for(1, 1);
  commits.submit(p, put(data_key(p, 999'999), "again"), one.on(0));
  one.wait();
  CHECK(one.durable[0].load());
  CHECK(commits.applied_seq(p) == expected[p] + 1);
  CHECK(decode_partition_meta(db->get(keys::partition_meta(p)).value_or("")) == expected[p] + 1);
}

TEST_CASE("batches apply and acknowledge in submission order") {
  temp_dir dir("committer");
  auto db = store::open(dir.path);
  constexpr std::size_t n = 500;
  const auto k = data_key(5, 1);
  const auto gone = data_key(5, 2);

  // Declared before the committer, which may still run callbacks while it is destroyed.
  std::mutex order_mutex;
  std::vector<std::pair<std::size_t, bool>> order;  // (batch index, durable) in callback order
  std::promise<void> all;
  auto all_done = all.get_future();
  std::atomic<std::size_t> count{0};
  auto record = [&](std::size_t index) {
    return [&, index](bool ok) {
      {
        std::lock_guard lock(order_mutex);
        order.emplace_back(index, ok);
      }
      if (count.fetch_add(1) + 1 == n + 2) all.set_value();
    };
  };
  committer commits(*db);
  for (std::size_t i = 0; i < n; ++i) commits.submit(5, put(k, "v" + std::to_string(i)), record(i));
  // A put and the delete after it, likely merged into one group: the delete wins.
  commits.submit(5, put(gone, "short-lived"), record(n));
  rocksdb::WriteBatch del;
  del.Delete(gone);
  commits.submit(5, std::move(del), record(n + 1));

  REQUIRE(all_done.wait_for(wait_limit) == std::future_status::ready);
  CHECK(db->get(k) == "v" + std::to_string(n - 1));
  CHECK_FALSE(db->get(gone).has_value());
  std::lock_guard lock(order_mutex);
  REQUIRE(order.size() == n + 2);
  for (std::size_t i = 0; i < order.size(); ++i) {
    CAPTURE(i);
    CHECK(order[i].first == i);
    CHECK(order[i].second);
  }
  CHECK(commits.applied_seq(5) == n + 2);
}

TEST_CASE("stop() commits what is queued - a submit after stop() fails its callback") {
  temp_dir dir("committer");
  auto db = store::open(dir.path);
  constexpr std::size_t n = 200;
  completions queued(n);
  completions late(1);
  committer commits(*db);
  for (std::size_t i = 0; i < n; ++i) commits.submit(9, put(data_key(9, i), "q"), queued.on(i));
  commits.stop();  // joins the commit thread: everything queued is committed by now
  CHECK(queued.done.load() == n);
  for (std::size_t i = 0; i < n; ++i) {
    CHECK(queued.calls[i].load() == 1);
    CHECK(queued.durable[i].load());
    CHECK(db->get(data_key(9, i)) == "q");
  }
  CHECK(commits.applied_seq(9) == n);

  commits.submit(9, put(data_key(9, n), "late"), late.on(0));
  late.wait();
  CHECK(late.calls[0].load() == 1);
  CHECK_FALSE(late.durable[0].load());
  CHECK_FALSE(db->get(data_key(9, n)).has_value());
  CHECK(commits.applied_seq(9) == n);

  commits.stop();  // a second stop is harmless
}
