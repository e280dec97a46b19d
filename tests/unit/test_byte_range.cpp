// Range, If-None-Match and If-Range parsing, and the media reply they lead to.
#include <doctest/doctest.h>

#include <string>

#include "http/byte_range.hpp"
#include "http/media_serving.hpp"

using namespace reel::http;

namespace {

constexpr std::uint64_t kib = 1024;

// The span of a satisfiable range; REQUIREs that it is one.
byte_span span_of(std::string_view header, std::uint64_t size) {
  auto r = parse_range(header, size);
  INFO("Range: '", std::string(header), "' on ", size, " bytes");
  REQUIRE(r.kind == range_kind::satisfiable);
  CHECK(r.span.first <= r.span.last);
  CHECK(r.span.last < size);
  return r.span;
}

range_kind kind_of(std::string_view header, std::uint64_t size) { return parse_range(header, size).kind; }

request_conditions with(std::string range, std::string if_range = {}, std::string if_none_match = {}) {
  return {std::move(range), std::move(if_range), std::move(if_none_match)};
}

std::string header_value(const media_reply& reply, const std::string& name) {
  for (const auto& [key, value] : reply.headers)
    if (key == name) return value;
  return {};
}

}  // namespace

TEST_CASE("no Range header means the whole representation") {
  CHECK(kind_of("", 100) == range_kind::none);
  CHECK(kind_of("   ", 100) == range_kind::none);
}

TEST_CASE("bytes=a-b selects a..b and clamps b to the last byte") {
  auto s = span_of("bytes=0-99", 1000);
  CHECK(s.first == 0);
  CHECK(s.last == 99);
  CHECK(s.length() == 100);
  s = span_of("bytes=5-5", 10);
  CHECK((s.first == 5 && s.last == 5 && s.length() == 1));
  s = span_of("bytes=900-5000", 1000);
  CHECK((s.first == 900 && s.last == 999));
  s = span_of("bytes=0-999", 1000);
  CHECK((s.first == 0 && s.last == 999));
  s = span_of("bytes=999-999", 1000);
  CHECK((s.first == 999 && s.last == 999));
}

TEST_CASE("bytes=a- runs to the end") {
  auto s = span_of("bytes=0-", 1000);
  CHECK((s.first == 0 && s.last == 999));
  s = span_of("bytes=999-", 1000);
  CHECK((s.first == 999 && s.last == 999));
  s = span_of("bytes=1024-", 64 * kib);
  CHECK((s.first == 1024 && s.last == 64 * kib - 1));
}

TEST_CASE("bytes=-n is the last n bytes, the whole file when n exceeds it") {
  auto s = span_of("bytes=-100", 1000);
  CHECK((s.first == 900 && s.last == 999));
  s = span_of("bytes=-1", 1000);
  CHECK((s.first == 999 && s.last == 999));
  s = span_of("bytes=-1000", 1000);
  CHECK((s.first == 0 && s.last == 999));
  s = span_of("bytes=-5000", 1000);
  CHECK((s.first == 0 && s.last == 999));
}

TEST_CASE("a first byte at or past the end, a zero suffix and any range of an empty file are unsatisfiable") {
  CHECK(kind_of("bytes=1000-", 1000) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=1000-2000", 1000) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=5000-6000", 1000) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=-0", 1000) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=0-", 0) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=0-0", 0) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=-1", 0) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=-0", 0) == range_kind::unsatisfiable);
}

TEST_CASE("numbers past 64 bits saturate: a first byte past any file, a last byte or suffix covering it all") {
  CHECK(kind_of("bytes=99999999999999999999999999-", 1000) == range_kind::unsatisfiable);
  CHECK(kind_of("bytes=18446744073709551615-", 1000) == range_kind::unsatisfiable);
  auto s = span_of("bytes=10-99999999999999999999999999", 1000);
  CHECK((s.first == 10 && s.last == 999));
  s = span_of("bytes=-99999999999999999999999999", 1000);
  CHECK((s.first == 0 && s.last == 999));
  s = span_of("bytes=0-18446744073709551615", 1000);
  CHECK((s.first == 0 && s.last == 999));
  s = span_of("bytes=00000000000000000000000000042-43", 1000);
  CHECK((s.first == 42 && s.last == 43));
}

TEST_CASE("whitespace around the unit, '=', elements and commas is allowed - the unit is case-insensitive") {
  auto s = span_of("  bytes=10-19  ", 100);
  CHECK((s.first == 10 && s.last == 19));
  s = span_of("bytes = 10-19", 100);
  CHECK((s.first == 10 && s.last == 19));
  s = span_of("Bytes=\t10-19\t", 100);
  CHECK((s.first == 10 && s.last == 19));
  s = span_of("BYTES=-5", 100);
  CHECK((s.first == 95 && s.last == 99));
  // Empty list elements do not count as ranges.
  s = span_of("bytes=10-19, ,", 100);
  CHECK((s.first == 10 && s.last == 19));
  s = span_of("bytes=,10-19", 100);
  CHECK((s.first == 10 && s.last == 19));
}

TEST_CASE("malformed headers, other units, a > b and multiple ranges are ignored") {
  for (const char* header :
       {"bytes",           "bytes=",         "bytes=-",      "bytes=abc",     "bytes=a-b",          "bytes=1-a",
        "bytes=x-10",      "bytes=5",        "bytes=+1-2",   "bytes=-+5",     "bytes=1 -2",         "bytes=1- 2",
        "bytes=0x10-0x20", "bytes=1.5-2",    "bytes=--5",    "bytes=1-2-3",   "items=0-1",          "byte=0-1",
        "bytesx=0-1",      "=0-1",           "0-1",          "bytes=,",       "bytes=9-5",          "bytes=1-0",
        "bytes=0-1,5-6",   "bytes=0-1, 5-6", "bytes=-5,0-1", "bytes=0-1,0-1", "bytes=5000-6000,0-1"}) {
    INFO("Range: '", header, "'");
    CHECK(kind_of(header, 1000) == range_kind::ignored);
  }
}

TEST_CASE("If-None-Match matches '*' or a listed tag by weak comparison") {
  const std::string etag = "\"abc\"";
  CHECK(none_match_fails("\"abc\"", etag));
  CHECK(none_match_fails("*", etag));
  CHECK(none_match_fails(" * ", etag));
  CHECK(none_match_fails("W/\"abc\"", etag));
  CHECK(none_match_fails("\"x\", \"abc\"", etag));
  CHECK(none_match_fails("\"x\",W/\"abc\" ,\"y\"", etag));
  CHECK_FALSE(none_match_fails("\"abd\"", etag));
  CHECK_FALSE(none_match_fails("abc", etag));
  CHECK_FALSE(none_match_fails("\"abc", etag));
  CHECK_FALSE(none_match_fails("\"x\", \"y\"", etag));
  CHECK_FALSE(none_match_fails("", etag));
}

TEST_CASE("If-Range allows the range only for an exact strong tag") {
  const std::string etag = "\"abc\"";
  CHECK(if_range_allows("", etag));
  CHECK(if_range_allows("\"abc\"", etag));
  CHECK(if_range_allows(" \"abc\" ", etag));
  CHECK_FALSE(if_range_allows("W/\"abc\"", etag));
  CHECK_FALSE(if_range_allows("\"abd\"", etag));
  CHECK_FALSE(if_range_allows("Wed, 21 Oct 2015 07:28:00 GMT", etag));
}

TEST_CASE("media paths name a video or its cover by hash") {
  auto v = parse_media_path("/reel/v1/media/abc");
  REQUIRE(v);
  CHECK(v->hash == "abc");
  CHECK_FALSE(v->cover);
  auto c = parse_media_path("/reel/v1/media/abc/cover.jpg");
  REQUIRE(c);
  CHECK(c->hash == "abc");
  CHECK(c->cover);
  auto slash = parse_media_path("/reel/v1/media/abc/");
  REQUIRE(slash);
  CHECK((slash->hash == "abc" && !slash->cover));
  CHECK_FALSE(parse_media_path("/reel/v1/media/"));
  CHECK_FALSE(parse_media_path("/reel/v1/media//cover.jpg"));
  CHECK_FALSE(parse_media_path("/reel/v1/media/abc/cover.png"));
  CHECK_FALSE(parse_media_path("/reel/v1/media/abc/def"));
  CHECK_FALSE(parse_media_path("/reel/v1/media/../secret"));
  CHECK_FALSE(parse_media_path("/reel/v1/other/abc"));
}

TEST_CASE("a media reply is 200, 206, 304 or 416 with the validators and caching headers") {
  const std::string etag = "\"abc\"";
  auto whole = plan_media_reply({}, 1000, etag);
  CHECK(whole.status == 200);
  CHECK((whole.offset == 0 && whole.length == 1000));
  CHECK(header_value(whole, "ETag") == etag);
  CHECK(header_value(whole, "Accept-Ranges") == "bytes");
  CHECK(header_value(whole, "Cache-Control") == "public, max-age=31536000, immutable");
  CHECK(header_value(whole, "Content-Range").empty());

  auto part = plan_media_reply(with("bytes=100-199"), 1000, etag);
  CHECK(part.status == 206);
  CHECK((part.offset == 100 && part.length == 100));
  CHECK(header_value(part, "Content-Range") == "bytes 100-199/1000");
  CHECK(header_value(part, "ETag") == etag);

  auto tail = plan_media_reply(with("bytes=-10"), 1000, etag);
  CHECK(tail.status == 206);
  CHECK(header_value(tail, "Content-Range") == "bytes 990-999/1000");

  auto beyond = plan_media_reply(with("bytes=1000-"), 1000, etag);
  CHECK(beyond.status == 416);
  CHECK(beyond.length == 0);
  CHECK(header_value(beyond, "Content-Range") == "bytes */1000");

  auto ignored = plan_media_reply(with("bytes=0-1,5-6"), 1000, etag);
  CHECK((ignored.status == 200 && ignored.length == 1000));

  auto fresh = plan_media_reply(with("bytes=0-9", "", etag), 1000, etag);
  CHECK(fresh.status == 304);
  CHECK(fresh.length == 0);
  CHECK(header_value(fresh, "ETag") == etag);

  auto stale = plan_media_reply(with("", "", "\"other\""), 1000, etag);
  CHECK(stale.status == 200);

  auto same_copy = plan_media_reply(with("bytes=0-9", etag), 1000, etag);
  CHECK((same_copy.status == 206 && same_copy.length == 10));
  auto other_copy = plan_media_reply(with("bytes=0-9", "\"other\""), 1000, etag);
  CHECK((other_copy.status == 200 && other_copy.length == 1000));
  auto unsatisfiable_but_stale = plan_media_reply(with("bytes=5000-", "\"other\""), 1000, etag);
  CHECK(unsatisfiable_but_stale.status == 200);

  auto empty = plan_media_reply({}, 0, etag);
  CHECK((empty.status == 200 && empty.length == 0));
  auto empty_range = plan_media_reply(with("bytes=0-"), 0, etag);
  CHECK(empty_range.status == 416);
  CHECK(header_value(empty_range, "Content-Range") == "bytes */0");
}
