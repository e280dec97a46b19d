// A run's results: the table people read and the JSON document plots are made from.
#pragma once

#include <string>

#include "bench/loadgen/mix.hpp"
#include "bench/loadgen/runner.hpp"

namespace reel::loadgen {

// One line of configuration, a row per mix entry plus the total, then connect errors and,
// for an open loop, whether the rate was sustained. Latencies in milliseconds.
std::string summary_text(const run_config& config, const mix& requests, const run_result& result);

// {"config":{...},"total":{...},"by_name":{...},"timeline":[...],"unsustainable":bool,...}
// with latencies in microseconds; see bench/loadgen/README.md for every field.
std::string results_json(const run_config& config, const mix& requests, const run_result& result);

}  // namespace reel::loadgen
