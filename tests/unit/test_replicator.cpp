// The replicator (cluster/replicator.hpp) on a real RocksDB and group committer, as the
// only replica of its partitions (min_replicas 1, so it commits alone): a write is logged,
// applied with the partition's applied index, and acknowledged; writes submitted together
// may share a log entry, in submission order; writes from an older term or with keys of
// another partition are refused; a restart finds the log and the applied index; a
// configuration heard while it rebuilds for a new incarnation is not lost.
#include <doctest/doctest.h>

#include <future>
#include <thread>

#include "cluster/replicator.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"
#include "temp_dir.hpp"

using namespace reel;
using cluster::replication::member;
using cluster::replication::node_id;
using reel::unit::temp_dir;

namespace {

class no_peers final : public cluster::peer_link {
 public:
  void send(node_id, std::vector<cluster::replication::append_request>,
            std::vector<cluster::replication::append_response>) override {}
  void send_snapshot(node_id, cluster::chunk_source, cluster::chunk_ack done) override { done(false); }
};

const member me{node_id(1), 77, 5};
constexpr storage::partition_id p = 9;

cluster::replication::configuration alone(std::uint64_t epoch, const member& who = me) {
  cluster::replication::configuration c;
  c.epoch = epoch;
  c.primary = who;
  c.replicas = {who};
  c.min_replicas = 1;
  return c;
}

struct fixture {
  temp_dir dir{"replicator"};
  std::unique_ptr<storage::store> db = storage::store::open(dir.path);
  storage::committer commits{*db, false};
  no_peers link;
  std::unique_ptr<cluster::replicator> r;

  void start(std::uint64_t epoch) {
    cluster::replicator_options o;
    o.self = me;
    r = std::make_unique<cluster::replicator>(*db, commits, link, o, cluster::replicator_hooks{});
    r->set_authority(std::chrono::steady_clock::now() + std::chrono::hours(1));
    r->set_config(p, alone(epoch));
    REQUIRE(serving());
  }

  bool serving() {
    for (int i = 0; i < 1000; ++i) {
      if (r->owner_of(p).at == cluster::owner::where::here && r->can_read(p)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  bool write(const std::string& key, std::uint64_t term) {
    rocksdb::WriteBatch batch;
    batch.Put(key, "v");
    std::promise<bool> done;
    r->submit(
        p, std::move(batch), [&done](bool ok) { done.set_value(ok); }, term);
    auto result = done.get_future();
    REQUIRE(result.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
    return result.get();
  }
};

std::string user_key(std::uint64_t n) { return storage::key(p, storage::table::user).u64(n).str(); }

}  // namespace

TEST_CASE("replicator: a write is logged, applied with its index, then acknowledged") {
  fixture f;
  f.start(1);
  CHECK(f.write(user_key(1), f.r->term(p)));
  CHECK(f.db->contains(user_key(1)));
  auto applied = storage::decode_partition_meta(*f.db->get(storage::keys::partition_meta(p)));
  REQUIRE(applied);
  CHECK(*applied == 2);  // the barrier of epoch 1, then this write
  CHECK(f.db->contains(storage::keys::log_entry(p, 2)));
}

// The records of every log entry after `from`, in log order, as "key=value".
std::vector<std::string> logged_records(storage::store& db, std::uint64_t from, std::uint64_t to) {
  struct lister : rocksdb::WriteBatch::Handler {
    std::vector<std::string> out;
    rocksdb::Status PutCF(std::uint32_t, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
      out.push_back(key.ToString() + "=" + value.ToString());
      return rocksdb::Status::OK();
    }
  } records;
  for (auto index = from; index <= to; ++index) {
    auto stored = db.get(storage::keys::log_entry(p, index));
    REQUIRE(stored);
    auto entry = storage::decode_log_entry(*stored);
    REQUIRE(entry);
    if (!entry->payload.empty()) REQUIRE(rocksdb::WriteBatch(entry->payload).Iterate(&records).ok());
  }
  return records.out;
}

TEST_CASE("replicator: writes submitted together share log entries in submission order, each acknowledged") {
  fixture f;
  f.start(1);
  constexpr int writes = 200;
  std::vector<std::promise<bool>> done(writes);
  std::vector<std::string> expected;
  for (int i = 0; i < writes; ++i) {
    rocksdb::WriteBatch batch;
    auto key = user_key(i % 7);  // keys written many times: the last value must win
    batch.Put(key, std::to_string(i));
    expected.push_back(key + "=" + std::to_string(i));
    f.r->submit(p, std::move(batch), [&done, i](bool ok) { done[i].set_value(ok); });
  }
  for (auto& d : done) CHECK(d.get_future().get());
  auto applied = storage::decode_partition_meta(*f.db->get(storage::keys::partition_meta(p)));
  REQUIRE(applied);
  CHECK(*applied >= 2);
  CHECK(*applied <= 1 + writes);
  CHECK(logged_records(*f.db, 2, *applied) == expected);
  for (int k = 0; k < 7; ++k) {
    int last = writes - 1 - ((writes - 1 - k) % 7);
    CHECK(f.db->get(user_key(k)) == std::to_string(last));
  }
  CHECK(f.r->probe().entries_proposed.load() == *applied - 1);  // the barrier is the replica's own
}

TEST_CASE("replicator: a write from an older term, or with another partition's key, is refused") {
  fixture f;
  f.start(1);
  auto term = f.r->term(p);
  CHECK(f.write(user_key(1), term));
  CHECK_FALSE(f.write(user_key(2), term + 1));  // its writer loaded its state in another term
  CHECK_FALSE(f.db->contains(user_key(2)));
  rocksdb::WriteBatch stray;
  stray.Put(storage::key(p + 1, storage::table::user).u64(3).str(), "v");
  std::promise<bool> done;
  f.r->submit(p, std::move(stray), [&done](bool ok) { done.set_value(ok); });
  CHECK_FALSE(done.get_future().get());
  CHECK(f.write(user_key(4), 0));  // 0: unchecked (node-wide workers)
}

TEST_CASE("replicator: after a restart, its log and applied index are where it left them") {
  fixture f;
  f.start(1);
  for (std::uint64_t n = 1; n <= 5; ++n) REQUIRE(f.write(user_key(n), 0));
  f.r->stop();
  f.r.reset();
  f.start(2);  // a new configuration: a new barrier after the restored log
  // Serving means the new barrier is applied: barrier, five writes, the new barrier.
  CHECK(storage::decode_partition_meta(*f.db->get(storage::keys::partition_meta(p))) == 7u);
  CHECK(f.write(user_key(6), f.r->term(p)));
  for (std::uint64_t n = 1; n <= 6; ++n) CHECK(f.db->contains(user_key(n)));
}

// A registration reincarnates the replicator (it rebuilds its replicas once the old
// incarnation's writes are durable) and reads the whole partition map right after: a
// configuration heard before the rebuild ended used to be dropped, and the partition stayed
// without one until the controller changed it (a cluster test's start hung on it in CI).
TEST_CASE("replicator: a configuration heard while it rebuilds for a new incarnation reaches the new replica") {
  fixture f;
  f.start(1);
  // Hold the committer, so that the rebuild (which waits for it) cannot end before the
  // configuration is handled.
  std::promise<void> release;
  auto released = release.get_future().share();
  f.commits.submit(p, rocksdb::WriteBatch(), [released](bool) { released.wait(); });
  const member next{node_id(1), 78, 5};
  f.r->reincarnate(next);
  f.r->set_config(p, alone(2, next));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the loop handles both meanwhile
  release.set_value();
  CHECK(f.serving());
  CHECK(f.r->self().incarnation == next.incarnation);
  CHECK(f.write(user_key(1), f.r->term(p)));
}
