#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "bench/loadgen/mix.hpp"

using namespace reel::loadgen;

namespace {

std::vector<var_file> tokens_and_users() { return {{"token", {"tok-a", "tok-b"}}, {"user", {"7"}}}; }

mix parse_or_fail(std::string_view text, std::vector<var_file> vars = {}) {
  std::string error;
  auto m = mix::parse(text, std::move(vars), error);
  INFO(error);
  REQUIRE(m.has_value());
  return std::move(*m);
}

std::string parse_error(std::string_view text, std::vector<var_file> vars = {}) {
  std::string error;
  CHECK_FALSE(mix::parse(text, std::move(vars), error).has_value());
  return error;
}

}  // namespace

TEST_CASE("a mix file parses with defaults, skipping blank lines") {
  const auto m = parse_or_fail(
      R"({"name":"home","weight":60,"method":"GET","path":"/douyin/feed/?token={token}","body":"","content_type":""})"
      "\n\n"
      R"({"name":"login","weight":40,"method":"POST","path":"/douyin/user/login/","body":"username=u&password=p","content_type":"application/x-www-form-urlencoded"})"
      "\n"
      R"({"name":"ping","path":"/"})",
      tokens_and_users());
  REQUIRE(m.entries().size() == 3);
  CHECK(m.entries()[0].weight == 60);
  CHECK(m.entries()[1].method == "POST");
  CHECK(m.entries()[2].method == "GET");
  CHECK(m.entries()[2].weight == 1);
}

TEST_CASE("mix errors name the line and the problem") {
  CHECK(parse_error("{\"name\":\"a\",\"path\":\"/\"}\n{\"name\":\"b\",\"wieght\":1,\"path\":\"/\"}")
            .starts_with("mix line 2: unknown field"));
  CHECK(parse_error(R"({"name":"a","path":"/x?t={token}"})").find("unknown placeholder {token}") != std::string::npos);
  CHECK(parse_error(R"({"name":"a","path":"no-slash"})").find("must start with '/'") != std::string::npos);
  CHECK(parse_error(R"({"name":"a","path":"/a b"})").find("space") != std::string::npos);
  CHECK(parse_error("{\"name\":\"a\",\"path\":\"/\"}\n{\"name\":\"a\",\"path\":\"/\"}").find("duplicate") !=
        std::string::npos);
  CHECK(parse_error(R"({"name":"a","weight":0,"path":"/"})").find("positive weight") != std::string::npos);
  CHECK(parse_error(R"({"name":"a","weight":"5","path":"/"})").find("must be a number") != std::string::npos);
  CHECK(parse_error(R"({"name":"a","path":"/",})").starts_with("mix line 1:"));
  CHECK(parse_error(R"({"name":"a","method":"get","path":"/"})").find("method") != std::string::npos);
}

TEST_CASE("weighted selection follows the weights over many draws with a fixed seed") {
  const auto m = parse_or_fail(
      "{\"name\":\"a\",\"weight\":60,\"path\":\"/a\"}\n"
      "{\"name\":\"b\",\"weight\":30,\"path\":\"/b\"}\n"
      "{\"name\":\"never\",\"weight\":0,\"path\":\"/n\"}\n"
      "{\"name\":\"c\",\"weight\":10,\"path\":\"/c\"}\n");
  std::mt19937_64 rng(12345);
  std::vector<int> counts(4, 0);
  constexpr int draws = 200'000;
  for (int i = 0; i < draws; ++i) ++counts[m.pick(rng)];
  CHECK(counts[2] == 0);
  CHECK(std::abs(counts[0] / double(draws) - 0.60) < 0.01);
  CHECK(std::abs(counts[1] / double(draws) - 0.30) < 0.01);
  CHECK(std::abs(counts[3] / double(draws) - 0.10) < 0.01);
}

TEST_CASE("placeholders are replaced per request - JSON braces stay literal") {
  auto m = parse_or_fail(
      R"({"name":"p","method":"POST","path":"/u/{user}/?token={token}&n={seq}","body":"{\"r\":\"{rand}\",\"s\":{seq}}","content_type":"application/json"})",
      tokens_and_users());
  m.bind_host("127.0.0.1:9090");
  std::atomic<std::uint64_t> seq{5};
  render_context ctx{std::mt19937_64(1), &seq, {}, {}};
  std::string request;
  m.render(0, ctx, request);
  INFO(request);
  const bool token_a = request.starts_with("POST /u/7/?token=tok-a&n=5 HTTP/1.1\r\n");
  const bool token_b = request.starts_with("POST /u/7/?token=tok-b&n=5 HTTP/1.1\r\n");
  CHECK((token_a || token_b));
  CHECK(request.find("\r\nHost: 127.0.0.1:9090\r\n") != std::string::npos);
  CHECK(request.find("\r\nConnection: keep-alive\r\n") != std::string::npos);
  CHECK(request.find("\r\nContent-Type: application/json\r\n") != std::string::npos);
  const auto body = request.substr(request.find("\r\n\r\n") + 4);
  CHECK(body.starts_with(R"({"r":")"));
  CHECK(body.ends_with(R"(","s":6})"));
  CHECK(request.find("Content-Length: " + std::to_string(body.size()) + "\r\n") != std::string::npos);
  m.render(0, ctx, request);
  CHECK(request.find("&n=7 ") != std::string::npos);  // the counter moves on for every {seq}
}

TEST_CASE("--get builds one GET entry, pre-rendered") {
  std::string error;
  auto m = mix::single_get("/", {}, error);
  REQUIRE(m.has_value());
  m->bind_host("localhost:8080");
  render_context ctx{std::mt19937_64(1), nullptr, {}, {}};
  std::string request;
  m->render(0, ctx, request);
  CHECK(request == "GET / HTTP/1.1\r\nHost: localhost:8080\r\nConnection: keep-alive\r\n\r\n");
  std::mt19937_64 rng(3);
  CHECK(m->pick(rng) == 0);
}

TEST_CASE("a var file with a space cannot feed a path but can feed a body") {
  std::vector<var_file> vars{{"text", {"hello world"}}};
  std::string error;
  CHECK_FALSE(mix::parse(R"({"name":"a","path":"/?q={text}"})", vars, error).has_value());
  CHECK(mix::parse(R"({"name":"a","method":"POST","path":"/","body":"q={text}"})", vars, error).has_value());
}
