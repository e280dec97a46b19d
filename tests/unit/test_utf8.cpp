#include <doctest/doctest.h>

#include <string>

#include "http/utf8.hpp"

using namespace reel::http;
using namespace std::string_literals;

TEST_CASE("next_utf8 takes a whole well-formed character") {
  CHECK(next_utf8("a").length == 1);
  CHECK(next_utf8("\0"s).valid);
  for (std::string s : {"\xC2\x80"s, "\xE0\xA0\x80"s, "\xED\x9F\xBF"s, "\xF0\x90\x80\x80"s, "\xF4\x8F\xBF\xBF"s}) {
    auto step = next_utf8(s + "tail");
    CHECK(step.valid);
    CHECK(step.length == s.size());
  }
}

TEST_CASE("next_utf8 stops at the first byte that cannot continue a sequence") {
  struct example {
    std::string bytes;
    std::size_t length;  // of the maximal ill-formed subpart
  };
  const example examples[] = {
      {"\x80", 1},              // continuation without a lead
      {"\xC0\xAF", 1},          // C0 and C1 only ever start overlong forms
      {"\xC1\xBF", 1},          //
      {"\xF5\x80\x80\x80", 1},  // leads past U+10FFFF
      {"\xFF", 1},              //
      {"\xE0\x9F\xBF", 1},      // overlong three-byte form
      {"\xF0\x8F\xBF\xBF", 1},  // overlong four-byte form
      {"\xED\xA0\x80", 1},      // surrogate
      {"\xF4\x90\x80\x80", 1},  // past U+10FFFF
      {"\xE4\xBD", 2},          // truncated at the end
      {"\xE4\xBDx", 2},         // truncated before ASCII
      {"\xF0\x9F\x98", 3},      //
      {"\xC3", 1},              //
  };
  for (const auto& e : examples) {
    INFO("bytes of length ", e.bytes.size());
    auto step = next_utf8(e.bytes);
    CHECK_FALSE(step.valid);
    CHECK(step.length == e.length);
  }
}

TEST_CASE("valid_utf8 accepts UTF-8 and nothing else") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii with \n and \0 inside"s));
  CHECK(valid_utf8("\xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x98\x80"));
  CHECK_FALSE(valid_utf8("\xff\xfe"));
  CHECK_FALSE(valid_utf8("ok\xE4\xBD"));
  CHECK_FALSE(valid_utf8("\xED\xA0\x80"));
  CHECK_FALSE(valid_utf8("\xC0\x80"));  // "modified UTF-8" NUL
}
