// A hostile environment rather than a hostile client: the data disk fills (README "Disk
// full"). reeld runs on a small tmpfs of the test's own (root only; skipped otherwise) that a
// filler file takes. Writes must answer 507 with status_code 18 and change nothing, reads
// must go on, reeld must not abort, writes must come back once the filler is gone, without
// a restart, and a restart must find every acknowledged write and no refused one.
#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "clips.hpp"
#include "douyin.hpp"
#include "feeds.hpp"
#include "tests/tmpfs_mount.hpp"

using namespace reel::test;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;
constexpr std::uint64_t disk_bytes = 96 * MiB;

// An unlabelled sample of GET /metrics, or -1 when absent.
double metric(http_client& c, const std::string& name) {
  response r = api::metrics(c);
  std::istringstream lines(r.body);
  std::string line;
  while (std::getline(lines, line))
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  return -1;
}

// Polls GET /metrics every 20 ms, for up to `limit`, until `name` is `value`.
bool await_metric(http_client& c, const std::string& name, double value, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (metric(c, name) != value) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string problem_full(const response& r) { return problem_error(r, 507, 18); }

std::vector<std::string> texts_of(const std::vector<comment_view>& comments) {
  std::vector<std::string> out;
  for (const auto& c : comments) out.push_back(c.content);
  return out;
}

// What the clients were told, to hold the server (and a restarted one) to it.
struct told {
  account author, fan;
  std::uint64_t video = 0;
  std::vector<std::string> comments;       // acknowledged, oldest first
  std::vector<std::string> titles;         // the author's acknowledged publishes, oldest first
  std::vector<std::uint64_t> followers;    // of the author, newest first
  std::vector<std::string> refused_names;  // registrations answered 507
};

told write_before_the_disk_fills(http_client& c) {
  told t;
  t.author = register_fresh(c, "author");
  t.fan = register_fresh(c, "fan");
  t.titles.push_back("published before the disk filled");
  t.video = must_publish(c, t.author, distinct_clips()[0].bytes, t.titles.back()).id;
  must_follow(c, t.fan, t.author.user_id);
  t.followers.insert(t.followers.begin(), t.fan.user_id);
  t.comments.push_back("written before the disk filled");
  must_comment(c, t.fan, t.video, t.comments.back());
  // Nothing left for the background (fan-out, outbox) to write once the disk is full.
  REQUIRE(await_fanout_idle(c) == "");
  REQUIRE(await_metric(c, "reel_outbox_pending", 0, 10s));
  return t;
}

// Comments until the first is refused (a WAL can take a few small writes into the rest of
// its last page); those taken are acknowledged.
std::string comment_until_refused(http_client& c, told& t) {
  for (int i = 0; i < 500; ++i) {
    auto text = "taken while the disk filled " + std::to_string(t.comments.size());
    response r = api::comment_add(c, t.fan.token, t.video, text);
    if (r.status_code() == std::optional<std::int64_t>(0)) {
      t.comments.push_back(text);
      continue;
    }
    return problem_full(r);
  }
  return "500 comments taken on a full disk";
}

// Every kind of write is refused with 507 / status 18 (register with its user_id and token).
void writes_are_refused(http_client& c, told& t) {
  t.refused_names.push_back(unique_name("refused"));
  CHECK(problem_auth_error(api::user_register(c, t.refused_names.back(), "secret-pw-1"), 507, 18) == "");
  CHECK(problem_full(api::follow(c, t.author.token, t.fan.user_id)) == "");
  CHECK(problem_full(api::comment_add(c, t.fan.token, t.video, "refused: the disk is full")) == "");
  CHECK(problem_full(api::like(c, t.fan.token, t.video)) == "");
  CHECK(problem_full(api::send_message(c, t.fan.token, t.author.user_id, "refused: the disk is full")) == "");
  CHECK(problem_full(api::publish(c, t.author.token, distinct_clips()[9].bytes, "refused: the disk is full")) == "");
}

// Everything written before answers as it did: profiles, lists, the feed, a chat, media.
void reads_go_on(http_client& c, const told& t) {
  auto author = fetch_user(c, t.fan.token, t.author.user_id);
  CHECK(author.follower_count == static_cast<std::int64_t>(t.followers.size()));
  CHECK(author.follow_count == 0);
  CHECK(author.work_count == static_cast<std::int64_t>(t.titles.size()));
  CHECK(fetch_user(c, t.fan.token, t.fan.user_id).favorite_count == 0);
  CHECK(texts_of(fetch_comment_list(c, t.video)) == std::vector<std::string>(t.comments.rbegin(), t.comments.rend()));
  CHECK(ids_of(fetch_follower_list(c, t.author.user_id)) == t.followers);
  CHECK(fetch_follow_list(c, t.author.user_id).empty());
  CHECK(titles_of(fetch_publish_list(c, t.author.user_id)) ==
        std::vector<std::string>(t.titles.rbegin(), t.titles.rend()));
  auto feed = fetch_feed(c, "");
  REQUIRE(feed.videos.size() == t.titles.size());
  CHECK(feed.videos.back().id == t.video);  // the oldest
  CHECK(fetch_chat(c, t.fan.token, t.author.user_id).empty());
  response video = get_absolute(c, feed.videos.back().play_url);
  CHECK(video.http_status == 200);
  CHECK(video.body == distinct_clips()[0].bytes);
  CHECK(api::ping(c).http_status == 200);
}

// Polls (bounded) until a comment is taken again.
std::string comment_once_writes_resume(http_client& c, told& t, const std::string& text) {
  auto deadline = std::chrono::steady_clock::now() + 20s;
  response r;
  do {
    r = api::comment_add(c, t.fan.token, t.video, text);
    if (r.status_code() == std::optional<std::int64_t>(0)) {
      t.comments.push_back(text);
      return "";
    }
    std::this_thread::sleep_for(20ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return "no comment taken within 20 s of freeing the disk: " + r.describe();
}

// Writes of every other kind are taken again too.
void writes_are_taken(http_client& c, told& t, int round) {
  auto newcomer = register_fresh(c, "after");
  must_follow(c, newcomer, t.author.user_id);
  t.followers.insert(t.followers.begin(), newcomer.user_id);
  t.titles.push_back("published after space returned, round " + std::to_string(round));
  must_publish(c, t.author, distinct_clips()[static_cast<std::size_t>(round)].bytes, t.titles.back());
  REQUIRE(await_fanout_idle(c) == "");
  REQUIRE(await_metric(c, "reel_outbox_pending", 0, 10s));
}

// A restarted server shows every acknowledged write and no refused one.
void restart_finds_what_was_told(reeld_process& server, const std::vector<std::string>& args, http_client& c,
                                 const told& t) {
  server.restart(args);
  reads_go_on(c, t);  // acknowledged writes all there, refused follow, like and message absent
  for (const auto& name : t.refused_names)
    CHECK(problem_auth_error(api::user_login(c, name, "secret-pw-1"), 200, 2) == "");
}

}  // namespace

TEST_CASE("a disk filled past the reserve: writes answer 507, reads go on, writes return without a restart") {
  auto disk = tmpfs_mount::mount_or_skip(disk_bytes);
  if (!disk) return;
  const std::vector<std::string> args{"--min-free-bytes", std::to_string(16 * MiB)};
  reeld_process server(args, (disk->path() / "data").string());
  http_client c(server.base_url());
  auto t = write_before_the_disk_fills(c);

  disk->fill(8 * MiB);  // under the reserve; RocksDB would still have room
  REQUIRE(await_metric(c, "reel_storage_refusing_writes", 1, 5s));
  writes_are_refused(c, t);
  reads_go_on(c, t);
  CHECK(metric(c, "reel_storage_writes_refused_total") >= 6);
  CHECK(metric(c, "reel_storage_rocksdb_stopped") == 0);  // the reserve kept RocksDB from ENOSPC
  CHECK(metric(c, "reel_storage_background_errors_total") == 0);

  disk->drain();
  CHECK(comment_once_writes_resume(c, t, "written after space returned") == "");
  CHECK(metric(c, "reel_storage_refusing_writes") == 0);
  writes_are_taken(c, t, 1);
  restart_finds_what_was_told(server, args, c, t);
}

TEST_CASE("with no reserve RocksDB meets ENOSPC itself: no abort, 507, writes resume without a restart") {
  auto disk = tmpfs_mount::mount_or_skip(disk_bytes);
  if (!disk) return;
  const std::vector<std::string> args{"--min-free-bytes", "0"};
  reeld_process server(args, (disk->path() / "data").string());
  http_client c(server.base_url());
  auto t = write_before_the_disk_fills(c);

  for (int round = 1; round <= 2; ++round) {
    CAPTURE(round);
    disk->fill();  // to the last byte
    if (round == 1) {
      // A new video's files meet ENOSPC in the media library; RocksDB is not touched.
      CHECK(problem_full(api::publish(c, t.author.token, distinct_clips()[8].bytes, "refused: no room")) == "");
      // An upload over 256 KiB is spooled as it arrives; the spool meets ENOSPC first.
      CHECK(problem_full(api::publish(c, t.author.token, clips().large_h264.bytes, "refused: no room to spool")) == "");
      CHECK(metric(c, "reel_storage_rocksdb_stopped") == 0);
    }
    // Round 2 follows a restart: the memtable is empty, so the write that meets ENOSPC is the
    // first into it, the case where RocksDB's own Resume would leave a broken WAL writer.
    CHECK(comment_until_refused(c, t) == "");
    CHECK(metric(c, "reel_storage_rocksdb_stopped") == 1);
    CHECK(metric(c, "reel_storage_background_errors_total") >= 1);
    writes_are_refused(c, t);
    reads_go_on(c, t);

    disk->drain();
    CHECK(comment_once_writes_resume(c, t, "written after space returned, round " + std::to_string(round)) == "");
    CHECK(metric(c, "reel_storage_resumes_total") == 1);  // counted since this start
    writes_are_taken(c, t, round);
    restart_finds_what_was_told(server, args, c, t);
  }
}
