// Request counts and latency histograms per route, rendered for /metrics.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace reel::http {

// Connections of the edge (http/reactor.hpp, http/connection.hpp).
struct connection_counters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> shed{0};  // accepted and closed at once: no descriptor left
  std::atomic<std::int64_t> open{0};
  std::atomic<std::uint64_t> rejected{0};   // requests refused before a route saw them (400, 413, 431, 501, 505)
  std::atomic<std::uint64_t> timed_out{0};  // closed at a head, body, idle or write deadline
};

class http_probe {
 public:
  connection_counters connections;

  // Upper bounds of the latency buckets, in microseconds.
  static constexpr std::array<std::uint64_t, 12> bucket_us{100,   250,   500,   1000,   2500,   5000,
                                                           10000, 25000, 50000, 100000, 250000, 1000000};

  // Routes are registered once at start; `route` indexes them.
  std::size_t add_route(std::string name);
  void observe(std::size_t route, int http_status, std::chrono::microseconds latency);
  std::string render() const;

 private:
  struct route_stats {
    std::string name;
    std::atomic<std::uint64_t> ok{0};      // 2xx
    std::atomic<std::uint64_t> client{0};  // 4xx
    std::atomic<std::uint64_t> server{0};  // 5xx
    std::array<std::atomic<std::uint64_t>, bucket_us.size() + 1> buckets{};
    std::atomic<std::uint64_t> sum_us{0};
  };
  std::vector<std::unique_ptr<route_stats>> routes_;
};

}  // namespace reel::http
