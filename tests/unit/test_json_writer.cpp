#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <limits>
#include <string>

#include "http/json_writer.hpp"

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
          // A lone lead byte is not UTF-8: passed through as it is, never escaped.
          CHECK(w.str() == '"' + s + '"');
          continue;
        }
        REQUIRE_FALSE(doc.HasParseError());
        CHECK(std::string(doc.GetString(), doc.GetStringLength()) == s);
        CHECK((w.str().size() == s.size() + 2) == (special == '\x7f'));  // only DEL goes unescaped
      }
    }
  }
}
