// The node's RocksDB: one database, one WAL, default column family.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/read_cache.hpp"

namespace reel::storage {

class store {
 public:
  // Opens (creating if needed) the database under `dir`; throws std::runtime_error.
  // Point reads of record and edge keys (keys.hpp: point_read_table) go through an
  // in-memory read cache of `read_cache_bytes` (0: none).
  static std::unique_ptr<store> open(const std::filesystem::path& dir, std::size_t read_cache_bytes = 256 << 20);
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
  class range {
   public:
    range(const store& db, std::string lower, std::string upper);
    bool valid() const { return it_->Valid(); }
    std::string_view key() const { return {it_->key().data(), it_->key().size()}; }
    std::string_view value() const { return {it_->value().data(), it_->value().size()}; }
    void next() { it_->Next(); }

   private:
    std::string upper_;
    rocksdb::Slice upper_slice_;
    std::unique_ptr<rocksdb::Iterator> it_;
  };

  // A synchronous, fsync'd write; the group committer is the only regular caller.
  void write_durable(rocksdb::WriteBatch& batch);
  // Without fsync: for bookkeeping whose loss only causes a harmless redo (outbox cleanup).
  void write_buffered(rocksdb::WriteBatch& batch);

  // Writes the memtables to table files and syncs: after a bulk load, so that the next open
  // does not replay a large WAL and reads find the data in indexed, bloom-filtered files.
  void flush();

  std::string property(const std::string& name) const;
  read_cache::stats cache_stats() const { return cache_.snapshot(); }

 private:
  store(rocksdb::DB* db, std::size_t read_cache_bytes) : db_(db), cache_(read_cache_bytes) {}
  std::optional<std::string> read(std::string_view key) const;
  // multi_get's work: values of the keys the cache does not answer go to `out` (and are
  // cached); `present` gets whether each key exists; cached values are copied if `copy`.
  void lookup_many(const std::vector<std::string>& keys, bool copy, std::vector<std::optional<std::string>>& out,
                   std::vector<bool>& present) const;
  void write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch& batch);
  friend class range;
  std::unique_ptr<rocksdb::DB> db_;
  mutable read_cache cache_;
};

}  // namespace reel::storage
