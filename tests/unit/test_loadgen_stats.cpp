#include <doctest/doctest.h>

#include <string>

#include "bench/loadgen/json_text.hpp"
#include "bench/loadgen/stats.hpp"

using namespace reel::loadgen;

TEST_CASE("responses are classified by HTTP status and, with the check, by Reel's envelope") {
  CHECK(classify_response(200, R"({"status_code":0,"status_msg":"ok"})", true) == outcome::ok);
  CHECK(classify_response(200, R"({"status_code":0})", true) == outcome::ok);
  CHECK(classify_response(200, R"({"status_code":10001,"status_msg":"x"})", true) == outcome::api_error);
  CHECK(classify_response(200, R"({"status_code":01})", true) == outcome::api_error);
  CHECK(classify_response(200, "<html>", true) == outcome::api_error);
  CHECK(classify_response(200, "<html>", false) == outcome::ok);
  CHECK(classify_response(204, "", true) == outcome::ok);  // only a 200 carries the envelope
  CHECK(classify_response(404, R"({"status_code":0})", true) == outcome::http_error);
  CHECK(classify_response(503, "", false) == outcome::http_error);
}

TEST_CASE("run stats count outcomes per entry, fill the timeline inside the window, and merge") {
  constexpr std::int64_t second = 1'000'000'000;
  run_stats a(2, second, 3 * second), b(2, second, 3 * second);
  a.record(0, outcome::ok, 1000, 0);
  a.record(1, outcome::api_error, 2000, second + 1);
  a.record(1, outcome::timeout, 0, 2 * second);
  b.record(0, outcome::http_error, 3000, 2 * second + 5);
  b.record(0, outcome::ok, 4000, 3 * second);  // drained after the window: totals only
  b.count_connect_error();
  a.merge(b);
  CHECK(a.total().counts.requests == 5);
  CHECK(a.total().counts.responses == 4);
  CHECK(a.total().counts.ok == 2);
  CHECK(a.total().counts.errors_api == 1);
  CHECK(a.total().counts.errors_http == 1);
  CHECK(a.total().counts.timeouts == 1);
  CHECK(a.total().latency.count() == 4);  // a timeout has no latency
  CHECK(a.by_entry()[0].counts.requests == 3);
  CHECK(a.by_entry()[1].latency.max() == 2000);
  REQUIRE(a.timeline().size() == 3);
  CHECK(a.timeline()[0].completed == 1);
  CHECK(a.timeline()[1].errors == 1);
  CHECK(a.timeline()[2].completed == 1);
  CHECK(a.timeline()[2].errors == 2);
  CHECK(a.connect_errors() == 1);
}

TEST_CASE("flat JSON objects parse with escapes, and written strings are escaped") {
  std::string error;
  const auto object = parse_flat_object(R"( {"a":"x\"y\\z\n\u00e9\ud83d\ude00","n":-1.5e2,"t":true,"z":null} )", error);
  REQUIRE(object.has_value());
  CHECK(std::get<std::string>((*object)[0].second) == "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(std::get<double>((*object)[1].second) == -150);
  CHECK(std::get<bool>((*object)[2].second));
  CHECK_FALSE(parse_flat_object(R"({"a":{"b":1}})", error).has_value());
  CHECK_FALSE(parse_flat_object(R"({"a":"x"} trailing)", error).has_value());
  CHECK_FALSE(parse_flat_object(R"({"a":"\ud83d"})", error).has_value());
  json_writer w;
  w.begin_object()
      .key("s\"")
      .value(std::string_view("a\"b\\c\n\x01"))
      .key("v")
      .begin_array()
      .value(1)
      .value(2.5)
      .null()
      .end_array()
      .end_object();
  CHECK(w.text() == R"({"s\"":"a\"b\\c\n\u0001","v":[1,2.500,null]})");
}
