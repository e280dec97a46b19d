#include "bench/loadgen/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>

namespace reel::loadgen {

histogram::histogram(int sub_bits) : sub_bits_(sub_bits) {
  if (sub_bits < 1 || sub_bits > 16) throw std::invalid_argument("histogram: sub_bits out of range");
  counts_.assign(index_of(max_trackable_ns) + 1, 0);
}

// For v >= 2^b with v in [2^m, 2^(m+1)): v >> (m - b) lies in [2^b, 2^(b+1)), and the
// index is (m - b) * 2^b + (v >> (m - b)), which continues the exact range [0, 2^b) without gap.
std::size_t histogram::index_of(std::uint64_t value) const {
  const std::uint64_t sub = std::uint64_t{1} << sub_bits_;
  if (value < sub) return value;
  const int magnitude = static_cast<int>(std::bit_width(value)) - 1;
  const int shift = magnitude - sub_bits_;
  return static_cast<std::size_t>(shift) * sub + (value >> shift);
}

std::uint64_t histogram::lowest_of(std::size_t index) const {
  const std::uint64_t sub = std::uint64_t{1} << sub_bits_;
  if (index < sub) return index;
  const std::uint64_t shift = index / sub - 1;
  return (index % sub + sub) << shift;
}

std::uint64_t histogram::highest_of(std::size_t index) const {
  const std::uint64_t sub = std::uint64_t{1} << sub_bits_;
  if (index < 2 * sub) return lowest_of(index);  // width 1
  const std::uint64_t shift = index / sub - 1;
  return lowest_of(index) + (std::uint64_t{1} << shift) - 1;
}

void histogram::record(std::uint64_t value_ns) {
  const std::uint64_t clamped = std::min(value_ns, max_trackable_ns);
  ++counts_[index_of(clamped)];
  ++count_;
  sum_ += value_ns;
  min_ = std::min(min_, value_ns);
  max_ = std::max(max_, value_ns);
}

void histogram::merge(const histogram& other) {
  if (other.sub_bits_ != sub_bits_) throw std::invalid_argument("histogram: merging different precisions");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

double histogram::mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }

std::uint64_t histogram::percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  if (q >= 1.0) return max_;
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const std::uint64_t mid = lowest_of(i) + (highest_of(i) - lowest_of(i)) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

}  // namespace reel::loadgen
