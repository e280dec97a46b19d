// The intended send times of an open-loop run.
#pragma once

#include <cstdint>

namespace reel::loadgen {

// Request i of the whole run is due i / rate seconds after the start, whether or not the
// server kept up: latency is measured from that due time, so a stalled server is charged
// for the requests it delayed (no coordinated omission). Thread k of T owns requests
// k, k+T, k+2T, ..., so the threads together keep one global schedule.
class open_schedule {
 public:
  open_schedule(double rate_per_s, unsigned thread, unsigned threads)
      : period_ns_(1e9 / rate_per_s), thread_(thread), threads_(threads) {}

  // Index in the whole run of this thread's j-th request.
  std::uint64_t global_index(std::uint64_t j) const { return thread_ + j * threads_; }

  // When this thread's j-th request is due, in ns after the start.
  std::int64_t due_ns(std::uint64_t j) const {
    return static_cast<std::int64_t>(static_cast<double>(global_index(j)) * period_ns_);
  }

 private:
  double period_ns_;
  std::uint64_t thread_;
  std::uint64_t threads_;
};

}  // namespace reel::loadgen
