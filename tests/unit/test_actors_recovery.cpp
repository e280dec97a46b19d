// An in-process node across restarts: durable token revocation and state, the outbox
// replay of effects a crash left undelivered, and idle passivation with reactivation.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "actors/relations.hpp"
#include "cluster/clock.hpp"
#include "node_client.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"
#include "storage/store.hpp"
#include "temp_dir.hpp"

using namespace reel;
using namespace reel::actors;
using namespace reel::unit;
using namespace std::chrono_literals;

TEST_CASE("state survives a restart: revoked tokens, users, follows, chats") {
  temp_dir dir("actors");
  const std::uint64_t token = 0xC0FFEE;
  user_id a, b;
  std::size_t messages = 0;
  millis last_time;
  {
    auto n = start_node(dir.path);
    client c{n->api()};
    CHECK_FALSE(n->api().is_revoked(token));
    REQUIRE(c.revoke(token, millis(cluster::wall_clock().value + 3'600'000)).ok());
    CHECK(n->api().is_revoked(token));
    CHECK_FALSE(n->api().is_revoked(token + 1));
    REQUIRE(c.revoke(token + 2, millis(cluster::wall_clock().value - 1'000)).ok());  // already expired

    a = c.must_register("persistent_a");
    b = c.must_register("persistent_b");
    REQUIRE(c.follow(a, b).ok());
    REQUIRE(c.send(a, b, "before restart").ok());
    auto chat = c.chat(a, b);
    REQUIRE(chat.ok());
    messages = chat->size();
    last_time = chat->back().create_time;
  }

  auto n = start_node(dir.path);
  client c{n->api()};
  CHECK(n->api().is_revoked(token));
  CHECK_FALSE(n->api().is_revoked(token + 1));
  CHECK_FALSE(n->api().is_revoked(token + 2));  // expired entries are not reloaded

  CHECK(must(c.find_credentials("persistent_a")).id == a);
  CHECK(c.register_user("persistent_b").err().code == errc::conflict);
  CHECK(c.counts(a) == counts_t{1, 0});
  CHECK(c.counts(b) == counts_t{0, 1});
  CHECK(c.followers(b) == std::vector<user_id>{a});
  REQUIRE(c.follow(a, b).ok());  // still idempotent after the restart
  CHECK(c.counts(b) == counts_t{0, 1});

  REQUIRE(c.send(b, a, "after restart").ok());
  auto chat = c.chat(a, b);
  REQUIRE(chat.ok());
  REQUIRE(chat->size() == messages + 1);
  CHECK(chat->back().content == "after restart");
  CHECK(chat->back().create_time > last_time);
}

TEST_CASE("a revocation's write deletes the records of revoked tokens that have expired") {
  temp_dir dir("actors");
  {
    auto n = start_node(dir.path);
    client c{n->api()};
    auto now = cluster::wall_clock().value;
    // 1,024 revocations fill the list to the size at which it looks for expired ones;
    // 1,000 of these tokens have expired already (a logout just before expiry, say).
    for (std::uint64_t id = 0; id < 1024; ++id)
      REQUIRE(c.revoke(id, millis(id < 1000 ? now - 1'000 : now + 3'600'000)).ok());
    REQUIRE(c.revoke(5000, millis(now + 3'600'000)).ok());
    CHECK(n->api().is_revoked(1000));
    CHECK_FALSE(n->api().is_revoked(0));
  }
  auto db = storage::store::open(dir.path / "db");
  std::size_t stored = 0;
  auto prefix = storage::keys::revoked_token_prefix();
  db->scan(prefix, prefix.prefix_end(), [&](std::string_view, std::string_view) { return ++stored, true; });
  CHECK(stored == 25);  // the 24 live ones and the last
}

TEST_CASE("outbox replay at start applies effects a crash left undelivered") {
  temp_dir dir("actors");
  const user_id created(5'000), followee(6'000), follower(7'000), old_fan(8'000);
  const millis since(cluster::wall_clock().value - 60'000);
  auto user = [](user_id id, const std::string& name, std::uint64_t follows, std::uint64_t followers) {
    storage::user_record r;
    r.id = id;
    r.name = name;
    r.password_hash = "h";
    r.follow_count = follows;
    r.follower_count = followers;
    return storage::encode(r);
  };
  {
    // The state a crash can leave, written as the actors would have written it.
    auto db = storage::store::open(dir.path / "db");
    rocksdb::WriteBatch batch;
    // 1. A name claimed, its create-user effect not yet applied.
    auto shard = storage::partition_of(std::string_view("replayed"));
    batch.Put(storage::keys::name("replayed").str(), storage::encode_name_claim(created));
    batch.Put(
        storage::keys::outbox(shard, op_id(11)).str(),
        storage::encode(storage::outbox_entry{op_id(11), created.value, storage::create_user{"replayed", "pw", since}}));
    // 2. `follower` followed `followee`; the followee's side not yet applied.
    batch.Put(storage::keys::user(followee).str(), user(followee, "followee", 0, 1));
    batch.Put(storage::keys::user(follower).str(), user(follower, "follower", 1, 0));
    stage_edge(batch, edge_direction::following, follower, followee, std::nullopt, since);
    batch.Put(
        storage::keys::outbox(storage::partition_of(follower), op_id(12)).str(),
        storage::encode(storage::outbox_entry{op_id(12), followee.value, storage::follower_change{follower, true, since}}));
    // 3. `old_fan` follows `followee`, applied on both sides, but its outbox entry was not
    //    deleted yet: the redelivery must not count it twice.
    batch.Put(storage::keys::user(old_fan).str(), user(old_fan, "old_fan", 1, 0));
    stage_edge(batch, edge_direction::following, old_fan, followee, std::nullopt, millis(since.value - 1));
    stage_edge(batch, edge_direction::follower, followee, old_fan, std::nullopt, millis(since.value - 1));
    batch.Put(storage::keys::outbox(storage::partition_of(old_fan), op_id(13)).str(),
              storage::encode(storage::outbox_entry{op_id(13), followee.value,
                                                    storage::follower_change{old_fan, true, millis(since.value - 1)}}));
    db->write_durable(batch);
  }
  {
    auto n = start_node(dir.path);
    client c{n->api()};
    auto replayed = c.get_user(created);
    REQUIRE(replayed.ok());
    CHECK(replayed->name == "replayed");
    CHECK(must(c.find_credentials("replayed")).password_hash == "pw");

    CHECK(c.counts(followee) == counts_t{0, 2});
    CHECK(c.counts(follower) == counts_t{1, 0});
    auto fans = c.followers(followee);
    std::sort(fans.begin(), fans.end());
    CHECK(fans == std::vector<user_id>{follower, old_fan});

    // The node keeps working on the replayed state.
    REQUIRE(c.unfollow(follower, followee).ok());
    CHECK(c.counts(followee) == counts_t{0, 1});
    CHECK(c.counts(follower) == counts_t{0, 0});
  }
  // Delivered entries are removed from the outbox.
  auto db = storage::store::open(dir.path / "db");
  int left = 0;
  for (storage::partition_id p = 0; p < storage::partition_count; ++p) {
    auto prefix = storage::keys::outbox_prefix(p);
    db->scan(prefix, prefix.prefix_end(), [&](std::string_view, std::string_view) {
      ++left;
      return true;
    });
  }
  CHECK(left == 0);
}

TEST_CASE("idle actors passivate and reactivate from storage with exact state") {
  temp_dir dir("actors");
  settings cfg;
  cfg.idle_passivation = 50ms;
  auto n = start_node(dir.path, cfg);
  client c{n->api()};
  auto a = c.must_register("sleepy_a");
  auto b = c.must_register("sleepy_b");
  REQUIRE(c.follow(a, b).ok());
  REQUIRE(c.send(a, b, "before nap").ok());

  auto all_passivated = [&] { return active_actors(*n) == 0; };
  REQUIRE(eventually(all_passivated));

  REQUIRE(c.follow(a, b).ok());  // reactivated a: the edge is found in storage, no double count
  CHECK(c.counts(a) == counts_t{1, 0});
  CHECK(c.counts(b) == counts_t{0, 1});
  REQUIRE(c.follow(b, a).ok());
  CHECK(c.counts(a) == counts_t{1, 1});
  CHECK(c.counts(b) == counts_t{1, 1});
  REQUIRE(c.send(b, a, "after nap").ok());

  REQUIRE(eventually(all_passivated));
  REQUIRE(c.unfollow(a, b).ok());
  CHECK(c.counts(a) == counts_t{0, 1});
  CHECK(c.counts(b) == counts_t{1, 0});
  CHECK(c.following(a).empty());
  CHECK(c.followers(a) == std::vector<user_id>{b});
  CHECK(c.register_user("sleepy_a").err().code == errc::conflict);  // the name shard reloads too

  auto chat = c.chat(a, b);
  REQUIRE(chat.ok());
  REQUIRE(chat->size() == 2);
  CHECK(chat->at(0).content == "before nap");
  CHECK(chat->at(1).content == "after nap");
  CHECK(chat->at(1).create_time > chat->at(0).create_time);
}
