// The memtable skip list (storage/memtable.hpp) under RocksDB: with a write buffer too large
// to flush, every read below is answered by the list alone. Reads must equal a std::map
// model (point reads, both directions of iteration, seeks, snapshots of older versions), and
// a reader running beside the writer must always see a sorted list holding every key whose
// write it saw acknowledged.
#include <doctest/doctest.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage/memtable.hpp"
#include "temp_dir.hpp"

using reel::unit::temp_dir;

namespace {

using model = std::map<std::string, std::string>;

std::unique_ptr<rocksdb::DB> open_memtable_only(const temp_dir& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.memtable_factory = std::make_shared<reel::storage::memtable_factory>();
  options.allow_concurrent_memtable_write = false;
  options.write_buffer_size = 512 << 20;  // never flushed during a test
  rocksdb::DB* db = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir.path.string(), &db).ok());
  return std::unique_ptr<rocksdb::DB>(db);
}

// Keys that share prefixes and vary in length, so neighbours differ in their last bytes.
std::string random_key(std::mt19937_64& rng) {
  static const char* prefixes[] = {"", "a", "ab", "abc", "b", "inbox/0001/", "inbox/0002/"};
  return prefixes[rng() % 7] + std::to_string(rng() % 400);
}

std::optional<std::string> get(rocksdb::DB& db, const std::string& key, const rocksdb::Snapshot* at = nullptr) {
  rocksdb::ReadOptions options;
  options.snapshot = at;
  std::string value;
  auto s = db.Get(options, key, &value);
  if (s.IsNotFound()) return std::nullopt;
  REQUIRE(s.ok());
  return value;
}

// A whole forward iteration of `it` against `expected`.
void check_in_order(rocksdb::Iterator& it, const model& expected) {
  auto m = expected.begin();
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) {
    REQUIRE(m != expected.end());
    CHECK(it.key().ToString() == m->first);
    CHECK(it.value().ToString() == m->second);
  }
  CHECK(m == expected.end());
}

// Every read path of `db` (at `at`) against `expected`.
void check_against(rocksdb::DB& db, const model& expected, std::mt19937_64& rng,
                   const rocksdb::Snapshot* at = nullptr) {
  rocksdb::ReadOptions options;
  options.snapshot = at;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options));
  check_in_order(*it, expected);

  auto r = expected.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++r) {
    REQUIRE(r != expected.rend());
    CHECK(it->key().ToString() == r->first);
  }
  CHECK(r == expected.rend());

  for (int i = 0; i < 200; ++i) {
    auto target = random_key(rng);
    CHECK(get(db, target, at) == (expected.count(target) ? std::optional(expected.at(target)) : std::nullopt));

    it->Seek(target);
    auto after = expected.lower_bound(target);
    REQUIRE(it->Valid() == (after != expected.end()));
    if (after != expected.end()) CHECK(it->key().ToString() == after->first);

    it->SeekForPrev(target);
    auto upto = expected.upper_bound(target);
    REQUIRE(it->Valid() == (upto != expected.begin()));
    if (upto != expected.begin()) CHECK(it->key().ToString() == std::prev(upto)->first);
  }
}

}  // namespace

TEST_CASE("memtable: reads equal a sorted map through puts, overwrites, deletes and snapshots") {
  temp_dir dir("memtable");
  auto db = open_memtable_only(dir);
  std::mt19937_64 rng(7);
  model expected;
  std::vector<std::pair<const rocksdb::Snapshot*, model>> snapshots;

  for (int round = 0; round < 40; ++round) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < 150; ++i) {
      auto key = random_key(rng);
      if (rng() % 4 == 0) {
        batch.Delete(key);
        expected.erase(key);
      } else {
        auto value = std::to_string(round) + "." + std::to_string(i);
        batch.Put(key, value);  // the same key twice in a batch: the later one wins
        expected[key] = value;
      }
    }
    rocksdb::WriteOptions options;
    REQUIRE(db->Write(options, &batch).ok());
    if (round % 10 == 0) snapshots.emplace_back(db->GetSnapshot(), expected);
  }

  check_against(*db, expected, rng);
  for (auto& [snapshot, then] : snapshots) {
    check_against(*db, then, rng, snapshot);  // older versions stay reachable in the list
    db->ReleaseSnapshot(snapshot);
  }
}

TEST_CASE("memtable: a reader beside the writer sees a sorted list with every acknowledged key") {
  temp_dir dir("memtable");
  auto db = open_memtable_only(dir);
  constexpr int keys = 20000;
  // Key i in a scattered order, so inserts land all over the list while it is read.
  auto key_of = [](int i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%08u", static_cast<unsigned>((i * 7919u) % 1000003u));
    return std::string(buf);
  };
  std::atomic<int> written{0};
  std::atomic<bool> write_failed{false};

  std::thread writer([&] {
    for (int i = 0; i < keys; ++i) {
      if (!db->Put(rocksdb::WriteOptions(), key_of(i), std::to_string(i)).ok()) {
        write_failed = true;
        written = keys;
        return;
      }
      written.store(i + 1, std::memory_order_release);
    }
  });

  int sorted_failures = 0, missing = 0, scans = 0;
  std::mt19937_64 rng(3);
  while (written.load(std::memory_order_acquire) < keys) {
    int acknowledged = written.load(std::memory_order_acquire);
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    std::string previous;
    int seen = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++seen) {
      if (seen > 0 && it->key().ToString() <= previous) ++sorted_failures;
      previous = it->key().ToString();
    }
    if (seen < acknowledged) ++missing;
    if (acknowledged > 0) {
      int i = static_cast<int>(rng() % acknowledged);
      if (get(*db, key_of(i)) != std::to_string(i)) ++missing;
    }
    ++scans;
  }
  writer.join();

  REQUIRE_FALSE(write_failed.load());
  CHECK(scans > 0);
  CHECK(sorted_failures == 0);
  CHECK(missing == 0);
  rocksdb::ReadOptions options;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options));
  int total = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++total;
  CHECK(total == keys);
}

TEST_CASE("memtable: an insert compares the new key with logarithmically few others") {
  // The reason the list exists (storage/memtable.hpp): RocksDB's counted ~110 comparisons per
  // insert at this size. A list whose upper levels were never linked would still answer
  // correctly, and need thousands.
  temp_dir dir("memtable");
  auto db = open_memtable_only(dir);
  auto key_of = [](unsigned i) { return "user/" + std::to_string((i * 7919u) % 1000003u); };
  constexpr unsigned keys = 20000, measured = 1000;
  for (unsigned i = 0; i < keys - measured; ++i) REQUIRE(db->Put(rocksdb::WriteOptions(), key_of(i), "").ok());

  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  for (unsigned i = keys - measured; i < keys; ++i) REQUIRE(db->Put(rocksdb::WriteOptions(), key_of(i), "").ok());
  auto per_insert = static_cast<double>(rocksdb::get_perf_context()->user_key_comparison_count) / measured;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);

  INFO("comparisons per insert: " << per_insert);
  CHECK(per_insert > 1);   // the count is live: a 19k-entry list needs more than one
  CHECK(per_insert < 60);  // log2(20000) = 14.3; a skip list of fanout 4 takes about twice that
}

TEST_CASE("memtable: a sorted batch inserts each key from the last one, not from the top") {
  // A commit group arrives sorted (storage/group_merge.hpp): each entry lands a few nodes
  // after the previous one, which a search from the last insert finds in a few comparisons.
  temp_dir dir("memtable");
  auto db = open_memtable_only(dir);
  auto key_of = [](unsigned i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "k%08u", i);
    return std::string(buf);
  };
  rocksdb::WriteBatch spread;
  for (unsigned i = 0; i < 20000; ++i) spread.Put(key_of(i * 10), "");
  REQUIRE(db->Write(rocksdb::WriteOptions(), &spread).ok());

  rocksdb::WriteBatch sorted;  // between the existing keys, in order
  constexpr unsigned measured = 2000;
  for (unsigned i = 0; i < measured; ++i) sorted.Put(key_of(i * 97 + 5), "");
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  REQUIRE(db->Write(rocksdb::WriteOptions(), &sorted).ok());
  auto per_insert = static_cast<double>(rocksdb::get_perf_context()->user_key_comparison_count) / measured;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);

  INFO("comparisons per insert: " << per_insert);
  CHECK(per_insert > 1);
  CHECK(per_insert < 20);  // 16 here; from the top, 28
}

namespace {

// A key shaped like Reel's (storage/keys.hpp): partition (2 bytes), table (1), the owner's id
// (8, big-endian), then a field of the entry, e.g. an inverted time (8).
std::string owner_key(std::uint64_t owner, std::uint64_t field) {
  std::string k;
  k.push_back(static_cast<char>(owner % 3));
  k.push_back(static_cast<char>(owner % 64));
  k.push_back(static_cast<char>(0x13));
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>(owner >> shift));
  for (int shift = 56; shift >= 0; shift -= 8) k.push_back(static_cast<char>(field >> shift));
  return k;
}

}  // namespace

TEST_CASE("memtable: inserts next to an owner's earlier keys keep the list equal to a sorted map") {
  // An insert may start from where the last insert of the same owner (the key's first 11
  // bytes) went, however long ago: every order an owner's keys can come in, interleaved with
  // other owners, overwrites, deletes and sorted batches, and owners that share a slot of the
  // finger table.
  temp_dir dir("memtable");
  auto db = open_memtable_only(dir);
  std::mt19937_64 rng(11);
  model expected;
  std::vector<std::uint64_t> newest(5000, 1u << 30), oldest(5000, 1u << 30);
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 6000; ++i) {
      auto owner = rng() % (round < 3 ? 300 : 5000);  // later rounds: more owners than slots
      std::uint64_t field;
      switch (rng() % 4) {
        case 0: field = --newest[owner]; break;  // before the owner's keys (a newer inbox entry)
        case 1: field = ++oldest[owner]; break;  // after them (a chat message)
        default: field = (1u << 30) - 50 + rng() % 100; break;  // among them, or the same key again
      }
      auto key = owner_key(owner, field);
      if (rng() % 10 == 0) {
        REQUIRE(db->Delete(rocksdb::WriteOptions(), key).ok());
        expected.erase(key);
      } else {
        auto value = std::to_string(rng());
        REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
        expected[key] = value;
      }
      if (i % 500 == 0) {  // a commit group: sorted, several owners
        std::map<std::string, std::string> group;
        for (int j = 0; j < 40; ++j) group[owner_key(rng() % 300, (1u << 30) - 200 + rng() % 400)] = "g";
        rocksdb::WriteBatch batch;
        for (const auto& [k, v] : group) batch.Put(k, v);
        REQUIRE(db->Write(rocksdb::WriteOptions(), &batch).ok());
        for (const auto& [k, v] : group) expected[k] = v;
      }
    }
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
    check_in_order(*it, expected);
    // Seeks descend through every level: a node linked out of order on any level shows here.
    for (int i = 0; i < 3000; ++i) {
      auto target = owner_key(rng() % 5000, (1u << 30) - 300 + rng() % 600);
      it->Seek(target);
      auto after = expected.lower_bound(target);
      REQUIRE(it->Valid() == (after != expected.end()));
      if (after != expected.end()) REQUIRE(it->key().ToString() == after->first);
      std::string value;
      auto s = db->Get(rocksdb::ReadOptions(), target, &value);
      CHECK(s.IsNotFound() == (expected.count(target) == 0));
    }
  }
}

TEST_CASE("memtable: a key next to its owner's last one is inserted with a comparison or two") {
  // The cluster's publish load: each follower's new inbox entry lands before that follower's
  // newest, and commit groups are small, so neither a search from the top (~2 comparisons per
  // level, each a node no cache holds) nor one from the group's last insert is short.
  temp_dir dir("memtable");
  auto db = open_memtable_only(dir);
  constexpr std::uint64_t owners = 1500;
  std::mt19937_64 rng(5);
  for (std::uint64_t t = 0; t < 20; ++t)
    for (std::uint64_t o = 0; o < owners; ++o)
      REQUIRE(db->Put(rocksdb::WriteOptions(), owner_key((o * 7919) % owners, 1000 - t), "").ok());
  constexpr unsigned measured = 1000;
  std::vector<std::uint64_t> newest(owners, 981);  // each owner's newest field so far
  std::vector<std::uint64_t> chosen;
  for (unsigned i = 0; i < measured; ++i) chosen.push_back(rng() % 200);  // few enough to keep their fingers
  for (auto o : chosen) REQUIRE(db->Put(rocksdb::WriteOptions(), owner_key(o, --newest[o]), "").ok());

  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  for (auto o : chosen) REQUIRE(db->Put(rocksdb::WriteOptions(), owner_key(o, --newest[o]), "").ok());
  auto per_insert = static_cast<double>(rocksdb::get_perf_context()->user_key_comparison_count) / measured;
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);

  INFO("comparisons per insert: " << per_insert);
  CHECK(per_insert > 1);
  CHECK(per_insert < 8);  // from the top of this 31k-entry list: ~25
}
