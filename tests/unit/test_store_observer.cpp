// What the store tells the node's in-memory views (storage/store.hpp: observe), where
// revoked tokens and celebrities live (the shared partition, moved there from the node
// partition at start), and group commits that skip their fsync.
#include <doctest/doctest.h>
#include <rocksdb/write_batch.h>

#include <future>
#include <optional>
#include <string>
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

struct seen {
  std::string key;
  std::optional<std::string> value;
};

}  // namespace

TEST_CASE("the store shows its observer the writes of observed tables only, after they land") {
  temp_dir dir("observer");
  auto db = store::open(dir.path, 1 << 20);
  std::vector<seen> calls;
  db->observe([&](std::string_view key, std::optional<std::string_view> value) {
    CHECK(db->get(key).has_value() == value.has_value());  // the write is already visible
    calls.push_back({std::string(key), value ? std::optional<std::string>(*value) : std::nullopt});
  });
  rocksdb::WriteBatch batch;
  batch.Put(keys::timeline(video_id(7), millis(1000)).str(), encode_inbox_entry(user_id(3)));
  batch.Put(keys::user(user_id(3)).str(), "not observed");
  batch.Put(keys::revoked_token(42).str(), encode_revoked_token(millis(5000)));
  batch.Delete(keys::celebrity(user_id(9)).str());
  db->write_durable(batch);
  REQUIRE(calls.size() == 3);
  CHECK(calls[0].key == keys::timeline(video_id(7), millis(1000)).str());
  CHECK(decode_inbox_entry(*calls[0].value) == user_id(3));
  CHECK(calls[1].key == keys::revoked_token(42).str());
  CHECK(calls[2].key == keys::celebrity(user_id(9)).str());
  CHECK_FALSE(calls[2].value);
}

TEST_CASE("revoked tokens and celebrities stored in the node partition move to the shared partition") {
  temp_dir dir("legacy");
  {
    auto db = store::open(dir.path);
    rocksdb::WriteBatch old;
    old.Put(key(node_partition, table::revoked_token).u64(11).str(), encode_revoked_token(millis(99)));
    old.Put(key(node_partition, table::celebrity).u64(5).str(), "");
    old.Put(keys::id_reservation().str(), encode_id_reservation(millis(123)));  // node-local: stays
    db->write_durable(old);
  }
  auto db = store::open(dir.path);
  CHECK(decode_revoked_token(*db->get(keys::revoked_token(11))) == millis(99));
  CHECK(db->contains(keys::celebrity(user_id(5))));
  CHECK_FALSE(db->contains(key(node_partition, table::revoked_token).u64(11)));
  CHECK_FALSE(db->contains(key(node_partition, table::celebrity).u64(5)));
  CHECK(db->contains(keys::id_reservation()));
}

TEST_CASE("a group of batches that ask for no fsync is written without one") {
  temp_dir dir("unsynced");
  auto db = store::open(dir.path);
  committer commits(*db, false);
  std::promise<bool> done;
  rocksdb::WriteBatch batch;
  batch.Put(keys::user(user_id(1)).str(), "x");
  commits.submit(
      3, std::move(batch), [&](bool ok) { done.set_value(ok); }, false);
  auto result = done.get_future();
  REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(result.get());
  CHECK(commits.probe().unsynced_groups.load() == 1);
  CHECK(commits.probe().groups.load() == 0);
  CHECK(db->contains(keys::user(user_id(1))));
  CHECK_FALSE(db->contains(keys::partition_meta(3)));  // a cluster node keeps its own
}
