#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "bench/loadgen/response_parser.hpp"

using reel::loadgen::response_parser;
using status = response_parser::status;

namespace {

// Feeds `wire` in pieces of `piece` bytes and returns the final status; `used_all` tells
// whether every byte was consumed.
status feed_in_pieces(response_parser& p, std::string_view wire, std::size_t piece, bool& used_all) {
  status s = status::need_more;
  used_all = true;
  for (std::size_t at = 0; at < wire.size() && s == status::need_more; at += piece) {
    std::size_t used = 0;
    const auto chunk = wire.substr(at, piece);
    s = p.feed(chunk, used);
    if (used != chunk.size()) used_all = false;
  }
  return s;
}

const std::string fixed =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n"
    R"({"status_code":0,"status_msg":"success"})";

const std::string chunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\n{\"sta\r\n"
    "C\r\ntus_code\":0,\r\n"
    "0\r\nX-Trailer: yes\r\n\r\n";

}  // namespace

TEST_CASE("a Content-Length response parses the same at every split point") {
  for (std::size_t piece = 1; piece <= fixed.size(); ++piece) {
    CAPTURE(piece);
    response_parser p;
    p.reset();
    bool used_all = false;
    REQUIRE(feed_in_pieces(p, fixed, piece, used_all) == status::complete);
    CHECK(used_all);
    CHECK(p.code() == 200);
    CHECK(p.keep_alive());
    CHECK(p.body_bytes() == 40);
    CHECK(p.body_prefix() == std::string_view(R"({"status_code":0,"status_msg":"s)"));  // the first 32 bytes
  }
}

TEST_CASE("a chunked body with extensions and trailers parses at every split point") {
  for (std::size_t piece = 1; piece <= chunked.size(); ++piece) {
    CAPTURE(piece);
    response_parser p;
    p.reset();
    bool used_all = false;
    REQUIRE(feed_in_pieces(p, chunked, piece, used_all) == status::complete);
    CHECK(used_all);
    CHECK(p.body_bytes() == 17);
    CHECK(p.body_prefix() == std::string_view(R"({"status_code":0,)"));
    CHECK(p.keep_alive());
  }
}

TEST_CASE("a partial response needs more and a second response is left unconsumed") {
  response_parser p;
  p.reset();
  std::size_t used = 0;
  CHECK(p.feed(std::string_view(fixed).substr(0, fixed.size() - 1), used) == status::need_more);
  const std::string rest = fixed.substr(fixed.size() - 1) + fixed;
  CHECK(p.feed(rest, used) == status::complete);
  CHECK(used == 1);  // the client does not pipeline, so the extra response is the caller's problem
}

TEST_CASE("Connection: close and HTTP/1.0 end keep-alive - HTTP/1.0 keep-alive keeps it") {
  response_parser p;
  std::size_t used = 0;
  p.reset();
  CHECK(p.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", used) == status::complete);
  CHECK_FALSE(p.keep_alive());
  p.reset();
  CHECK(p.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", used) == status::complete);
  CHECK_FALSE(p.keep_alive());
  p.reset();
  CHECK(p.feed("HTTP/1.0 200 OK\r\nconnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", used) == status::complete);
  CHECK(p.keep_alive());
}

TEST_CASE("a body without length runs until the server closes") {
  response_parser p;
  p.reset();
  std::size_t used = 0;
  CHECK(p.feed("HTTP/1.1 200 OK\r\n\r\nsome body", used) == status::need_more);
  CHECK(p.feed(" more", used) == status::need_more);
  CHECK(p.on_eof() == status::complete);
  CHECK(p.body_bytes() == 14);
  CHECK_FALSE(p.keep_alive());
}

TEST_CASE("responses without a body: HEAD, 204, 304 - interim 100 is skipped") {
  response_parser p;
  std::size_t used = 0;
  p.reset(true);
  CHECK(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", used) == status::complete);
  p.reset();
  CHECK(p.feed("HTTP/1.1 204 No Content\r\n\r\n", used) == status::complete);
  CHECK(p.code() == 204);
  p.reset();
  CHECK(p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", used) ==
        status::complete);
  CHECK(p.code() == 404);
  CHECK(p.body_prefix() == "no");
}

TEST_CASE("malformed responses are errors") {
  std::size_t used = 0;
  for (std::string_view wire : {
           std::string_view("HTTP/2 200 OK\r\n\r\n"),
           std::string_view("HTTP/1.1 2x0 OK\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n"),
       }) {
    CAPTURE(wire);
    response_parser p;
    p.reset();
    CHECK(p.feed(wire, used) == status::error);
  }
  response_parser p;
  p.reset();
  CHECK(p.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", used) == status::need_more);
  CHECK(p.on_eof() == status::error);  // closed before the announced length
}
