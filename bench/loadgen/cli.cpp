#include "bench/loadgen/cli.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace reel::loadgen {

const char* const usage_text =
    R"(usage: loadgen --target HOST:PORT --duration SECONDS (--get PATH | --mix FILE) [options]

HTTP/1.1 load over keep-alive connections, to loopback only (127.0.0.0/8 or localhost).

  --target HOST:PORT     server to load; any host outside loopback is refused (exit 2);
                         repeated, connections go to the targets in turn (a cluster)
  --duration SECONDS     measured window (required); the run lasts warmup + duration,
                         plus at most --timeout-ms for the last responses
  --connections N, -c N  keep-alive connections (default 16)
  --threads T, -t T      event-loop threads, connections split across them (default 1)
  --rate R               open loop: R requests/s over all connections, latency measured
                         from each request's due time; without it, closed loop: each
                         connection sends its next request when the previous one is answered
  --max-requests N       stop after N requests (default: the duration bounds the run)
  --get PATH             workload of one GET PATH
  --mix FILE             workload of weighted requests, one JSON object per line:
                         {"name":"home","weight":60,"method":"GET","path":"/feed/?token={token}",
                          "body":"","content_type":""}
                         ("body_file":"PATH" instead of "body" sends a file's bytes verbatim)
  --var NAME=FILE        {NAME} in a path or body becomes a random line of FILE (repeatable);
                         {seq} is a run-wide request counter, {rand} a random u64
  --timeout-ms MS        per request: no full response by then is a timeout, and its
                         connection is closed and reopened (default 5000)
  --warmup SECONDS       requests started during warmup are not recorded (default 0)
  --status-check         an HTTP 200 whose body does not start with {"status_code":0 is an
                         API error (non-2xx statuses are always counted as HTTP errors)
  --json OUT             write the results as JSON to OUT
  --timeline-ms MS       interval of the throughput-over-time series (default 1000)
  --max-backlog-ms MS    open loop: stop and report the rate unsustainable when a request
                         waits longer than this for a free connection (default 10000)
  --seed N               seed of the mix draws and placeholders (default 1)
  --help, -h             this text
)";

namespace {

template <class T>
bool parse_integer(std::string_view text, T& out, T min, T max) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min || value > max) return false;
  out = value;
  return true;
}

bool parse_real(std::string_view text, double& out, double min, double max) {
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value) || value < min || value > max)
    return false;
  out = value;
  return true;
}

// Applies a numeric option; `known` is false when `name` is not one.
bool apply_number(run_config& r, std::string_view name, std::string_view value, bool& known) {
  known = true;
  if (name == "--connections" || name == "-c") return parse_integer(value, r.connections, 1, 65'000);
  if (name == "--threads" || name == "-t") return parse_integer(value, r.threads, 1, 256);
  if (name == "--duration" || name == "-d") return parse_real(value, r.duration_s, 0.001, 7 * 86'400.0);
  if (name == "--max-requests") return parse_integer<std::uint64_t>(value, r.max_requests, 1, UINT64_MAX);
  if (name == "--rate") return parse_real(value, r.rate, 0.001, 1e9);
  if (name == "--timeout-ms") return parse_integer<std::int64_t>(value, r.timeout_ms, 1, 3'600'000);
  if (name == "--warmup") return parse_real(value, r.warmup_s, 0, 86'400.0);
  if (name == "--timeline-ms") return parse_integer<std::int64_t>(value, r.timeline_ms, 1, 3'600'000);
  if (name == "--max-backlog-ms") return parse_integer<std::int64_t>(value, r.max_backlog_ms, 1, 3'600'000);
  if (name == "--seed") return parse_integer<std::uint64_t>(value, r.seed, 0, UINT64_MAX);
  known = false;
  return false;
}

// Applies one option with a value; false (with `error`) if the name or the value is bad.
bool apply_value(cli_options& o, std::string_view name, std::string_view value, std::string& error) {
  if (name == "--target") {
    auto target = parse_loopback_target(value, error);
    if (!target) return false;
    if (o.run.target.host_header.empty())
      o.run.target = *target;
    else
      o.run.more_targets.push_back(*target);
    return true;
  }
  std::string* text = name == "--mix"    ? &o.mix_file
                      : name == "--get"  ? &o.get_path
                      : name == "--json" ? &o.json_out
                                         : nullptr;
  if (text != nullptr) {
    *text = value;
    return true;
  }
  if (name == "--var") {
    const auto eq = value.find('=');
    if (eq == std::string_view::npos || eq == 0) return error = "--var takes NAME=FILE", false;
    o.vars.emplace_back(std::string(value.substr(0, eq)), std::string(value.substr(eq + 1)));
    return true;
  }
  bool known = false;
  if (apply_number(o.run, name, value, known)) return true;
  error =
      known ? "bad value '" + std::string(value) + "' for " + std::string(name) : "unknown option " + std::string(name);
  return false;
}

// Each interval holds a histogram (8 KB) per thread: this caps the timeline at ~80 MB a thread.
constexpr int max_timeline_intervals = 10'000;

bool check_required(const cli_options& o, bool has_target, std::string& error) {
  if (!has_target)
    error = "--target HOST:PORT is required";
  else if (o.run.duration_s <= 0)
    error = "--duration SECONDS is required: every run is bounded in time";
  else if (o.mix_file.empty() == o.get_path.empty())
    error = "give exactly one of --get PATH and --mix FILE";
  else if (o.run.duration_s * 1000 / static_cast<double>(o.run.timeline_ms) > max_timeline_intervals)
    error =
        "--timeline-ms is too small for --duration: at most " + std::to_string(max_timeline_intervals) + " intervals";
  return error.empty();
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::optional<cli_options> parse_cli(std::span<const std::string_view> args, std::string& error) {
  cli_options o;
  bool has_target = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto name = args[i];
    if (name == "--help" || name == "-h") {
      o.help = true;
      return o;
    }
    if (name == "--status-check") {
      o.run.status_check = true;
      continue;
    }
    std::string_view value;
    if (const auto eq = name.find('='); name.starts_with("--") && eq != std::string_view::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return error = std::string(name) + " needs a value", std::nullopt;
    }
    if (!apply_value(o, name, value, error)) return std::nullopt;
    has_target = has_target || name == "--target";
  }
  if (!check_required(o, has_target, error)) return std::nullopt;
  return o;
}

std::optional<mix> load_workload(const cli_options& options, std::string& error) {
  std::vector<var_file> vars;
  for (const auto& [name, path] : options.vars) {
    auto file = load_var_file(name, path, error);
    if (!file) return std::nullopt;
    vars.push_back(std::move(*file));
  }
  if (!options.get_path.empty()) return mix::single_get(options.get_path, std::move(vars), error);
  const auto text = read_file(options.mix_file);
  if (!text) return error = "cannot read mix file " + options.mix_file, std::nullopt;
  return mix::parse(*text, std::move(vars), error);
}

}  // namespace reel::loadgen
