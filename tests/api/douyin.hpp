// The Douyin API as the tests see it: one call per endpoint, the exact shape of every
// response object, and plain views of users and messages.
#pragma once

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "harness.hpp"

namespace reel::test {

// ---- shapes: each returns "" when fine, otherwise what is wrong ----

// Sorted, comma-separated member names of a JSON object.
std::string keys_of(const rapidjson::Value& object);
// HTTP 200, application/json, status_code 0, status_msg "success", and exactly the keys
// status_code, status_msg and `payload_keys`.
std::string problem_ok(const response& r, std::initializer_list<const char*> payload_keys);
// HTTP `http_status`, application/json, status_code `code`, non-empty status_msg and no
// key besides status_code and status_msg.
std::string problem_error(const response& r, long http_status, std::int64_t code);
// A failed register/login: like problem_error, plus "user_id": 0 and "token": "".
std::string problem_auth_error(const response& r, long http_status, std::int64_t code);
// A JSON number id: an integer in 1 .. 2^53-1.
std::string problem_id(const rapidjson::Value& value);
// Exact keys and types of a User, a FriendUser and a Message. A user's avatar and
// background_image are two different absolute URLs under `public_url` (never empty).
std::string problem_user(const rapidjson::Value& user, const std::string& public_url);
std::string problem_friend_user(const rapidjson::Value& user, const std::string& public_url);
std::string problem_message(const rapidjson::Value& message);
// problem_ok plus the shape of every element of "user_list" / "message_list". These and the
// list, feed and comment checks below take the public URL from the response (base_url).
std::string problem_user_list(const response& r);
std::string problem_friend_list(const response& r);
std::string problem_message_list(const response& r);
// Exact keys and types of a Video (play_url/cover_url non-empty) and a Comment
// (create_date "MM-DD"), their users as problem_user has them.
std::string problem_video(const rapidjson::Value& video, const std::string& public_url);
std::string problem_comment(const rapidjson::Value& comment, const std::string& public_url);
// problem_ok plus the shape of every element of "video_list" (publish and favorite lists).
std::string problem_video_list(const response& r);
// A feed answer: exactly next_time (a number) and video_list, every element a Video.
std::string problem_feed(const response& r);
std::string problem_comment_list(const response& r);
// A successful comment add: exactly the key `comment`, a Comment.
std::string problem_comment_added(const response& r);
// `problem` followed by the request and its answer (unchanged when empty).
std::string with_request(const response& r, std::string problem);

#define REEL_EXPECT_NONE_(assert_macro, expr)           \
  do {                                                  \
    const std::string reel_problem_ = (expr);           \
    assert_macro(reel_problem_.empty(), reel_problem_); \
  } while (false)
#define CHECK_NO_PROBLEM(expr) REEL_EXPECT_NONE_(CHECK_MESSAGE, expr)
#define REQUIRE_NO_PROBLEM(expr) REEL_EXPECT_NONE_(REQUIRE_MESSAGE, expr)
#define CHECK_API_OK(r, ...) CHECK_NO_PROBLEM(::reel::test::problem_ok((r), {__VA_ARGS__}))
#define REQUIRE_API_OK(r, ...) REQUIRE_NO_PROBLEM(::reel::test::problem_ok((r), {__VA_ARGS__}))
#define CHECK_API_ERROR(r, http, code) CHECK_NO_PROBLEM(::reel::test::problem_error((r), (http), (code)))
#define CHECK_AUTH_ERROR(r, http, code) CHECK_NO_PROBLEM(::reel::test::problem_auth_error((r), (http), (code)))

// Reel's status codes (README / API.md table).
namespace status {
constexpr std::int64_t ok = 0;
constexpr std::int64_t bad_parameter = 1;
constexpr std::int64_t not_logged_in = 2;
constexpr std::int64_t not_found = 3;
constexpr std::int64_t forbidden = 4;
constexpr std::int64_t conflict = 5;
constexpr std::int64_t rate_limited = 6;
constexpr std::int64_t too_large = 7;
constexpr std::int64_t unsupported_media = 8;
constexpr std::int64_t internal = 9;
constexpr std::int64_t unavailable = 10;
constexpr std::int64_t busy = 11;
constexpr std::int64_t unknown_route = 12;
}  // namespace status

// ---- views ----

struct user_view {
  std::uint64_t id = 0;
  std::string name;
  std::int64_t follow_count = -1;
  std::int64_t follower_count = -1;
  bool is_follow = false;
  std::string avatar;
  std::string background_image;
  std::string signature;
  std::int64_t total_favorited = -1;
  std::int64_t work_count = -1;
  std::int64_t favorite_count = -1;
  // FriendUser only.
  std::string message;
  std::int64_t msg_type = -1;
};

struct message_view {
  std::uint64_t id = 0;
  std::uint64_t to_user_id = 0;
  std::uint64_t from_user_id = 0;
  std::string content;
  std::int64_t create_time = 0;
};

struct video_view {
  std::uint64_t id = 0;
  user_view author;
  std::string play_url;
  std::string cover_url;
  std::int64_t favorite_count = -1;
  std::int64_t comment_count = -1;
  bool is_favorite = false;
  std::string title;
};

struct comment_view {
  std::uint64_t id = 0;
  user_view user;
  std::string content;
  std::string create_date;
};

// One answer of /douyin/feed/.
struct feed_page {
  std::int64_t next_time = -1;
  std::vector<video_view> videos;
};

// Lenient readers (missing members keep defaults); use the shape checks for strictness.
user_view to_user_view(const rapidjson::Value& user);
message_view to_message_view(const rapidjson::Value& message);
std::vector<user_view> user_list_of(const response& r);
std::vector<message_view> message_list_of(const response& r);
std::vector<std::uint64_t> ids_of(const std::vector<user_view>& users);
video_view to_video_view(const rapidjson::Value& video);
comment_view to_comment_view(const rapidjson::Value& comment);
std::vector<video_view> video_list_of(const response& r);
std::vector<comment_view> comment_list_of(const response& r);
std::vector<std::uint64_t> ids_of(const std::vector<video_view>& videos);
std::vector<std::uint64_t> ids_of(const std::vector<comment_view>& comments);
std::vector<std::string> titles_of(const std::vector<video_view>& videos);
// An id no user has: above every id in `known` by a margin no registration reaches.
std::uint64_t absent_user_id(std::initializer_list<std::uint64_t> known);

// ---- one call per endpoint; an empty token means "send no token parameter" ----
namespace api {
response ping(http_client& c);
response user_register(http_client& c, const std::string& username, const std::string& password);
response user_login(http_client& c, const std::string& username, const std::string& password);
response user_info(http_client& c, const std::string& token, std::optional<std::uint64_t> user_id = std::nullopt);
response relation_action(http_client& c, const std::string& token, std::uint64_t to_user_id, int action_type);
response follow(http_client& c, const std::string& token, std::uint64_t to_user_id);
response unfollow(http_client& c, const std::string& token, std::uint64_t to_user_id);
response follow_list(http_client& c, std::uint64_t user_id, const std::string& token = "");
response follower_list(http_client& c, std::uint64_t user_id, const std::string& token = "");
response friend_list(http_client& c, const std::string& token, std::optional<std::uint64_t> user_id = std::nullopt);
response send_message(http_client& c, const std::string& token, std::uint64_t to_user_id, const std::string& content);
response chat(http_client& c, const std::string& token, std::uint64_t to_user_id,
              std::optional<std::int64_t> pre_msg_time = std::nullopt);
response logout(http_client& c, const std::string& token);
// Multipart: text parts token (when not empty) and title, then `data` as the file part.
response publish(http_client& c, const std::string& token, const std::string& bytes, const std::string& title);
response publish_list(http_client& c, std::uint64_t user_id, const std::string& token = "");
// GET /douyin/feed/ with `query` as given (latest_time, token, feed_type, ...).
response feed(http_client& c, const params& query);
response feed(http_client& c, const std::string& token, std::optional<std::int64_t> latest_time = std::nullopt,
              const std::string& feed_type = "");
response favorite_action(http_client& c, const std::string& token, std::uint64_t video_id, int action_type);
response like(http_client& c, const std::string& token, std::uint64_t video_id);
response unlike(http_client& c, const std::string& token, std::uint64_t video_id);
response favorite_list(http_client& c, std::uint64_t user_id, const std::string& token = "");
response comment_add(http_client& c, const std::string& token, std::uint64_t video_id, const std::string& text);
response comment_delete(http_client& c, const std::string& token, std::uint64_t video_id, std::uint64_t comment_id);
response comment_list(http_client& c, std::uint64_t video_id, const std::string& token = "");
response metrics(http_client& c);
}  // namespace api

// ---- checked fetches: REQUIRE success and the exact shape, return the views ----
// (`where` names the calling test line in failure messages.)
using here = std::source_location;
user_view fetch_user(http_client& c, const std::string& token, std::uint64_t user_id, here where = here::current());
std::vector<user_view> fetch_follow_list(http_client& c, std::uint64_t user_id, const std::string& token = "",
                                         here where = here::current());
std::vector<user_view> fetch_follower_list(http_client& c, std::uint64_t user_id, const std::string& token = "",
                                           here where = here::current());
std::vector<user_view> fetch_friend_list(http_client& c, const std::string& token, here where = here::current());
std::vector<message_view> fetch_chat(http_client& c, const std::string& token, std::uint64_t to_user_id,
                                     std::optional<std::int64_t> pre_msg_time = std::nullopt,
                                     here where = here::current());
// REQUIRE success of a follow/unfollow/send.
void must_follow(http_client& c, const account& who, std::uint64_t whom, here where = here::current());
void must_unfollow(http_client& c, const account& who, std::uint64_t whom, here where = here::current());
void must_send(http_client& c, const account& from, std::uint64_t to, const std::string& content,
               here where = here::current());

std::vector<video_view> fetch_publish_list(http_client& c, std::uint64_t user_id, const std::string& token = "",
                                           here where = here::current());
std::vector<video_view> fetch_favorite_list(http_client& c, std::uint64_t user_id, const std::string& token = "",
                                            here where = here::current());
std::vector<comment_view> fetch_comment_list(http_client& c, std::uint64_t video_id, const std::string& token = "",
                                             here where = here::current());
// One feed page; an empty feed_type sends none.
feed_page fetch_feed(http_client& c, const std::string& token, std::optional<std::int64_t> latest_time = std::nullopt,
                     const std::string& feed_type = "", here where = here::current());
// REQUIRE a successful publish (no payload keys); returns the new video, found by its
// title in the author's publish list (titles are unique within a test).
video_view must_publish(http_client& c, const account& author, const std::string& bytes, const std::string& title,
                        here where = here::current());
void must_like(http_client& c, const account& who, std::uint64_t video_id, here where = here::current());
void must_unlike(http_client& c, const account& who, std::uint64_t video_id, here where = here::current());
comment_view must_comment(http_client& c, const account& who, std::uint64_t video_id, const std::string& text,
                          here where = here::current());

}  // namespace reel::test

// Failure messages show lists of titles and ids instead of "{?}".
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "\"" : ", \"") + items[i] + "\"";
    return (out + "}").c_str();
  }
};
template <>
struct StringMaker<std::vector<std::uint64_t>> {
  static String convert(const std::vector<std::uint64_t>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : ", ") + std::to_string(items[i]);
    return (out + "}").c_str();
  }
};
}  // namespace doctest
