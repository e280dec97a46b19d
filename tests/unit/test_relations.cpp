// Follow-edge staging (actors/relations.hpp) and the entity write log (actors/runtime.hpp):
// plain functions, no actor system.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/relations.hpp"
#include "actors/runtime.hpp"
#include "actors/views.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace reel;
using namespace reel::actors;
using reel::unit::temp_dir;
namespace keys = reel::storage::keys;

namespace {

// The operations of a batch, in order.
struct recorded : rocksdb::WriteBatch::Handler {
  struct op {
    bool put;
    std::string key;
    std::string value;
  };
  std::vector<op> ops;
  void Put(const rocksdb::Slice& k, const rocksdb::Slice& v) override {
    ops.push_back({true, k.ToString(), v.ToString()});
  }
  void Delete(const rocksdb::Slice& k) override { ops.push_back({false, k.ToString(), {}}); }
};

recorded ops_of(rocksdb::WriteBatch& batch) {
  recorded r;
  REQUIRE(batch.Iterate(&r).ok());
  return r;
}

const user_id alice(1001), bob(2002), carol(3003);
const millis since(1'700'000'000'000);

}  // namespace

TEST_CASE("stage_edge absent -> present puts the by-id and by-time keys and counts +1") {
  SUBCASE("following") {
    rocksdb::WriteBatch batch;
    CHECK(stage_edge(batch, edge_direction::following, alice, bob, std::nullopt, since) == +1);
    CHECK(batch.Count() == 2);
    auto r = ops_of(batch);
    REQUIRE(r.ops.size() == 2);
    CHECK(r.ops[0].put);
    CHECK(r.ops[0].key == keys::following(alice, bob).str());
    CHECK(storage::decode_follow_edge(r.ops[0].value) == since);
    CHECK(r.ops[1].put);
    CHECK(r.ops[1].key == keys::following_by_time(alice, since, bob).str());
    CHECK(r.ops[1].value.empty());
  }
  SUBCASE("follower") {
    rocksdb::WriteBatch batch;
    CHECK(stage_edge(batch, edge_direction::follower, bob, alice, std::nullopt, since) == +1);
    auto r = ops_of(batch);
    REQUIRE(r.ops.size() == 2);
    CHECK(r.ops[0].key == keys::follower(bob, alice).str());
    CHECK(r.ops[1].key == keys::follower_by_time(bob, since, alice).str());
  }
}

TEST_CASE("stage_edge present -> absent deletes both keys and counts -1") {
  rocksdb::WriteBatch batch;
  CHECK(stage_edge(batch, edge_direction::following, alice, bob, since, std::nullopt) == -1);
  CHECK(batch.Count() == 2);
  auto r = ops_of(batch);
  REQUIRE(r.ops.size() == 2);
  CHECK_FALSE(r.ops[0].put);
  CHECK(r.ops[0].key == keys::following(alice, bob).str());
  CHECK_FALSE(r.ops[1].put);
  // The by-time key is found through the old "since", not the current time.
  CHECK(r.ops[1].key == keys::following_by_time(alice, since, bob).str());

  rocksdb::WriteBatch followers;
  CHECK(stage_edge(followers, edge_direction::follower, bob, alice, since, std::nullopt) == -1);
  auto f = ops_of(followers);
  REQUIRE(f.ops.size() == 2);
  CHECK(f.ops[0].key == keys::follower(bob, alice).str());
  CHECK(f.ops[1].key == keys::follower_by_time(bob, since, alice).str());
}

TEST_CASE("stage_edge with no change stages nothing and counts 0") {
  for (auto dir : {edge_direction::following, edge_direction::follower}) {
    rocksdb::WriteBatch absent;
    CHECK(stage_edge(absent, dir, alice, bob, std::nullopt, std::nullopt) == 0);
    CHECK(absent.Count() == 0);
    rocksdb::WriteBatch present;
    CHECK(stage_edge(present, dir, alice, bob, since, since) == 0);
    CHECK(present.Count() == 0);
    rocksdb::WriteBatch refollow;  // an existing edge keeps its original time
    CHECK(stage_edge(refollow, dir, alice, bob, since, millis(since.value + 5)) == 0);
    CHECK(refollow.Count() == 0);
  }
}

TEST_CASE("staged edges, committed, are what read_edge and the views see") {
  temp_dir dir("relations");
  auto db = storage::store::open(dir.path);
  rocksdb::WriteBatch add;
  stage_edge(add, edge_direction::following, alice, bob, std::nullopt, since);
  stage_edge(add, edge_direction::following, alice, carol, std::nullopt, millis(since.value + 10));
  stage_edge(add, edge_direction::follower, bob, alice, std::nullopt, since);
  db->write_durable(add);

  CHECK(read_edge(*db, edge_direction::following, alice, bob) == since);
  CHECK(read_edge(*db, edge_direction::follower, bob, alice) == since);
  CHECK_FALSE(read_edge(*db, edge_direction::following, bob, alice).has_value());
  CHECK_FALSE(read_edge(*db, edge_direction::follower, alice, bob).has_value());
  CHECK(following_ids(*db, alice) == std::vector<user_id>{carol, bob});  // newest first
  CHECK(follower_ids(*db, bob) == std::vector<user_id>{alice});

  rocksdb::WriteBatch remove;
  CHECK(stage_edge(remove, edge_direction::following, alice, bob, read_edge(*db, edge_direction::following, alice, bob),
                   std::nullopt) == -1);
  db->write_durable(remove);
  CHECK_FALSE(read_edge(*db, edge_direction::following, alice, bob).has_value());
  CHECK(following_ids(*db, alice) == std::vector<user_id>{carol});

  // An undecodable edge value still counts as an edge.
  rocksdb::WriteBatch corrupt;
  corrupt.Put(keys::following(carol, alice).str(), "garbage");
  db->write_durable(corrupt);
  CHECK(read_edge(*db, edge_direction::following, carol, alice) == millis(0));
}

TEST_CASE("write_log: after_pending runs at once when nothing is pending") {
  write_log log;
  CHECK(log.idle());
  std::vector<bool> ran;
  log.after_pending([&](bool durable) { ran.push_back(durable); });
  CHECK(ran == std::vector<bool>{true});
  CHECK(log.idle());
}

TEST_CASE("write_log: after_pending waits for the latest write, and runs after its own continuation") {
  write_log log;
  std::vector<std::string> events;
  auto s1 = log.begin([&](bool d) { events.push_back(std::string("w1:") + (d ? "ok" : "fail")); });
  auto s2 = log.begin([&](bool d) { events.push_back(std::string("w2:") + (d ? "ok" : "fail")); });
  CHECK(s2 > s1);
  log.after_pending([&](bool d) { events.push_back(std::string("reply:") + (d ? "ok" : "fail")); });
  CHECK(events.empty());
  CHECK_FALSE(log.idle());

  log.complete(s1, true);
  CHECK(events == std::vector<std::string>{"w1:ok"});  // the reply still waits for w2
  CHECK_FALSE(log.idle());

  log.complete(s2, true);
  CHECK(events == std::vector<std::string>{"w1:ok", "w2:ok", "reply:ok"});
  CHECK(log.idle());

  // Completing a sequence again (or an unknown one) runs nothing.
  log.complete(s2, true);
  log.complete(12345, true);
  CHECK(events.size() == 3);

  // A write begun after after_pending is not waited for.
  auto s3 = log.begin([&](bool) { events.push_back("w3"); });
  log.after_pending([&](bool) { events.push_back("reply2"); });
  auto s4 = log.begin([&](bool) { events.push_back("w4"); });
  log.complete(s3, true);
  CHECK(events.back() == "reply2");
  CHECK(events.size() == 5);
  log.complete(s4, true);
  CHECK(events.back() == "w4");
  CHECK(log.idle());
}

TEST_CASE("write_log: a failed write passes false to its continuations") {
  write_log log;
  std::vector<bool> write, reply;
  auto seq = log.begin([&](bool d) { write.push_back(d); });
  log.after_pending([&](bool d) { reply.push_back(d); });
  log.complete(seq, false);
  CHECK(write == std::vector<bool>{false});
  CHECK(reply == std::vector<bool>{false});
  CHECK(log.idle());
}
