// loadgen: the HTTP load generator of Reel's benchmarks (usage in cli.cpp, README.md here).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string_view>
#include <vector>

#include "bench/loadgen/cli.hpp"
#include "bench/loadgen/report.hpp"

namespace {

std::atomic<bool> interrupted{false};  // lock-free, so storing from a signal handler is safe

void on_signal(int) { interrupted.store(true); }

// Each connection is a file descriptor; the soft limit is often 1024, the hard one higher.
void raise_open_file_limit(int connections) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= static_cast<rlim_t>(connections) + 64) return;
  limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(connections) + 64);
  ::setrlimit(RLIMIT_NOFILE, &limit);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace reel::loadgen;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  std::string error;
  const auto options = parse_cli(args, error);
  if (!options) {
    std::cerr << "loadgen: " << error << " (see --help)\n";
    return 2;
  }
  if (options->help) {
    std::cout << usage_text;
    return 0;
  }
  auto workload = load_workload(*options, error);
  if (!workload) {
    std::cerr << "loadgen: " << error << "\n";
    return 2;
  }
  workload->bind_host(options->run.target.host_header);
  raise_open_file_limit(options->run.connections);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  const auto result = run_load(options->run, *workload, interrupted);
  auto shown = options->run;
  shown.threads = std::clamp(shown.threads, 1, shown.connections);  // as run_load ran it
  std::cout << summary_text(shown, *workload, result) << std::flush;
  if (!options->json_out.empty()) {
    std::ofstream out(options->json_out, std::ios::binary | std::ios::trunc);
    out << results_json(shown, *workload, result);
    if (!out.flush()) {
      std::cerr << "loadgen: cannot write " << options->json_out << "\n";
      return 1;
    }
  }
  return 0;
}
