// The node's RocksDB: one database, one WAL, default column family.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/read_cache.hpp"
#include "storage/write_gate.hpp"

namespace reel::storage {

class store {
 public:
  // Opens (creating if needed) the database under `dir`; throws std::runtime_error.
  // Point reads of record and edge keys (keys.hpp: point_read_table) go through an
  // in-memory read cache of `read_cache_bytes` (0: none). Writes leave `min_free_bytes` free
  // on the file system of `dir` (write_gate.hpp; nullopt: free_space's default reserve).
  static std::unique_ptr<store> open(const std::filesystem::path& dir, std::size_t read_cache_bytes = 256 << 20,
                                     std::optional<std::uint64_t> min_free_bytes = std::nullopt);
  ~store();

  std::optional<std::string> get(std::string_view key) const;
  bool contains(std::string_view key) const;
  // One value (or nullopt) per key, in the order of `keys`.
  std::vector<std::optional<std::string>> multi_get(const std::vector<std::string>& keys) const;
  // Whether each key exists, in the order of `keys` (cached answers copy no value).
  std::vector<bool> multi_contains(const std::vector<std::string>& keys) const;

  // Calls fn(key, value) for each key in [lower, upper), in order, until fn returns false.
  template <class Fn>
  void scan(std::string_view lower, std::string_view upper, Fn&& fn) const {
    rocksdb::ReadOptions options;
    rocksdb::Slice upper_slice(upper.data(), upper.size());
    options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
    for (it->Seek(rocksdb::Slice(lower.data(), lower.size())); it->Valid(); it->Next()) {
      auto k = it->key();
      auto v = it->value();
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
    }
  }

  // The last `n` keys of [lower, upper), last first (a reverse seek: no scan from the start).
  std::vector<std::string> last_keys(std::string_view lower, std::string_view upper, std::size_t n) const;

  // A forward iterator over [lower, upper), for merges that pull lazily from many ranges.
  // A range within one inbox or works list (keys.hpp: head_cached_table) starts in the
  // list's head, its newest entries, kept in memory (head_entries of them); it opens a
  // RocksDB iterator only when read past the head.
  class range {
   public:
    range(const store& db, std::string lower, std::string upper);
    bool valid() const { return it_ ? it_->Valid() : !key_.empty(); }
    std::string_view key() const { return it_ ? std::string_view(it_->key().data(), it_->key().size()) : key_; }
    std::string_view value() const { return it_ ? std::string_view(it_->value().data(), it_->value().size()) : value_; }
    void next();

   private:
    void open_iterator(std::string_view from);
    void read_head_entry();  // key_ and value_ from the head at head_at_ (empty at its end)

    const store& db_;
    std::string upper_;
    rocksdb::Slice upper_slice_;
    std::unique_ptr<rocksdb::Iterator> it_;  // null while reading the head
    std::string head_;
    std::size_t head_at_ = 0;
    std::string_view key_, value_;
  };
  static constexpr std::size_t head_entries = 64;  // two feed pages

  // Calls `fn` with every record that a write stores (value) or deletes (nullopt) in the
  // tables keys.hpp marks observed_table, after the write and before it is acknowledged.
  // Set once, before the first write.
  using write_observer = std::function<void(std::string_view key, std::optional<std::string_view> value)>;
  void observe(write_observer fn) { observer_ = std::move(fn); }

  // A synchronous, fsync'd write; the group committer is the only regular caller. Both
  // writes throw write_refused (write_gate.hpp) while the store refuses writes and
  // std::runtime_error on other failures; neither checks the free-space reserve, which
  // the committer applies to the actors' writes (the small bookkeeping written here
  // directly, such as the id reservation, may use it).
  void write_durable(rocksdb::WriteBatch& batch);
  // Without fsync: for bookkeeping whose loss only causes a harmless redo (outbox cleanup).
  void write_buffered(rocksdb::WriteBatch& batch);

  // Whether writes are taken, the free space and its reserve.
  write_gate& gate() { return *gate_; }

  // A consistent view of the store as it is now (a RocksDB snapshot), read in chunks: what
  // a cluster primary sends a learner whose missing log entries were compacted away.
  class frozen {
   public:
    frozen(rocksdb::DB& db, const rocksdb::Snapshot* snapshot) : db_(db), snapshot_(snapshot) {}
    ~frozen() { db_.ReleaseSnapshot(snapshot_); }
    frozen(const frozen&) = delete;
    frozen& operator=(const frozen&) = delete;
    std::optional<std::string> get(std::string_view key) const;
    // The records of [from, upper) whose keys pass `keep`, in key order, until about
    // `max_bytes`; `from` moves past them. Empty once the range is read.
    std::vector<std::pair<std::string, std::string>> next(std::string& from, std::string_view upper,
                                                          std::size_t max_bytes,
                                                          const std::function<bool(std::string_view)>& keep) const;

   private:
    rocksdb::DB& db_;
    const rocksdb::Snapshot* snapshot_;
  };
  std::shared_ptr<frozen> freeze() const { return std::make_shared<frozen>(*db_, db_->GetSnapshot()); }

  // Writes the memtables to table files and syncs: after a bulk load, so that the next open
  // does not replay a large WAL and reads find the data in indexed, bloom-filtered files.
  void flush();

  std::string property(const std::string& name) const;
  read_cache::stats cache_stats() const { return cache_.snapshot(); }
  read_cache::stats head_cache_stats() const { return heads_.snapshot(); }

 private:
  // A quarter of the read cache's memory holds list heads, the rest records and edges.
  store(std::unique_ptr<write_gate> gate, rocksdb::DB* db, std::size_t read_cache_bytes)
      : gate_(std::move(gate)),
        db_(db),
        cache_(read_cache_bytes - read_cache_bytes / 4),
        heads_(read_cache_bytes / 4) {}
  // The head of the list with owner prefix `prefix`: from the cache, else read and cached.
  std::string head(std::string_view prefix) const;
  std::optional<std::string> read(std::string_view key) const;
  // multi_get's work: values of the keys the cache does not answer go to `out` (and are
  // cached); `present` gets whether each key exists; cached values are copied if `copy`.
  void lookup_many(const std::vector<std::string>& keys, bool copy, std::vector<std::optional<std::string>>& out,
                   std::vector<bool>& present) const;
  void write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch& batch);
  friend class range;
  std::unique_ptr<write_gate> gate_;  // declared before db_: destroyed after it
  std::unique_ptr<rocksdb::DB> db_;
  mutable read_cache cache_;
  mutable read_cache heads_;  // list heads under their owner prefix (keys.hpp: head_cached_prefix)
  write_observer observer_;
};

}  // namespace reel::storage
