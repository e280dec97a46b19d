#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "http/multipart.hpp"

using namespace reel::http;
using namespace std::string_literals;

namespace {

std::string form_part(std::string_view name, std::string_view data) {
  return "Content-Disposition: form-data; name=\"" + std::string(name) + "\"\r\n\r\n" + std::string(data);
}

// A body whose parts are given as raw header+data text, joined by proper delimiters.
std::string body_of(const std::vector<std::string>& parts, std::string_view boundary = "XyZ") {
  std::string body;
  for (const auto& part : parts) body += "--" + std::string(boundary) + "\r\n" + part + "\r\n";
  return body + "--" + std::string(boundary) + "--\r\n";
}

}  // namespace

TEST_CASE("boundary_of reads quoted and bare boundaries, any parameter case") {
  CHECK(boundary_of("multipart/form-data; boundary=abc123") == "abc123");
  CHECK(boundary_of("multipart/form-data; BOUNDARY=\"a b:c\"") == "a b:c");
  CHECK(boundary_of("Multipart/Form-Data;charset=utf-8;boundary=----WebKit7") == "----WebKit7");
  CHECK(boundary_of("multipart/form-data; boundary=x;") == "x");
  CHECK(boundary_of("multipart/form-data; boundary=\"q\\\"t\"") == "q\"t");
  std::string longest(max_boundary_size, 'b');
  CHECK(boundary_of("multipart/form-data; boundary=" + longest) == longest);

  CHECK_FALSE(boundary_of("multipart/form-data"));
  CHECK_FALSE(boundary_of("multipart/form-data; charset=utf-8"));
  CHECK_FALSE(boundary_of("multipart/form-data; boundary="));
  CHECK_FALSE(boundary_of("multipart/form-data; boundary=\"\""));
  CHECK_FALSE(boundary_of(std::string("multipart/form-data; boundary=") + std::string(71, 'b')));
  CHECK_FALSE(boundary_of("multipart/form-data; boundary=\"unterminated"));
  CHECK_FALSE(boundary_of("multipart/form-data; boundary=\"tab\there\""));
  CHECK_FALSE(boundary_of("multipart/form-data; boundary=\"trailing \""));
}

TEST_CASE("media_type_is ignores case and parameters") {
  CHECK(media_type_is("Multipart/Form-Data; boundary=x", "multipart/form-data"));
  CHECK(media_type_is(" application/x-www-form-urlencoded ", "application/x-www-form-urlencoded"));
  CHECK_FALSE(media_type_is("multipart/mixed; boundary=x", "multipart/form-data"));
  CHECK_FALSE(media_type_is("", "multipart/form-data"));
}

TEST_CASE("a curl-style body yields text and file parts in order") {
  std::string body = body_of({form_part("token", "t0k"),
                              "Content-Disposition: form-data; name=\"data\"; filename=\"v.mp4\"\r\n"
                              "Content-Type: video/mp4\r\n\r\n\x00\x01binary\r\n"s,
                              form_part("title", "hello world")});
  auto result = parse_multipart(body, "XyZ");
  REQUIRE(result.ok());
  REQUIRE(result.parts.size() == 3);
  CHECK(result.parts[0].name == "token");
  CHECK(result.parts[0].data == "t0k");
  CHECK_FALSE(result.parts[0].filename);
  CHECK(result.parts[0].content_type.empty());
  CHECK(result.parts[1].name == "data");
  CHECK(result.parts[1].filename == "v.mp4");
  CHECK(result.parts[1].content_type == "video/mp4");
  CHECK(result.parts[1].data == "\x00\x01binary\r\n"s);
  CHECK(result.parts[2].data == "hello world");
}

TEST_CASE("preamble and epilogue are skipped - the first boundary may follow a CRLF") {
  std::string inner = "--XyZ\r\n" + form_part("a", "1") + "\r\n--XyZ--";
  for (std::string prefix : {""s, "\r\n"s, "this is a preamble\r\n"s}) {
    for (std::string suffix : {""s, "\r\n"s, "\r\nepilogue --XyZ junk"s}) {
      CAPTURE(prefix);
      CAPTURE(suffix);
      std::string body = prefix + inner + suffix;  // parts view it, so it must outlive them
      auto result = parse_multipart(body, "XyZ");
      REQUIRE(result.ok());
      REQUIRE(result.parts.size() == 1);
      CHECK(result.parts[0].data == "1");
    }
  }
}

TEST_CASE("boundary-like bytes that are not a delimiter stay in the data") {
  std::vector<std::string> tricky = {
      "--XyZ",                   // no CRLF before it
      "a--XyZ--b",               // no CRLF before it, close-like
      "line1\r\nline2\r\n",      // CRLFs inside data
      "\r\n--XyZW more",         // CRLF + boundary extended by other characters
      "\r\n--XyZ\tx",            // padding not followed by CRLF
      "\r\n-XyZ\r\n",            // one dash only
      "\r--XyZ\r\n\n--XyZ\r\n",  // bare CR / bare LF before the boundary
  };
  for (const auto& data : tricky) {
    CAPTURE(data);
    std::string body = body_of({form_part("f", data)});
    auto result = parse_multipart(body, "XyZ");
    REQUIRE(result.ok());
    REQUIRE(result.parts.size() == 1);
    CHECK(result.parts[0].data == data);
  }
}

TEST_CASE("transport padding after boundary lines is allowed") {
  std::string body = "--XyZ \t\r\n" + form_part("a", "1") + "\r\n--XyZ  \r\n" + form_part("b", "2") +
                     "\r\n--XyZ--  \r\n";
  auto result = parse_multipart(body, "XyZ");
  REQUIRE(result.ok());
  REQUIRE(result.parts.size() == 2);
  CHECK(result.parts[0].data == "1");
  CHECK(result.parts[1].data == "2");
}

TEST_CASE("empty data, empty and absent filenames, escaped quotes and header case") {
  std::string body = body_of({
      form_part("empty", ""),
      "content-disposition: FORM-DATA; NAME=\"up\"; filename=\"\"\r\nCONTENT-TYPE:text/plain\r\n\r\nx",
      "Content-Disposition: form-data; name=\"a\\\"b\"; filename=\"c\\\\d.txt\"\r\n\r\ny",
      "Content-Disposition: form-data; name=bare\r\nX-Other: ignored\r\n\r\nz",
  });
  auto result = parse_multipart(body, "XyZ");
  REQUIRE(result.ok());
  REQUIRE(result.parts.size() == 4);
  CHECK(result.parts[0].data.empty());
  CHECK(result.parts[1].name == "up");
  CHECK(result.parts[1].filename == "");
  CHECK(result.parts[1].content_type == "text/plain");
  CHECK(result.parts[2].name == "a\"b");
  CHECK(result.parts[2].filename == "c\\d.txt");
  CHECK(result.parts[3].name == "bare");
  CHECK_FALSE(result.parts[3].filename);
  CHECK(result.parts[3].data == "z");
}

TEST_CASE("duplicate names are all returned in body order") {
  std::string body = body_of({form_part("k", "first"), form_part("k", "second")});
  auto result = parse_multipart(body, "XyZ");
  REQUIRE(result.ok());
  REQUIRE(result.parts.size() == 2);
  CHECK(result.parts[0].data == "first");
  CHECK(result.parts[1].data == "second");
}

TEST_CASE("malformed bodies are rejected with a reason and no parts") {
  struct bad_case {
    std::string body;
    std::string reason_contains;
  };
  std::vector<bad_case> cases = {
      {"--XyZ\r\n" + form_part("a", "1"), "closing"},
      {"--XyZ\r\n" + form_part("a", "1") + "\r\n--XyZ\r\n" + form_part("b", "2"), "closing"},
      {form_part("a", "1"), "opening"},
      {"", "opening"},
      {body_of({"X-Header: v\r\n\r\ndata"}), "Content-Disposition"},
      {body_of({"\r\ndata"}), "Content-Disposition"},
      {body_of({"Content-Disposition: form-data; filename=\"f\"\r\n\r\nd"}), "name"},
      {body_of({"Content-Disposition: attachment; name=\"a\"\r\n\r\nd"}), "form-data"},
      {body_of({"Content-Disposition: form-data; name=\"a\r\n\r\nd"}), "Content-Disposition"},
      {body_of({"Content-Disposition: form-data; name=a\r\nContent-Disposition: form-data; name=b\r\n\r\nd"}),
       "duplicate"},
      {body_of({"no colon here\r\n\r\nd"}), "header"},
      {"--XyZ\r\nContent-Disposition: form-data; name=\"a\"", "unterminated"},
      {"--XyZ\nContent-Disposition: form-data; name=\"a\"\n\n1\n--XyZ--\n", "opening"},
      {body_of({"Content-Disposition: form-data; name=\"a\"\n\nd"}), "bare"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.body);
    auto result = parse_multipart(c.body, "XyZ");
    CHECK_FALSE(result.ok());
    CHECK(result.parts.empty());
    CHECK(result.error.find(c.reason_contains) != std::string::npos);
  }
  CHECK_FALSE(parse_multipart(body_of({form_part("a", "1")}), "").ok());
  CHECK_FALSE(parse_multipart(body_of({form_part("a", "1")}), std::string(71, 'b')).ok());
}

// Random parts whose data is built from boundary fragments, CR, LF and dashes, so that near
// misses of the delimiter occur everywhere; each must come back byte for byte.
TEST_CASE("generated bodies round-trip through the parser") {
  std::mt19937 rng(20240607);
  const std::string boundary = "----b0undary";
  const std::vector<std::string> pieces = {"\r\n", "\r", "\n", "-", "--", "--" + boundary, boundary,
                                           "\r\n--" + boundary + "X", "\r\n--" + boundary + "-x",
                                           "\r\n--", " ", "\t", "a", std::string(1, '\0'), "\xff", "zz"};
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  auto random_data = [&] {
    for (;;) {
      std::string data;
      for (std::size_t i = pick(40); i > 0; --i) data += pieces[pick(pieces.size())];
      // Data may not hold a real delimiter, nor end where the next delimiter would complete one.
      std::string delimiter = "\r\n--" + boundary;
      bool valid = true;
      for (auto at = data.find(delimiter); at != std::string::npos; at = data.find(delimiter, at + 1)) {
        std::size_t after = at + delimiter.size();
        valid = valid && after < data.size() && (data[after] == 'X' || data.substr(after, 2) == "-x");
      }
      if (valid) return data;
    }
  };
  for (int round = 0; round < 500; ++round) {
    CAPTURE(round);
    struct expected_part {
      std::string name;
      std::optional<std::string> filename;
      std::string data;
    };
    std::vector<expected_part> expected;
    std::string body = pick(2) ? "" : "preamble -- " + boundary + "\r\n";
    body += pick(2) ? "--" + boundary : "\r\n--" + boundary;
    for (std::size_t n = pick(5); n > 0; --n) {
      expected_part part{"field" + std::to_string(pick(3)), std::nullopt, random_data()};
      if (pick(2)) part.filename = pick(2) ? "" : "clip.mp4";
      body += std::string(pick(3), ' ') + "\r\n";
      body += pick(2) ? "Content-Disposition" : "content-DISPOSITION";
      body += ": form-data; name=\"" + part.name + '"';
      if (part.filename) body += "; filename=\"" + *part.filename + '"';
      body += "\r\n\r\n" + part.data + "\r\n--" + boundary;
      expected.push_back(std::move(part));
    }
    body += "--" + std::string(pick(2) ? "\r\nepilogue" : "");
    auto result = parse_multipart(body, boundary);
    REQUIRE(result.ok());
    REQUIRE(result.parts.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      CHECK(result.parts[i].name == expected[i].name);
      CHECK(result.parts[i].filename == expected[i].filename);
      CHECK(result.parts[i].data == expected[i].data);
    }
  }
}

TEST_CASE("a large body full of delimiter near misses parses into one part") {
  std::string data;
  for (int i = 0; i < 200'000; ++i) data += "\r\n--XyZ!";
  std::string body = body_of({form_part("big", data)});
  auto result = parse_multipart(body, "XyZ");
  REQUIRE(result.ok());
  REQUIRE(result.parts.size() == 1);
  CHECK(result.parts[0].data.size() == data.size());
  CHECK(result.parts[0].data == data);
}
