// Follow, unfollow, follow/follower lists and the friend list.
#include "douyin.hpp"

using namespace reel::test;

namespace {

using id_list = std::vector<std::uint64_t>;

struct counts {
  std::int64_t follow;
  std::int64_t follower;
  bool operator==(const counts&) const = default;
};

counts counts_of(http_client& c, const account& viewer, const account& user) {
  const user_view u = fetch_user(c, viewer.token, user.user_id);
  return {u.follow_count, u.follower_count};
}

const user_view* find(const std::vector<user_view>& users, std::uint64_t id) {
  for (const auto& u : users) {
    if (u.id == id) return &u;
  }
  return nullptr;
}

}  // namespace

namespace doctest {
template <>
struct StringMaker<counts> {
  static String convert(const counts& c) {
    return ("{follow " + std::to_string(c.follow) + ", follower " + std::to_string(c.follower) + "}").c_str();
  }
};
}  // namespace doctest

TEST_CASE("follow and unfollow keep exact counts and are idempotent") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);

  must_follow(c, a, b.user_id);
  CHECK(counts_of(c, a, a) == counts{1, 0});
  CHECK(counts_of(c, a, b) == counts{0, 1});
  CHECK(counts_of(c, b, b) == counts{0, 1});

  // Following again succeeds and changes nothing.
  must_follow(c, a, b.user_id);
  CHECK(counts_of(c, a, a) == counts{1, 0});
  CHECK(counts_of(c, b, b) == counts{0, 1});
  CHECK(fetch_follow_list(c, a.user_id).size() == 1);
  CHECK(fetch_follower_list(c, b.user_id).size() == 1);

  // Unfollowing a user one does not follow succeeds and changes nothing.
  must_unfollow(c, b, a.user_id);
  CHECK(counts_of(c, b, b) == counts{0, 1});
  CHECK(counts_of(c, a, a) == counts{1, 0});

  must_unfollow(c, a, b.user_id);
  CHECK(counts_of(c, a, a) == counts{0, 0});
  CHECK(counts_of(c, b, b) == counts{0, 0});
  must_unfollow(c, a, b.user_id);
  CHECK(counts_of(c, a, a) == counts{0, 0});
  CHECK(counts_of(c, b, b) == counts{0, 0});
  CHECK(fetch_follow_list(c, a.user_id).empty());
  CHECK(fetch_follower_list(c, b.user_id).empty());

  // And following again after an unfollow counts once more.
  must_follow(c, a, b.user_id);
  CHECK(counts_of(c, b, b) == counts{0, 1});
  CHECK(counts_of(c, a, a) == counts{1, 0});
}

TEST_CASE("is_follow is relative to the viewer") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const account v = register_fresh(c);  // a viewer who follows b but not a
  must_follow(c, a, b.user_id);
  must_follow(c, v, b.user_id);

  CHECK(fetch_user(c, a.token, b.user_id).is_follow);
  CHECK(fetch_user(c, v.token, b.user_id).is_follow);
  CHECK_FALSE(fetch_user(c, b.token, a.user_id).is_follow);
  CHECK_FALSE(fetch_user(c, v.token, a.user_id).is_follow);
  CHECK_FALSE(fetch_user(c, b.token, b.user_id).is_follow);
  CHECK_FALSE(fetch_user(c, a.token, a.user_id).is_follow);

  // a's follow list: b, followed by viewer a, by viewer v, and by no one without a token.
  auto as_a = fetch_follow_list(c, a.user_id, a.token);
  REQUIRE(as_a.size() == 1);
  CHECK(as_a[0].is_follow);
  auto as_v = fetch_follow_list(c, a.user_id, v.token);
  REQUIRE(as_v.size() == 1);
  CHECK(as_v[0].is_follow);
  auto anonymous = fetch_follow_list(c, a.user_id);
  REQUIRE(anonymous.size() == 1);
  CHECK_FALSE(anonymous[0].is_follow);
  auto as_b = fetch_follow_list(c, a.user_id, b.token);
  REQUIRE(as_b.size() == 1);
  CHECK_FALSE(as_b[0].is_follow);  // b viewing itself

  // b's follower list: a and v; b follows neither, v follows neither, a follows neither.
  for (const account* viewer : {&b, &v, &a}) {
    INFO("viewer ", viewer->name);
    const auto followers = fetch_follower_list(c, b.user_id, viewer->token);
    REQUIRE(followers.size() == 2);
    for (const auto& f : followers) CHECK_FALSE(f.is_follow);
  }
  // Once b follows a back, a is marked in b's follower list as seen by b only.
  must_follow(c, b, a.user_id);
  const auto seen_by_b = fetch_follower_list(c, b.user_id, b.token);
  REQUIRE(find(seen_by_b, a.user_id) != nullptr);
  CHECK(find(seen_by_b, a.user_id)->is_follow);
  REQUIRE(find(seen_by_b, v.user_id) != nullptr);
  CHECK_FALSE(find(seen_by_b, v.user_id)->is_follow);
  for (const auto& f : fetch_follower_list(c, b.user_id)) CHECK_FALSE(f.is_follow);
}

TEST_CASE("follow and follower lists are newest first with full user objects") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const account d = register_fresh(c);
  const account e = register_fresh(c);
  CHECK(fetch_follow_list(c, a.user_id).empty());
  CHECK(fetch_follower_list(c, a.user_id).empty());

  for (const account* whom : {&b, &d, &e}) {
    next_millisecond();
    must_follow(c, a, whom->user_id);
  }
  CHECK(ids_of(fetch_follow_list(c, a.user_id)) == id_list{e.user_id, d.user_id, b.user_id});
  for (const account* who : {&d, &b}) {
    next_millisecond();
    must_follow(c, *who, e.user_id);
  }
  const auto followers = fetch_follower_list(c, e.user_id, a.token);
  CHECK(ids_of(followers) == id_list{b.user_id, d.user_id, a.user_id});
  for (const auto& f : followers) {
    INFO("follower ", f.id);
    const user_view direct = fetch_user(c, a.token, f.id);
    CHECK(f.name == direct.name);
    CHECK(f.follow_count == direct.follow_count);
    CHECK(f.follower_count == direct.follower_count);
    CHECK(f.is_follow == direct.is_follow);
    CHECK(f.signature == direct.signature);
  }

  // A re-follow after an unfollow is the newest follow.
  must_unfollow(c, a, b.user_id);
  CHECK(ids_of(fetch_follow_list(c, a.user_id)) == id_list{e.user_id, d.user_id});
  next_millisecond();
  must_follow(c, a, b.user_id);
  CHECK(ids_of(fetch_follow_list(c, a.user_id)) == id_list{b.user_id, e.user_id, d.user_id});
  const auto list = fetch_follow_list(c, a.user_id);
  REQUIRE(list.size() == 3);
  CHECK(list[1].follower_count == 3);  // e: followed by a, d and b
  CHECK(list[0].follower_count == 1);  // b: followed by a
}

TEST_CASE("relation action rejects bad input and changes nothing") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const std::string path = "/douyin/relation/action/";
  const std::string to = std::to_string(b.user_id);

  CHECK_API_ERROR(api::follow(c, a.token, a.user_id), 200, status::forbidden);
  CHECK_API_ERROR(api::follow(c, a.token, absent_user_id({a.user_id, b.user_id})), 200, status::not_found);
  for (const char* action : {"0", "3", "x", ""}) {
    INFO("action_type='", action, "'");
    CHECK_API_ERROR(c.post_form(path, {{"token", a.token}, {"to_user_id", to}, {"action_type", action}}), 200,
                    status::bad_parameter);
  }
  CHECK_API_ERROR(c.post_form(path, {{"token", a.token}, {"to_user_id", to}}), 200, status::bad_parameter);
  CHECK_API_ERROR(c.post_form(path, {{"token", a.token}, {"action_type", "1"}}), 200, status::bad_parameter);
  CHECK_API_ERROR(c.post_form(path, {{"token", a.token}, {"to_user_id", "b"}, {"action_type", "1"}}), 200,
                  status::bad_parameter);
  CHECK_API_ERROR(api::follow(c, "", b.user_id), 200, status::not_logged_in);

  CHECK(counts_of(c, a, a) == counts{0, 0});
  CHECK(counts_of(c, a, b) == counts{0, 0});
  CHECK(fetch_follow_list(c, a.user_id).empty());
  CHECK(fetch_follower_list(c, b.user_id).empty());
}

TEST_CASE("friend list holds mutual follows with the latest message") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);  // mutual with a
  const account f = register_fresh(c);  // only followed by a
  const account g = register_fresh(c);  // only follows a
  must_follow(c, a, b.user_id);
  CHECK(fetch_friend_list(c, a.token).empty());
  must_follow(c, b, a.user_id);
  must_follow(c, a, f.user_id);
  must_follow(c, g, a.user_id);

  auto friends = fetch_friend_list(c, a.token);
  REQUIRE(ids_of(friends) == id_list{b.user_id});
  CHECK(friends[0].name == b.name);
  CHECK(friends[0].is_follow);
  CHECK(friends[0].message.empty());
  CHECK(friends[0].follower_count == 1);
  CHECK(friends[0].follow_count == 1);
  CHECK(ids_of(fetch_friend_list(c, b.token)) == id_list{a.user_id});
  CHECK(fetch_friend_list(c, f.token).empty());
  CHECK(fetch_friend_list(c, g.token).empty());

  // With an explicit user_id equal to the token's user, the answer is the same.
  response explicit_id = api::friend_list(c, a.token, a.user_id);
  CHECK_NO_PROBLEM(problem_friend_list(explicit_id));
  CHECK(ids_of(user_list_of(explicit_id)) == id_list{b.user_id});

  // message/msgType follow the latest message between viewer and friend.
  must_send(c, a, b.user_id, "hi b");
  friends = fetch_friend_list(c, a.token);
  REQUIRE(friends.size() == 1);
  CHECK(friends[0].message == "hi b");
  CHECK(friends[0].msg_type == 1);
  auto of_b = fetch_friend_list(c, b.token);
  REQUIRE(of_b.size() == 1);
  CHECK(of_b[0].message == "hi b");
  CHECK(of_b[0].msg_type == 0);

  next_millisecond();
  must_send(c, b, a.user_id, "hello a");
  next_millisecond();
  must_send(c, a, f.user_id, "not a friend");  // a message to a non-friend changes nothing here
  friends = fetch_friend_list(c, a.token);
  REQUIRE(ids_of(friends) == id_list{b.user_id});
  CHECK(friends[0].message == "hello a");
  CHECK(friends[0].msg_type == 0);
  of_b = fetch_friend_list(c, b.token);
  REQUIRE(of_b.size() == 1);
  CHECK(of_b[0].message == "hello a");
  CHECK(of_b[0].msg_type == 1);

  // Without a token the friend list is refused; unfollowing ends the friendship.
  CHECK_API_ERROR(api::friend_list(c, ""), 200, status::not_logged_in);
  must_unfollow(c, b, a.user_id);
  CHECK(fetch_friend_list(c, a.token).empty());
  CHECK(fetch_friend_list(c, b.token).empty());
}
