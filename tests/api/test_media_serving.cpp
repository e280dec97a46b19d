// Media serving at play_url and cover_url: types, validators and caching headers, ranges,
// HEAD, conditional requests, errors, and no growth of descriptors or memory over thousands
// of requests, aborted downloads and a client that stops reading.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include <doctest/doctest.h>

#include "clips.hpp"
#include "harness.hpp"
#include "server_probe.hpp"
#include "media/library.hpp"

using namespace reel::test;
using namespace std::chrono_literals;

namespace {

// A video stored in the server's media library, as the publish path stores it.
struct stored_media {
  std::string bytes;
  std::string hash;
  std::string cover;  // the stored cover's bytes
  std::string path() const { return "/reel/v1/media/" + hash; }
  std::string cover_path() const { return path() + "/cover.jpg"; }
  std::string etag() const { return '"' + hash + '"'; }
  std::string size() const { return std::to_string(bytes.size()); }
};

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// 3 s of lossless 640x480 noise, ~17 MB: more than the kernel's socket buffers hold, so a
// download of it is still streaming when a client stops reading. Generated once.
const clip& big_clip() {
  static const clip big = [] {
    char dir_template[] = "/tmp/reel-media-XXXXXX";
    REQUIRE(::mkdtemp(dir_template) != nullptr);
    const std::filesystem::path out = std::filesystem::path(dir_template) / "big.mp4";
    const std::string command =
        "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i "
        "\"nullsrc=s=640x480:r=12:d=3,geq=lum='random(1)*255':cb=128:cr=128\" "
        "-c:v libx264 -pix_fmt yuv420p -qp 0 -preset ultrafast '" +
        out.string() + "' >/dev/null 2>&1 </dev/null";
    const int status = std::system(command.c_str());
    clip made{"big.mp4 (3 s of 640x480 noise)", read_all(out), ""};
    std::filesystem::remove_all(dir_template);
    REQUIRE_MESSAGE(status == 0, "ffmpeg failed: ", command);
    REQUIRE(made.bytes.size() > (8u << 20));
    made.sha256 = reel::media::library::content_hash(made.bytes);
    return made;
  }();
  return big;
}

// The server reads its library (<data-dir>/media) on demand, so storing into it directly is
// what a publish does minus the HTTP upload.
stored_media store(const reeld_process& srv, const clip& video) {
  reel::media::library library(std::filesystem::path(srv.data_dir()) / "media");
  auto result = library.ingest(video.bytes, reel::media::limits{});
  REQUIRE_MESSAGE(std::holds_alternative<reel::media::stored_video>(result), "ingest of ", video.name, " failed");
  const auto hash = std::get<reel::media::stored_video>(result).hash;
  REQUIRE(hash == video.sha256);
  return {video.bytes, hash, read_all(library.cover_path(hash))};
}

void check_caching_headers(const response& r, const std::string& etag) {
  CHECK(r.header("ETag") == etag);
  CHECK(r.header("Accept-Ranges") == "bytes");
  CHECK(r.header("Cache-Control") == "public, max-age=31536000, immutable");
}

void check_range(http_client& c, const stored_media& m, const std::string& range, std::size_t first, std::size_t last) {
  INFO("Range: ", range, " of ", m.bytes.size(), " bytes");
  auto r = c.get_with_headers(m.path(), {"Range: " + range});
  REQUIRE(r.transport_ok());
  CHECK(r.http_status == 206);
  CHECK(r.header("Content-Range") == "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + m.size());
  CHECK(r.header("Content-Length") == std::to_string(last - first + 1));
  CHECK(r.content_type.rfind("video/mp4", 0) == 0);
  check_caching_headers(r, m.etag());
  CHECK(r.body == m.bytes.substr(first, last - first + 1));
}

void check_not_found(const response& r, std::int64_t status_code) {
  INFO(r.describe());
  REQUIRE(r.transport_ok());
  CHECK(r.http_status == 404);
  CHECK(r.content_type.rfind("application/json", 0) == 0);
  CHECK(r.status_code() == status_code);
}

}  // namespace

TEST_CASE("ranges are answered with 206 and Content-Range, unsatisfiable ones with 416") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, clips().real_world);
  const auto size = m.bytes.size();
  http_client c(srv.base_url());
  check_range(c, m, "bytes=0-99", 0, 99);
  check_range(c, m, "bytes=-500", size - 500, size - 1);
  check_range(c, m, "bytes=1000-", 1000, size - 1);
  check_range(c, m, "bytes=0-", 0, size - 1);
  check_range(c, m, "bytes=65530-131080", 65530, 131080);  // across the server's read pieces
  check_range(c, m, "bytes=100-99999999999", 100, size - 1);
  check_range(c, m, "bytes=-99999999999", 0, size - 1);
  check_range(c, m, "bytes=" + std::to_string(size - 1) + "-", size - 1, size - 1);

  for (const std::string& range :
       {"bytes=" + std::to_string(size) + "-", std::string("bytes=-0"), std::string("bytes=99999999999-")}) {
    INFO("Range: ", range);
    auto r = c.get_with_headers(m.path(), {"Range: " + range});
    REQUIRE(r.transport_ok());
    CHECK(r.http_status == 416);
    CHECK(r.header("Content-Range") == "bytes */" + m.size());
    CHECK(r.body.empty());
  }
  // Malformed, reversed and multiple ranges are ignored: the whole video.
  for (const char* range : {"bytes=9-5", "bytes=abc", "items=0-5", "bytes=0-1,5-6"}) {
    INFO("Range: ", range);
    auto r = c.get_with_headers(m.path(), {std::string("Range: ") + range});
    REQUIRE(r.transport_ok());
    CHECK(r.http_status == 200);
    CHECK(r.body == m.bytes);
  }
  // Every answer above went over the first connection.
  CHECK(c.get_with_headers(m.path(), {"Range: bytes=0-0"}).new_connections == 0);
}

TEST_CASE("If-None-Match with the ETag answers 304 - If-Range with another tag gets the whole video") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, clips().real_world);
  http_client c(srv.base_url());
  for (const std::string& tag : {m.etag(), "W/" + m.etag(), "\"x\", " + m.etag(), std::string("*")}) {
    INFO("If-None-Match: ", tag);
    auto r = c.get_with_headers(m.path(), {"If-None-Match: " + tag, "Range: bytes=0-9"});
    REQUIRE(r.transport_ok());
    CHECK(r.http_status == 304);
    CHECK(r.body.empty());
    CHECK(r.header("ETag") == m.etag());
  }
  CHECK(c.get_with_headers(m.path(), {"If-None-Match: \"other\""}).http_status == 200);
  auto same = c.get_with_headers(m.path(), {"If-Range: " + m.etag(), "Range: bytes=10-19"});
  CHECK(same.http_status == 206);
  CHECK(same.body == m.bytes.substr(10, 10));
  auto changed = c.get_with_headers(m.path(), {"If-Range: \"other\"", "Range: bytes=10-19"});
  CHECK(changed.http_status == 200);
  CHECK(changed.body == m.bytes);
}

TEST_CASE("a video is served whole with its type, a strong ETag and caching headers - HEAD without body") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, clips().real_world);
  http_client c(srv.base_url());
  auto r = c.get(m.path());
  REQUIRE(r.transport_ok());
  CHECK(r.http_status == 200);
  CHECK(r.content_type.rfind("video/mp4", 0) == 0);
  CHECK(r.header("Content-Length") == m.size());
  CHECK(r.header("Content-Range").empty());
  check_caching_headers(r, m.etag());
  CHECK(r.body == m.bytes);

  auto whole = c.head(m.path());
  REQUIRE(whole.transport_ok());
  CHECK(whole.http_status == 200);
  CHECK(whole.header("Content-Length") == m.size());
  CHECK(whole.content_type.rfind("video/mp4", 0) == 0);
  check_caching_headers(whole, m.etag());
  CHECK(whole.body.empty());
  auto part = c.head(m.path(), {"Range: bytes=0-99"});
  CHECK(part.http_status == 206);
  CHECK(part.header("Content-Length") == "100");
  CHECK(part.header("Content-Range") == "bytes 0-99/" + m.size());
  CHECK(c.head(m.cover_path()).header("Content-Length") == std::to_string(m.cover.size()));
  // No stray body bytes were sent after the heads: the next answers parse on the same connection.
  auto next = c.get_with_headers(m.path(), {"Range: bytes=0-9"});
  CHECK(next.new_connections == 0);
  CHECK(next.body == m.bytes.substr(0, 10));
  CHECK(c.get("/ping").http_status == 200);
}

TEST_CASE("HEAD answers carry no body, also errors and JSON routes") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, clips().real_world);
  raw_connection client(srv.port(), 1 << 16);
  // After each head the very next bytes on the connection must be the next answer's.
  for (const std::string& path : {m.path(), "/reel/v1/media/" + std::string(64, 'a'), std::string("/ping")}) {
    INFO("HEAD ", path);
    client.send("HEAD", path);
    CHECK(client.read_through("\r\n\r\n").starts_with("HTTP/1.1 "));
  }
  client.send("GET", "/ping");
  CHECK(client.read_through("\r\n\r\n").starts_with("HTTP/1.1 200"));
  CHECK(client.read_through("}").find("pong") != std::string::npos);
}

TEST_CASE("the cover is a JPEG with its own ETag, ranges included") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, clips().real_world);
  http_client c(srv.base_url());
  auto r = c.get(m.cover_path());
  REQUIRE(r.transport_ok());
  CHECK(r.http_status == 200);
  CHECK(r.content_type.rfind("image/jpeg", 0) == 0);
  CHECK(r.body.starts_with("\xFF\xD8"));  // the JPEG start-of-image marker
  CHECK(r.body == m.cover);
  const std::string cover_etag = "\"" + m.hash + "-cover\"";
  check_caching_headers(r, cover_etag);
  auto part = c.get_with_headers(m.cover_path(), {"Range: bytes=0-1"});
  CHECK(part.http_status == 206);
  CHECK(part.body == m.cover.substr(0, 2));
  CHECK(c.get_with_headers(m.cover_path(), {"If-None-Match: " + cover_etag}).http_status == 304);
  CHECK(c.get_with_headers(m.cover_path(), {"If-None-Match: " + m.etag()}).http_status == 200);
}

TEST_CASE("bad and unknown hashes answer 404 with the JSON envelope") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, clips().real_world);
  http_client c(srv.base_url());
  // Not hex, too short, upper case, too long, and well-formed but not stored.
  for (const std::string& hash :
       {std::string("xyz"), m.hash.substr(1), std::string(64, 'A'), m.hash + "0", std::string(64, 'a')}) {
    INFO("hash '", hash, "'");
    check_not_found(c.get("/reel/v1/media/" + hash), 3);
    check_not_found(c.get("/reel/v1/media/" + hash + "/cover.jpg"), 3);
  }
  check_not_found(c.get("/reel/v1/media/" + m.hash + "/cover.png"), 12);
  check_not_found(c.get("/reel/v1/media/"), 12);
  check_not_found(c.post_form(m.path(), {}), 12);
  CHECK(c.get(m.path()).http_status == 200);
}

TEST_CASE("a large video streams whole and in ranges without the server holding it in memory") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, big_clip());
  const pid_t pid = srv.pid();
  http_client c(srv.base_url());
  REQUIRE(c.get("/ping").http_status == 200);
  std::ofstream("/proc/" + std::to_string(pid) + "/clear_refs") << "5";  // restarts VmHWM from VmRSS
  const auto peak_before = memory_kib(pid, "VmHWM");
  // Four downloads at once, each a whole video of ~17 MB.
  std::vector<std::thread> downloads;
  std::atomic<int> whole_ok{0};
  for (int i = 0; i < 4; ++i)
    downloads.emplace_back([&] {
      http_client own(srv.base_url());
      auto r = own.get(m.path());
      if (r.http_status == 200 && r.body == m.bytes) ++whole_ok;
    });
  for (auto& d : downloads) d.join();
  CHECK(whole_ok.load() == 4);
  const auto peak_after = memory_kib(pid, "VmHWM");
  MESSAGE("server peak RSS ", peak_before, " -> ", peak_after, " KiB over 4 concurrent downloads of ", m.size(),
          " bytes");
  if (memory_is_measurable) CHECK(peak_after <= peak_before + 16 * 1024);
  check_range(c, m, "bytes=0-", 0, m.bytes.size() - 1);
  check_range(c, m, "bytes=300000-9100000", 300000, 9100000);
  auto closing = c.get_with_headers(m.path(), {"Connection: close"});
  CHECK(closing.http_status == 200);
  CHECK(closing.header("Connection") == "close");
  CHECK(closing.body == m.bytes);
  CHECK(c.get(m.path()).new_connections == 1);
}

TEST_CASE("thousands of range requests and aborted downloads leave no descriptors or memory behind") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, big_clip());
  const auto size = m.bytes.size();
  const pid_t pid = srv.pid();
  http_client reused(srv.base_url());
  for (int i = 0; i < 50; ++i) REQUIRE(reused.get_with_headers(m.path(), {"Range: bytes=0-65535"}).http_status == 206);
  const auto fds_before = open_descriptors(pid);
  const auto rss_before = memory_kib(pid, "VmRSS");

  int failures = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::size_t first = (static_cast<std::size_t>(i) * 7919 * 64) % size;
    const std::size_t last = std::min(size - 1, first + 64 * 1024 + static_cast<std::size_t>(i % 5) * 50000);
    const std::string range = "Range: bytes=" + std::to_string(first) + "-" + std::to_string(last);
    response r;
    if (i % 2 == 0) {
      r = reused.get_with_headers(m.path(), {range});
    } else {
      http_client fresh(srv.base_url());
      r = fresh.get_with_headers(m.path(), {range});
    }
    if (r.http_status != 206 || r.body.size() != last - first + 1 || r.body != m.bytes.substr(first, r.body.size()))
      ++failures;
  }
  CHECK(failures == 0);
  // Downloads abandoned after the head: the transfer must release its file when the
  // connection goes.
  for (int i = 0; i < 200; ++i) {
    raw_connection client(srv.port(), 4096);
    client.send("GET", m.path());
    CHECK(client.read_through("\r\n\r\n").starts_with("HTTP/1.1 200"));
  }
  const auto fds_after = settle_descriptors(pid, fds_before + 4, 10s);
  const auto rss_after = memory_kib(pid, "VmRSS");
  MESSAGE("server descriptors ", fds_before, " -> ", fds_after, ", RSS ", rss_before, " -> ", rss_after, " KiB");
  CHECK(fds_after <= fds_before + 4);
  if (memory_is_measurable) CHECK(rss_after <= rss_before + 32 * 1024);
  CHECK(reused.get(m.path()).body == m.bytes);
}

TEST_CASE("a client that stops reading neither spins the server nor holds its connection forever") {
  reeld_process srv({"--idle-connection-timeout", "2"});
  INFO("reeld log tail:\n", srv.log_tail());
  const auto m = store(srv, big_clip());
  const pid_t pid = srv.pid();
  http_client c(srv.base_url());
  REQUIRE(c.get("/ping").http_status == 200);
  const auto fds_before = open_descriptors(pid);

  std::optional<raw_connection> stalled;
  stalled.emplace(srv.port(), 4096);
  stalled->send("GET", m.path());
  REQUIRE(stalled->read_through("\r\n\r\n").starts_with("HTTP/1.1 200"));  // then it stops reading
  const auto ticks_before = cpu_ticks(pid);
  for (int i = 0; i < 20; ++i) {
    std::this_thread::sleep_for(50ms);
    REQUIRE(c.get("/ping").http_status == 200);
  }
  const auto ticks_used = cpu_ticks(pid) - ticks_before;
  const auto ticks_per_second = static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
  MESSAGE("server CPU while a download stalled for ~1 s: ", ticks_used, " of ", ticks_per_second, " ticks per s");
  CHECK(ticks_used < ticks_per_second / 2);
  // TCP_USER_TIMEOUT (the idle-connection timeout) cuts the stalled connection.
  CHECK(settle_descriptors(pid, fds_before, 20s) <= fds_before);
  stalled.reset();
  CHECK(c.get(m.path()).body == m.bytes);
}
