// Latency histogram with HdrHistogram's log-linear layout, in nanoseconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace reel::loadgen {

// Values below 2^sub_bits ns fall in exact buckets; each higher power of two is split into
// 2^sub_bits equal buckets, so a bucket is at most 1/2^sub_bits of its values wide and a
// percentile (reported as its bucket's midpoint) is off by at most half that: 0.4% with the
// default 7 bits. Count, sum, min and max are exact. Values above max_trackable_ns are
// counted in the top bucket but still set the exact max. Histograms of equal precision
// merge by adding counts, so each thread records into its own and they merge at the end.
class histogram {
 public:
  static constexpr std::uint64_t max_trackable_ns = 100'000'000'000;  // 100 s

  explicit histogram(int sub_bits = 7);

  void record(std::uint64_t value_ns);
  void merge(const histogram& other);  // other must have the same sub_bits

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ == 0 ? 0 : min_; }
  std::uint64_t max() const { return max_; }
  double mean() const;

  // The nearest-rank percentile: the smallest recorded value v such that at least
  // q * count values are <= v, as its bucket's midpoint clamped to [min, max].
  // q in [0, 1]; q = 1 gives the exact max. 0 when empty.
  std::uint64_t percentile(double q) const;

  int sub_bits() const { return sub_bits_; }

 private:
  std::size_t index_of(std::uint64_t value) const;
  std::uint64_t lowest_of(std::size_t index) const;
  std::uint64_t highest_of(std::size_t index) const;

  int sub_bits_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;  // ns; overflows only past ~584 years of summed latency
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace reel::loadgen
