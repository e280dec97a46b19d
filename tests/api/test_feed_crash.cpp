// Durability of videos, likes, comments and fan-out: concurrent publish, like, comment and
// follow traffic, SIGKILL mid-load, restart. Every acknowledged operation must be visible,
// every count must equal what is stored, and every follower that followed an author before
// an acknowledged publish must find the video in its home timeline, exactly once.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "clips.hpp"
#include "feed_crash_model.hpp"
#include "feeds.hpp"

using namespace reel::test;
using namespace reel::test::crash;
using namespace std::chrono_literals;

namespace {

constexpr int request_limit = 1000;  // per cycle, all threads together
constexpr int kill_after_requests = 450;
constexpr auto kill_after = 2500ms;
constexpr auto load_limit = 5s;
constexpr std::uint32_t base_seed = 20240917;

struct load_control {
  std::atomic<int> requests{0};
  std::atomic<bool> killed{false};
  std::atomic<std::size_t> finished{0};
  std::mutex mutex;
  std::condition_variable wake;
};

struct worker_report {
  std::size_t acked = 0;
  std::vector<std::string> unexpected;  // failures while the server was alive
};

// True when the response is an acknowledgement; records anything odd.
bool acknowledged(const response& r, const load_control& control, worker_report& report) {
  if (!r.transport_ok()) {
    if (!control.killed.load()) report.unexpected.push_back("before the kill: " + r.describe());
    return false;
  }
  if (r.status_code() == std::optional<std::int64_t>(0)) {
    ++report.acked;
    return true;
  }
  if (r.http_status != 503) report.unexpected.push_back(r.describe());  // busy is fine, the rest is a bug
  return false;
}

// Bytes to publish: mostly clips the server has stored already (instant), sometimes one
// it has not seen yet (validated and stored while the load runs, maybe when it is killed).
const std::string& upload_for(std::mt19937& rng, int cycle) {
  const auto& variants = distinct_clips();  // [0, 6): published in the setup
  constexpr std::size_t fresh_per_cycle = 9;
  if (rng() % 3 != 0) return variants[rng() % 6].bytes;
  return variants[6 + fresh_per_cycle * static_cast<std::size_t>(cycle - 1) + rng() % fresh_per_cycle].bytes;
}

// One operation of user `u` (owned by the calling thread). Returns false once the server is gone.
bool one_operation(http_client& client, model& m, std::size_t u, std::mt19937& rng, int cycle, const std::string& tag,
                   const load_control& control, worker_report& report) {
  const auto known = m.pick_video(rng);
  const unsigned dice = rng() % 100;
  response r;
  if (dice < 15 || !known) {
    const std::string& bytes = upload_for(rng, cycle);
    publish_attempt& p = m.begin_publish(u, tag);
    r = api::publish(client, m.users[u].token, bytes, p.title);
    if (acknowledged(r, control, report)) m.publish_acked(client, p);
  } else if (dice < 50) {
    const int action = rng() % 100 < 65 ? 1 : 2;
    like_state& like = m.likes[u][known->id];
    like.uncertain = true;
    r = api::favorite_action(client, m.users[u].token, known->id, action);
    if (acknowledged(r, control, report)) m.like_acked(u, known->id, action == 1);
  } else if (dice < 70) {
    comment_attempt& k = m.begin_comment(u, known->id, tag);
    r = api::comment_add(client, m.users[u].token, known->id, k.content);
    if (acknowledged(r, control, report)) m.comment_acked(k, r);
  } else if (dice < 75) {
    comment_attempt* k = m.pick_own_comment(u, rng);
    if (k == nullptr) return true;
    k->delete_uncertain = true;
    r = api::comment_delete(client, m.users[u].token, k->video_id, k->id);
    if (acknowledged(r, control, report)) m.delete_acked(*k);
  } else {
    if (u == star) return true;  // the celebrity follows nobody
    const std::size_t target = follow_target(u, rng() % follow_span);
    const int action = rng() % 100 < 60 ? 1 : 2;
    m.begin_follow_action(u, target);
    r = api::relation_action(client, m.users[u].token, m.users[target].user_id, action);
    if (acknowledged(r, control, report)) m.follow_acked(u, target, action == 1);
  }
  return r.transport_ok();
}

void run_worker(const std::string& base_url, model& m, load_control& control, worker_report& report, std::size_t t,
                int cycle) {
  http_client client(base_url);
  std::mt19937 rng(base_seed + static_cast<std::uint32_t>(100 * cycle) + static_cast<std::uint32_t>(t));
  const auto deadline = std::chrono::steady_clock::now() + load_limit;
  const std::size_t owned = user_count / thread_count;
  for (int n = 0;; ++n) {
    if (control.requests.fetch_add(1) >= request_limit || std::chrono::steady_clock::now() > deadline) break;
    const std::size_t u = t + thread_count * (rng() % owned);
    const std::string tag = "c" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(n);
    const bool alive = one_operation(client, m, u, rng, cycle, tag, control, report);
    if (control.requests.load() >= kill_after_requests) control.wake.notify_all();
    if (!alive) break;
  }
  control.finished.fetch_add(1);
  control.wake.notify_all();
}

std::string summary(const std::vector<std::string>& problems) {
  std::string out = std::to_string(problems.size()) + " problem(s):";
  for (std::size_t i = 0; i < problems.size() && i < 25; ++i) out += "\n  " + problems[i];
  return out;
}

// Runs the load, kills reeld mid-way with SIGKILL, and restarts it.
void load_kill_restart(reeld_process& srv, model& m, int cycle, const std::vector<std::string>& args) {
  m.start_cycle();
  load_control control;
  std::vector<worker_report> reports(thread_count);
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back(run_worker, srv.base_url(), std::ref(m), std::ref(control), std::ref(reports[t]), t, cycle);
  }
  {
    std::unique_lock lock(control.mutex);
    control.wake.wait_until(lock, start + kill_after, [&] {
      return control.requests.load() >= kill_after_requests || control.finished.load() == thread_count;
    });
  }
  const bool mid_load = control.finished.load() < thread_count;
  control.killed = true;
  srv.kill9();
  for (auto& thread : threads) thread.join();

  std::size_t acked = 0;
  std::vector<std::string> unexpected;
  for (auto& report : reports) {
    acked += report.acked;
    unexpected.insert(unexpected.end(), report.unexpected.begin(), report.unexpected.end());
  }
  const std::string load = "cycle " + std::to_string(cycle) + ": " + std::to_string(control.requests.load()) +
                           " requests, " + std::to_string(acked) + " acknowledged, " + m.describe_acked();
  CHECK_MESSAGE(mid_load, "the load had ended before the kill; ", load);
  CHECK_MESSAGE(unexpected.empty(), "unexpected answers while reeld was up: ", summary(unexpected));
  REQUIRE_MESSAGE(m.has_acked_of_every_kind(), load);
  srv.restart(args);
}

}  // namespace

TEST_CASE("acknowledged publishes, likes, comments and fan-out survive SIGKILL under load") {
  // The celebrity (user `star`) has 11 followers; everyone else at most follow_span: the
  // load mixes pushed fan-out with read-time merging without crossing the threshold.
  const std::vector<std::string> args = {"--celebrity-threshold", "8"};
  reeld_process srv(args);
  INFO("reeld log tail:\n", srv.log_tail());
  model m;
  {
    http_client c(srv.base_url());
    for (std::size_t i = 0; i < user_count; ++i) m.users.push_back(register_fresh(c, "vcrash"));
    m.prepare();
    for (std::size_t i = 0; i < user_count; ++i) {
      if (i == star) continue;
      must_follow(c, m.users[i], m.users[star].user_id);
      m.follow_acked(i, star, true);
    }
    // One video each, so that likes and comments have targets from the start.
    for (std::size_t i = 0; i < user_count; ++i) {
      publish_attempt& p = m.begin_publish(i, "setup-" + std::to_string(i));
      REQUIRE_API_OK(api::publish(c, m.users[i].token, distinct_clips()[i % 6].bytes, p.title));
      m.publish_acked(c, p);
    }
  }

  for (int cycle = 1; cycle <= 2; ++cycle) {
    INFO("cycle ", cycle);
    load_kill_restart(srv, m, cycle, args);
    http_client c(srv.base_url());
    CHECK_NO_PROBLEM(await_fanout_idle(c));
    const std::vector<std::string> problems = m.verify(c);
    CHECK_MESSAGE(problems.empty(), summary(problems));
    // Enough videos were expected in home timelines for the check to mean something.
    CHECK(m.home_expectations() > 100);
  }
}
