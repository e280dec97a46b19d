// The store on a disk that fills (storage/write_gate.hpp, background_errors.hpp), on a
// tmpfs of its own (root only): Debian's RocksDB 7.8.3 meets ENOSPC, nothing aborts, reads
// go on, and writes resume by themselves once space returns, also when the write that
// failed was the first into its memtable (where RocksDB's own Resume keeps a WAL writer
// that would abort the next write). And the reserve, which keeps RocksDB from meeting
// ENOSPC at all.
#include <doctest/doctest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "storage/committer.hpp"
#include "storage/keys.hpp"
#include "storage/store.hpp"
#include "tests/tmpfs_mount.hpp"

using namespace reel;
using namespace reel::storage;
using reel::test::tmpfs_mount;

namespace {

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;

std::string data_key(std::uint64_t n) { return key(0, table::user).u64(n).str(); }

void put(store& db, std::uint64_t n) {
  rocksdb::WriteBatch batch;
  batch.Put(data_key(n), std::string(512, 'v'));
  db.write_durable(batch);
}

// Polls (bounded) until the store takes writes again.
bool resumes_within(store& db, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (db.gate().refusal() == errc::ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool commit(committer& commits, std::uint64_t n) {
  rocksdb::WriteBatch batch;
  batch.Put(data_key(n), std::string(512, 'c'));
  std::promise<bool> done;
  auto result = done.get_future();
  commits.submit(0, std::move(batch), [&done](bool durable) { done.set_value(durable); });
  REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  return result.get();
}

// Fills the disk under a store, checks the stop, frees the space, checks the resume and
// what a reopen finds.
void full_and_back(bool empty_memtable) {
  auto disk = tmpfs_mount::mount_or_skip(32 * MiB);
  if (!disk) return;
  auto dir = disk->path() / "db";
  auto db = store::open(dir, 1 << 20, 0);  // no reserve: RocksDB meets ENOSPC itself
  std::uint64_t n = 0;
  for (; n < 10; ++n) put(*db, n);
  // After a flush the memtable is empty, and so the failing write is the first into it.
  if (empty_memtable) db->flush();
  disk->fill();
  std::uint64_t refused_key = 0;
  errc refused_code = errc::ok;
  for (int attempts = 0; attempts < 10'000 && refused_code == errc::ok; ++attempts, ++n) {
    try {
      put(*db, n);
    } catch (const write_refused& e) {
      refused_code = e.code();
      refused_key = n;
    }
  }
  REQUIRE(refused_code == errc::storage_full);
  const std::uint64_t acknowledged = refused_key;  // keys below it were written
  CHECK(db->gate().stopped());
  CHECK(db->gate().refusal() == errc::storage_full);
  CHECK(db->gate().background_errors() >= 1);
  CHECK_THROWS_AS(put(*db, refused_key + 1), write_refused);
  CHECK(db->get(data_key(0)).has_value());
  CHECK(db->get(data_key(acknowledged - 1)).has_value());
  CHECK_FALSE(db->get(data_key(refused_key)).has_value());

  disk->drain();
  REQUIRE(resumes_within(*db, std::chrono::seconds(10)));
  CHECK(db->gate().recoveries() == 1);
  const std::uint64_t after = 1'000'000;
  put(*db, after);
  put(*db, after + 1);

  db.reset();
  db = store::open(dir, 1 << 20, 0);
  for (std::uint64_t k = 0; k < acknowledged; ++k) CHECK(db->get(data_key(k)).has_value());
  CHECK_FALSE(db->get(data_key(refused_key)).has_value());
  CHECK_FALSE(db->get(data_key(refused_key + 1)).has_value());
  CHECK(db->get(data_key(after)).has_value());
  CHECK(db->get(data_key(after + 1)).has_value());
}

}  // namespace

TEST_CASE("a full disk stops writes without aborting, reads go on, and writes resume once space returns") {
  full_and_back(false);
}

TEST_CASE("writes resume after a full disk also when the failed write was the first into its memtable") {
  full_and_back(true);
}

TEST_CASE("under the reserve the committer refuses writes before RocksDB sees them") {
  auto disk = tmpfs_mount::mount_or_skip(32 * MiB);
  if (!disk) return;
  auto db = store::open(disk->path() / "db", 1 << 20, 8 * MiB);
  committer commits(*db);
  REQUIRE(commit(commits, 1));
  disk->fill(4 * MiB);
  db->gate().space().refresh();  // what the next write would see within 100 ms anyway
  CHECK_FALSE(commit(commits, 2));
  CHECK(db->gate().refusal() == errc::storage_full);
  CHECK(db->gate().space().refused_writes() == 1);
  CHECK(commits.probe().failures.load() == 1);
  CHECK_FALSE(db->gate().stopped());  // RocksDB itself never ran out of space
  CHECK(db->gate().background_errors() == 0);
  CHECK(db->get(data_key(1)).has_value());
  CHECK_FALSE(db->get(data_key(2)).has_value());

  disk->drain();
  db->gate().space().refresh();
  CHECK(db->gate().refusal() == errc::ok);
  CHECK(commit(commits, 3));
  CHECK(db->get(data_key(3)).has_value());
}
