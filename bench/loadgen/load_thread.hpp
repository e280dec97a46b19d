// One event-loop thread of a run: its share of the connections, on its own epoll.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bench/loadgen/http_conn.hpp"
#include "bench/loadgen/mix.hpp"
#include "bench/loadgen/runner.hpp"
#include "bench/loadgen/schedule.hpp"
#include "bench/loadgen/stats.hpp"

namespace reel::loadgen {

// What the threads of one run share; everything else is thread-local.
struct shared_run {
  std::atomic<std::int64_t> t0_ns{0};  // steady-clock start, published before any thread loads
  std::atomic<bool> stop{false};       // some thread gave up (backlog); all end early
  std::atomic<bool> backlog_exceeded{false};
  std::atomic<std::uint64_t> issued{0};  // closed loop: requests claimed, for max_requests
  std::atomic<std::uint64_t> seq{0};     // the {seq} placeholder
  const std::atomic<bool>* interrupted = nullptr;
};

class load_thread {
 public:
  load_thread(const run_config& config, const mix& requests, shared_run& shared, unsigned index, int connections);
  ~load_thread();
  load_thread(const load_thread&) = delete;
  load_thread& operator=(const load_thread&) = delete;

  // Connects, then returns so that all threads can start together at shared.t0_ns.
  void connect_phase();
  // Loads until the end of the run, then waits for the last responses.
  void load_phase();

  run_stats stats;
  std::uint64_t scheduled = 0;   // open loop: recorded requests due (sent or missed)
  std::uint64_t missed = 0;      // open loop: due in the measured window but never sent
  std::int64_t finished_ns = 0;  // steady clock when the last response was awaited

 private:
  struct flight {
    bool active = false;
    std::size_t entry = 0;
    std::int64_t start_ns = 0;     // intended (open loop) or actual (closed loop) send time
    std::int64_t deadline_ns = 0;  // request timeout, or connect timeout while connecting
    bool recorded = false;         // started after warmup
  };
  enum class phase { connecting, loading, draining };

  void drain(std::int64_t deadline);
  void poll(std::int64_t wake_ns);
  void dispatch(std::size_t c, std::uint32_t events);
  void handle(std::size_t c, http_conn::event ev);
  void on_response(std::size_t c, std::int64_t now);
  void became_idle(std::size_t c, std::int64_t now);
  void start_request(std::size_t c, std::size_t entry, std::int64_t start_ns, bool recorded);
  void finish(std::size_t c, outcome o, std::int64_t now);
  void try_open(std::size_t c, std::int64_t now);
  void retry_later(std::size_t c, std::int64_t now);
  void watch(std::size_t c);
  void housekeeping(std::int64_t now);
  void feed_open_loop(std::int64_t now);
  void issue_closed_loop(std::size_t c, std::int64_t now);
  std::optional<std::size_t> pop_idle();
  bool has_idle();
  bool should_stop() const;
  void count_missed(std::int64_t stop_ns);

  const run_config& config_;
  unsigned index_;  // this thread's number (its connections take their turns among the targets)
  const mix& mix_;
  shared_run& shared_;
  int epoll_fd_ = -1;
  phase phase_ = phase::connecting;
  render_context render_;
  std::vector<http_conn> conns_;
  std::vector<flight> flights_;
  std::vector<std::int64_t> retry_at_;   // when a closed connection may reconnect
  std::vector<std::uint32_t> interest_;  // epoll events registered per connection
  std::vector<std::size_t> idle_;        // open loop: connections free to send
  std::vector<bool> in_idle_;
  std::vector<char> scratch_;  // read buffer shared by all connections
  std::size_t in_flight_ = 0;
  std::int64_t next_housekeeping_ = 0;
  // Run timeline, steady-clock ns; set when loading starts.
  std::int64_t t0_ = 0, measure_start_ = 0, end_ = 0;
  std::optional<open_schedule> schedule_;
  std::uint64_t next_j_ = 0;  // open loop: this thread's next request in the schedule
  bool exhausted_ = false;    // no more requests to issue (end of schedule or max_requests)
};

}  // namespace reel::loadgen
