#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "http/params.hpp"

using namespace reel::http;
using namespace std::string_literals;

TEST_CASE("percent_decode decodes escapes and rejects malformed ones") {
  CHECK(percent_decode("a%41%62%2f%2F", false) == "aAb//");
  CHECK(percent_decode("x+y", true) == "x y");
  CHECK(percent_decode("x+y", false) == "x+y");
  CHECK(percent_decode("%E4%BD%A0", false) == "\xe4\xbd\xa0");
  CHECK(percent_decode("%00", false) == std::string(1, '\0'));
  CHECK(percent_decode("", true) == "");
  CHECK_FALSE(percent_decode("%", false));
  CHECK_FALSE(percent_decode("%4", false));
  CHECK_FALSE(percent_decode("ab%4", false));
  CHECK_FALSE(percent_decode("%zz", false));
  CHECK_FALSE(percent_decode("%4g", false));
}

TEST_CASE("percent_decode inverts percent encoding of random bytes") {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string raw;
    std::string encoded;
    for (int i = std::uniform_int_distribution(0, 30)(rng); i > 0; --i) {
      auto byte = static_cast<unsigned char>(std::uniform_int_distribution(0, 255)(rng));
      raw += static_cast<char>(byte);
      encoded += "%" + std::string(1, "0123456789ABCDEF"[byte >> 4]) + "0123456789abcdef"[byte & 15];
    }
    CHECK(percent_decode(encoded, true) == raw);
  }
}

TEST_CASE("parse_urlencoded splits, decodes and keeps order") {
  auto list = parse_urlencoded("a=1&b=x+y&c=%41&d&&e=&=v&f=a=b");
  param_list expected = {{"a", "1"}, {"b", "x y"}, {"c", "A"}, {"d", ""}, {"e", ""}, {"", "v"}, {"f", "a=b"}};
  CHECK(list == expected);
  CHECK(parse_urlencoded("").empty());
  CHECK(parse_urlencoded("&&&").empty());
  CHECK(parse_urlencoded("user%5Fname=%E4%BD%A0") == param_list{{"user_name", "\xe4\xbd\xa0"}});
}

TEST_CASE("parse_urlencoded keeps malformed escapes as raw text") {
  CHECK(parse_urlencoded("t=100%&u=%zz%41&v=%4") == param_list{{"t", "100%"}, {"u", "%zzA"}, {"v", "%4"}});
}

TEST_CASE("parse_int accepts decimal and exact-integer float spellings") {
  CHECK(parse_int("0") == 0);
  CHECK(parse_int("42") == 42);
  CHECK(parse_int("+42") == 42);
  CHECK(parse_int("-42") == -42);
  CHECK(parse_int("-0") == 0);
  CHECK(parse_int("007") == 7);
  CHECK(parse_int("1.680703713e+09") == 1680703713);
  CHECK(parse_int("1680703713000") == 1680703713000);
  CHECK(parse_int("1.680703713E12") == 1680703713000);
  CHECK(parse_int("1e3") == 1000);
  CHECK(parse_int("1E+03") == 1000);
  CHECK(parse_int("12.0") == 12);
  CHECK(parse_int("12.") == 12);
  CHECK(parse_int("1.50e1") == 15);
  CHECK(parse_int("150e-1") == 15);
  CHECK(parse_int("0.0e999999999999999999999") == 0);
  CHECK(parse_int("9007199254740993") == 9007199254740993);  // 2^53 + 1: not representable as double
  CHECK(parse_int("9.007199254740993e15") == 9007199254740993);
  CHECK(parse_int("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
  CHECK(parse_int("-9223372036854775808") == std::numeric_limits<std::int64_t>::min());
  CHECK(parse_int("9.223372036854775807e18") == std::numeric_limits<std::int64_t>::max());
  CHECK(parse_int("0.000000000000000000000000000000042e33") == 42);
}

TEST_CASE("parse_int rejects fractions, junk and overflow") {
  const std::vector<std::string> rejected = {
      "",    " ",    "1.5", "0.1",  "1e-1", "12e-1", "abc",  " 12",      "12 ",   "12x",      "x12",
      "-",   "+",    "+-1", "--1",  "1e",   "1e+",   "e3",   ".",        ".e1",   "1..0",     "1.0.0",
      "1e3e3", "0x10", "nan", "NaN", "inf", "-inf",  "1,000", "Infinity", "1_000", "1\x00"s, "\xd9\xa1",
      "9223372036854775808", "-9223372036854775809", "1e19", "9.3e18", "99999999999999999999",
      "1e999999999999999"};
  for (const std::string& bad : rejected) {
    CAPTURE(bad);
    CHECK_FALSE(parse_int(bad));
  }
}

TEST_CASE("parse_int reads back every integer printed in float exponent form") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 2000; ++round) {
    auto value = static_cast<std::int64_t>(rng() >> 11);  // below 2^53, as ids are
    if (round % 2) value = -value;
    std::string digits = std::to_string(value < 0 ? -value : value);
    // d.ddd...e+N, the way float64 round-trips print large ids.
    std::string printed = (value < 0 ? "-" : "") + digits.substr(0, 1) + "." + digits.substr(1) + "e+" +
                          std::to_string(digits.size() - 1);
    CAPTURE(printed);
    CHECK(parse_int(printed) == value);
    CHECK(parse_int(std::to_string(value)) == value);
  }
}

TEST_CASE("params look in the query, then an urlencoded body, first occurrence winning") {
  auto p = params::parse("token=q1&id=1&token=q2", "application/x-www-form-urlencoded",
                         "token=b&title=a+b&id=9");
  CHECK(p.get("token") == "q1");
  CHECK(p.get("id") == "1");
  CHECK(p.get("title") == "a b");
  CHECK_FALSE(p.get("missing"));
  CHECK_FALSE(p.multipart_error());

  auto q = params::parse("?a=%41", "", "");
  CHECK(q.get("a") == "A");
}

TEST_CASE("the urlencoded body is read whatever the content type's case and parameters") {
  for (std::string type : {"application/x-www-form-urlencoded", "Application/X-WWW-Form-Urlencoded",
                           "application/x-www-form-urlencoded; charset=utf-8"}) {
    CAPTURE(type);
    CHECK(params::parse("", type, "k=v").get("k") == "v");
  }
  CHECK_FALSE(params::parse("", "text/plain", "k=v").get("k"));
  CHECK_FALSE(params::parse("", "", "k=v").get("k"));
  CHECK_FALSE(params::parse("", "application/json", "k=v").get("k"));
}

TEST_CASE("multipart text parts come last - file parts are kept apart") {
  std::string body =
      "--B\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nfrom-body\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmy clip\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nsecond\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.mp4\"\r\n"
      "Content-Type: video/mp4\r\n\r\nVIDEO1\r\n"
      "--B\r\nContent-Disposition: form-data; name=\"data\"; filename=\"b.mp4\"\r\n\r\nVIDEO2\r\n"
      "--B--\r\n";
  auto p = params::parse("token=from-query", "multipart/form-data; boundary=B", body);
  REQUIRE_FALSE(p.multipart_error());
  CHECK(p.get("token") == "from-query");
  CHECK(p.get("title") == "my clip");
  CHECK_FALSE(p.get("data"));  // a file is not a text value
  const multipart_part* file = p.file("data");
  REQUIRE(file != nullptr);
  CHECK(file->filename == "a.mp4");
  CHECK(file->content_type == "video/mp4");
  CHECK(file->data == "VIDEO1");
  CHECK(file->data.data() >= body.data());  // views the caller's body, no copy
  CHECK(file->data.data() < body.data() + body.size());
  CHECK(p.file("title") == nullptr);
  CHECK(p.file("missing") == nullptr);
}

TEST_CASE("text values outlive the body") {
  std::string body = "--B\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nvalue\r\n--B--";
  auto p = params::parse("", "multipart/form-data; boundary=B", body);
  body.assign(body.size(), '#');
  CHECK(p.get("k") == "value");
}

TEST_CASE("a malformed multipart body is reported and the query still answers") {
  auto p = params::parse("a=1", "multipart/form-data; boundary=B",
                         "--B\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nno end");
  CHECK(p.multipart_error());
  CHECK(p.multipart_error_text().find("closing") != std::string::npos);
  CHECK(p.get("a") == "1");
  CHECK_FALSE(p.get("k"));

  auto no_boundary = params::parse("", "multipart/form-data", "--B--");
  CHECK(no_boundary.multipart_error());
  CHECK(no_boundary.multipart_error_text() == "missing boundary");
}
