// Tokens of users without an account. Such a token verifies (its MAC is the server's), so
// only a holder of the token secret can make one; the tests mint them with the secret reeld
// keeps in its data dir. Every login endpoint must refuse them as not logged in, and no
// refused request may change a count, then or after a restart.
#include <fstream>
#include <functional>
#include <iterator>

#include "clips.hpp"
#include "douyin.hpp"
#include "http/tokens.hpp"

using namespace reel::test;

namespace {

// A token for `user_id` that `srv` accepts as its own: minted with the secret in its data dir.
std::string token_for(const reeld_process& srv, std::uint64_t user_id) {
  std::ifstream file(srv.data_dir() + "/token.key", std::ios::binary);
  REQUIRE_MESSAGE(file, "reeld wrote no token.key in ", srv.data_dir());
  std::string secret((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto keys = reel::http::token_keys::from_bytes(secret);
  return reel::http::mint(keys, reel::http::new_claims(user_id, now_ms(), 3'600'000));
}

std::int64_t comment_count_of(http_client& c, const account& author, std::uint64_t video_id) {
  for (const auto& v : fetch_publish_list(c, author.user_id))
    if (v.id == video_id) return v.comment_count;
  FAIL("video ", video_id, " is not in the publish list of ", author.name);
  return -1;
}

}  // namespace

TEST_CASE("a token minted with the server's secret works for a user that has an account") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  // The check that the tests below do not fail for a broken token instead of a missing user.
  CHECK(fetch_user(c, token_for(srv, a.user_id), a.user_id).name == a.name);
}

TEST_CASE("a comment by a user without an account does not move comment_count, also after a restart") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account author = register_fresh(c);
  const video_view v = must_publish(c, author, clips().h264_silent.bytes, "counted");
  const comment_view real = must_comment(c, author, v.id, "the one comment");
  const std::string ghost = token_for(srv, absent_user_id({author.user_id, v.id, real.id}));

  for (int i = 0; i < 4; ++i)
    CHECK_API_ERROR(api::comment_add(c, ghost, v.id, "from no one"), 200, status::not_logged_in);
  CHECK(comment_count_of(c, author, v.id) == 1);
  CHECK(ids_of(fetch_comment_list(c, v.id)) == std::vector<std::uint64_t>{real.id});

  srv.restart();
  http_client after(srv.base_url());
  CHECK(comment_count_of(after, author, v.id) == 1);
  CHECK(ids_of(fetch_comment_list(after, v.id)) == std::vector<std::uint64_t>{real.id});
}

TEST_CASE("every login endpoint refuses a token whose user has no account, and nothing changes") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const video_view v = must_publish(c, a, clips().h264_silent.bytes, "target");
  const comment_view k = must_comment(c, b, v.id, "b's comment");
  const std::uint64_t ghost_id = absent_user_id({a.user_id, b.user_id, v.id, k.id});
  const std::string ghost = token_for(srv, ghost_id);

  const std::vector<std::pair<const char*, std::function<response()>>> calls = {
      {"user info of oneself", [&] { return api::user_info(c, ghost); }},
      {"user info of another", [&] { return api::user_info(c, ghost, a.user_id); }},
      {"publish", [&] { return api::publish(c, ghost, clips().h264_silent.bytes, "ghost video"); }},
      {"like", [&] { return api::like(c, ghost, v.id); }},
      {"unlike", [&] { return api::unlike(c, ghost, v.id); }},
      {"comment", [&] { return api::comment_add(c, ghost, v.id, "boo"); }},
      {"comment delete", [&] { return api::comment_delete(c, ghost, v.id, k.id); }},
      {"follow", [&] { return api::follow(c, ghost, a.user_id); }},
      {"unfollow", [&] { return api::unfollow(c, ghost, a.user_id); }},
      {"friend list", [&] { return api::friend_list(c, ghost); }},
      {"friend list of another", [&] { return api::friend_list(c, ghost, a.user_id); }},
      {"message send", [&] { return api::send_message(c, ghost, a.user_id, "hello"); }},
      {"chat", [&] { return api::chat(c, ghost, a.user_id); }},
      {"following feed", [&] { return api::feed(c, ghost, std::nullopt, "following"); }},
      // Last: a logout that went through would revoke the token and hide what follows it.
      {"logout", [&] { return api::logout(c, ghost); }},
  };
  for (const auto& [what, call] : calls) {
    INFO(what);
    CHECK_API_ERROR(call(), 200, status::not_logged_in);
  }

  const user_view seen_a = fetch_user(c, a.token, a.user_id);
  CHECK(seen_a.follower_count == 0);
  CHECK(seen_a.work_count == 1);
  CHECK(seen_a.total_favorited == 0);
  const auto listed = fetch_publish_list(c, a.user_id);
  REQUIRE(listed.size() == 1);
  CHECK(listed.front().favorite_count == 0);
  CHECK(listed.front().comment_count == 1);
  CHECK(ids_of(fetch_comment_list(c, v.id)) == std::vector<std::uint64_t>{k.id});
  CHECK(fetch_friend_list(c, a.token).empty());
  CHECK(fetch_follower_list(c, a.user_id).empty());
  // A message to no one is refused too, so the chat holds nothing to read either way.
  CHECK_API_ERROR(api::chat(c, a.token, ghost_id), 200, status::not_found);
}

TEST_CASE("public reads treat a token whose user has no account as no token") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const video_view v = must_publish(c, a, clips().h264_silent.bytes, "public");
  const std::string ghost = token_for(srv, absent_user_id({a.user_id, v.id}));
  CHECK(ids_of(fetch_feed(c, ghost).videos) == std::vector<std::uint64_t>{v.id});
  CHECK(ids_of(fetch_publish_list(c, a.user_id, ghost)) == std::vector<std::uint64_t>{v.id});
  CHECK(fetch_comment_list(c, v.id, ghost).empty());
}
