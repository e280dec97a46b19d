#include "bench/loadgen/stats.hpp"

#include <algorithm>

namespace reel::loadgen {

outcome classify_response(int code, std::string_view body_prefix, bool status_check) {
  if (code < 200 || code > 299) return outcome::http_error;
  if (!status_check || code != 200) return outcome::ok;
  // The envelope must say exactly 0, not 0 followed by more digits.
  constexpr std::string_view envelope = R"({"status_code":0)";
  if (!body_prefix.starts_with(envelope)) return outcome::api_error;
  const auto rest = body_prefix.substr(envelope.size());
  return !rest.empty() && rest.front() >= '0' && rest.front() <= '9' ? outcome::api_error : outcome::ok;
}

void outcome_counts::count(outcome o) {
  ++requests;
  switch (o) {
    case outcome::ok:
      ++ok, ++responses;
      break;
    case outcome::http_error:
      ++errors_http, ++responses;
      break;
    case outcome::api_error:
      ++errors_api, ++responses;
      break;
    case outcome::io_error:
      ++errors_io;
      break;
    case outcome::timeout:
      ++timeouts;
      break;
  }
}

void outcome_counts::merge(const outcome_counts& other) {
  requests += other.requests;
  responses += other.responses;
  ok += other.ok;
  errors_http += other.errors_http;
  errors_api += other.errors_api;
  errors_io += other.errors_io;
  timeouts += other.timeouts;
}

run_stats::run_stats(std::size_t entries, std::int64_t timeline_ns, std::int64_t window_ns)
    : by_entry_(entries), timeline_ns_(std::max<std::int64_t>(timeline_ns, 1)), window_ns_(window_ns) {}

void run_stats::record(std::size_t entry, outcome o, std::uint64_t latency_ns, std::int64_t since_start_ns) {
  const bool complete = o == outcome::ok || o == outcome::http_error || o == outcome::api_error;
  total_.counts.count(o);
  by_entry_[entry].counts.count(o);
  if (complete) {
    total_.latency.record(latency_ns);
    by_entry_[entry].latency.record(latency_ns);
  }
  if (since_start_ns < 0 || since_start_ns >= window_ns_) return;
  const auto slot_index = static_cast<std::size_t>(since_start_ns / timeline_ns_);
  if (slot_index >= timeline_.size()) timeline_.resize(slot_index + 1);
  auto& slot = timeline_[slot_index];
  if (o != outcome::ok) ++slot.errors;
  if (!complete) return;
  ++slot.completed;
  slot.latency.record(latency_ns);
}

void run_stats::merge(const run_stats& other) {
  total_.counts.merge(other.total_.counts);
  total_.latency.merge(other.total_.latency);
  for (std::size_t i = 0; i < by_entry_.size() && i < other.by_entry_.size(); ++i) {
    by_entry_[i].counts.merge(other.by_entry_[i].counts);
    by_entry_[i].latency.merge(other.by_entry_[i].latency);
  }
  if (timeline_.size() < other.timeline_.size()) timeline_.resize(other.timeline_.size());
  for (std::size_t i = 0; i < other.timeline_.size(); ++i) {
    timeline_[i].completed += other.timeline_[i].completed;
    timeline_[i].errors += other.timeline_[i].errors;
    timeline_[i].latency.merge(other.timeline_[i].latency);
  }
  connect_errors_ += other.connect_errors_;
  send_lag_.merge(other.send_lag_);
}

}  // namespace reel::loadgen
