// How an entity's write batch becomes durable: through the group committer on a single node,
// through its partition's replication on a cluster. Actors stage a batch and submit it
// here; they never know which.
#pragma once

#include <rocksdb/write_batch.h>

#include <functional>

#include "storage/committer.hpp"
#include "storage/keys.hpp"

namespace reel::cluster {

class write_path {
 public:
  // `durable` is true once the batch is durable (single node) or visible on every replica
  // of its partition (cluster); false when it could not be, which the caller reports as
  // unavailable. Runs on an internal thread: it must only hand the result back.
  using callback = std::function<void(bool durable)>;

  virtual ~write_path() = default;
  // Every key of `batch` must belong to `partition`. A `term` other than 0 is the
  // partition's term (routing::term) that the writer loaded its state in: the write is
  // refused once this node has stopped and started serving the partition since, for the
  // writer's memory may then be older than what another primary wrote.
  virtual void submit(storage::partition_id partition, rocksdb::WriteBatch batch, callback done,
                      std::uint64_t term = 0) = 0;
};

// Single-node mode: the group committer, unchanged.
class local_write_path final : public write_path {
 public:
  explicit local_write_path(storage::committer& commits) : commits_(commits) {}
  void submit(storage::partition_id partition, rocksdb::WriteBatch batch, callback done, std::uint64_t) override {
    commits_.submit(partition, std::move(batch), std::move(done));
  }

 private:
  storage::committer& commits_;
};

}  // namespace reel::cluster
