// The pieces of the simulated world: seeded randomness, simulated nodes with durable and
// volatile state, and the events that travel between nodes, etcd and the controller.
// Private to the simulation.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <queue>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "cluster/replication/replica.hpp"

namespace reel::cluster::replication::sim {

using sim_time = std::int64_t;  // simulated real time, ms

class random_source {
 public:
  explicit random_source(std::uint64_t seed) : engine_(seed) {}
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine_) < p; }
  std::int64_t between(std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(engine_);
  }
  double real(double low, double high) { return std::uniform_real_distribution<double>(low, high)(engine_); }

 private:
  std::mt19937_64 engine_;
};

struct persist_job {
  persist_op op;
  sim_time at;
  std::uint64_t applied_before;  // applies issued before this write are durable once it is (one WAL)
};

struct apply_job {
  entry e;
  sim_time at;
};

struct node {
  node_id id;
  bool up = true;
  sim_time paused_until = 0;
  double rate = 1;  // this node's clock runs at `rate` times real time
  sim_time offset = 0;
  std::uint64_t storage = 0;

  // Durable: the log after its base, and how much of `state` is synced.
  std::uint64_t base_index = 0;
  std::uint64_t base_epoch = 0;
  std::vector<entry> log;
  std::uint64_t durable_applied = 0;

  // The applied state: state[i - 1] is the payload applied at index i (barriers are "").
  std::vector<std::string> state;

  // This incarnation's process.
  std::unique_ptr<replica> r;  // null until registered with etcd
  std::uint64_t incarnation = 0;
  std::uint64_t attempt = 0;  // registrations sent, so that a stale answer is recognised
  std::deque<persist_job> persists;
  std::deque<apply_job> applies;
  std::map<std::uint64_t, std::string> proposals;  // waiting to be acknowledged
  sim_time next_renew = 0;
  sim_time next_tick = 0;
  sim_time etcd_cut_until = 0;  // cut off from etcd (and its watch) until then
  sim_time watch_clock = 0;     // watch events reach the node in order

  bool running(sim_time now) const { return up && now >= paused_until; }
  instant local(sim_time now) const {
    return instant(offset + static_cast<std::int64_t>(static_cast<double>(now) * rate));
  }
  std::uint64_t applied() const { return state.size(); }
};

// Events, delivered in (time, sequence) order.
struct ev_message {
  node_id from, to;
  message m;
};
struct ev_snapshot {
  node_id from, to;
  member target;
  std::uint64_t index = 0, epoch = 0;
  std::vector<std::string> state;
};
struct ev_snapshot_failed {
  node_id sender;
  std::uint64_t incarnation = 0;
  node_id peer;
};
struct ev_renew {  // at etcd (reply = false) or back at the node (reply = true)
  node_id node;
  std::uint64_t incarnation = 0;
  instant sent;
  bool reply = false;
  bool ok = false;
};
struct ev_register {
  node_id node;
  std::uint64_t attempt = 0;
  instant sent;
  bool reply = false;
  std::uint64_t incarnation = 0;
  configuration config;
};
struct ev_watch {
  node_id node;
  configuration config;
};
struct ev_report {
  report r;
};
using event = std::variant<ev_message, ev_snapshot, ev_snapshot_failed, ev_renew, ev_register, ev_watch, ev_report>;

struct scheduled {
  sim_time at;
  std::uint64_t seq;
  event e;
  bool operator>(const scheduled& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

using event_queue = std::priority_queue<scheduled, std::vector<scheduled>, std::greater<>>;

}  // namespace reel::cluster::replication::sim
