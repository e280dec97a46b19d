#include "http/probe.hpp"

#include <fmt/format.h>

#include <memory>

namespace reel::http {

std::size_t http_probe::add_route(std::string name) {
  routes_.push_back(std::make_unique<route_stats>());
  routes_.back()->name = std::move(name);
  return routes_.size() - 1;
}

void http_probe::observe(std::size_t route, int http_status, std::chrono::microseconds latency) {
  auto& r = *routes_.at(route);
  auto& counter = http_status >= 500 ? r.server : http_status >= 400 ? r.client : r.ok;
  counter.fetch_add(1, std::memory_order_relaxed);
  auto us = static_cast<std::uint64_t>(latency.count());
  std::size_t b = 0;
  while (b < bucket_us.size() && us > bucket_us[b]) ++b;
  r.buckets[b].fetch_add(1, std::memory_order_relaxed);
  r.sum_us.fetch_add(us, std::memory_order_relaxed);
}

std::string http_probe::render() const {
  std::string out =
      "# HELP reel_http_requests_total HTTP requests by route and status class\n"
      "# TYPE reel_http_requests_total counter\n";
  for (const auto& r : routes_) {
    out += fmt::format("reel_http_requests_total{{route=\"{}\",class=\"2xx\"}} {}\n", r->name, r->ok.load());
    out += fmt::format("reel_http_requests_total{{route=\"{}\",class=\"4xx\"}} {}\n", r->name, r->client.load());
    out += fmt::format("reel_http_requests_total{{route=\"{}\",class=\"5xx\"}} {}\n", r->name, r->server.load());
  }
  out += "# HELP reel_http_request_seconds HTTP request latency by route\n# TYPE reel_http_request_seconds histogram\n";
  for (const auto& r : routes_) {
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < r->buckets.size(); ++b) {
      cumulative += r->buckets[b].load();
      auto le = b < bucket_us.size() ? fmt::format("{}", bucket_us[b] / 1e6) : std::string("+Inf");
      out += fmt::format("reel_http_request_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", r->name, le, cumulative);
    }
    out += fmt::format("reel_http_request_seconds_sum{{route=\"{}\"}} {}\n", r->name, r->sum_us.load() / 1e6);
    out += fmt::format("reel_http_request_seconds_count{{route=\"{}\"}} {}\n", r->name, cumulative);
  }
  const auto& c = connections;
  out += fmt::format(
      "# HELP reel_http_connections_total connections accepted, and shed for want of a descriptor\n"
      "# TYPE reel_http_connections_total counter\n"
      "reel_http_connections_total{{outcome=\"accepted\"}} {}\n"
      "reel_http_connections_total{{outcome=\"shed\"}} {}\n"
      "# HELP reel_http_connections_open connections open now\n# TYPE reel_http_connections_open gauge\n"
      "reel_http_connections_open {}\n"
      "# HELP reel_http_requests_rejected_total requests refused before routing (framing, size, version)\n"
      "# TYPE reel_http_requests_rejected_total counter\nreel_http_requests_rejected_total {}\n"
      "# HELP reel_http_connections_timed_out_total connections closed at a head, body, idle or write deadline\n"
      "# TYPE reel_http_connections_timed_out_total counter\nreel_http_connections_timed_out_total {}\n",
      c.accepted.load(), c.shed.load(), c.open.load(), c.rejected.load(), c.timed_out.load());
  return out;
}

}  // namespace reel::http
