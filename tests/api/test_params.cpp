// How parameters arrive: query, urlencoded body, multipart text parts, precedence,
// repeated keys, percent and '+' decoding, exponent-notation integers, GET with a body,
// and paths without their trailing slash.
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "douyin.hpp"

using namespace reel::test;

namespace {

const std::string form_type = "application/x-www-form-urlencoded";

// `value` written as "%.15e" (16 significant digits: exact for every integer below 2^53).
std::string exponent_15(std::uint64_t value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.15e", static_cast<double>(value));
  const double back = std::strtod(text, nullptr);
  REQUIRE_MESSAGE(static_cast<std::uint64_t>(back) == value, text, " does not round-trip ", value);
  return text;
}

// `value` in the shortest scientific form that round-trips, like "1.680703713e+09".
std::string exponent_shortest(std::uint64_t value) {
  char text[64];
  const auto result =
      std::to_chars(text, text + sizeof text, static_cast<double>(value), std::chars_format::scientific);
  REQUIRE(result.ec == std::errc());
  const std::string out(text, result.ptr);
  REQUIRE_MESSAGE(static_cast<std::uint64_t>(std::strtod(out.c_str(), nullptr)) == value, out, " does not round-trip ",
                  value);
  return out;
}

}  // namespace

TEST_CASE("parameters are read from the query string of a POST") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const std::string name = unique_name("q");
  response reg = c.post_raw(c.with_query("/douyin/user/register/", {{"username", name}, {"password", "secret-pw-1"}}),
                            form_type, "");
  REQUIRE_API_OK(reg, "user_id", "token");
  const account a{static_cast<std::uint64_t>(reg.int_member("user_id").value_or(0)), reg.string_member("token"), name,
                  "secret-pw-1"};
  const account b = register_fresh(c);

  response login =
      c.post_raw(c.with_query("/douyin/user/login/", {{"username", name}, {"password", "secret-pw-1"}}), form_type, "");
  CHECK_API_OK(login, "user_id", "token");
  CHECK(login.int_member("user_id") == reg.int_member("user_id"));

  const std::string to = std::to_string(b.user_id);
  CHECK_API_OK(c.post_raw(
      c.with_query("/douyin/relation/action/", {{"token", a.token}, {"to_user_id", to}, {"action_type", "1"}}),
      form_type, ""));
  CHECK(ids_of(fetch_follow_list(c, a.user_id)) == std::vector<std::uint64_t>{b.user_id});
  CHECK_API_OK(
      c.post_raw(c.with_query("/douyin/message/action/",
                              {{"token", a.token}, {"to_user_id", to}, {"action_type", "1"}, {"content", "via query"}}),
                 form_type, ""));
  const auto messages = fetch_chat(c, b.token, a.user_id);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].content == "via query");
}

TEST_CASE("parameters are read from multipart text parts") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const std::string name = unique_name("mp");
  response reg = c.post_multipart("/douyin/user/register/", {{"username", name}, {"password", "secret-pw-1"}});
  REQUIRE_API_OK(reg, "user_id", "token");
  const account a{static_cast<std::uint64_t>(reg.int_member("user_id").value_or(0)), reg.string_member("token"), name,
                  "secret-pw-1"};
  const account b = register_fresh(c);

  response login = c.post_multipart("/douyin/user/login/", {{"username", name}, {"password", "secret-pw-1"}});
  CHECK_API_OK(login, "user_id", "token");
  CHECK(login.int_member("user_id") == reg.int_member("user_id"));

  const std::string to = std::to_string(b.user_id);
  CHECK_API_OK(
      c.post_multipart("/douyin/relation/action/", {{"token", a.token}, {"to_user_id", to}, {"action_type", "1"}}));
  CHECK(ids_of(fetch_follower_list(c, b.user_id)) == std::vector<std::uint64_t>{a.user_id});
  const std::string content = "multipart \xe4\xbd\xa0\xe5\xa5\xbd a+b&c=d";
  CHECK_API_OK(c.post_multipart("/douyin/message/action/",
                                {{"token", a.token}, {"to_user_id", to}, {"action_type", "1"}, {"content", content}}));
  const auto messages = fetch_chat(c, a.token, b.user_id);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].content == content);
}

TEST_CASE("the query string wins over the body") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const std::string query_name = unique_name("qwin");
  const std::string body_name = unique_name("bwin");
  response reg =
      c.post_raw(c.with_query("/douyin/user/register/", {{"username", query_name}, {"password", "secret-pw-1"}}),
                 form_type, c.encode({{"username", body_name}, {"password", "other-pw-22"}}));
  REQUIRE_API_OK(reg, "user_id", "token");
  const auto id = static_cast<std::uint64_t>(reg.int_member("user_id").value_or(0));
  CHECK(fetch_user(c, reg.string_member("token"), id).name == query_name);
  CHECK_AUTH_ERROR(api::user_login(c, body_name, "other-pw-22"), 200, status::not_logged_in);
  CHECK_AUTH_ERROR(api::user_login(c, query_name, "other-pw-22"), 200, status::not_logged_in);

  // Right password in the query, wrong one in the body: success; and the other way round.
  CHECK_API_OK(c.post_raw(c.with_query("/douyin/user/login/", {{"username", query_name}, {"password", "secret-pw-1"}}),
                          form_type, c.encode({{"username", query_name}, {"password", "wrong-pw-00"}})),
               "user_id", "token");
  CHECK_AUTH_ERROR(
      c.post_raw(c.with_query("/douyin/user/login/", {{"username", query_name}, {"password", "wrong-pw-00"}}),
                 form_type, c.encode({{"username", query_name}, {"password", "secret-pw-1"}})),
      200, status::not_logged_in);

  // Query against multipart parts: follow b (query), not unfollow c (parts).
  const account a{id, reg.string_member("token"), query_name, "secret-pw-1"};
  const account b = register_fresh(c);
  const account d = register_fresh(c);
  CHECK_API_OK(c.post_multipart(
      c.with_query("/douyin/relation/action/", {{"to_user_id", std::to_string(b.user_id)}, {"action_type", "1"}}),
      {{"token", a.token}, {"to_user_id", std::to_string(d.user_id)}, {"action_type", "2"}}));
  CHECK(ids_of(fetch_follow_list(c, a.user_id)) == std::vector<std::uint64_t>{b.user_id});
}

TEST_CASE("a repeated query key takes its first value") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  response r = c.get(c.with_query(
      "/douyin/user/",
      {{"user_id", std::to_string(b.user_id)}, {"user_id", std::to_string(a.user_id)}, {"token", a.token}}));
  REQUIRE_API_OK(r, "user");
  CHECK(to_user_view(r.json["user"]).id == b.user_id);

  const std::string first = unique_name("first");
  const std::string second = unique_name("second");
  response reg = c.post_raw(
      c.with_query("/douyin/user/register/", {{"username", first}, {"username", second}, {"password", "secret-pw-1"}}),
      form_type, "");
  REQUIRE_API_OK(reg, "user_id", "token");
  const auto id = static_cast<std::uint64_t>(reg.int_member("user_id").value_or(0));
  CHECK(fetch_user(c, reg.string_member("token"), id).name == first);
}

TEST_CASE("percent-encoding and plus are decoded") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  // "hello world ü+1" with '+' for spaces in the query; password "pass+word 1".
  const std::string name = "hello world \xc3\xbc+1";
  response reg =
      c.post_raw("/douyin/user/register/?username=hello+world+%C3%BC%2B1&password=pass%2Bword+1", form_type, "");
  REQUIRE_API_OK(reg, "user_id", "token");
  const auto id = static_cast<std::uint64_t>(reg.int_member("user_id").value_or(0));
  const account a{id, reg.string_member("token"), name, "pass+word 1"};
  CHECK(fetch_user(c, a.token, id).name == name);
  // The same name and password through a form body encoded with %20 and %2B.
  response login = api::user_login(c, name, "pass+word 1");
  CHECK_API_OK(login, "user_id", "token");
  CHECK(login.int_member("user_id") == reg.int_member("user_id"));
  // ... and through a hand-written form body using '+' for spaces.
  response login2 =
      c.post_raw("/douyin/user/login/", form_type, "username=hello+world+%c3%bc%2b1&password=pass%2Bword+1");
  CHECK_API_OK(login2, "user_id", "token");
  CHECK(login2.int_member("user_id") == reg.int_member("user_id"));

  const account b = register_fresh(c);
  const std::string path = "/douyin/message/action/?token=" + c.escape(a.token) +
                           "&to_user_id=" + std::to_string(b.user_id) +
                           "&action_type=1&content=a%2Bb+%26+c%3Dd+100%25+%F0%9F%98%80";
  CHECK_API_OK(c.post_raw(path, form_type, ""));
  const auto messages = fetch_chat(c, b.token, a.user_id);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].content == "a+b & c=d 100% \xf0\x9f\x98\x80");
}

TEST_CASE("integer parameters accept exact exponent notation") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const std::string b_15 = exponent_15(b.user_id);
  const std::string b_short = exponent_shortest(b.user_id);
  INFO("b's id ", b.user_id, " as ", b_15, " and ", b_short);

  for (const auto& text : {b_15, b_short}) {
    response r = c.get(c.with_query("/douyin/user/", {{"user_id", text}, {"token", a.token}}));
    REQUIRE_API_OK(r, "user");
    CHECK(to_user_view(r.json["user"]).id == b.user_id);
  }
  CHECK_API_OK(
      c.post_form("/douyin/relation/action/", {{"token", a.token}, {"to_user_id", b_15}, {"action_type", "1"}}));
  CHECK(fetch_user(c, a.token, b.user_id).follower_count == 1);
  response follows = c.get(c.with_query("/douyin/relation/follow/list/", {{"user_id", exponent_15(a.user_id)}}));
  CHECK_NO_PROBLEM(problem_user_list(follows));
  CHECK(ids_of(user_list_of(follows)) == std::vector<std::uint64_t>{b.user_id});

  CHECK_API_OK(c.post_form("/douyin/message/action/",
                           {{"token", a.token}, {"to_user_id", b_short}, {"action_type", "1"}, {"content", "first"}}));
  next_millisecond();
  must_send(c, a, b.user_id, "second");
  const auto all = fetch_chat(c, a.token, b.user_id);
  REQUIRE(all.size() == 2);
  response chat = c.get(c.with_query("/douyin/message/chat/",
                                     {{"token", a.token},
                                      {"to_user_id", b_15},
                                      {"pre_msg_time", exponent_15(static_cast<std::uint64_t>(all[0].create_time))}}));
  REQUIRE_NO_PROBLEM(problem_message_list(chat));
  const auto newer = message_list_of(chat);
  REQUIRE(newer.size() == 1);
  CHECK(newer[0].content == "second");

  // Not integers, or not numbers at all.
  for (const char* bad : {"1.5e+00", "12abc", "abc", "0x10", "1e", "--1"}) {
    INFO("to_user_id=", bad);
    CHECK_API_ERROR(
        c.post_form("/douyin/relation/action/", {{"token", a.token}, {"to_user_id", bad}, {"action_type", "1"}}), 200,
        status::bad_parameter);
  }
  CHECK(fetch_user(c, a.token, a.user_id).follow_count == 1);
}

TEST_CASE("a GET with a body is answered and the connection stays usable") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const params own = {{"user_id", std::to_string(a.user_id)}, {"token", a.token}};
  const params other = {{"user_id", std::to_string(b.user_id)}, {"token", a.token}};

  // Plain keep-alive first, so that a failure below is about the body, not keep-alive.
  REQUIRE_API_OK(c.get(c.with_query("/douyin/user/", own)), "user");
  response again = c.get(c.with_query("/douyin/user/", own));
  REQUIRE_API_OK(again, "user");
  CHECK_MESSAGE(again.new_connections == 0, "reeld did not keep the connection alive");

  // The same parameters in the query and in the body, as real clients send them.
  response with_form = c.get_with_body(c.with_query("/douyin/user/", own), form_type, c.encode(own));
  REQUIRE_API_OK(with_form, "user");
  CHECK(to_user_view(with_form.json["user"]).id == a.user_id);
  response next = c.get(c.with_query("/douyin/user/", other));
  REQUIRE_API_OK(next, "user");
  CHECK(to_user_view(next.json["user"]).id == b.user_id);
  CHECK_MESSAGE(next.new_connections == 0, "the request after a GET with a body used a new connection");

  // A body that looks like another request must be discarded, not parsed as one.
  const std::string smuggled = "GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n";
  response with_junk = c.get_with_body(c.with_query("/douyin/user/", own), "text/plain", smuggled);
  REQUIRE_API_OK(with_junk, "user");
  for (int i = 0; i < 3; ++i) {
    response after = c.get(c.with_query("/douyin/user/", other));
    REQUIRE_API_OK(after, "user");
    CHECK(to_user_view(after.json["user"]).id == b.user_id);
  }
}

TEST_CASE("paths answer with and without the trailing slash") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const std::string a_id = std::to_string(a.user_id);
  const std::string b_id = std::to_string(b.user_id);

  response with = c.get(c.with_query("/douyin/user/", {{"user_id", b_id}, {"token", a.token}}));
  response without = c.get(c.with_query("/douyin/user", {{"user_id", b_id}, {"token", a.token}}));
  CHECK_API_OK(with, "user");
  CHECK_API_OK(without, "user");
  CHECK(with.body == without.body);

  const std::string name = unique_name("slash");
  CHECK_API_OK(c.post_form("/douyin/user/register", {{"username", name}, {"password", "secret-pw-1"}}), "user_id",
               "token");
  CHECK_API_OK(c.post_form("/douyin/user/login", {{"username", name}, {"password", "secret-pw-1"}}), "user_id",
               "token");
  CHECK_API_OK(
      c.post_form("/douyin/relation/action", {{"token", a.token}, {"to_user_id", b_id}, {"action_type", "1"}}));
  CHECK_API_OK(
      c.post_form("/douyin/relation/action", {{"token", b.token}, {"to_user_id", a_id}, {"action_type", "1"}}));
  CHECK_NO_PROBLEM(problem_user_list(c.get("/douyin/relation/follow/list?user_id=" + a_id)));
  CHECK_NO_PROBLEM(problem_user_list(c.get("/douyin/relation/follower/list?user_id=" + a_id)));
  CHECK_NO_PROBLEM(problem_friend_list(c.get(c.with_query("/douyin/relation/friend/list", {{"token", a.token}}))));
  CHECK_API_OK(c.post_form("/douyin/message/action",
                           {{"token", a.token}, {"to_user_id", b_id}, {"action_type", "1"}, {"content", "no slash"}}));
  response chat = c.get(c.with_query("/douyin/message/chat", {{"token", b.token}, {"to_user_id", a_id}}));
  CHECK_NO_PROBLEM(problem_message_list(chat));
  CHECK(message_list_of(chat).size() == 1);
  CHECK(ids_of(fetch_friend_list(c, a.token)) == std::vector<std::uint64_t>{b.user_id});
}
