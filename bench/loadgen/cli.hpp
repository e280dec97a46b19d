// The loadgen command line: parsed into a run configuration and a workload, validated
// before any connection opens (a non-loopback target is refused here).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/loadgen/mix.hpp"
#include "bench/loadgen/runner.hpp"

namespace reel::loadgen {

struct cli_options {
  run_config run;
  std::string mix_file;                                   // --mix; exactly one of mix_file and get_path is set
  std::string get_path;                                   // --get
  std::vector<std::pair<std::string, std::string>> vars;  // --var NAME=FILE
  std::string json_out;
  bool help = false;
};

extern const char* const usage_text;

// Parses the arguments after the program name; nullopt with `error` on a usage error.
std::optional<cli_options> parse_cli(std::span<const std::string_view> args, std::string& error);

// Reads the var files and the mix (or builds the --get workload).
std::optional<mix> load_workload(const cli_options& options, std::string& error);

}  // namespace reel::loadgen
