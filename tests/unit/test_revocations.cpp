// Revoked tokens (actors/revocations.hpp): the records of expired tokens do not stay in
// storage forever. A start deletes them; a running node hands them to the next revocation's
// write once the list has doubled.
#include <doctest/doctest.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "actors/revocations.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace reel;
using reel::unit::temp_dir;

namespace {

std::vector<std::uint64_t> stored_ids(const storage::store& db) {
  std::vector<std::uint64_t> ids;
  auto prefix = storage::keys::revoked_token_prefix();
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
    ids.push_back(storage::read_u64(key, storage::key_header_bytes));
    return true;
  });
  return ids;
}

}  // namespace

TEST_CASE("revocations: a start loads the live ones and deletes the records of expired tokens") {
  temp_dir dir("revocations");
  auto db = storage::store::open(dir.path);
  const millis now(1'800'000'000'000);
  rocksdb::WriteBatch batch;
  for (std::uint64_t id = 1; id <= 6; ++id) {
    auto expires = millis(id % 2 == 0 ? now.value + 60'000 : now.value - 60'000);  // even ids live
    batch.Put(storage::keys::revoked_token(id).str(), storage::encode_revoked_token(expires));
  }
  db->write_durable(batch);

  actors::revocation_list list;
  list.load(*db, now);
  CHECK(list.size() == 3);
  CHECK(list.contains(2));
  CHECK_FALSE(list.contains(1));
  CHECK(stored_ids(*db) == std::vector<std::uint64_t>{2, 4, 6});
}

TEST_CASE("revocations: once the list doubles, the expired ones are handed over and forgotten") {
  actors::revocation_list list;
  const millis now(1'800'000'000'000);
  CHECK(list.take_expired(now).empty());

  // 1,023 entries, 400 of them expired: below the first threshold (1,024), nothing is scanned.
  for (std::uint64_t id = 0; id < 1023; ++id) list.add(id, millis(id < 400 ? now.value - 1 : now.value + 60'000));
  CHECK(list.take_expired(now).empty());
  CHECK(list.size() == 1023);

  list.add(5000, millis(now.value - 1));  // the 1,024th, expired too
  auto expired = list.take_expired(now);
  std::sort(expired.begin(), expired.end());
  REQUIRE(expired.size() == 401);
  CHECK(expired.front() == 0);
  CHECK(expired[399] == 399);
  CHECK(expired.back() == 5000);
  CHECK(list.size() == 623);
  CHECK_FALSE(list.contains(0));
  CHECK(list.contains(400));

  // The next scan waits for the list to double again (to 1,246 entries).
  list.add(6000, millis(now.value - 1));
  CHECK(list.take_expired(now).empty());
}
