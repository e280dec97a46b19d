// The etcd client against real etcd processes (tests/unit/etcd_process.hpp), and its wire
// format (etcd_json) on its own.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/membership/etcd_client.hpp"
#include "cluster/membership/etcd_json.hpp"
#include "etcd_process.hpp"

namespace reel::cluster::membership {
namespace {

using namespace std::chrono_literals;
using unit::etcd_process;

constexpr auto bound = 15s;  // for conditions that depend on etcd's timers or a thread

template <class Pred>
bool poll_until(Pred done) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// Writes through failover and elections: 0 if no member took the put within the bound.
std::int64_t put_eventually(etcd_client& c, const std::string& key, const std::string& value) {
  std::int64_t revision = 0;
  poll_until([&] {
    try {
      revision = c.put(key, value);
    } catch (const etcd_error&) {
    }
    return revision != 0;
  });
  return revision;
}

struct batch_and_resume {
  std::vector<watch_event> events;
  std::int64_t resume = 0;
};
// The first batch of a watch of past revisions, taken synchronously.
batch_and_resume first_batch(etcd_client& c, const std::string& prefix, std::int64_t from) {
  batch_and_resume out;
  std::atomic<bool> never{false};
  auto take = [&](const std::vector<watch_event>& batch, std::int64_t) {
    out.events = batch;
    return false;
  };
  out.resume = c.watch_prefix(prefix, from, take, never);
  return out;
}

std::string every_byte() {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  return bytes;
}

// Runs watch_prefix on its own thread with its own client and collects every event.
class background_watch {
 public:
  background_watch(const std::vector<std::string>& endpoints, const std::string& prefix, std::int64_t start)
      : client_(endpoints), result_(std::async(std::launch::async, [this, prefix, start] {
          return client_.watch_prefix(
              prefix, start, [this](const auto& batch, std::int64_t) { return take(batch); }, stop_);
        })) {}
  ~background_watch() {
    stop_ = true;
    if (result_.valid()) result_.wait();
  }

  bool await_events(std::size_t count) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return events_.size() >= count; });
  }
  std::vector<watch_event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  bool await_return() { return result_.wait_for(bound) == std::future_status::ready; }  // within the bound
  bool stop() {
    stop_ = true;
    return await_return();
  }
  std::int64_t resume() { return result_.get(); }  // once; rethrows what watch_prefix threw

 private:
  bool take(const std::vector<watch_event>& batch) {
    std::lock_guard lock(mu_);
    events_.insert(events_.end(), batch.begin(), batch.end());
    cv_.notify_all();
    return true;
  }

  etcd_client client_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<watch_event> events_;
  std::future<std::int64_t> result_;  // last: the thread starts once everything it touches exists
};

// A port that accepts connections (the kernel's backlog) and never answers: a hung server.
struct silent_listener {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  std::string endpoint;
  silent_listener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd, 16) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    endpoint = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  }
  ~silent_listener() { ::close(fd); }
};

}  // namespace

TEST_SUITE("etcd") {
  TEST_CASE("wire format: base64 carries every byte and prefix ranges end right after the prefix") {
    CHECK(json::unbase64(json::base64(every_byte())) == every_byte());
    CHECK(json::unbase64("") == "");
    CHECK_THROWS_AS(json::unbase64("not base64!"), etcd_error);
    CHECK(json::prefix_range("a/").end == "a0");
    CHECK(json::prefix_range(std::string("a\xff\xff", 3)).end == "b");
    CHECK(json::prefix_range(std::string("\xff", 1)).end == std::string(1, '\0'));
    CHECK(json::prefix_range("").key == std::string(1, '\0'));
  }

  TEST_CASE("wire format: absent fields read as zero, false and empty") {
    const auto range = json::parse_range(R"({"header":{"revision":"7"}})");
    CHECK(range.kvs.empty());
    CHECK(range.revision == 7);
    CHECK_FALSE(json::parse_txn_succeeded(R"({"header":{"revision":"7"}})"));
    CHECK_FALSE(json::parse_keepalive(R"({"result":{"header":{"revision":"3"},"ID":"9"}})").alive);
    const auto message = json::parse_watch_message(
        R"({"result":{"header":{"revision":"9"},"events":[{"type":"DELETE","kv":{"key":"YQ==","mod_revision":"9"}}]}})");
    REQUIRE(message.events.size() == 1);
    CHECK(message.events[0].kind == watch_event::type::del);
    CHECK(message.events[0].kv.key == "a");
    CHECK(message.events[0].kv.value.empty());
    CHECK(message.events[0].kv.mod_revision == 9);
  }

  TEST_CASE("put, get, range_prefix and delete round trip with increasing revisions") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    const auto r1 = c.put("a/1", "one"), r2 = c.put("a/2", "two"), r3 = c.put("a/1", "uno");
    CHECK(r1 < r2);
    CHECK(r2 < r3);
    const auto a1 = c.get("a/1");
    REQUIRE(a1);
    CHECK(a1->value == "uno");
    CHECK(a1->create_revision == r1);
    CHECK(a1->mod_revision == r3);
    CHECK(a1->version == 2);
    CHECK_FALSE(c.get("a/missing"));

    const auto r4 = c.put("b/1", "outside");
    const auto range = c.range_prefix("a/");
    CHECK(range.revision == r4);
    REQUIRE(range.kvs.size() == 2);
    CHECK(range.kvs[0].key == "a/1");
    CHECK(range.kvs[1].key == "a/2");
    CHECK(range.kvs[1].value == "two");

    CHECK(c.delete_key("a/1") == 1);
    CHECK(c.delete_key("a/1") == 0);
    CHECK_FALSE(c.get("a/1"));
    CHECK(c.delete_prefix("a/") == 1);
    CHECK(c.range_prefix("a/").kvs.empty());
    CHECK(c.get("b/1"));
  }

  TEST_CASE("keys and values holding every byte value round trip") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    const std::string bytes = every_byte(), key = "bin/" + bytes;
    c.put(key, bytes);
    c.put("empty", "");
    const auto got = c.get(key);
    REQUIRE(got);
    CHECK(got->key == key);
    CHECK(got->value == bytes);
    CHECK(c.get("empty")->value.empty());

    // A prefix ending in 0xff: its range must still hold every key below it and nothing after.
    const std::string high("p\xff", 2);
    c.put(high + std::string(1, '\0'), "low");
    c.put(high + "\xff", "high");
    c.put("q", "after");
    const auto range = c.range_prefix(high);
    REQUIRE(range.kvs.size() == 2);
    CHECK(range.kvs[0].value == "low");
    CHECK(range.kvs[1].value == "high");
  }

  TEST_CASE("create, put_if_mod_revision and delete_if_mod_revision write only while the key is as expected") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    CHECK(c.create("lock", "first"));
    CHECK_FALSE(c.create("lock", "second"));
    CHECK(c.get("lock")->value == "first");

    CHECK(c.put_if_mod_revision("k", "v1", 0));
    CHECK_FALSE(c.put_if_mod_revision("k", "again", 0));
    const auto stale = c.get("k")->mod_revision;
    CHECK(c.put_if_mod_revision("k", "v2", stale));
    CHECK_FALSE(c.put_if_mod_revision("k", "v3", stale));
    CHECK(c.get("k")->value == "v2");

    CHECK_FALSE(c.delete_if_mod_revision("k", stale));
    CHECK(c.get("k"));
    CHECK(c.delete_if_mod_revision("k", c.get("k")->mod_revision));
    CHECK_FALSE(c.get("k"));
  }

  TEST_CASE("write_all_if_unchanged applies every write or none") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    const auto rx = c.put("x", "1"), ry = c.put("y", "1");
    CHECK(c.write_all_if_unchanged({{"x", "2", rx}, {"y", std::nullopt, ry}, {"z", "new", 0}}));
    CHECK(c.get("x")->value == "2");
    CHECK_FALSE(c.get("y"));
    CHECK(c.get("z")->value == "new");

    const auto x_now = c.get("x")->mod_revision;
    CHECK_FALSE(c.write_all_if_unchanged({{"x", "3", x_now}, {"z", "clobbered", 0}}));  // z exists
    CHECK(c.get("x")->value == "2");
    CHECK(c.get("z")->value == "new");
    CHECK(c.write_all_if_unchanged({}));
  }

  TEST_CASE("revoking a lease deletes its keys and keepalive tells whether it lives") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    const auto lease = c.grant_lease(10);
    c.put("leased", "v", lease);
    CHECK(c.get("leased")->lease == lease);
    const auto renewed = c.keepalive(lease);
    CHECK(renewed.alive);
    CHECK(renewed.ttl > 0);
    CHECK(renewed.revision > 0);

    c.revoke_lease(lease);
    CHECK_FALSE(c.get("leased"));
    CHECK_FALSE(c.keepalive(lease).alive);
    CHECK_NOTHROW(c.revoke_lease(lease));
  }

  TEST_CASE("a lease that is not kept alive expires with its keys") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    const auto lease = c.grant_lease(2);
    CHECK(c.create("owner", "me", lease));
    CHECK(poll_until([&] { return !c.get("owner"); }));
    CHECK_FALSE(c.keepalive(lease).alive);
  }

  TEST_CASE("watch delivers puts and deletes under the prefix in order, stops, and resumes without repeats") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    const auto start = c.put("before", "x") + 1;  // an explicit start: no race with the watch's creation
    auto watch = std::make_unique<background_watch>(etcd.endpoints(), "w/", start);
    const auto p1 = c.put("w/a", "1");
    c.put("outside", "o");
    const auto p2 = c.put("w/b", "2");
    CHECK(c.delete_key("w/a") == 1);
    const auto deleted_at = c.range_prefix("w/").revision;

    REQUIRE(watch->await_events(3));
    const auto events = watch->events();
    CHECK(events[0].kind == watch_event::type::put);
    CHECK(events[0].kv.key == "w/a");
    CHECK(events[0].kv.value == "1");
    CHECK(events[0].kv.mod_revision == p1);
    CHECK(events[1].kind == watch_event::type::put);
    CHECK(events[1].kv.key == "w/b");
    CHECK(events[1].kv.mod_revision == p2);
    CHECK(events[2].kind == watch_event::type::del);
    CHECK(events[2].kv.key == "w/a");
    CHECK(events[2].kv.mod_revision == deleted_at);

    const bool returned = watch->stop();
    CHECK(returned);
    if (!returned) etcd.kill_member(0);  // breaks the connection, so that the thread can be joined
    const auto resume = watch->resume();
    CHECK(resume == deleted_at + 1);
    CHECK(watch->events().size() == 3);
    watch.reset();

    const auto p3 = c.put("w/c", "3");
    const auto later = first_batch(c, "w/", resume);
    REQUIRE(later.events.size() == 1);
    CHECK(later.events[0].kv.key == "w/c");
    CHECK(later.resume == p3 + 1);
    CHECK(c.get("w/c"));  // the handle serves plain calls again after a watch
  }

  TEST_CASE("a watch from now returns a revision that loses nothing written after it stopped") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    const auto before = c.put("before", "x");
    auto watch = std::make_unique<background_watch>(etcd.endpoints(), "quiet/", 0);
    // etcd counts its watchers in /metrics: the only sign that the watch has been created.
    CHECK(poll_until([&] {
      auto metrics = etcd.request(0, "/metrics");
      return metrics && metrics->find("\netcd_debugging_mvcc_watcher_total 1") != std::string::npos;
    }));
    const auto outside = c.put("loud", "y");
    REQUIRE(watch->stop());
    const auto resume = watch->resume();
    CHECK(resume > before);
    CHECK(resume <= outside);
    CHECK(watch->events().empty());

    c.put("quiet/a", "1");
    const auto later = first_batch(c, "quiet/", resume);
    REQUIRE(later.events.size() == 1);
    CHECK(later.events[0].kv.key == "quiet/a");
  }

  TEST_CASE("a watch from a compacted revision throws saying so") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    c.put("w/a", "1");
    const auto latest = c.put("w/a", "2");
    REQUIRE(etcd.request(0, "/v3/kv/compaction", R"({"revision":")" + std::to_string(latest) + "\"}"));
    CHECK_THROWS_WITH_AS(first_batch(c, "w/", 1), doctest::Contains("compacted"), etcd_error);
  }

  TEST_CASE("a dead endpoint listed before a live one is skipped") {
    etcd_process etcd;
    etcd_client c({etcd_process::unused_endpoint(), etcd.endpoint(0)});
    const auto revision = c.put("k", "v");
    CHECK(c.get("k")->mod_revision == revision);
    const auto watched = first_batch(c, "k", revision);
    REQUIRE(watched.events.size() == 1);
    CHECK(watched.events[0].kv.mod_revision == revision);
  }

  TEST_CASE("killing the member in use, the leader, leaves a 3-member cluster reachable through the others") {
    etcd_process etcd(3);
    std::optional<std::size_t> leader;
    REQUIRE(poll_until([&] { return (leader = etcd.leader()).has_value(); }));
    // The leader first, so that the client uses it and its death forces an election too.
    auto endpoints = etcd.endpoints();
    std::rotate(endpoints.begin(), endpoints.begin() + static_cast<std::ptrdiff_t>(*leader), endpoints.end());
    etcd_client c(endpoints);
    c.put("f/1", "before");
    etcd.kill_member(*leader);
    // Until the others elect a leader they answer 503 or time out: poll the first call.
    CHECK(put_eventually(c, "f/2", "after") > 0);
    CHECK(c.get("f/1")->value == "before");
    CHECK(c.get("f/2")->value == "after");
    CHECK(c.range_prefix("f/").kvs.size() == 2);
    const auto new_leader = etcd.leader();
    CHECK(new_leader.has_value());
    CHECK(new_leader != leader);
  }

  TEST_CASE("a watch whose member dies returns where to resume, and resuming on the others loses nothing") {
    etcd_process etcd(3);
    etcd_client c(etcd.endpoints());
    const auto start = c.put("before", "x") + 1;
    auto watch = std::make_unique<background_watch>(etcd.endpoints(), "w/", start);  // on member 0
    const auto p1 = c.put("w/a", "1");
    REQUIRE(watch->await_events(1));
    etcd.kill_member(0);
    REQUIRE(watch->await_return());
    const auto resume = watch->resume();
    CHECK(resume == p1 + 1);

    const auto p2 = put_eventually(c, "w/b", "2");
    CHECK(p2 > 0);
    etcd_client resumed(etcd.endpoints());  // member 0, dead, first
    const auto later = first_batch(resumed, "w/", resume);
    REQUIRE(later.events.size() == 1);
    CHECK(later.events[0].kv.key == "w/b");
    CHECK(later.events[0].kv.mod_revision == p2);
  }

  TEST_CASE("a client with only dead endpoints throws etcd_error within its timeouts") {
    silent_listener hung;
    etcd_client c({etcd_process::unused_endpoint(), hung.endpoint}, 300ms);
    const auto began = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(c.put("k", "v"), etcd_error);
    CHECK_THROWS_AS(c.get("k"), etcd_error);
    CHECK_THROWS_AS(first_batch(c, "k", 0), etcd_error);
    CHECK(std::chrono::steady_clock::now() - began < bound);  // no hang; 3 × 300 ms is the intent
  }

  TEST_CASE("gateway errors become etcd_error carrying etcd's message") {
    etcd_process etcd;
    etcd_client c(etcd.endpoints());
    CHECK_THROWS_WITH_AS(c.put("", "v"), doctest::Contains("key is not provided"), etcd_error);
    CHECK_THROWS_WITH_AS(c.write_all_if_unchanged({{"d", "1", 0}, {"d", "2", 0}}), doctest::Contains("duplicate key"),
                         etcd_error);
  }
}

}  // namespace reel::cluster::membership
