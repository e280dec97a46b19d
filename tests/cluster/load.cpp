// The failover tests' load: client threads, one keep-alive connection per node each.
// Nothing here asserts (doctest's REQUIRE cannot leave a thread): every answer is classified
// and kept for the test to judge on its own thread.
#include "tests/cluster/load.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "tests/api/douyin.hpp"

#ifndef REEL_FIXTURES_DIR
#error "REEL_FIXTURES_DIR (directory of the shared test fixtures) must be defined"
#endif

namespace reel::cluster_test {
namespace {

using namespace reel::test;
using namespace std::chrono_literals;

// Longer than reeld's request timeout (5 s): a survivor always answers before it, so a
// client timeout is a failure of reeld, never of the test's patience.
constexpr long client_timeout_ms = 15000;

std::string fixture_video() {
  const auto path = std::filesystem::path(REEL_FIXTURES_DIR) / "cc_ink_stamp_animation_cc0.mp4";
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "" when `r` is the 503 envelope of "unavailable".
std::string refusal_problem(const response& r) { return problem_error(r, 503, status::unavailable); }

// What is wrong with the success answer of `kind` ("" when nothing).
std::string success_problem(op_kind kind, const response& r) {
  switch (kind) {
    case op_kind::comment:
      return problem_comment_added(r);
    case op_kind::read_user: {
      std::string p = problem_ok(r, {"user"});
      return p.empty() ? with_request(r, problem_user(r.json["user"], r.base_url)) : p;
    }
    case op_kind::read_follows:
      return problem_user_list(r);
    case op_kind::read_feed:
      return problem_feed(r);
    case op_kind::read_comments:
      return problem_comment_list(r);
    case op_kind::read_chat:
      return problem_message_list(r);
    default:
      return problem_ok(r, {});
  }
}

void classify(op_record& rec, const response& r) {
  const std::string wrong = success_problem(rec.kind, r);
  if (wrong.empty()) {
    rec.result = outcome::acknowledged;
    if (rec.kind == op_kind::comment) rec.created = to_comment_view(r.json["comment"]).id;
    return;
  }
  if (refusal_problem(r).empty()) {
    rec.result = outcome::refused;
    rec.detail = r.describe();
    return;
  }
  rec.result = outcome::other;
  rec.detail = wrong;
}

std::atomic<unsigned> loads_started{0};

// "L<n>", n counting the loads of the process: the texts of two loads never collide.
std::string next_load_tag() {
  std::string tag = "L";  // appended, not "L" + ...: g++ 12 warns (-Wrestrict) falsely on that
  tag += std::to_string(loads_started.fetch_add(1));
  return tag;
}

// The operation kinds in proportion: writes, then reads.
constexpr op_kind write_mix[] = {
    op_kind::follow,   op_kind::follow,  op_kind::follow,  op_kind::follow,  op_kind::unfollow, op_kind::unfollow,
    op_kind::unfollow, op_kind::like,    op_kind::like,    op_kind::like,    op_kind::unlike,   op_kind::unlike,
    op_kind::comment,  op_kind::comment, op_kind::comment, op_kind::message, op_kind::message,  op_kind::message};
constexpr op_kind read_mix[] = {op_kind::read_user, op_kind::read_follows, op_kind::read_feed, op_kind::read_comments,
                                op_kind::read_chat};

}  // namespace

population populate(cluster& c, std::size_t users, std::size_t users_per_video) {
  population p;
  std::vector<std::unique_ptr<http_client>> clients;
  for (std::size_t i = 0; i < c.size(); ++i) clients.push_back(std::make_unique<http_client>(c.base_url(i)));
  for (std::size_t u = 0; u < users; ++u) p.users.push_back(register_fresh(*clients[c.random_node()], "fo"));
  const std::string bytes = fixture_video();
  for (std::size_t u = 0; u < users; u += users_per_video) {
    const std::string title = p.users[u].name + "'s clip";
    const video_view v = must_publish(*clients[c.random_node()], p.users[u], bytes, title);
    p.videos.push_back({v.id, u});
  }
  return p;
}

bool is_write(op_kind k) { return k <= op_kind::message; }

const char* name_of(op_kind k) {
  static const char* const names[] = {"follow",    "unfollow",     "like",      "unlike",        "comment",  "message",
                                      "read user", "read follows", "read feed", "read comments", "read chat"};
  return names[static_cast<int>(k)];
}

const char* name_of(outcome o) {
  static const char* const names[] = {"acknowledged", "refused (503, status 10)", "FAILED"};
  return names[static_cast<int>(o)];
}

std::string describe(const op_record& r, steady::time_point origin) {
  using std::chrono::duration_cast;
  using std::chrono::milliseconds;
  std::string out = std::string(name_of(r.kind)) + " by user" + std::to_string(r.actor) + " on " +
                    (r.kind == op_kind::like || r.kind == op_kind::unlike || r.kind == op_kind::comment ||
                             r.kind == op_kind::read_comments
                         ? "video"
                         : "user") +
                    std::to_string(r.target) + " via node" + std::to_string(r.node) + ", sent at " +
                    std::to_string(duration_cast<milliseconds>(r.sent - origin).count()) + " ms, answered after " +
                    std::to_string(duration_cast<milliseconds>(r.answered - r.sent).count()) +
                    " ms: " + name_of(r.result);
  if (!r.text.empty()) out += " '" + r.text + "'";
  if (!r.detail.empty()) out += " -- " + r.detail;
  return out;
}

load_driver::load_driver(cluster& c, const population& p, load_options o)
    : cluster_(c), population_(p), options_(o), tag_(next_load_tag()), deadline_(steady::now() + o.max_time) {
  for (std::size_t i = 0; i < c.size(); ++i) {
    up_.push_back(std::make_unique<std::atomic<bool>>(true));
    in_flight_.push_back(std::make_unique<std::atomic<int>>(0));
  }
  for (std::size_t t = 0; t < options_.threads; ++t) threads_.emplace_back([this, t] { run(t); });
}

load_driver::~load_driver() { stop(); }

void load_driver::avoid(std::size_t node) {
  up_.at(node)->store(false);
  const auto deadline = steady::now() + std::chrono::milliseconds(client_timeout_ms + 1000);
  while (in_flight_.at(node)->load() > 0 && steady::now() < deadline) std::this_thread::sleep_for(1ms);
}

void load_driver::allow(std::size_t node) { up_.at(node)->store(true); }

bool load_driver::await_operations(std::size_t total, std::chrono::milliseconds limit) const {
  const auto deadline = steady::now() + limit;
  while (finished_.load() < total) {
    if (steady::now() > deadline || stop_.load() || started_.load() >= options_.max_operations) {
      return finished_.load() >= total;
    }
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

void load_driver::stop() {
  stop_.store(true);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

std::vector<op_record> load_driver::records() const {
  std::lock_guard lock(records_mutex_);
  return records_;
}

std::optional<std::size_t> load_driver::enter_node(std::uint64_t draw) {
  const std::size_t n = up_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t node = (draw + i) % n;
    // Counted in flight before the check: avoid() clears the flag first and then waits for
    // the count, so no request slips past it (both sequentially consistent).
    in_flight_[node]->fetch_add(1);
    if (up_[node]->load()) return node;
    in_flight_[node]->fetch_sub(1);
  }
  return std::nullopt;
}

void load_driver::keep(op_record r) {
  std::lock_guard lock(records_mutex_);
  records_.push_back(std::move(r));
  finished_.fetch_add(1);
}

void load_driver::run(std::size_t thread) {
  std::mt19937_64 random(options_.seed * 7919 + thread);
  std::vector<std::unique_ptr<http_client>> clients;
  for (std::size_t i = 0; i < cluster_.size(); ++i)
    clients.push_back(std::make_unique<http_client>(cluster_.base_url(i), client_timeout_ms));
  const std::size_t users = population_.users.size(), videos = population_.videos.size();
  std::vector<std::size_t> mine;  // the acting users of this thread
  for (std::size_t u = thread; u < users; u += options_.threads) mine.push_back(u);
  std::size_t sequence = 0;
  while (!stop_.load() && steady::now() < deadline_ && !mine.empty()) {
    if (started_.fetch_add(1) >= options_.max_operations) break;
    const auto node = enter_node(random());
    if (!node) {
      std::this_thread::sleep_for(options_.pause + 1ms);
      continue;
    }
    op_record rec;
    rec.node = *node;
    rec.actor = mine[random() % mine.size()];
    const bool write = random() % 100 < options_.write_percent;
    rec.kind = write ? write_mix[random() % std::size(write_mix)] : read_mix[random() % std::size(read_mix)];
    const bool on_video = rec.kind == op_kind::like || rec.kind == op_kind::unlike || rec.kind == op_kind::comment ||
                          rec.kind == op_kind::read_comments;
    rec.target = on_video ? random() % videos : (rec.actor + 1 + random() % (users - 1)) % users;
    if (rec.kind == op_kind::comment || rec.kind == op_kind::message) {
      rec.text = tag_ + "-t" + std::to_string(thread) + "-" + std::to_string(sequence++);
    }
    rec.sent = steady::now();
    const response r = send(*clients[rec.node], rec);
    rec.answered = steady::now();
    in_flight_[rec.node]->fetch_sub(1);
    classify(rec, r);
    keep(std::move(rec));
    std::this_thread::sleep_for(options_.pause);
  }
}

response load_driver::send(http_client& c, const op_record& rec) const {
  const account& who = population_.users[rec.actor];
  const auto user = [&] { return population_.users[rec.target].user_id; };
  const auto video = [&] { return population_.videos[rec.target].id; };
  switch (rec.kind) {
    case op_kind::follow:
      return api::follow(c, who.token, user());
    case op_kind::unfollow:
      return api::unfollow(c, who.token, user());
    case op_kind::like:
      return api::like(c, who.token, video());
    case op_kind::unlike:
      return api::unlike(c, who.token, video());
    case op_kind::comment:
      return api::comment_add(c, who.token, video(), rec.text);
    case op_kind::message:
      return api::send_message(c, who.token, user(), rec.text);
    case op_kind::read_user:
      return api::user_info(c, who.token, user());
    case op_kind::read_follows:
      return api::follow_list(c, user(), who.token);
    case op_kind::read_feed:
      return api::feed(c, who.token);
    case op_kind::read_comments:
      return api::comment_list(c, video(), who.token);
    case op_kind::read_chat:
      return api::chat(c, who.token, user());
  }
  return {};
}

}  // namespace reel::cluster_test
