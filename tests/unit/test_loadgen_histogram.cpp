#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "bench/loadgen/histogram.hpp"

using reel::loadgen::histogram;

namespace {

// The nearest-rank percentile the histogram promises, on the exact values.
std::uint64_t reference_percentile(const std::vector<std::uint64_t>& sorted, double q) {
  const auto rank =
      std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size()))));
  return sorted[rank - 1];
}

// Latencies spread log-uniformly from 1 us to 10 s, in ns, like a run with a long tail.
std::vector<std::uint64_t> random_latencies(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> exponent(3.0, 10.0);
  std::vector<std::uint64_t> values(n);
  for (auto& v : values) v = static_cast<std::uint64_t>(std::pow(10.0, exponent(rng)));
  return values;
}

void check_against_reference(const histogram& h, std::vector<std::uint64_t> values) {
  std::sort(values.begin(), values.end());
  for (double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999}) {
    const auto expected = static_cast<double>(reference_percentile(values, q));
    CAPTURE(q);
    CHECK(std::abs(static_cast<double>(h.percentile(q)) - expected) <= 0.01 * expected);
  }
  CHECK(h.max() == values.back());
  CHECK(h.percentile(1.0) == values.back());
  CHECK(h.min() == values.front());
  CHECK(h.count() == values.size());
}

}  // namespace

TEST_CASE("histogram percentiles are within 1% of a sorted-array reference on random data") {
  const auto values = random_latencies(200'000, 42);
  histogram h;
  for (auto v : values) h.record(v);
  check_against_reference(h, values);
  double sum = 0;
  for (auto v : values) sum += static_cast<double>(v);
  CHECK(h.mean() == doctest::Approx(sum / static_cast<double>(values.size())).epsilon(1e-9));
}

TEST_CASE("histograms recorded apart and merged equal one histogram of all values") {
  const auto a = random_latencies(50'000, 1);
  const auto b = random_latencies(70'000, 2);
  histogram ha, hb, all;
  for (auto v : a) ha.record(v), all.record(v);
  for (auto v : b) hb.record(v), all.record(v);
  ha.merge(hb);
  std::vector<std::uint64_t> both(a);
  both.insert(both.end(), b.begin(), b.end());
  check_against_reference(ha, both);
  for (double q : {0.5, 0.9, 0.99, 0.999}) CHECK(ha.percentile(q) == all.percentile(q));
  CHECK(ha.mean() == doctest::Approx(all.mean()));
}

TEST_CASE("small values are exact and huge values keep an exact max") {
  histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  CHECK(h.percentile(0.5) == 50);
  CHECK(h.percentile(0.99) == 99);
  h.record(500'000'000'000);  // 500 s, beyond the trackable 100 s
  CHECK(h.max() == 500'000'000'000);
  CHECK(h.percentile(1.0) == 500'000'000'000);
  CHECK(h.count() == 101);
}

TEST_CASE("an empty histogram reports zeros, and precisions do not mix") {
  histogram h;
  CHECK(h.count() == 0);
  CHECK(h.percentile(0.99) == 0);
  CHECK(h.max() == 0);
  CHECK(h.mean() == 0.0);
  histogram coarse(5);
  CHECK_THROWS(h.merge(coarse));
}

TEST_CASE("a coarse histogram (timeline precision) stays within its bound of 1/64") {
  const auto values = random_latencies(20'000, 7);
  histogram h(5);
  for (auto v : values) h.record(v);
  auto sorted = values;
  std::sort(sorted.begin(), sorted.end());
  for (double q : {0.5, 0.99}) {
    const auto expected = static_cast<double>(reference_percentile(sorted, q));
    CHECK(std::abs(static_cast<double>(h.percentile(q)) - expected) <= expected / 64);
  }
}
