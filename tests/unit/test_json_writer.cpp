#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <limits>
#include <string>

#include "http/json_writer.hpp"
#include "http/utf8.hpp"

using namespace reel::http;
using namespace std::string_literals;

TEST_CASE("json_writer puts commas between members and elements, none after keys") {
  json_writer w;
  w.start_object();
  w.key("a");
  w.u64(1);
  w.key("list");
  w.start_array();
  w.start_object();
  w.key("x");
  w.boolean(true);
  w.end_object();
  w.start_object();
  w.end_object();
  w.i64(-5);
  w.end_array();
  w.key("empty");
  w.start_array();
  w.end_array();
  w.key("s");
  w.string("t");
  w.end_object();
  CHECK(w.str() == R"({"a":1,"list":[{"x":true},{},-5],"empty":[],"s":"t"})");
}

TEST_CASE("json_writer escapes quotes, backslashes and control characters, and keeps UTF-8") {
  json_writer w;
  w.string("say \"hi\"\\ \b\f\n\r\t \x01\x1f end"s + '\0' + "z \xe4\xbd\xa0\xe5\xa5\xbd /");
  CHECK(w.str() == "\"say \\\"hi\\\"\\\\ \\b\\f\\n\\r\\t \\u0001\\u001F end\\u0000z \xe4\xbd\xa0\xe5\xa5\xbd /\"");
}

TEST_CASE("json_writer joins string parts into one value") {
  json_writer w;
  w.start_array();
  w.string({"http://h", "/media/", "ab\"c"});
  w.string({});
  w.end_array();
  CHECK(w.str() == R"(["http://h/media/ab\"c",""])");
}

TEST_CASE("json_writer output parses back to the values written, for every byte") {
  std::string all;
  for (int c = 0; c < 128; ++c) all += static_cast<char>(c);
  json_writer w;
  w.start_object();
  w.key(all);
  w.string(all);
  w.key("max");
  w.u64(std::numeric_limits<std::uint64_t>::max());
  w.key("min");
  w.i64(std::numeric_limits<std::int64_t>::min());
  w.end_object();
  rapidjson::Document doc;
  doc.Parse(w.str().data(), w.str().size());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.MemberCount() == 3);
  const auto& m = *doc.MemberBegin();
  CHECK(std::string(m.name.GetString(), m.name.GetStringLength()) == all);
  CHECK(std::string(m.value.GetString(), m.value.GetStringLength()) == all);
  CHECK(doc["max"].GetUint64() == std::numeric_limits<std::uint64_t>::max());
  CHECK(doc["min"].GetInt64() == std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("json_writer finds a character to escape at any position of a string of any length up to 40") {
  for (char special : {'"', '\\', '\n', '\x1f', '\0', '\x7f', '\xe4'}) {
    for (std::size_t length = 1; length <= 40; ++length) {
      for (std::size_t at = 0; at < length; ++at) {
        std::string s(length, 'a');
        s[at] = special;
        json_writer w;
        w.string(s);
        rapidjson::Document doc;
        doc.Parse(w.str().data(), w.str().size());
        if (static_cast<unsigned char>(special) >= 0x80) {
          // A lead byte without its continuation bytes is not UTF-8: replaced by U+FFFD.
          std::string repaired = s.substr(0, at) + "\xEF\xBF\xBD" + s.substr(at + 1);
          CHECK(w.str() == '"' + repaired + '"');
          continue;
        }
        REQUIRE_FALSE(doc.HasParseError());
        CHECK(std::string(doc.GetString(), doc.GetStringLength()) == s);
        CHECK((w.str().size() == s.size() + 2) == (special == '\x7f'));  // only DEL goes unescaped
      }
    }
  }
}

namespace {

constexpr const char* fffd = "\xEF\xBF\xBD";

// The string value `w` wrote, parsed back with RapidJSON's UTF-8 validation on.
std::string parsed_string(const json_writer& w) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(w.str().data(), w.str().size());
  REQUIRE_MESSAGE(!doc.HasParseError(), "not valid JSON in UTF-8: ", w.str());
  REQUIRE(doc.IsString());
  return {doc.GetString(), doc.GetStringLength()};
}

std::string written(std::string_view s) {
  json_writer w;
  w.string(s);
  return parsed_string(w);
}

std::string times(std::size_t n, std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("json_writer replaces what is not UTF-8 with U+FFFD, one per maximal ill-formed subpart") {
  struct example {
    const char* what;
    std::string in;
    std::string out;
  };
  const example examples[] = {
      {"bytes that never occur", "\xff\xfe", times(2, fffd)},
      {"a path echoed in an error", "no such route: /\xff\xfe/x", "no such route: /"s + times(2, fffd) + "/x"},
      {"overlong '/', two bytes", "\xC0\xAF", times(2, fffd)},
      {"overlong '/', three bytes", "\xE0\x80\xAF", times(3, fffd)},
      {"overlong U+FFFF, four bytes", "\xF0\x8F\xBF\xBF", times(4, fffd)},
      {"a UTF-16 surrogate, U+D800", "a\xED\xA0\x80z", "a"s + times(3, fffd) + "z"},
      {"a surrogate pair as two sequences", "\xED\xA0\xBD\xED\xB8\x80", times(6, fffd)},
      {"past U+10FFFF", "\xF4\x90\x80\x80", times(4, fffd)},
      {"a truncated three-byte sequence at the end", "ok \xE4\xBD", "ok "s + fffd},
      {"a truncated four-byte sequence before ASCII", "\xF0\x9F\x98x", fffd + "x"s},
      {"a lone continuation byte", "a\x80z", "a"s + fffd + "z"},
      {"a lead byte followed by a lead byte", "\xE4\xE4\xBD\xA0", fffd + "\xE4\xBD\xA0"s},
  };
  for (const auto& e : examples) {
    INFO(e.what);
    CHECK(written(e.in) == e.out);
  }
}

TEST_CASE("json_writer passes well-formed UTF-8 through unchanged, at the edges of every code point length") {
  for (std::string s : {"\x7F"s, "\xC2\x80"s, "\xDF\xBF"s, "\xE0\xA0\x80"s, "\xED\x9F\xBF"s, "\xEE\x80\x80"s,
                        "\xEF\xBF\xBF"s, "\xF0\x90\x80\x80"s, "\xF4\x8F\xBF\xBF"s, "\xE4\xBD\xA0\xE5\xA5\xBD"s}) {
    json_writer w;
    w.string(s);
    CHECK(w.str() == '"' + s + '"');  // not escaped, not replaced
    CHECK(parsed_string(w) == s);
  }
}

TEST_CASE("json_writer escapes NUL and every control character, and repairs keys too") {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  CHECK(written(controls) == controls);
  json_writer w;
  w.start_object();
  w.key("k\xff"s + '\0');
  w.string("\x01");
  w.end_object();
  CHECK(w.str() == "{\"k"s + fffd + "\\u0000\":\"\\u0001\"}");
}

TEST_CASE("json_writer finds ill-formed bytes inside and across 16-byte blocks") {
  for (std::size_t length = 1; length <= 48; ++length) {
    for (std::size_t at = 0; at + 1 < length; ++at) {
      std::string s(length, 'a');
      s[at] = '\xE4';  // lead of a three-byte sequence, cut short by the 'a' after it
      s[at + 1] = '\xBD';
      INFO("length ", length, ", sequence at ", at);
      CHECK(written(s) == s.substr(0, at) + fffd + s.substr(at + 2));
    }
  }
}

TEST_CASE("json_writer output is valid JSON in UTF-8 for any bytes, and keeps UTF-8 input as it is") {
  std::uint64_t state = 0x9E3779B97F4A7C15;  // a fixed seed: the same strings every run
  auto next_byte = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<char>(state & 0xFF);
  };
  for (int round = 0; round < 2000; ++round) {
    std::string s(static_cast<std::size_t>(round % 70), '\0');
    for (auto& c : s) c = next_byte();
    // Half the rounds are mostly ASCII, where the fast paths run.
    if (round % 2 == 0)
      for (auto& c : s)
        if (static_cast<unsigned char>(c) >= 0x80 && (state & 7) != 0) c = static_cast<char>(c & 0x7F);
    auto out = written(s);
    CHECK(valid_utf8(out));
    if (valid_utf8(s)) CHECK(out == s);
  }
}
