// A small bounded load for the failover tests: a few client threads send a mix of Douyin
// writes and reads among pre-registered users to random nodes that are "up", and record
// every request's outcome (node, times, the exact operation), so that a test can check
// afterwards what the cluster acknowledged.
//
// Each acting user belongs to one thread (user index % threads), so the writes on one
// (follower, followee) or (liker, video) pair are sequential and their order is the order
// of their send times.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/harness.hpp"
#include "tests/cluster/cluster_harness.hpp"

namespace reel::cluster_test {

using steady = std::chrono::steady_clock;

// The users and videos a load acts on; registered before any fault.
struct population {
  struct video {
    std::uint64_t id = 0;
    std::size_t author = 0;  // index in users
  };
  std::vector<reel::test::account> users;
  std::vector<video> videos;
};

// Registers `users` users and publishes a video for every `users_per_video`-th of them,
// each through a random node; REQUIREs every step.
population populate(cluster& c, std::size_t users, std::size_t users_per_video);

enum class op_kind : std::uint8_t {
  follow,
  unfollow,
  like,
  unlike,
  comment,
  message,
  read_user,
  read_follows,
  read_feed,
  read_comments,
  read_chat
};
bool is_write(op_kind k);
const char* name_of(op_kind k);

// How a request ended, as the client saw it.
enum class outcome : std::uint8_t {
  acknowledged,  // HTTP 200, status_code 0 and the exact shape of the endpoint's answer
  refused,       // HTTP 503 with the envelope {"status_code":10,"status_msg":...} and nothing else
  other          // anything else (transport error, 500, another status): a failure to report
};
const char* name_of(outcome o);

struct op_record {
  op_kind kind = op_kind::read_user;
  outcome result = outcome::other;
  std::size_t node = 0;       // harness index of the node that was asked
  std::size_t actor = 0;      // index of the user whose token was sent
  std::size_t target = 0;     // a user index (follow, message, chat, user) or a video index (like, comments)
  std::string text;           // content of a comment or message: unique across every load of the process
  std::uint64_t created = 0;  // id of an acknowledged comment
  steady::time_point sent, answered;
  std::string detail;  // the request and what was wrong with its answer, when not acknowledged
};
// One line: kind, actor -> target, node, outcome, time relative to `origin`, detail.
std::string describe(const op_record& r, steady::time_point origin);

struct load_options {
  std::size_t threads = 4;
  std::size_t max_operations = 20000;
  std::chrono::milliseconds max_time{90000};
  // Between two requests of one thread: on 2 cores an unpaced load starves etcd and the
  // nodes' lease renewals, and the test would measure the machine instead of reeld.
  std::chrono::milliseconds pause{2};
  // Of 100 operations, how many are writes.
  unsigned write_percent = 50;
  std::uint64_t seed = 1;
};

class load_driver {
 public:
  // Starts the threads at once.
  load_driver(cluster& c, const population& p, load_options o);
  ~load_driver();  // stop()
  load_driver(const load_driver&) = delete;
  load_driver& operator=(const load_driver&) = delete;

  // Sends nothing more to `node`, and returns once no request to it is in flight (bounded
  // by the client timeout), so that a fault injected afterwards cuts no request short.
  void avoid(std::size_t node);
  void allow(std::size_t node);

  std::size_t operations() const { return finished_.load(); }
  // Polls until `total` operations have finished; false after `limit` or when the load ended.
  bool await_operations(std::size_t total, std::chrono::milliseconds limit) const;
  // Sets the stop flag and joins the threads (idempotent).
  void stop();
  // Every finished operation so far, in the order of their answers.
  std::vector<op_record> records() const;

 private:
  void run(std::size_t thread);
  reel::test::response send(reel::test::http_client& c, const op_record& rec) const;
  // A node that is up, counted in flight; nullopt when every node is avoided.
  std::optional<std::size_t> enter_node(std::uint64_t draw);
  void keep(op_record r);

  cluster& cluster_;
  const population& population_;
  load_options options_;
  std::string tag_;  // makes comment and message texts unique across loads
  steady::time_point deadline_;
  std::vector<std::unique_ptr<std::atomic<bool>>> up_;
  std::vector<std::unique_ptr<std::atomic<int>>> in_flight_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> started_{0}, finished_{0};
  mutable std::mutex records_mutex_;
  std::vector<op_record> records_;
  std::vector<std::thread> threads_;
};

}  // namespace reel::cluster_test
