// Accounts: register, login, user info, logout, and tokens across a restart.
#include <sys/wait.h>

#include "douyin.hpp"

using namespace reel::test;

namespace {

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

// `name` padded with 'x' to exactly `bytes` bytes.
std::string padded(std::string name, std::size_t bytes) {
  name.resize(bytes, 'x');
  return name;
}

}  // namespace

TEST_CASE("register returns a user id and a working token") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const std::string name = unique_name("reg");
  response r = api::user_register(c, name, "secret-pw-1");
  REQUIRE_API_OK(r, "user_id", "token");
  REQUIRE_NO_PROBLEM(problem_id(r.json["user_id"]));
  const std::uint64_t id = r.json["user_id"].GetUint64();
  const std::string token = r.string_member("token");
  REQUIRE(!token.empty());

  const user_view me = fetch_user(c, token, id);
  CHECK(me.id == id);
  CHECK(me.name == name);
  CHECK(me.follow_count == 0);
  CHECK(me.follower_count == 0);
  CHECK_FALSE(me.is_follow);
  CHECK(!me.signature.empty());
  CHECK(me.total_favorited == 0);
  CHECK(me.work_count == 0);
  CHECK(me.favorite_count == 0);

  const account other = register_fresh(c);
  CHECK(other.user_id != id);
  CHECK(other.token != token);
}

TEST_CASE("register validates username and password by bytes") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const std::string pw = "secret-pw-1";
  struct rejected {
    std::string username;
    std::string password;
    const char* why;
  };
  const std::vector<rejected> cases = {
      {"", pw, "empty username"},
      {std::string(33, 'a'), pw, "33-byte username"},
      {repeat("\xc3\xbc", 17), pw, "17 two-byte characters = 34 bytes"},
      {unique_name("p"), "12345", "5-byte password"},
      {unique_name("p"), std::string(65, 'p'), "65-byte password"},
      {unique_name("p"), "", "empty password"},
      {"ctl\x01name", pw, "control character in username"},
      {"bad\xff\xfeutf8", pw, "invalid UTF-8 in username"},
  };
  for (const auto& bad : cases) {
    INFO(bad.why);
    CHECK_AUTH_ERROR(api::user_register(c, bad.username, bad.password), 200, status::bad_parameter);
  }
  CHECK_AUTH_ERROR(c.post_form("/douyin/user/register/", {{"password", pw}}), 200, status::bad_parameter);
  CHECK_AUTH_ERROR(c.post_form("/douyin/user/register/", {{"username", unique_name("p")}}), 200, status::bad_parameter);

  // The boundaries themselves are accepted, and their passwords log in.
  const std::vector<std::pair<std::string, std::string>> accepted = {
      {"a", pw},
      {padded(unique_name("b32"), 32), pw},
      {repeat("\xc3\xbc", 16), pw},
      {unique_name("pw6"), "123456"},
      {unique_name("pw64"), std::string(64, 'p')},
  };
  for (const auto& [name, password] : accepted) {
    INFO("username '", name, "' (", name.size(), " bytes), password of ", password.size(), " bytes");
    response r = api::user_register(c, name, password);
    CHECK_API_OK(r, "user_id", "token");
    response login = api::user_login(c, name, password);
    CHECK_API_OK(login, "user_id", "token");
    CHECK(login.int_member("user_id") == r.int_member("user_id"));
  }
}

TEST_CASE("register of a taken username fails and leaves the account alone") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  CHECK_AUTH_ERROR(api::user_register(c, a.name, "another-pw-2"), 200, status::conflict);
  CHECK_AUTH_ERROR(api::user_register(c, a.name, a.password), 200, status::conflict);

  response login = api::user_login(c, a.name, a.password);
  CHECK_API_OK(login, "user_id", "token");
  CHECK(login.int_member("user_id") == std::optional<std::int64_t>(a.user_id));
  CHECK_AUTH_ERROR(api::user_login(c, a.name, "another-pw-2"), 200, status::not_logged_in);
}

TEST_CASE("login returns the registered id and a working token") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  response r = api::user_login(c, a.name, a.password);
  REQUIRE_API_OK(r, "user_id", "token");
  REQUIRE_NO_PROBLEM(problem_id(r.json["user_id"]));
  CHECK(r.json["user_id"].GetUint64() == a.user_id);
  const std::string token = r.string_member("token");
  REQUIRE(!token.empty());
  CHECK(fetch_user(c, token, a.user_id).name == a.name);
}

TEST_CASE("wrong password and unknown user fail alike") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  response wrong = api::user_login(c, a.name, "not-the-password");
  response unknown = api::user_login(c, unique_name("ghost"), "not-the-password");
  CHECK_AUTH_ERROR(wrong, 200, status::not_logged_in);
  CHECK_AUTH_ERROR(unknown, 200, status::not_logged_in);
  CHECK(wrong.status_msg() == unknown.status_msg());

  CHECK_AUTH_ERROR(c.post_form("/douyin/user/login/", {{"username", a.name}}), 200, status::bad_parameter);
  CHECK_AUTH_ERROR(c.post_form("/douyin/user/login/", {{"password", a.password}}), 200, status::bad_parameter);
}

TEST_CASE("user info of oneself and of others") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);

  for (const std::optional<std::uint64_t> own : {std::optional<std::uint64_t>(), std::optional<std::uint64_t>(0)}) {
    INFO("user_id ", own ? "0" : "absent");
    response r = api::user_info(c, a.token, own);
    REQUIRE_API_OK(r, "user");
    CHECK_NO_PROBLEM(problem_user(r.json["user"], r.base_url));
    CHECK(to_user_view(r.json["user"]).id == a.user_id);
    CHECK(to_user_view(r.json["user"]).name == a.name);
  }
  const user_view seen_b = fetch_user(c, a.token, b.user_id);
  CHECK(seen_b.id == b.user_id);
  CHECK(seen_b.name == b.name);
  CHECK_FALSE(seen_b.is_follow);
  CHECK_FALSE(fetch_user(c, a.token, a.user_id).is_follow);

  const std::uint64_t absent = absent_user_id({a.user_id, b.user_id});
  CHECK_API_ERROR(api::user_info(c, a.token, absent), 200, status::not_found);
  const std::string token_q = "&token=" + c.escape(a.token);
  CHECK_API_ERROR(c.get("/douyin/user/?user_id=abc" + token_q), 200, status::bad_parameter);
  CHECK_API_ERROR(c.get("/douyin/user/?user_id=12abc" + token_q), 200, status::bad_parameter);
  CHECK_API_ERROR(api::user_info(c, "", b.user_id), 200, status::not_logged_in);
}

TEST_CASE("logout revokes exactly the token it is given") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  response login = api::user_login(c, a.name, a.password);
  REQUIRE_API_OK(login, "user_id", "token");
  const std::string second = login.string_member("token");
  REQUIRE_MESSAGE(second != a.token, "two logins of one user must get distinct tokens");

  response out = api::logout(c, a.token);
  REQUIRE(out.transport_ok());
  CHECK(out.http_status == 200);
  CHECK(out.status_code() == std::optional<std::int64_t>(0));
  CHECK(out.status_msg() == "success");

  // The revoked token fails everywhere a login is needed, and its attempts change nothing.
  CHECK_API_ERROR(api::user_info(c, a.token, a.user_id), 200, status::not_logged_in);
  CHECK_API_ERROR(api::user_info(c, a.token), 200, status::not_logged_in);
  CHECK_API_ERROR(api::follow(c, a.token, b.user_id), 200, status::not_logged_in);
  CHECK_API_ERROR(api::friend_list(c, a.token), 200, status::not_logged_in);
  CHECK_API_ERROR(api::send_message(c, a.token, b.user_id, "revoked"), 200, status::not_logged_in);
  CHECK_API_ERROR(api::chat(c, a.token, b.user_id), 200, status::not_logged_in);
  CHECK(fetch_user(c, b.token, b.user_id).follower_count == 0);
  CHECK(fetch_chat(c, b.token, a.user_id).empty());

  // The other token of the same user still works.
  CHECK(fetch_user(c, second, a.user_id).name == a.name);
  CHECK_API_OK(api::follow(c, second, b.user_id));
  CHECK(fetch_user(c, b.token, b.user_id).follower_count == 1);
  CHECK_API_OK(api::send_message(c, second, b.user_id, "still here"));
  CHECK(fetch_chat(c, second, b.user_id).size() == 1);
  CHECK(fetch_friend_list(c, second).empty());

  response anonymous = api::logout(c, "");
  REQUIRE(anonymous.transport_ok());
  CHECK(anonymous.status_code().value_or(0) != 0);
}

TEST_CASE("tokens and accounts survive a clean restart") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  must_follow(c, a, b.user_id);

  const int status = srv.stop();
  CHECK_MESSAGE(!srv.last_stop_needed_kill(), "reeld did not exit within 10 s of SIGTERM");
  CHECK_MESSAGE((WIFEXITED(status) && WEXITSTATUS(status) == 0),
                "reeld did not exit with code 0 on SIGTERM (wait status ", status, ")");
  srv.restart();

  const user_view seen = fetch_user(c, a.token, b.user_id);
  CHECK(seen.name == b.name);
  CHECK(seen.is_follow);
  CHECK(seen.follower_count == 1);
  CHECK(fetch_user(c, b.token, a.user_id).follow_count == 1);
  response login = api::user_login(c, a.name, a.password);
  CHECK_API_OK(login, "user_id", "token");
  CHECK(login.int_member("user_id") == std::optional<std::int64_t>(a.user_id));
  CHECK_AUTH_ERROR(api::user_register(c, a.name, a.password), 200, status::conflict);
}
