#include "bench/loadgen/runner.hpp"

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cmath>
#include <memory>
#include <thread>
#include <vector>

#include "bench/loadgen/load_thread.hpp"

namespace reel::loadgen {

namespace {

std::int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string why_unsustainable(const run_config& config, const shared_run& shared, const run_result& r) {
  const auto rate = std::to_string(static_cast<long long>(std::llround(config.rate)));
  if (shared.backlog_exceeded.load()) {
    return "requests waited more than " + std::to_string(config.max_backlog_ms) + " ms for a free connection: " + rate +
           " req/s is not sustainable";
  }
  // A short run may end before the backlog bound is reached; a backlog of more than 1% of
  // the schedule at the end says the same thing.
  if (r.scheduled > 0 && r.missed * 100 > r.scheduled) {
    return std::to_string(r.missed) + " of " + std::to_string(r.scheduled) + " due requests were never sent: " + rate +
           " req/s is not sustainable";
  }
  return {};
}

run_result collect(const run_config& config, const shared_run& shared,
                   const std::vector<std::unique_ptr<load_thread>>& threads) {
  run_result result(run_stats(threads.front()->stats.by_entry().size(), config.timeline_ms * 1'000'000,
                              std::llround(config.duration_s * 1e9)));
  std::int64_t finished = 0;
  for (const auto& t : threads) {
    result.stats.merge(t->stats);
    result.scheduled += t->scheduled;
    result.missed += t->missed;
    finished = std::max(finished, t->finished_ns);
  }
  const std::int64_t measure_start = shared.t0_ns.load() + std::llround(config.warmup_s * 1e9);
  const std::int64_t end = measure_start + std::llround(config.duration_s * 1e9);
  // Responses drained after the end still count, against the full duration: at most one
  // per connection, which is noise next to a run's total.
  result.measured_s = static_cast<double>(std::max<std::int64_t>(0, std::min(end, finished) - measure_start)) / 1e9;
  if (config.rate > 0) result.unsustainable_reason = why_unsustainable(config, shared, result);
  result.unsustainable = !result.unsustainable_reason.empty();
  if (shared.interrupted->load()) {
    result.stop_reason = "interrupted";
  } else if (shared.backlog_exceeded.load()) {
    result.stop_reason = "open-loop backlog bound exceeded";
  } else if (finished < end) {
    result.stop_reason = "reached --max-requests";
  }
  return result;
}

}  // namespace

run_result run_load(const run_config& input, const mix& requests, const std::atomic<bool>& interrupted) {
  run_config config = input;
  config.connections = std::max(config.connections, 1);
  config.threads = std::clamp(config.threads, 1, config.connections);
  shared_run shared;
  shared.interrupted = &interrupted;
  std::vector<std::unique_ptr<load_thread>> threads;
  for (int k = 0; k < config.threads; ++k) {
    const int share = config.connections / config.threads + (k < config.connections % config.threads ? 1 : 0);
    threads.push_back(std::make_unique<load_thread>(config, requests, shared, static_cast<unsigned>(k), share));
  }
  // All threads connect first, then start together: connection setup is not part of the load.
  std::barrier start(config.threads, [&shared]() noexcept { shared.t0_ns.store(now_ns()); });
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads.size());
    for (auto& t : threads) {
      workers.emplace_back([&start, thread = t.get()] {
        thread->connect_phase();
        start.arrive_and_wait();
        thread->load_phase();
      });
    }
  }  // joined here
  return collect(config, shared, threads);
}

}  // namespace reel::loadgen
