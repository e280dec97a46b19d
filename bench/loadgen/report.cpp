#include "bench/loadgen/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "bench/loadgen/json_text.hpp"

namespace reel::loadgen {

namespace {

struct percentile_point {
  const char* key;
  double q;
};
constexpr percentile_point percentiles[] = {{"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p999", 0.999}};

double throughput(const outcome_counts& counts, double seconds) {
  return seconds > 0 ? static_cast<double>(counts.responses) / seconds : 0.0;
}

std::string describe_config(const run_config& config, double measured_s) {
  std::string targets = config.target.host_header;
  for (const auto& t : config.more_targets) targets += "," + t.host_header;
  char line[768];
  const std::string mode =
      config.rate > 0 ? "open loop at " + std::to_string(std::llround(config.rate)) + " req/s" : "closed loop";
  std::snprintf(line, sizeof line,
                "loadgen: %s, %d connections, %d threads, %.1f s measured after %.1f s warmup, target %s\n",
                mode.c_str(), config.connections, config.threads, measured_s, config.warmup_s, targets.c_str());
  return line;
}

std::string table_row(const std::string& name, int width, const entry_stats& e, double seconds) {
  const auto& c = e.counts;
  const auto& h = e.latency;
  auto ms = [](double ns) { return ns / 1e6; };
  char row[512];
  std::snprintf(row, sizeof row, "%-*s %10llu %10.1f %8llu %6llu %6llu %7llu %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n",
                width, name.c_str(), static_cast<unsigned long long>(c.requests), throughput(c, seconds),
                static_cast<unsigned long long>(c.errors_http), static_cast<unsigned long long>(c.errors_api),
                static_cast<unsigned long long>(c.errors_io), static_cast<unsigned long long>(c.timeouts),
                ms(static_cast<double>(h.percentile(0.5))), ms(static_cast<double>(h.percentile(0.9))),
                ms(static_cast<double>(h.percentile(0.99))), ms(static_cast<double>(h.percentile(0.999))),
                ms(static_cast<double>(h.max())), ms(h.mean()));
  return row;
}

void write_entry(json_writer& w, const entry_stats& e, double seconds, const std::uint64_t* connect_errors) {
  const auto& c = e.counts;
  w.begin_object();
  w.key("requests").value(c.requests).key("responses").value(c.responses).key("ok").value(c.ok);
  w.key("errors_http").value(c.errors_http).key("errors_api").value(c.errors_api);
  w.key("errors_io").value(c.errors_io).key("timeouts").value(c.timeouts);
  if (connect_errors != nullptr) w.key("connect_errors").value(*connect_errors);
  w.key("throughput_rps").value(throughput(c, seconds));
  w.key("latency_us").begin_object();
  for (const auto& p : percentiles) w.key(p.key).value(static_cast<double>(e.latency.percentile(p.q)) / 1e3);
  w.key("max").value(static_cast<double>(e.latency.max()) / 1e3).key("mean").value(e.latency.mean() / 1e3);
  w.end_object().end_object();
}

void write_config(json_writer& w, const run_config& config, const mix& requests) {
  w.key("config").begin_object();
  w.key("target").value(config.target.host_header).key("mode").value(config.rate > 0 ? "open" : "closed");
  w.key("targets").begin_array().value(config.target.host_header);
  for (const auto& t : config.more_targets) w.value(t.host_header);
  w.end_array();
  w.key("connections").value(config.connections).key("threads").value(config.threads);
  w.key("duration_s").value(config.duration_s).key("warmup_s").value(config.warmup_s);
  w.key("rate");
  config.rate > 0 ? w.value(config.rate) : w.null();
  w.key("max_requests");
  config.max_requests > 0 ? w.value(config.max_requests) : w.null();
  w.key("timeout_ms").value(config.timeout_ms).key("timeline_ms").value(config.timeline_ms);
  w.key("max_backlog_ms").value(config.max_backlog_ms).key("status_check").value(config.status_check);
  w.key("seed").value(config.seed);
  w.key("mix").begin_array();
  for (const auto& e : requests.entries()) {
    w.begin_object().key("name").value(e.name).key("weight").value(e.weight).key("method").value(e.method);
    w.key("path").value(e.path.source());
    if (e.body_file.empty())
      w.key("body").value(e.body.source());
    else
      w.key("body_file").value(e.body_file);  // the bytes may not be UTF-8: not copied into JSON
    w.key("content_type").value(e.content_type).end_object();
  }
  w.end_array().end_object();
}

// rps divides by the part of each interval inside the measured window, so that a last,
// shorter interval does not look like a drop in throughput.
void write_timeline(json_writer& w, const run_stats& stats, double measured_s) {
  const double interval_s = static_cast<double>(stats.timeline_ns()) / 1e9;
  w.key("timeline").begin_array();
  for (std::size_t i = 0; i < stats.timeline().size(); ++i) {
    const auto& slot = stats.timeline()[i];
    const double start_s = static_cast<double>(i) * interval_s;
    const double length_s = std::min(interval_s, measured_s - start_s);
    w.begin_object().key("t_ms").value(static_cast<std::uint64_t>(std::llround(start_s * 1e3)));
    w.key("completed").value(slot.completed).key("errors").value(slot.errors);
    w.key("rps").value(length_s > 0 ? static_cast<double>(slot.completed) / length_s : 0.0);
    w.key("p50_us").value(static_cast<double>(slot.latency.percentile(0.5)) / 1e3);
    w.key("p99_us").value(static_cast<double>(slot.latency.percentile(0.99)) / 1e3).end_object();
  }
  w.end_array();
}

}  // namespace

std::string summary_text(const run_config& config, const mix& requests, const run_result& result) {
  int width = 5;
  for (const auto& e : requests.entries()) width = std::max(width, static_cast<int>(e.name.size()));
  std::string out = describe_config(config, result.measured_s);
  char header[512];
  std::snprintf(header, sizeof header, "%-*s %10s %10s %8s %6s %6s %7s %9s %9s %9s %9s %9s %9s\n", width, "name",
                "requests", "rps", "err_http", "api", "io", "timeout", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms",
                "max ms", "mean ms");
  out += header;
  const auto& stats = result.stats;
  for (std::size_t i = 0; i < requests.entries().size(); ++i) {
    out += table_row(requests.entries()[i].name, width, stats.by_entry()[i], result.measured_s);
  }
  out += table_row("total", width, stats.total(), result.measured_s);
  out += "connect errors: " + std::to_string(stats.connect_errors()) + "\n";
  if (config.rate > 0) {
    const auto& lag = stats.send_lag();
    char lag_text[128];
    std::snprintf(lag_text, sizeof lag_text, "send lag after due time: p50 %.3f ms, p99 %.3f ms, max %.3f ms\n",
                  static_cast<double>(lag.percentile(0.5)) / 1e6, static_cast<double>(lag.percentile(0.99)) / 1e6,
                  static_cast<double>(lag.max()) / 1e6);
    out += "open loop: " + std::to_string(result.scheduled) + " requests due, " + std::to_string(result.missed) +
           " never sent; " +
           (result.unsustainable ? "UNSUSTAINABLE: " + result.unsustainable_reason : "rate sustained") + "\n";
    out += lag_text;
  }
  if (!result.stop_reason.empty()) out += "stopped early: " + result.stop_reason + "\n";
  return out;
}

std::string results_json(const run_config& config, const mix& requests, const run_result& result) {
  json_writer w;
  const auto& stats = result.stats;
  const auto connect_errors = stats.connect_errors();
  w.begin_object();
  write_config(w, config, requests);
  w.key("measured_s").value(result.measured_s);
  w.key("total");
  write_entry(w, stats.total(), result.measured_s, &connect_errors);
  w.key("by_name").begin_object();
  for (std::size_t i = 0; i < requests.entries().size(); ++i) {
    w.key(requests.entries()[i].name);
    write_entry(w, stats.by_entry()[i], result.measured_s, nullptr);
  }
  w.end_object();
  write_timeline(w, stats, result.measured_s);
  if (config.rate > 0) {
    const auto& lag = stats.send_lag();
    w.key("send_lag_us").begin_object().key("p50").value(static_cast<double>(lag.percentile(0.5)) / 1e3);
    w.key("p99").value(static_cast<double>(lag.percentile(0.99)) / 1e3);
    w.key("max").value(static_cast<double>(lag.max()) / 1e3).end_object();
  }
  w.key("scheduled").value(result.scheduled).key("missed").value(result.missed);
  w.key("unsustainable").value(result.unsustainable).key("unsustainable_reason").value(result.unsustainable_reason);
  w.key("stop_reason").value(result.stop_reason);
  w.end_object();
  return w.text() + "\n";
}

}  // namespace reel::loadgen
