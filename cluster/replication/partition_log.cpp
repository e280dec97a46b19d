#include "cluster/replication/partition_log.hpp"

#include <stdexcept>

namespace reel::cluster::replication {

partition_log::partition_log(std::uint64_t base_index, std::uint64_t base_epoch, std::vector<entry> entries)
    : base_index_(base_index), base_epoch_(base_epoch) {
  for (auto& e : entries) append(std::move(e));
}

std::optional<std::uint64_t> partition_log::epoch_at(std::uint64_t index) const {
  if (index == base_index_) return base_epoch_;
  if (index < base_index_ || index > last_index()) return std::nullopt;
  return at(index).epoch;
}

void partition_log::append(entry e) {
  if (e.index != last_index() + 1 || e.epoch < last_epoch())
    throw std::logic_error("partition_log: entries must be contiguous and epochs non-decreasing");
  payload_bytes_ += e.payload.size();
  entries_.push_back(std::move(e));
}

void partition_log::truncate_after(std::uint64_t index) {
  if (index < base_index_ || index > last_index()) throw std::logic_error("partition_log: truncation out of range");
  while (last_index() > index) {
    payload_bytes_ -= entries_.back().payload.size();
    entries_.pop_back();
  }
}

void partition_log::compact(std::uint64_t index) {
  if (index < base_index_ || index > last_index()) throw std::logic_error("partition_log: compaction out of range");
  while (base_index_ < index) {
    base_epoch_ = entries_.front().epoch;
    payload_bytes_ -= entries_.front().payload.size();
    entries_.pop_front();
    ++base_index_;
  }
}

void partition_log::reset(std::uint64_t base_index, std::uint64_t base_epoch) {
  entries_.clear();
  payload_bytes_ = 0;
  base_index_ = base_index;
  base_epoch_ = base_epoch;
}

std::optional<std::uint64_t> partition_log::last_index_up_to_epoch(std::uint64_t epoch) const {
  // Epochs never decrease along the log: walk back from the end (conflicts are near it).
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->epoch <= epoch) return it->index;
  if (base_epoch_ <= epoch) return base_index_;
  return std::nullopt;
}

std::optional<std::uint64_t> partition_log::first_index_of_epoch(std::uint64_t epoch) const {
  if (base_epoch_ == epoch) return base_index_;  // epochs never decrease: nothing earlier has it
  std::optional<std::uint64_t> first;
  for (auto it = entries_.rbegin(); it != entries_.rend() && it->epoch >= epoch; ++it)
    if (it->epoch == epoch) first = it->index;
  return first;
}

std::vector<entry> partition_log::slice(std::uint64_t from, std::size_t max_entries, std::size_t max_bytes) const {
  std::vector<entry> out;
  std::size_t bytes = 0;
  for (auto i = from; i <= last_index() && out.size() < max_entries; ++i) {
    const auto& e = at(i);
    if (!out.empty() && bytes + e.payload.size() > max_bytes) break;
    bytes += e.payload.size();
    out.push_back(e);
  }
  return out;
}

}  // namespace reel::cluster::replication
