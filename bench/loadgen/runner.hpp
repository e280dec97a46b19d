// A load run: event-loop threads driving keep-alive connections in open or closed loop.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/loadgen/mix.hpp"
#include "bench/loadgen/stats.hpp"
#include "bench/loadgen/target.hpp"

namespace reel::loadgen {

struct run_config {
  loopback_target target;
  // Further servers (a cluster's nodes): connections go to the targets in turn.
  std::vector<loopback_target> more_targets;
  int connections = 16;
  int threads = 1;                      // at most `connections`
  double duration_s = 0;                // measured window; the run is warmup + duration
  double warmup_s = 0;                  // requests started during warmup are not recorded
  double rate = 0;                      // open loop, requests/s over all connections; 0 = closed loop
  std::uint64_t max_requests = 0;       // 0 = bounded by the duration only
  std::int64_t timeout_ms = 5000;       // per request, from its send; also per connect
  std::int64_t timeline_ms = 1000;      // interval of the throughput-over-time series
  std::int64_t max_backlog_ms = 10000;  // open loop: give up when requests wait longer to be sent
  bool status_check = false;            // count 200s without {"status_code":0 as API errors
  std::uint64_t seed = 1;               // for mix draws and placeholders; thread k uses seed + k
};

struct run_result {
  explicit run_result(run_stats s) : stats(std::move(s)) {}
  run_stats stats;
  double measured_s = 0;        // the measured window actually run (shorter if stopped early)
  std::uint64_t scheduled = 0;  // open loop: requests due in the measured window
  std::uint64_t missed = 0;     // open loop: of those, never sent because no connection was free
  bool unsustainable = false;   // open loop: the server could not keep up with the rate
  std::string unsustainable_reason;
  std::string stop_reason;  // why the run ended before its duration; empty if it did not
};

// Runs the load. Bounded in time by warmup + duration + one timeout for the last responses
// (plus at most one timeout to connect), and in count by max_requests when set. Setting
// `interrupted` (e.g. from SIGINT) ends the run early with the results so far.
run_result run_load(const run_config& config, const mix& requests, const std::atomic<bool>& interrupted);

}  // namespace reel::loadgen
