// A replica's view of its partition's log: the entries after a base point (the last entry
// compacted away or covered by a snapshot), contiguous by index. Memory only; the caller
// keeps the durable copy in step through the replica's persist operations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "cluster/replication/types.hpp"

namespace reel::cluster::replication {

class partition_log {
 public:
  partition_log() = default;
  partition_log(std::uint64_t base_index, std::uint64_t base_epoch, std::vector<entry> entries);

  std::uint64_t base_index() const { return base_index_; }
  std::uint64_t base_epoch() const { return base_epoch_; }
  std::uint64_t last_index() const { return base_index_ + entries_.size(); }
  std::uint64_t last_epoch() const { return entries_.empty() ? base_epoch_ : entries_.back().epoch; }

  // The epoch of the entry at `index`, base included; nullopt outside [base, last].
  std::optional<std::uint64_t> epoch_at(std::uint64_t index) const;
  // The entry at `index`, which must be in (base, last].
  const entry& at(std::uint64_t index) const { return entries_[index - base_index_ - 1]; }

  // Appends the next entry (index last_index() + 1, epoch >= last_epoch()).
  void append(entry e);
  // Drops every entry above `index` (base <= index <= last).
  void truncate_after(std::uint64_t index);
  // Drops every entry up to `index` (base <= index <= last): it becomes the base.
  void compact(std::uint64_t index);
  // Replaces the whole log by an empty one based at a snapshot's point.
  void reset(std::uint64_t base_index, std::uint64_t base_epoch);

  // The highest index whose entry has an epoch <= `epoch`, or nullopt when even the base is
  // newer. Where a log that ends in `epoch` stops agreeing with this one.
  std::optional<std::uint64_t> last_index_up_to_epoch(std::uint64_t epoch) const;
  // The first index holding an entry of `epoch` (the base counts), or nullopt.
  std::optional<std::uint64_t> first_index_of_epoch(std::uint64_t epoch) const;

  // Copies of the entries in [from, last], at most `max_entries` and about `max_bytes` of
  // payload (always at least one when any), `from` > base.
  std::vector<entry> slice(std::uint64_t from, std::size_t max_entries, std::size_t max_bytes) const;

  std::size_t payload_bytes() const { return payload_bytes_; }

 private:
  std::uint64_t base_index_ = 0;
  std::uint64_t base_epoch_ = 0;
  std::deque<entry> entries_;
  std::size_t payload_bytes_ = 0;
};

}  // namespace reel::cluster::replication
