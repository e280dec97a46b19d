// Durability: concurrent follows, unfollows and messages, SIGKILL mid-load, restart.
// Every acknowledged message must be there exactly once, every follow edge must match
// its last acknowledged action, and counts must equal list sizes on both sides.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "douyin.hpp"

using namespace reel::test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t user_count = 24;
constexpr std::size_t thread_count = 6;  // thread t owns the follow rows of users t, t+6, ...
constexpr int request_limit = 2000;      // per cycle, all threads together
constexpr int kill_after_requests = 1000;
constexpr auto kill_after = 1500ms;
constexpr auto load_limit = 3s;
constexpr std::uint32_t base_seed = 20240601;

// Follow state of one ordered pair (follower, followee) as the clients know it.
struct edge_state {
  bool following = false;  // after the last acknowledged action (or as last observed)
  bool uncertain = false;  // the last action on the pair got no acknowledgement
};

struct sent_message {
  std::size_t from = 0;
  std::size_t to = 0;
  std::string content;
  bool acked = false;
};

struct worker_report {
  std::vector<sent_message> messages;
  std::size_t acked_relations = 0;
  std::size_t acked_messages = 0;
  std::vector<std::string> unexpected;  // failures while the server was alive
};

struct crash_model {
  std::vector<account> users;
  std::vector<std::vector<edge_state>> edges;  // [follower][followee]
  std::vector<sent_message> messages;          // all cycles
};

struct load_control {
  std::atomic<int> requests{0};
  std::atomic<bool> killed{false};
  std::atomic<std::size_t> finished{0};
  std::mutex mutex;
  std::condition_variable wake;
};

std::string summary(const std::vector<std::string>& problems) {
  std::string out = std::to_string(problems.size()) + " problem(s):";
  for (std::size_t i = 0; i < problems.size() && i < 25; ++i) out += "\n  " + problems[i];
  return out;
}

// True when the response is an acknowledgement; records anything odd.
bool acknowledged(const response& r, const load_control& control, worker_report& report) {
  if (!r.transport_ok()) {
    if (!control.killed.load()) report.unexpected.push_back("before the kill: " + r.describe());
    return false;
  }
  if (r.status_code() == std::optional<std::int64_t>(0)) return true;
  // An overloaded server may answer busy (503); any other failure is a bug.
  if (r.http_status != 503) report.unexpected.push_back(r.describe());
  return false;
}

void run_worker(const std::string& base_url, crash_model& model, load_control& control, worker_report& report,
                std::size_t t, int cycle) {
  http_client client(base_url);
  std::mt19937 rng(base_seed + static_cast<std::uint32_t>(100 * cycle) + static_cast<std::uint32_t>(t));
  const auto deadline = std::chrono::steady_clock::now() + load_limit;
  const std::size_t rows = user_count / thread_count;
  for (int n = 0;; ++n) {
    if (control.requests.fetch_add(1) >= request_limit || std::chrono::steady_clock::now() > deadline) break;
    bool delivered = true;
    if (rng() % 100 < 55) {
      const std::size_t a = t + thread_count * (rng() % rows);
      std::size_t b = rng() % (user_count - 1);
      if (b >= a) ++b;
      const int action = rng() % 100 < 60 ? 1 : 2;
      const response r = api::relation_action(client, model.users[a].token, model.users[b].user_id, action);
      edge_state& edge = model.edges[a][b];
      if (acknowledged(r, control, report)) {
        edge = {action == 1, false};
        ++report.acked_relations;
      } else {
        edge.uncertain = true;
      }
      delivered = r.transport_ok();
    } else {
      const std::size_t from = rng() % user_count;
      std::size_t to = rng() % (user_count - 1);
      if (to >= from) ++to;
      sent_message m{from, to, "c" + std::to_string(cycle) + "-t" + std::to_string(t) + "-" + std::to_string(n), false};
      const response r = api::send_message(client, model.users[from].token, model.users[to].user_id, m.content);
      m.acked = acknowledged(r, control, report);
      report.acked_messages += m.acked ? 1 : 0;
      report.messages.push_back(std::move(m));
      delivered = r.transport_ok();
    }
    if (control.requests.load() >= kill_after_requests) control.wake.notify_all();
    if (!delivered) break;  // the server is gone
  }
  control.finished.fetch_add(1);
  control.wake.notify_all();
}

// Runs the load, kills reeld mid-way with SIGKILL, and restarts it.
void load_kill_restart(reeld_process& srv, crash_model& model, int cycle) {
  load_control control;
  std::vector<worker_report> reports(thread_count);
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t t = 0; t < thread_count; ++t) {
    threads.emplace_back(run_worker, srv.base_url(), std::ref(model), std::ref(control), std::ref(reports[t]), t,
                         cycle);
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

  std::size_t acked_relations = 0;
  std::size_t acked_messages = 0;
  std::vector<std::string> unexpected;
  for (auto& report : reports) {
    acked_relations += report.acked_relations;
    acked_messages += report.acked_messages;
    unexpected.insert(unexpected.end(), report.unexpected.begin(), report.unexpected.end());
    for (auto& m : report.messages) model.messages.push_back(std::move(m));
  }
  const std::string load = "cycle " + std::to_string(cycle) + ": " + std::to_string(control.requests.load()) +
                           " requests, " + std::to_string(acked_relations) + " acknowledged relation actions, " +
                           std::to_string(acked_messages) + " acknowledged messages";
  CHECK_MESSAGE(mid_load, "the load had ended before the kill; ", load);
  CHECK_MESSAGE(unexpected.empty(), "unexpected answers while reeld was up: ", summary(unexpected));
  REQUIRE_MESSAGE(acked_relations > 0, load);
  REQUIRE_MESSAGE(acked_messages > 0, load);
  srv.restart();
}

void verify_messages(http_client& c, crash_model& model) {
  std::map<std::pair<std::size_t, std::size_t>, std::vector<sent_message*>> by_pair;
  for (auto& m : model.messages) by_pair[{std::min(m.from, m.to), std::max(m.from, m.to)}].push_back(&m);
  std::vector<std::string> problems;
  std::set<std::uint64_t> all_ids;
  for (auto& [pair, sent] : by_pair) {
    const auto& [lo, hi] = pair;
    const auto seen_lo = fetch_chat(c, model.users[lo].token, model.users[hi].user_id);
    const auto seen_hi = fetch_chat(c, model.users[hi].token, model.users[lo].user_id);
    std::map<std::string, const message_view*> present;
    std::vector<std::uint64_t> ids_lo;
    std::vector<std::uint64_t> ids_hi;
    for (const auto& m : seen_hi) ids_hi.push_back(m.id);
    for (const auto& m : seen_lo) {
      ids_lo.push_back(m.id);
      if (!all_ids.insert(m.id).second) problems.push_back("message id " + std::to_string(m.id) + " seen twice");
      if (present.count(m.content) != 0) problems.push_back("duplicated message '" + m.content + "'");
      present[m.content] = &m;
    }
    if (ids_lo != ids_hi) {
      problems.push_back("users " + std::to_string(lo) + " and " + std::to_string(hi) + " see different chats");
    }
    std::set<std::string> known;
    for (sent_message* m : sent) {
      known.insert(m->content);
      auto it = present.find(m->content);
      if (it == present.end()) {
        if (m->acked) problems.push_back("acknowledged message '" + m->content + "' lost");
        continue;
      }
      const message_view& v = *it->second;
      if (v.from_user_id != model.users[m->from].user_id || v.to_user_id != model.users[m->to].user_id) {
        problems.push_back("message '" + m->content + "' has the wrong sender or recipient");
      }
      m->acked = true;  // present after recovery: from now on it must stay
    }
    for (const auto& [content, view] : present) {
      if (known.count(content) == 0) problems.push_back("message '" + content + "' was never sent");
    }
  }
  CHECK_MESSAGE(problems.empty(), "messages: ", summary(problems));
}

void verify_relations(http_client& c, crash_model& model) {
  std::vector<std::string> problems;
  std::map<std::uint64_t, std::size_t> index_of;
  for (std::size_t i = 0; i < user_count; ++i) index_of[model.users[i].user_id] = i;
  std::vector<std::set<std::size_t>> follows(user_count);
  std::vector<std::set<std::size_t>> followers(user_count);
  for (std::size_t u = 0; u < user_count; ++u) {
    const account& user = model.users[u];
    const user_view info = fetch_user(c, user.token, user.user_id);
    const auto follow_list = fetch_follow_list(c, user.user_id);
    const auto follower_list = fetch_follower_list(c, user.user_id);
    const std::string who = "user " + std::to_string(u);
    for (const auto& [list, into, what] :
         {std::tuple{&follow_list, &follows[u], "follow"}, std::tuple{&follower_list, &followers[u], "follower"}}) {
      for (const auto& entry : *list) {
        auto it = index_of.find(entry.id);
        if (it == index_of.end()) {
          problems.push_back(who + ": unknown id " + std::to_string(entry.id) + " in " + what + " list");
        } else if (!into->insert(it->second).second) {
          problems.push_back(who + ": " + std::to_string(it->second) + " twice in " + what + " list");
        }
      }
    }
    if (info.follow_count != static_cast<std::int64_t>(follow_list.size())) {
      problems.push_back(who + ": follow_count " + std::to_string(info.follow_count) + " but " +
                         std::to_string(follow_list.size()) + " in the follow list");
    }
    if (info.follower_count != static_cast<std::int64_t>(follower_list.size())) {
      problems.push_back(who + ": follower_count " + std::to_string(info.follower_count) + " but " +
                         std::to_string(follower_list.size()) + " in the follower list");
    }
  }
  for (std::size_t a = 0; a < user_count; ++a) {
    for (std::size_t b = 0; b < user_count; ++b) {
      if (a == b) continue;
      const bool in_follows = follows[a].count(b) != 0;
      const bool in_followers = followers[b].count(a) != 0;
      const std::string edge = std::to_string(a) + "->" + std::to_string(b);
      if (in_follows != in_followers) {
        problems.push_back(edge + (in_follows ? " only in the follow list" : " only in the follower list"));
      }
      edge_state& state = model.edges[a][b];
      if (!state.uncertain && in_follows != state.following) {
        problems.push_back(edge + (state.following ? " acknowledged follow lost" : " acknowledged unfollow lost"));
      }
      state = {in_follows, false};  // what the next cycle starts from
    }
  }
  CHECK_MESSAGE(problems.empty(), "relations: ", summary(problems));
}

}  // namespace

TEST_CASE("acknowledged follows and messages survive SIGKILL under load") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  crash_model model;
  {
    http_client c(srv.base_url());
    for (std::size_t i = 0; i < user_count; ++i) model.users.push_back(register_fresh(c, "crash"));
  }
  model.edges.assign(user_count, std::vector<edge_state>(user_count));

  for (int cycle = 1; cycle <= 2; ++cycle) {
    INFO("cycle ", cycle);
    load_kill_restart(srv, model, cycle);
    http_client c(srv.base_url());
    response probe = api::user_info(c, model.users[0].token, model.users[0].user_id);
    REQUIRE_MESSAGE(probe.status_code() == std::optional<std::int64_t>(0),
                    "a token issued before the crash is refused after the restart: ", probe.describe());
    verify_messages(c, model);
    verify_relations(c, model);
  }
}
