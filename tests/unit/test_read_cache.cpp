// The store's read cache (storage/read_cache.hpp): hits and cached absences, invalidation by
// every write through the store, no stale fill after a racing write, and its memory bound.
#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "storage/keys.hpp"
#include "storage/read_cache.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace reel;
using namespace reel::storage;
using reel::unit::temp_dir;

TEST_CASE("read_cache answers what was filled, absences included, until invalidated") {
  read_cache cache(1 << 20);
  auto miss = cache.find("k");
  CHECK_FALSE(miss.hit);
  cache.fill("k", std::string("v"), miss.writes_seen);
  auto hit = cache.find("k");
  CHECK(hit.hit);
  CHECK(hit.value == std::optional<std::string>("v"));

  auto absent = cache.find("gone");
  cache.fill("gone", std::nullopt, absent.writes_seen);
  auto cached_absence = cache.find("gone");
  CHECK(cached_absence.hit);
  CHECK_FALSE(cached_absence.value.has_value());

  cache.invalidate("k");
  CHECK_FALSE(cache.find("k").hit);
  CHECK(cache.find("gone").hit);
  CHECK(cache.snapshot().entries == 1);
}

TEST_CASE("read_cache refuses a fill when a write reached the shard after the lookup") {
  read_cache cache(1 << 20);
  auto before = cache.find("k");  // a reader misses, then reads the old value from RocksDB
  cache.invalidate("k");          // meanwhile a writer applies a new value
  cache.fill("k", std::string("old"), before.writes_seen);
  CHECK_FALSE(cache.find("k").hit);  // the old value was not kept
}

TEST_CASE("read_cache stays within its byte budget, dropping the least recently used") {
  read_cache cache(1 << 20);  // 1 KiB per shard: a few entries each
  const std::string value(200, 'x');
  for (int i = 0; i < 20000; ++i) {
    auto key = "key" + std::to_string(i);
    cache.fill(key, value, cache.find(key).writes_seen);
  }
  auto stats = cache.snapshot();
  CHECK(stats.bytes <= 1 << 20);
  CHECK(stats.entries > 1000);
  CHECK(cache.find("key19999").hit);  // the newest survive
  CHECK_FALSE(cache.find("key0").hit);
}

TEST_CASE("a thread's level-1 copies stay right through overflow, long keys and large values") {
  read_cache cache(1 << 24);  // a level 1 of 4,096 slots: 20,000 keys overflow it
  constexpr int keys = 20000;
  // Every 10th key is too long and every 50th value too large for level 1 (level 2 serves them).
  auto key_of = [](int i) { return (i % 10 == 0 ? std::string(40, 'L') : std::string("key")) + std::to_string(i); };
  auto value_of = [](int i, char version) { return std::string(i % 50 == 0 ? 1000 : 8, version) + std::to_string(i); };
  for (int i = 0; i < keys; ++i) {
    auto key = key_of(i);
    cache.fill(key, value_of(i, 'a'), cache.find(key).writes_seen);
    REQUIRE(cache.find(key).value == value_of(i, 'a'));
    cache.invalidate(key);
    auto after = cache.find(key);
    REQUIRE_FALSE(after.hit);
    auto next = i % 3 == 0 ? std::optional<std::string>() : value_of(i, 'b');
    cache.fill(key, next, after.writes_seen);
    REQUIRE(cache.find(key).value == next);
  }
  int hits = 0;
  for (int i = 0; i < keys; ++i) {
    auto found = cache.find(key_of(i));
    if (!found.hit) continue;  // dropped: allowed, a wrong value is not
    ++hits;
    REQUIRE(found.present == (i % 3 != 0));
    REQUIRE(found.value == (i % 3 == 0 ? std::optional<std::string>() : value_of(i, 'b')));
  }
  CHECK(hits > keys / 2);
}

TEST_CASE("a disabled read_cache holds nothing") {
  read_cache cache(0);
  cache.fill("k", std::string("v"), cache.find("k").writes_seen);
  CHECK_FALSE(cache.find("k").hit);
  CHECK(cache.snapshot().entries == 0);
}

TEST_CASE("store reads see every write through the cache, for get, contains and multi_get") {
  temp_dir dir("readcache");
  auto db = store::open(dir.path);
  auto user = keys::user(user_id(7)).str();
  auto edge = keys::following(user_id(7), user_id(8)).str();
  auto inbox = keys::inbox_prefix(user_id(7)).str() + "entry";  // not a point-read table

  CHECK_FALSE(db->get(user));
  CHECK_FALSE(db->contains(edge));  // both absences are now cached
  rocksdb::WriteBatch add;
  add.Put(user, "v1");
  add.Put(edge, "");
  add.Put(inbox, "i");
  db->write_durable(add);
  CHECK(db->get(user) == std::optional<std::string>("v1"));
  CHECK(db->contains(edge));
  CHECK(db->get(inbox) == std::optional<std::string>("i"));

  rocksdb::WriteBatch change;
  change.Put(user, "v2");
  change.Delete(edge);
  db->write_buffered(change);
  auto values = db->multi_get({user, edge, inbox, keys::user(user_id(9)).str()});
  CHECK(values[0] == std::optional<std::string>("v2"));
  CHECK_FALSE(values[1]);
  CHECK(values[2] == std::optional<std::string>("i"));
  CHECK_FALSE(values[3]);
  // Presence alone, answered from the cache for the keys just read and from RocksDB otherwise.
  CHECK(db->multi_contains({user, edge, inbox, keys::user(user_id(10)).str()}) ==
        std::vector<bool>{true, false, true, false});
  rocksdb::WriteBatch again;
  again.Put(edge, "");
  db->write_durable(again);
  CHECK(db->multi_contains({edge}) == std::vector<bool>{true});
  CHECK(db->contains(edge));
  auto stats = db->cache_stats();
  CHECK(stats.hits + stats.misses > 0);
  CHECK(stats.entries >= 2);
}

TEST_CASE("concurrent readers never see a value older than the last completed write") {
  temp_dir dir("readcache-race");
  auto db = store::open(dir.path);
  auto key = keys::user(user_id(1)).str();
  std::atomic<int> written{0};
  std::atomic<bool> stop{false}, stale{false};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        int floor = written.load();  // every write up to this one has completed
        auto v = db->get(key);
        int seen = v ? std::stoi(*v) : 0;
        if (seen < floor) stale = true;
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) {
    rocksdb::WriteBatch b;
    b.Put(key, std::to_string(i));
    db->write_buffered(b);
    written.store(i);
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK_FALSE(stale.load());
  CHECK(db->get(key) == std::optional<std::string>("2000"));
}

namespace {

// Every (key, value) of [lower, upper) as store::range yields them.
std::vector<std::pair<std::string, std::string>> read_range(const store& db, const std::string& lower,
                                                            const std::string& upper) {
  std::vector<std::pair<std::string, std::string>> out;
  for (store::range r(db, lower, upper); r.valid(); r.next()) out.emplace_back(r.key(), r.value());
  return out;
}
// The same through a plain RocksDB scan.
std::vector<std::pair<std::string, std::string>> scan_range(const store& db, const std::string& lower,
                                                            const std::string& upper) {
  std::vector<std::pair<std::string, std::string>> out;
  db.scan(lower, upper, [&](std::string_view k, std::string_view v) {
    out.emplace_back(k, v);
    return true;
  });
  return out;
}

}  // namespace

TEST_CASE("ranges of inbox and works lists read through cached heads match RocksDB after every write") {
  temp_dir dir("readcache-heads");
  auto db = store::open(dir.path);
  const user_id owner(7);
  auto prefix = keys::inbox_prefix(owner);
  auto end = prefix.prefix_end();
  auto entry = [&](int t) { return keys::inbox(owner, millis(t), video_id(static_cast<std::uint64_t>(t))).str(); };
  // Lower bounds: the whole list, the middle of the head, past the head, past everything.
  auto check_all = [&](int newest) {
    for (int from : {newest + 1, newest - 10, newest - 70, newest - 150, 0}) {
      auto lower = prefix.str() + entry(from).substr(prefix.str().size(), 8);
      REQUIRE(read_range(*db, lower, end) == scan_range(*db, lower, end));
    }
    REQUIRE(read_range(*db, prefix.str(), end) == scan_range(*db, prefix.str(), end));
  };
  check_all(0);  // an empty list
  int newest = 0;
  for (int round = 0; round < 4; ++round) {  // 40, 80, 120, 160 entries: shorter and longer than a head
    rocksdb::WriteBatch add;
    for (int i = 0; i < 40; ++i) add.Put(entry(++newest), "v" + std::to_string(newest));
    db->write_durable(add);
    check_all(newest);
    check_all(newest);  // the second time from the cached head
  }
  rocksdb::WriteBatch trim;  // deletes inside the head and beyond it, and changes a value
  for (int t = newest; t > 0; t -= 3) trim.Delete(entry(t));
  trim.Put(entry(newest - 1), "changed");
  db->write_buffered(trim);
  check_all(newest);
  // A works list is cached the same way; a range of another table is read from RocksDB.
  auto works = keys::works_prefix(owner);
  rocksdb::WriteBatch publish;
  publish.Put(keys::works(owner, millis(5), video_id(5)).str(), "");
  db->write_durable(publish);
  CHECK(read_range(*db, works.str(), works.prefix_end()).size() == 1);
  auto messages = keys::inbox_meta(owner);
  CHECK(read_range(*db, messages.str(), messages.prefix_end()).empty());
  CHECK(db->head_cache_stats().hits > 0);
}
