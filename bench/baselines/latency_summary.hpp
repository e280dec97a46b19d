// Percentiles of recorded latencies as the JSON object the load generator writes, so that
// the report reads baselines and loadgen runs alike.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

namespace reel::bench {

// Nearest-rank percentile of sorted values; q in [0, 1]; 0 when empty.
template <typename T>
double percentile(const std::vector<T>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * double(sorted.size())));
  return double(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1]);
}

// {"p50","p90","p99","p999","max","mean"} of the values (sorted in place), in their unit.
template <typename T>
std::string latency_json(std::vector<T>& values) {
  std::sort(values.begin(), values.end());
  double mean = values.empty() ? 0 : std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
  std::ostringstream j;
  j << "{\"p50\":" << percentile(values, 0.5) << ",\"p90\":" << percentile(values, 0.9)
    << ",\"p99\":" << percentile(values, 0.99) << ",\"p999\":" << percentile(values, 0.999)
    << ",\"max\":" << (values.empty() ? 0 : double(values.back())) << ",\"mean\":" << mean << "}";
  return j.str();
}

}  // namespace reel::bench
