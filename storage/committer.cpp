#include "storage/committer.hpp"

#include <algorithm>

#include "storage/records.hpp"

namespace reel::storage {

committer::committer(store& db, bool count_batches) : db_(db), count_batches_(count_batches) {
  for (partition_id p = 0; count_batches_ && p < partition_count; ++p) {
    if (auto v = db_.get(keys::partition_meta(p))) applied_seq_[p] = decode_partition_meta(*v).value_or(0);
  }
  thread_ = std::thread([this] { run(); });
}

committer::~committer() { stop(); }

void committer::submit(partition_id partition, rocksdb::WriteBatch batch, callback durable, bool sync) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      // Only the first of a queue wakes the thread: it takes the whole queue when it wakes.
      // (A futex wake per batch was 3% of a cluster node's CPU under publish load.)
      if (queue_.empty()) wake_.notify_one();
      queue_.push_back({partition, std::move(batch), std::move(durable), sync});
      return;
    }
  }
  durable(false);
}

void committer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

std::uint64_t committer::applied_seq(partition_id p) const {
  std::lock_guard lock(mutex_);
  return p < partition_count ? applied_seq_[p] : 0;
}

void committer::run() {
  std::vector<pending> group;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      group.swap(queue_);
    }
    commit(group);
    group.clear();
  }
}

void committer::commit(std::vector<pending>& group) {
  for (const auto& p : group) merge_.add(p.batch);
  auto merged = merge_.take();
  std::array<std::uint32_t, partition_count> touched{};
  bool sync = false;
  for (auto& p : group) {
    if (count_batches_ && p.partition < partition_count) ++touched[p.partition];
    sync = sync || p.sync;
  }
  for (partition_id p = 0; p < partition_count; ++p) {
    if (touched[p] > 0) merged.Put(keys::partition_meta(p).str(), encode_partition_meta(applied_seq_[p] + touched[p]));
  }
  // The free-space reserve applies here, to the actors' writes, before anything is written;
  // a refused group fails every batch in it, as a failed write does.
  auto& space = db_.gate().space();
  bool ok = space.admit(merged.GetDataSize(), group.size());
  try {
    if (ok && sync)
      db_.write_durable(merged);
    else if (ok)
      db_.write_buffered(merged);
  } catch (const write_refused& refused) {
    ok = false;
    if (refused.code() == errc::storage_full) space.refused(group.size());
  } catch (const std::exception&) {
    ok = false;
  }
  if (!ok) probe_.failures.fetch_add(1, std::memory_order_relaxed);
  if (ok) {
    std::lock_guard lock(mutex_);
    for (partition_id p = 0; p < partition_count; ++p) applied_seq_[p] += touched[p];
  }
  (sync ? probe_.groups : probe_.unsynced_groups).fetch_add(1, std::memory_order_relaxed);
  probe_.batches.fetch_add(group.size(), std::memory_order_relaxed);
  auto size = static_cast<std::uint64_t>(group.size());
  auto seen = probe_.max_group.load(std::memory_order_relaxed);
  while (size > seen && !probe_.max_group.compare_exchange_weak(seen, size)) {
  }
  merge_.recycle(std::move(merged));
  for (auto& p : group) p.done(ok);
}

}  // namespace reel::storage
