// Group commit: many actors' write batches share one fsync.
//
// Batches are applied in submission order (an actor's second batch never lands before its
// first). The commit thread merges everything queued since the last fsync into one
// RocksDB write with sync=true (storage/group_merge.hpp: sorted by key, each key's records in
// submission order), bumps each touched partition's applied-sequence number in the same
// write (single-node mode; a cluster node's replicator writes its own), and then runs every
// batch's callback. A callback runs on the commit thread: it must only hand the result back
// (e.g. send a message), never block.
//
// A batch may ask for no fsync (a cluster node applying entries whose log is durable): a
// group of such batches only is written without one; any synced batch syncs its group, and
// with it every write before it (one WAL).
#pragma once

#include <rocksdb/write_batch.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/group_merge.hpp"
#include "storage/keys.hpp"
#include "storage/store.hpp"

namespace reel::storage {

// Counters for /metrics.
struct commit_probe {
  std::atomic<std::uint64_t> groups{0};   // fsync'd writes
  std::atomic<std::uint64_t> unsynced_groups{0};  // writes of groups that asked for no fsync
  std::atomic<std::uint64_t> batches{0};  // batches submitted by actors
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::uint64_t> max_group{0};
};

class committer {
 public:
  // `durable` is true once the batch is fsync'd, false if the write failed or was refused
  // (store::gate().refusal() says whether for want of space).
  using callback = std::function<void(bool durable)>;

  // `count_batches`: keep each partition's applied-sequence number (single-node mode).
  explicit committer(store& db, bool count_batches = true);
  ~committer();
  committer(const committer&) = delete;
  committer& operator=(const committer&) = delete;

  void submit(partition_id partition, rocksdb::WriteBatch batch, callback durable, bool sync = true);

  // Commits what is queued, then stops the thread. Later submits fail their callbacks.
  void stop();

  const commit_probe& probe() const { return probe_; }
  std::uint64_t applied_seq(partition_id p) const;

 private:
  struct pending {
    partition_id partition;
    rocksdb::WriteBatch batch;
    callback done;
    bool sync;
  };

  void run();
  void commit(std::vector<pending>& group);

  store& db_;
  const bool count_batches_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<pending> queue_;
  bool stopping_ = false;
  std::array<std::uint64_t, partition_count> applied_seq_{};  // guarded by the commit thread
  group_merge merge_;                                         // used by the commit thread only
  commit_probe probe_;
  std::thread thread_;
};

}  // namespace reel::storage
