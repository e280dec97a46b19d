// An in-process node (actors/node.hpp) on a temp dir, driven through its service interface:
// registration, follows, friends and chat. Restart, outbox replay and passivation are in
// test_actors_recovery.cpp.
#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "node_client.hpp"
#include "temp_dir.hpp"

using namespace reel;
using namespace reel::actors;
using namespace reel::unit;

TEST_CASE("register: distinct ids, credentials by name, duplicate name conflicts") {
  temp_dir dir("actors");
  auto n = start_node(dir.path);
  client c{n->api()};
  auto alice = c.must_register("alice");
  auto bob = c.must_register("bob");
  CHECK(alice != bob);
  CHECK(alice.value <= max_safe_id);

  auto again = c.register_user("alice");
  REQUIRE_FALSE(again.ok());
  CHECK(again.err().code == errc::conflict);

  auto creds = c.find_credentials("alice");
  REQUIRE(creds.ok());
  CHECK(creds->id == alice);
  CHECK(creds->password_hash == "hash-of-alice");
  CHECK(c.find_credentials("nobody").err().code == errc::not_found);

  auto view = c.get_user(bob);
  REQUIRE(view.ok());
  CHECK(view->name == "bob");
  CHECK(view->follow_count == 0);
  CHECK(view->follower_count == 0);
  CHECK(c.get_user(user_id(12345)).err().code == errc::not_found);
}

TEST_CASE("follow and unfollow keep both users' counts and lists exact") {
  temp_dir dir("actors");
  auto n = start_node(dir.path);
  client c{n->api()};
  auto a = c.must_register("follower_a");
  auto b = c.must_register("followee_b");

  REQUIRE(c.follow(a, b).ok());
  CHECK(c.counts(a) == counts_t{1, 0});
  CHECK(c.counts(b) == counts_t{0, 1});
  CHECK(c.following(a) == std::vector<user_id>{b});
  CHECK(c.followers(b) == std::vector<user_id>{a});
  CHECK(c.following(b).empty());
  CHECK(c.followers(a).empty());
  auto seen_by_a = c.get_user(b, a);
  REQUIRE(seen_by_a.ok());
  CHECK(seen_by_a->is_follow);
  CHECK_FALSE(must(c.get_user(a, b)).is_follow);

  SUBCASE("following twice is idempotent") {
    REQUIRE(c.follow(a, b).ok());
    CHECK(c.counts(a) == counts_t{1, 0});
    CHECK(c.counts(b) == counts_t{0, 1});
    CHECK(c.following(a) == std::vector<user_id>{b});
    CHECK(c.followers(b) == std::vector<user_id>{a});
  }
  SUBCASE("unfollow restores 0/0; unfollowing again changes nothing") {
    REQUIRE(c.unfollow(a, b).ok());
    CHECK(c.counts(a) == counts_t{0, 0});
    CHECK(c.counts(b) == counts_t{0, 0});
    CHECK(c.following(a).empty());
    CHECK(c.followers(b).empty());
    CHECK_FALSE(must(c.get_user(b, a)).is_follow);
    REQUIRE(c.unfollow(a, b).ok());
    CHECK(c.counts(a) == counts_t{0, 0});
    CHECK(c.counts(b) == counts_t{0, 0});
  }
  SUBCASE("follows and unfollows in flight together leave both sides agreeing") {
    // Posted without waiting, through several gateway actors: the order in which a's actor
    // sees them is not fixed, but b's side must end in a's final state.
    std::vector<std::future<outcome<success>>> replies;
    for (int i = 0; i < 40; ++i) {
      auto p = std::make_shared<std::promise<outcome<success>>>();
      replies.push_back(p->get_future());
      n->api().follow(a, b, i % 2 == 0 ? follow_action::unfollow : follow_action::follow,
                      [p](outcome<success> r) { p->set_value(std::move(r)); });
    }
    for (auto& r : replies) {
      REQUIRE(r.wait_for(wait_limit) == std::future_status::ready);
      CHECK(r.get().ok());
    }
    auto [a_follows, a_followers] = c.counts(a);
    auto [b_follows, b_followers] = c.counts(b);
    CHECK(a_follows <= 1);
    CHECK(a_followers == 0);
    CHECK(b_follows == 0);
    CHECK(b_followers == a_follows);
    CHECK(c.following(a).size() == a_follows);
    CHECK(c.followers(b).size() == a_follows);
    // And a final, awaited follow settles it.
    REQUIRE(c.follow(a, b).ok());
    CHECK(c.counts(a) == counts_t{1, 0});
    CHECK(c.counts(b) == counts_t{0, 1});
  }
}

TEST_CASE("follow refuses self-follows and unknown users") {
  temp_dir dir("actors");
  auto n = start_node(dir.path);
  client c{n->api()};
  auto a = c.must_register("lonely");

  auto self = c.follow(a, a);
  REQUIRE_FALSE(self.ok());
  CHECK(self.err().code == errc::forbidden);

  auto unknown = c.follow(a, user_id(987654321));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.err().code == errc::not_found);

  // Acting as a user without an account is refused as a token of no one would be.
  auto from_unknown = c.follow(user_id(987654321), a);
  REQUIRE_FALSE(from_unknown.ok());
  CHECK(from_unknown.err().code == errc::not_logged_in);

  CHECK(c.counts(a) == counts_t{0, 0});
  CHECK(c.follow_list(user_id(987654321)).err().code == errc::not_found);
}

TEST_CASE("friend_list shows mutual follows with the latest message relative to the viewer") {
  temp_dir dir("actors");
  auto n = start_node(dir.path);
  client c{n->api()};
  auto a = c.must_register("friend_a");
  auto b = c.must_register("friend_b");
  auto fan = c.must_register("fan_of_a");
  REQUIRE(c.follow(a, b).ok());
  REQUIRE(c.follow(fan, a).ok());
  REQUIRE(c.friend_list(a, a).ok());
  CHECK(must(c.friend_list(a, a)).empty());  // a follows b, but not back yet
  REQUIRE(c.follow(b, a).ok());
  REQUIRE(c.follow(a, fan).ok());  // fan and a are friends too

  auto before = c.friend_list(b, b);
  REQUIRE(before.ok());
  REQUIRE(before->size() == 1);
  CHECK(before->front().user.id == a);
  CHECK(before->front().message.empty());

  REQUIRE(c.send(a, b, "hello from a").ok());
  auto of_a = c.friend_list(a, a);
  REQUIRE(of_a.ok());
  REQUIRE(of_a->size() == 2);
  const friend_view* with_b = nullptr;
  const friend_view* with_fan = nullptr;
  for (const auto& f : of_a.value()) (f.user.id == b ? with_b : with_fan) = &f;
  REQUIRE(with_b != nullptr);
  REQUIRE(with_fan != nullptr);
  CHECK(with_fan->user.id == fan);
  CHECK(with_b->message == "hello from a");
  CHECK(with_b->msg_type == 1);  // a sent it
  CHECK(with_fan->message.empty());
  CHECK(with_b->user.is_follow);

  auto of_b = c.friend_list(b, b);
  REQUIRE(of_b.ok());
  REQUIRE(of_b->size() == 1);
  CHECK(of_b->front().message == "hello from a");
  CHECK(of_b->front().msg_type == 0);  // b received it

  REQUIRE(c.send(b, a, "hi a").ok());
  auto after_reply = c.friend_list(b, b);
  REQUIRE(after_reply.ok());
  REQUIRE(after_reply->size() == 1);
  CHECK(after_reply->front().message == "hi a");
  CHECK(after_reply->front().msg_type == 1);

  // Someone else looking at a's friends never sees a's chats, only their own.
  auto seen_by_fan = c.friend_list(a, fan);
  REQUIRE(seen_by_fan.ok());
  for (const auto& f : seen_by_fan.value()) CHECK(f.message.empty());
}

TEST_CASE("chat: ascending, strictly after `after`, create_time strictly increasing") {
  temp_dir dir("actors");
  auto n = start_node(dir.path);
  client c{n->api()};
  auto a = c.must_register("chatter_a");
  auto b = c.must_register("chatter_b");

  REQUIRE(c.send(a, b, "first").ok());
  REQUIRE(c.send(b, a, "second").ok());
  auto two = c.chat(a, b);
  REQUIRE(two.ok());
  REQUIRE(two->size() == 2);
  CHECK(two->at(0).content == "first");
  CHECK(two->at(0).from == a);
  CHECK(two->at(0).to == b);
  CHECK(two->at(1).content == "second");
  CHECK(two->at(1).from == b);
  CHECK(two->at(1).to == a);

  // Many messages back to back (not awaited one by one): most share a wall-clock millisecond.
  constexpr int burst = 200;
  std::vector<std::future<outcome<success>>> replies;
  for (int i = 0; i < burst; ++i) {
    auto p = std::make_shared<std::promise<outcome<success>>>();
    replies.push_back(p->get_future());
    n->api().send_message(i % 2 ? a : b, i % 2 ? b : a, "m" + std::to_string(i),
                          [p](outcome<success> r) { p->set_value(std::move(r)); });
  }
  for (auto& r : replies) {
    REQUIRE(r.wait_for(wait_limit) == std::future_status::ready);
    REQUIRE(r.get().ok());
  }

  auto all = c.chat(a, b, millis(0));
  REQUIRE(all.ok());
  const auto& m = all.value();
  REQUIRE(m.size() == burst + 2);
  std::set<std::string> contents;
  std::set<std::uint64_t> ids;
  for (std::size_t i = 0; i < m.size(); ++i) {
    CAPTURE(i);
    if (i > 0) CHECK(m[i].create_time > m[i - 1].create_time);
    CHECK(((m[i].from == a && m[i].to == b) || (m[i].from == b && m[i].to == a)));
    contents.insert(m[i].content);
    ids.insert(m[i].id.value);
  }
  CHECK(contents.size() == m.size());
  CHECK(ids.size() == m.size());

  // Both viewers see the same conversation.
  auto from_b = c.chat(b, a, millis(0));
  REQUIRE(from_b.ok());
  REQUIRE(from_b->size() == m.size());
  for (std::size_t i = 0; i < m.size(); ++i) CHECK(from_b->at(i).id == m[i].id);

  // `after` is strict: polling with the last create_time seen yields exactly the rest.
  for (std::size_t k : {std::size_t{0}, std::size_t{1}, std::size_t{57}, m.size() - 2, m.size() - 1}) {
    CAPTURE(k);
    auto rest = c.chat(a, b, m[k].create_time);
    REQUIRE(rest.ok());
    REQUIRE(rest->size() == m.size() - k - 1);
    if (!rest->empty()) CHECK(rest->front().id == m[k + 1].id);
  }
  auto none_before = c.chat(a, b, millis(m.front().create_time.value - 1));
  REQUIRE(none_before.ok());
  CHECK(none_before->size() == m.size());

  auto unknown = c.chat(a, user_id(424242));
  CHECK(unknown.err().code == errc::not_found);
  auto self = c.send(a, a, "me");
  CHECK(self.err().code == errc::forbidden);
}
