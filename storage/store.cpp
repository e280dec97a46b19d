#include "storage/store.hpp"

#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>

#include <stdexcept>

namespace reel::storage {

namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}

}  // namespace

std::unique_ptr<store> store::open(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  options.OptimizeLevelStyleCompaction();
  // Point lookups of edges and records dominate: a bloom filter per table file.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(256 << 20);  // records and edges of hot users stay decoded-ready
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  check(rocksdb::DB::Open(options, dir.string(), &db), "opening RocksDB");
  return std::unique_ptr<store>(new store(db));
}

store::~store() {
  if (db_) db_->Close();
}

std::optional<std::string> store::get(std::string_view key) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  check(s, "reading RocksDB");
  return value;
}

bool store::contains(std::string_view key) const { return get(key).has_value(); }

std::vector<std::optional<std::string>> store::multi_get(const std::vector<std::string>& keys) const {
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values;
  auto statuses = db_->MultiGet(rocksdb::ReadOptions(), slices, &values);
  std::vector<std::optional<std::string>> out(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].ok()) out[i] = std::move(values[i]);
    else if (!statuses[i].IsNotFound()) check(statuses[i], "reading RocksDB");
  }
  return out;
}

void store::write_durable(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options;
  options.sync = true;
  check(db_->Write(options, &batch), "writing RocksDB");
}

void store::write_buffered(rocksdb::WriteBatch& batch) {
  check(db_->Write(rocksdb::WriteOptions(), &batch), "writing RocksDB");
}

std::vector<std::string> store::last_keys(std::string_view lower, std::string_view upper, std::size_t n) const {
  rocksdb::ReadOptions options;
  rocksdb::Slice lower_slice(lower.data(), lower.size()), upper_slice(upper.data(), upper.size());
  options.iterate_lower_bound = &lower_slice;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
  std::vector<std::string> keys;
  for (it->SeekToLast(); it->Valid() && keys.size() < n; it->Prev()) keys.push_back(it->key().ToString());
  return keys;
}

store::range::range(const store& db, std::string lower, std::string upper)
    : upper_(std::move(upper)), upper_slice_(upper_) {
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice_;
  it_.reset(db.db_->NewIterator(options));
  it_->Seek(lower);
}

void store::flush() {
  check(db_->Flush(rocksdb::FlushOptions()), "flushing RocksDB");
  check(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr), "compacting RocksDB");
}

std::string store::property(const std::string& name) const {
  std::string value;
  db_->GetProperty(name, &value);
  return value;
}

}  // namespace reel::storage
