// What lies below the API: liveness, unknown routes, body limits, rate limits, and
// tokens that are missing, forged or expired.
#include <chrono>
#include <latch>
#include <set>
#include <thread>

#include "clips.hpp"
#include "douyin.hpp"

using namespace reel::test;

namespace {

// Every endpoint that needs a login, called with `token` by `c` on behalf of a user
// talking to `other`; each must answer "not logged in".
void check_all_login_endpoints_reject(http_client& c, const std::string& token, std::uint64_t own_id,
                                      std::uint64_t other) {
  INFO("token '", token, "'");
  CHECK_API_ERROR(api::user_info(c, token, own_id), 200, status::not_logged_in);
  CHECK_API_ERROR(api::user_info(c, token), 200, status::not_logged_in);
  CHECK_API_ERROR(api::follow(c, token, other), 200, status::not_logged_in);
  CHECK_API_ERROR(api::unfollow(c, token, other), 200, status::not_logged_in);
  CHECK_API_ERROR(api::friend_list(c, token), 200, status::not_logged_in);
  CHECK_API_ERROR(api::send_message(c, token, other, "hello"), 200, status::not_logged_in);
  CHECK_API_ERROR(api::chat(c, token, other), 200, status::not_logged_in);
}

}  // namespace

TEST_CASE("ping answers pong") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  response r = api::ping(c);
  REQUIRE(r.transport_ok());
  CHECK(r.http_status == 200);
  CHECK(r.content_type.rfind("application/json", 0) == 0);
  REQUIRE(r.json_ok);
  REQUIRE(r.json.IsObject());
  CHECK(keys_of(r.json) == "message");
  CHECK(r.string_member("message") == "pong");
}

TEST_CASE("unknown routes answer 404 with the JSON envelope") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  for (const char* path :
       {"/douyin/nope/", "/nothing", "/douyin/user/extra/", "/douyin/relation/", "/douyin/message/chat/more/"}) {
    INFO("GET ", path);
    CHECK_API_ERROR(c.get(path), 404, status::unknown_route);
  }
  CHECK_API_ERROR(c.post_form("/douyin/unknown/action/", {{"token", "x"}}), 404, status::unknown_route);
  // The connection is still usable after a 404.
  CHECK(api::ping(c).http_status == 200);
}

TEST_CASE("a body over --max-body-bytes answers 413 with the JSON envelope") {
  reeld_process srv({"--max-body-bytes", "4096"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const std::string big(6000, 'z');

  CHECK_API_ERROR(api::send_message(c, a.token, b.user_id, big), 413, status::too_large);
  http_client c2(srv.base_url());
  CHECK_API_ERROR(
      c2.post_multipart(
          "/douyin/message/action/",
          {{"token", a.token}, {"to_user_id", std::to_string(b.user_id)}, {"action_type", "1"}, {"content", big}}),
      413, status::too_large);

  // Nothing was stored, and a body under the limit goes through.
  http_client c3(srv.base_url());
  CHECK(fetch_chat(c3, a.token, b.user_id).empty());
  const std::string fits(3000, 'y');
  CHECK_API_OK(c3.post_form("/douyin/user/register/",
                            {{"username", unique_name("fit")}, {"password", "secret-pw-1"}, {"padding", fits}}),
               "user_id", "token");
  CHECK_API_OK(api::send_message(c3, a.token, b.user_id, "small"));
  CHECK(fetch_chat(c3, b.token, a.user_id).size() == 1);
}

TEST_CASE("register beyond the rate limit answers 429") {
  // One attempt per 1,000 s after a burst of 3: no attempt is refilled during the test,
  // however slow the machine (at 1/s, registers slowed by a busy box refilled the bucket).
  reeld_process srv({"--rate-limit-rps", "0.001", "--rate-limit-burst", "3"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  for (int i = 0; i < 3; ++i) {
    CHECK_API_OK(api::user_register(c, unique_name("rl"), "secret-pw-1"), "user_id", "token");
  }
  const response limited = api::user_register(c, unique_name("rl"), "secret-pw-1");
  CHECK_AUTH_ERROR(limited, 429, status::rate_limited);
}

TEST_CASE("password hashing beyond its queue answers busy with 503") {
  // One hashing thread and one waiting slot (reeld --help: --hash-threads, --hash-queue).
  reeld_process srv({"--hash-threads", "1", "--hash-queue", "1"});
  INFO("reeld log tail:\n", srv.log_tail());
  constexpr std::size_t concurrent = 8;
  std::vector<std::string> refused;
  // Eight registers released at once cannot all fit in one slot plus one waiting; a few
  // rounds only absorb a scheduler that happens to serialise the first one.
  for (int round = 0; round < 3 && refused.empty(); ++round) {
    std::vector<std::string> names(concurrent);
    std::vector<response> results(concurrent);
    std::latch start(static_cast<std::ptrdiff_t>(concurrent));
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < concurrent; ++i) {
      names[i] = unique_name("busy");
      threads.emplace_back([&, i] {
        http_client own(srv.base_url());
        start.arrive_and_wait();
        results[i] = api::user_register(own, names[i], "secret-pw-1");
      });
    }
    for (auto& thread : threads) thread.join();
    for (std::size_t i = 0; i < concurrent; ++i) {
      INFO("register of ", names[i]);
      if (results[i].http_status == 503) {
        CHECK_AUTH_ERROR(results[i], 503, status::busy);
        refused.push_back(names[i]);
      } else {
        CHECK_API_OK(results[i], "user_id", "token");
      }
    }
  }
  REQUIRE_MESSAGE(!refused.empty(), "no register was refused as busy");
  // A refused register created nothing: its name is still free.
  http_client c(srv.base_url());
  for (const auto& name : refused) {
    CHECK_API_OK(api::user_register(c, name, "secret-pw-1"), "user_id", "token");
  }
}

TEST_CASE("default settings let 40 registrations through in a burst") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  std::set<std::int64_t> ids;
  for (int i = 0; i < 40; ++i) {
    response r = api::user_register(c, unique_name("burst"), "secret-pw-1");
    INFO("register #", i + 1);
    REQUIRE(r.transport_ok());
    CHECK(r.http_status != 429);
    CHECK_API_OK(r, "user_id", "token");
    ids.insert(r.int_member("user_id").value_or(0));
  }
  CHECK(ids.size() == 40);
  CHECK(ids.count(0) == 0);
}

TEST_CASE("an expired token is rejected") {
  reeld_process srv({"--token-ttl", "1"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  // Expiry is a matter of wall-clock time: this is the one test that has to wait.
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  check_all_login_endpoints_reject(c, a.token, a.user_id, b.user_id);
  CHECK_API_ERROR(api::user_info(c, b.token, b.user_id), 200, status::not_logged_in);
}

TEST_CASE("forged and malformed tokens are rejected") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  REQUIRE(a.token.size() >= 8);

  std::string flipped = a.token;
  char& middle = flipped[flipped.size() / 2];
  middle = middle == 'A' ? 'B' : 'A';
  std::string flipped_start = a.token;
  flipped_start[0] = flipped_start[0] == 'A' ? 'B' : 'A';
  const std::vector<std::string> forged = {flipped,
                                           flipped_start,
                                           a.token.substr(0, a.token.size() - 4),
                                           a.token + "AAAA",
                                           "garbage",
                                           "%00",
                                           b.token.substr(0, b.token.size() / 2) + a.token.substr(a.token.size() / 2)};
  for (const auto& token : forged) {
    if (token == a.token || token == b.token) continue;
    check_all_login_endpoints_reject(c, token, a.user_id, b.user_id);
  }
  // None of the forged attempts had an effect; the real token still works.
  CHECK(fetch_user(c, b.token, b.user_id).follower_count == 0);
  CHECK(fetch_chat(c, a.token, b.user_id).empty());
}

TEST_CASE("login endpoints without a token answer not logged in") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  check_all_login_endpoints_reject(c, "", a.user_id, b.user_id);
  // An empty token parameter is the same as none.
  CHECK_API_ERROR(c.get("/douyin/user/?user_id=" + std::to_string(a.user_id) + "&token="), 200, status::not_logged_in);
  CHECK_API_ERROR(c.post_form("/douyin/relation/action/",
                              {{"token", ""}, {"to_user_id", std::to_string(b.user_id)}, {"action_type", "1"}}),
                  200, status::not_logged_in);
}

TEST_CASE("an unknown route whose path is not UTF-8 answers 404 with valid JSON in UTF-8") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const std::string fffd = "\xEF\xBF\xBD";
  // The path is echoed in status_msg; its ill-formed bytes come back as U+FFFD.
  const std::vector<std::pair<std::string, std::string>> paths = {
      {"/\xff\xfe", "/" + fffd + fffd},
      {"/douyin/\xC0\xAF/x", "/douyin/" + fffd + fffd + "/x"},
      {"/nothing\xED\xA0\x80", "/nothing" + fffd + fffd + fffd},
      {"/\xE4\xBD\xA0\xE5\xA5\xBD", "/\xE4\xBD\xA0\xE5\xA5\xBD"},  // UTF-8 stays as it is
      {"/reel/v1/media/\xff\xfe/cover.jpg/more", "/reel/v1/media/" + fffd + fffd + "/cover.jpg/more"},
  };
  for (const auto& [path, echoed] : paths) {
    response r = raw_exchange(srv.port(), "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    INFO(r.describe());
    REQUIRE(r.transport_ok());
    CHECK_API_ERROR(r, 404, status::unknown_route);
    rapidjson::Document strict;
    strict.Parse<rapidjson::kParseValidateEncodingFlag>(r.body.data(), r.body.size());
    CHECK_FALSE(strict.HasParseError());
    CHECK(r.status_msg().find(echoed) != std::string::npos);
  }
}

TEST_CASE("text that is not UTF-8 is refused as a bad parameter, and nothing is stored") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const video_view v = must_publish(c, a, clips().h264_silent.bytes, "kept");
  for (const std::string bad : {"\xff\xfe", "ok then \xE4\xBD", "\xED\xA0\x80", "\xC0\xAF"}) {
    CHECK_API_ERROR(api::comment_add(c, b.token, v.id, bad), 200, status::bad_parameter);
    CHECK_API_ERROR(api::send_message(c, b.token, a.user_id, bad), 200, status::bad_parameter);
    CHECK_API_ERROR(api::publish(c, a.token, clips().h264_silent.bytes, bad), 200, status::bad_parameter);
  }
  CHECK(fetch_comment_list(c, v.id).empty());
  CHECK(fetch_chat(c, b.token, a.user_id).empty());
  CHECK(ids_of(fetch_publish_list(c, a.user_id)) == std::vector<std::uint64_t>{v.id});
}
