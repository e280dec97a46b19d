// A hostile client against reeld's HTTP edge, byte for byte: pipelining, framing that could
// smuggle a request behind a proxy, oversized declarations, slow and stalled requests,
// half-closed connections and the descriptor limit. Each case sends exact bytes on a plain
// socket and checks the answer's status, its JSON envelope and what happens to the
// connection.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "harness.hpp"
#include "server_probe.hpp"

using namespace reel::test;
using namespace std::chrono_literals;

namespace {

struct raw_answer {
  int status = 0;
  std::map<std::string, std::string> fields;  // lower-case names
  std::string body;
};

// Splits what a connection received into answers (each framed by its Content-Length).
std::vector<raw_answer> split_answers(std::string_view text) {
  std::vector<raw_answer> out;
  while (text.starts_with("HTTP/1.1 ")) {
    const auto end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) break;
    raw_answer a;
    a.status = std::stoi(std::string(text.substr(9, 3)));
    auto head = text.substr(0, end);
    for (auto line_start = head.find("\r\n"); line_start != std::string_view::npos;) {
      const auto next = head.find("\r\n", line_start + 2);
      const auto line = head.substr(line_start + 2, next - line_start - 2);
      const auto colon = line.find(':');
      std::string name(line.substr(0, colon));
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      a.fields[name] = std::string(line.substr(colon + 2));
      line_start = next;
    }
    const auto length = a.fields.count("content-length") ? std::stoul(a.fields["content-length"]) : 0;
    if (text.size() < end + 4 + length) break;
    a.body = std::string(text.substr(end + 4, length));
    text.remove_prefix(end + 4 + length);
    out.push_back(std::move(a));
  }
  return out;
}

// Sends `bytes`, half-closes, and returns every answer the server wrote before closing.
std::vector<raw_answer> exchange(int port, std::string_view bytes) {
  raw_connection c(port);
  REQUIRE(c.send_bytes(bytes));
  c.shutdown_write();
  return split_answers(c.read_until_closed());
}

std::string get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"; }

std::string post(const std::string& path, const std::string& fields, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + fields + "\r\n" + body;
}

// The JSON envelope with this status_code (the body is checked as text: the shape
// checkers of the other tests parse it as JSON too).
void check_envelope(const raw_answer& a, int http_status, int status_code) {
  INFO("answer: ", a.status, " ", a.body);
  CHECK(a.status == http_status);
  CHECK(a.fields.count("content-type"));
  if (a.fields.count("content-type")) CHECK(a.fields.at("content-type").starts_with("application/json"));
  CHECK(a.body.starts_with("{\"status_code\":" + std::to_string(status_code) + ","));
}

}  // namespace

TEST_CASE("pipelined requests on one connection are all answered, in order") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  std::string fifty;
  for (int i = 0; i < 50; ++i) fifty += get("/ping");
  const auto answers = exchange(srv.port(), fifty);
  CHECK(answers.size() == 50);
  for (const auto& a : answers) CHECK(a.body == R"({"message":"pong"})");

  // A request behind a ping in the same write is executed, and the answers keep the order.
  const auto name = unique_name("pipe");
  const auto both = exchange(srv.port(), get("/ping") +
                                             post("/douyin/user/register/?username=" + name + "&password=secret-pw-1",
                                                  "Content-Length: 0\r\n", "") +
                                             get("/nope"));
  REQUIRE(both.size() == 3);
  CHECK(both[0].body == R"({"message":"pong"})");
  check_envelope(both[1], 200, 0);
  check_envelope(both[2], 404, 12);
  http_client c(srv.base_url());
  CHECK(c.post_form("/douyin/user/login/", {{"username", name}, {"password", "secret-pw-1"}}).status_code() == 0);
}

TEST_CASE("Content-Length that cannot frame the body is refused with 400 and the envelope") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"negative", "Content-Length: -1\r\n"},
      {"not a number", "Content-Length: abc\r\n"},
      {"a sign", "Content-Length: +5\r\n"},
      {"2^63", "Content-Length: 9223372036854775808\r\n"},
      {"over 2^64", "Content-Length: 99999999999999999999999\r\n"},
      {"two different values", "Content-Length: 5\r\nContent-Length: 6\r\n"},
      {"a list of different values", "Content-Length: 5, 6\r\n"},
      {"empty", "Content-Length: \r\n"},
      {"beside Transfer-Encoding", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"},
      {"Transfer-Encoding not ending in chunked", "Transfer-Encoding: chunked, identity\r\n"},
      {"a space before the colon", "Content-Length : 5\r\n"},
      {"a folded header", "X-A: 1\r\n folded\r\n"},
  };
  for (const auto& [what, fields] : cases) {
    INFO(what);
    const auto answers = exchange(srv.port(), post("/douyin/user/login/", fields, "hello"));
    REQUIRE(answers.size() == 1);
    check_envelope(answers[0], 400, 13);
    CHECK(answers[0].fields.at("connection") == "close");
  }
  // The same value twice is one length (RFC 9110 8.6).
  const auto same = exchange(srv.port(), post("/ping", "Content-Length: 5\r\nContent-Length: 5\r\n", "hello"));
  REQUIRE(same.size() == 1);
  CHECK(same[0].status == 200);
  // Other codings are not implemented; an HTTP/2 request line is another protocol.
  const auto gzip = exchange(srv.port(), post("/ping", "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"));
  REQUIRE(gzip.size() == 1);
  check_envelope(gzip[0], 501, 16);
  const auto two = exchange(srv.port(), "GET /ping HTTP/2.0\r\n\r\n");
  REQUIRE(two.size() == 1);
  check_envelope(two[0], 505, 17);
  // A TLS ClientHello's first bytes (NULs included), then a blank line.
  using namespace std::string_view_literals;
  const auto junk = exchange(srv.port(), "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"sv);
  REQUIRE(junk.size() == 1);
  check_envelope(junk[0], 400, 13);
}

TEST_CASE("a chunked body is decoded, and a malformed one refused") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto name = unique_name("chunk");
  const std::string form = "username=" + name + "&password=secret-pw-1";
  std::string chunked = "Transfer-Encoding: chunked\r\nContent-Type: application/x-www-form-urlencoded\r\n";
  std::string coded = "3;ext=1\r\n" + form.substr(0, 3) + "\r\n";
  for (std::size_t i = 3; i < form.size(); i += 7) {
    const auto piece = form.substr(i, 7);
    char size[8];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    coded += std::string(size) + "\r\n" + piece + "\r\n";
  }
  coded += "0\r\nX-Trailer: 1\r\n\r\n";
  const auto answers = exchange(srv.port(), post("/douyin/user/register/", chunked, coded) + get("/ping"));
  REQUIRE(answers.size() == 2);
  check_envelope(answers[0], 200, 0);
  CHECK(answers[1].status == 200);

  for (const auto& bad : {std::string("zz\r\nab\r\n0\r\n\r\n"), std::string("2\r\nabc\r\n0\r\n\r\n"),
                          std::string("fffffffffffffffff\r\n")}) {
    INFO("chunked body: ", bad);
    const auto refused = exchange(srv.port(), post("/douyin/user/login/", chunked, bad));
    REQUIRE(refused.size() == 1);
    check_envelope(refused[0], 400, 13);
  }
}

TEST_CASE("headers Reel does not use never fail a request, however malformed") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto answers = exchange(srv.port(),
                                "GET /ping HTTP/1.1\r\nHost: [::1\r\nHost: second\r\nDate: not a date\r\n"
                                "Cache-Control: max-age=-1, ,,\x80\r\nCookie: ;;=;\xff\xfe\r\n\r\n");
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].status == 200);
  CHECK(answers[0].body == R"({"message":"pong"})");
}

TEST_CASE("the answer to a request whose client half-closed after sending it is still written") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto name = unique_name("half");
  raw_connection c(srv.port());
  REQUIRE(c.send_bytes(
      post("/douyin/user/register/?username=" + name + "&password=secret-pw-1", "Content-Length: 0\r\n", "")));
  c.shutdown_write();
  const auto answers = split_answers(c.read_until_closed());
  REQUIRE(answers.size() == 1);
  check_envelope(answers[0], 200, 0);
}

TEST_CASE("a declared body above the limit is answered 413 before any of it is sent") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto rss_before = memory_kib(srv.pid(), "VmRSS");
  // The bodies never come: an answer can only be the server's reaction to the head.
  std::vector<std::unique_ptr<raw_connection>> clients;
  for (const std::string length : {"104857600", "104857600", "104857600", "104857600", "100000000000"}) {
    clients.push_back(std::make_unique<raw_connection>(srv.port()));
    REQUIRE(clients.back()->send_bytes(post("/douyin/publish/action/", "Content-Length: " + length + "\r\n", "")));
  }
  for (auto& c : clients) {
    const auto answers = split_answers(c->read_through("}"));
    REQUIRE(answers.size() == 1);
    check_envelope(answers[0], 413, 7);
    CHECK(answers[0].fields.at("connection") == "close");
    CHECK(c->closed_by_server(10s));
  }
  if (memory_is_measurable) CHECK(memory_kib(srv.pid(), "VmRSS") <= rss_before + 16 * 1024);
  // With "Expect: 100-continue" the client hears the refusal before it sends anything, and
  // an accepted one is told to go on.
  raw_connection asking(srv.port());
  REQUIRE(asking.send_bytes(post("/ping", "Content-Length: 2\r\nExpect: 100-continue\r\n", "")));
  CHECK(asking.read_through("\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n");
  REQUIRE(asking.send_bytes("{}"));
  CHECK(asking.read_through("}").find("pong") != std::string::npos);
}

TEST_CASE("requests that never finish their head, or stall mid-body, are cut at their deadline") {
  reeld_process srv({"--header-timeout-ms", "300", "--body-timeout-ms", "300"});
  INFO("reeld log tail:\n", srv.log_tail());
  const auto fds_before = open_descriptors(srv.pid());
  // Connects and never sends: closed without an answer.
  raw_connection silent(srv.port());
  // Trickles its head a byte every 50 ms (it would take 2 s): the deadline counts from the
  // first byte, so trickling does not extend it.
  raw_connection trickling(srv.port());
  // Sends 10 of 100 declared bytes and stops.
  raw_connection stalled(srv.port());
  REQUIRE(stalled.send_bytes(post("/douyin/user/login/", "Content-Length: 100\r\n", "0123456789")));
  const std::string head = get("/ping");
  bool cut = false;
  for (std::size_t i = 0; i < head.size() && !cut; ++i) {
    cut = !trickling.send_bytes(head.substr(i, 1));
    std::this_thread::sleep_for(50ms);
  }
  const auto trickled = split_answers(trickling.read_until_closed());
  REQUIRE(trickled.size() == 1);
  check_envelope(trickled[0], 408, 14);
  const auto stalled_answers = split_answers(stalled.read_until_closed());
  REQUIRE(stalled_answers.size() == 1);
  check_envelope(stalled_answers[0], 408, 14);
  CHECK(silent.read_until_closed().empty());
  CHECK(silent.closed_by_server(5s));
  CHECK(settle_descriptors(srv.pid(), fds_before, 10s) <= fds_before);
  http_client c(srv.base_url());
  CHECK(c.get("/ping").http_status == 200);
}

TEST_CASE("at the descriptor limit the server keeps serving, does not spin, and accepts again once one frees") {
  // The sanitizer runtime needs descriptors of its own (it symbolizes a known CAF report
  // through a pipe to llvm-symbolizer when an actor starts) and dies silently when there
  // are none: under ASan/UBSan this checks the sanitizer, not reeld. Release builds run it.
  if (!memory_is_measurable) {
    MESSAGE("skipped in the sanitizer build: its runtime cannot work at the descriptor limit");
    return;
  }
  reeld_process srv({"--header-timeout-ms", "120000"});
  INFO("reeld log tail:\n", srv.log_tail());
  const pid_t pid = srv.pid();
  raw_connection kept(srv.port());  // a keep-alive client from before
  kept.send("GET", "/ping");
  REQUIRE(kept.read_through("}").find("pong") != std::string::npos);
  // Room for 40 more descriptors, then twice that many clients that never send a request.
  const auto in_use = open_descriptors(pid);
  const rlim_t limit = in_use + 40;
  const rlimit lowered{limit, limit};
  REQUIRE(::prlimit(pid, RLIMIT_NOFILE, &lowered, nullptr) == 0);
  std::vector<std::unique_ptr<raw_connection>> slow;
  for (rlim_t i = 0; i < 2 * limit; ++i) slow.push_back(std::make_unique<raw_connection>(srv.port()));
  std::this_thread::sleep_for(200ms);  // let the listener meet the limit
  const auto saturated = open_descriptors(pid);
  const auto ticks_before = cpu_ticks(pid);
  std::this_thread::sleep_for(1s);
  const auto ticks_used = cpu_ticks(pid) - ticks_before;
  const auto ticks_per_second = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
  MESSAGE("server CPU at the descriptor limit: ", ticks_used, " of ", ticks_per_second, " ticks in ~1 s");
  CHECK(ticks_used < ticks_per_second / 2);
  kept.send("GET", "/ping");  // the connections it has are still served
  CHECK(kept.read_through("}").find("pong") != std::string::npos);
  // Close the clients the server holds (it shed the others): a new client is served.
  std::size_t closed = 0;
  for (auto& s : slow) {
    if (s->closed_by_server(1ms)) continue;
    s.reset();
    if (++closed == 1) break;
  }
  REQUIRE(closed == 1);
  // Once the server has closed its side too (a descriptor is free), a new client is served;
  // one that came earlier would have been shed like the others.
  CHECK(settle_descriptors(pid, saturated - 1, 10s) < saturated);
  raw_connection fresh(srv.port());
  fresh.send("GET", "/ping");
  CHECK(fresh.read_through("}").find("pong") != std::string::npos);
  kept.send("GET", "/metrics");
  const auto metrics = kept.read_through("reel_http_connections_open");
  const std::string shed = "reel_http_connections_total{outcome=\"shed\"} ";
  const auto at = metrics.find(shed);
  REQUIRE(at != std::string::npos);
  MESSAGE("connections shed: ", metrics.substr(at + shed.size(), metrics.find('\n', at) - at - shed.size()));
  CHECK(std::stoul(metrics.substr(at + shed.size())) > 0);
}

TEST_CASE("an upload is spooled, not held, and a body of countless empty parts is refused") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const auto who = register_fresh(c, "parts");
  // 200,000 empty parts: ~10 MB of body on the upload route. Each part used to become a
  // record of ~120 bytes, 9x the body in all.
  const std::string boundary = "b";
  std::string body;
  for (int i = 0; i < 200'000; ++i) body += "--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n";
  body += "--b--\r\n";
  const auto peak_before = memory_kib(srv.pid(), "VmHWM");
  const auto r = c.post_raw("/douyin/publish/action/?token=" + c.escape(who.token) + "&title=t",
                            "multipart/form-data; boundary=" + boundary, body);
  INFO(r.describe());
  CHECK(r.status_code() == 1);
  CHECK(r.body.find("more than 256 parts") != std::string::npos);
  const auto grown_kib = memory_kib(srv.pid(), "VmHWM") - peak_before;
  MESSAGE("peak RSS growth for a ", body.size() / 1024, " KiB body of empty parts: ", grown_kib, " KiB");
  if (memory_is_measurable) CHECK(grown_kib < body.size() / 1024);

  // A query or urlencoded form with more fields than any call takes is refused as a whole.
  std::string query = "/douyin/user/?user_id=1";
  for (int i = 0; i < 300; ++i) query += "&f" + std::to_string(i) + "=1";
  const auto many = c.get(query);
  CHECK(many.status_code() == 1);
  CHECK(many.body.find("more than 256 fields") != std::string::npos);
}
