// What a run counts and measures, per mix entry, in total and over time. Each event-loop
// thread fills its own run_stats; they merge once the threads have joined.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "bench/loadgen/histogram.hpp"

namespace reel::loadgen {

// How one request ended.
enum class outcome {
  ok,
  http_error,  // a complete response with a status outside 2xx
  api_error,   // HTTP 200 whose body lacks Reel's {"status_code":0 envelope (--status-check)
  io_error,    // the connection failed or the response was malformed before it completed
  timeout,     // no complete response within --timeout-ms
};

// Classifies a complete response.
outcome classify_response(int code, std::string_view body_prefix, bool status_check);

struct outcome_counts {
  std::uint64_t requests = 0;   // sent and ended, whatever the outcome
  std::uint64_t responses = 0;  // complete responses (ok, http_error, api_error)
  std::uint64_t ok = 0;
  std::uint64_t errors_http = 0;
  std::uint64_t errors_api = 0;
  std::uint64_t errors_io = 0;
  std::uint64_t timeouts = 0;

  void count(outcome o);
  void merge(const outcome_counts& other);
};

struct entry_stats {
  outcome_counts counts;
  histogram latency;  // ns, complete responses only: a timeout has no latency to report
};

// One --timeline-ms interval of the measured window, by completion time. Responses that
// arrive after the window (while the last ones drain) count in the totals only.
struct timeline_slot {
  std::uint64_t completed = 0;  // complete responses
  std::uint64_t errors = 0;     // any outcome but ok
  // Coarser than the totals (1.6% instead of 0.4%) because a long run holds thousands.
  histogram latency{5};
};

class run_stats {
 public:
  // window_ns: length of the measured window, which the timeline covers.
  run_stats(std::size_t entries, std::int64_t timeline_ns, std::int64_t window_ns);

  // A request of entry `entry` ended `since_start_ns` after the measured window began;
  // latency_ns counts only for complete responses.
  void record(std::size_t entry, outcome o, std::uint64_t latency_ns, std::int64_t since_start_ns);
  // Open loop: how late a request went out after its due time, because the generator or
  // every connection was busy. Large values with an idle server mean the generator lags.
  void record_send_lag(std::uint64_t lag_ns) { send_lag_.record(lag_ns); }
  void count_connect_error() { ++connect_errors_; }
  void merge(const run_stats& other);

  const entry_stats& total() const { return total_; }
  const std::vector<entry_stats>& by_entry() const { return by_entry_; }
  const std::vector<timeline_slot>& timeline() const { return timeline_; }
  std::int64_t timeline_ns() const { return timeline_ns_; }
  std::uint64_t connect_errors() const { return connect_errors_; }
  const histogram& send_lag() const { return send_lag_; }

 private:
  entry_stats total_;
  std::vector<entry_stats> by_entry_;
  std::vector<timeline_slot> timeline_;
  std::int64_t timeline_ns_;
  std::int64_t window_ns_;
  std::uint64_t connect_errors_ = 0;
  histogram send_lag_;
};

}  // namespace reel::loadgen
