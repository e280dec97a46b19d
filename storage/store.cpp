#include "storage/store.hpp"

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <cstring>
#include <stdexcept>

#include "storage/keys.hpp"
#include "storage/memtable.hpp"

namespace reel::storage {

namespace {

void check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) throw std::runtime_error(std::string(what) + ": " + s.ToString());
}

std::string_view view(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

// After a write: drops every cached key it touched and the cached head of every list it
// changed, and shows the observer the records of observed tables.
class after_write : public rocksdb::WriteBatch::Handler {
 public:
  // `observer` is shown only a write that succeeded (null otherwise).
  after_write(read_cache& cache, read_cache& heads, const store::write_observer* observer)
      : cache_(cache), heads_(heads), observer_(observer) {}
  rocksdb::Status PutCF(std::uint32_t, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return touched(view(key), view(value));
  }
  rocksdb::Status DeleteCF(std::uint32_t, const rocksdb::Slice& key) override {
    return touched(view(key), std::nullopt);
  }
  rocksdb::Status SingleDeleteCF(std::uint32_t, const rocksdb::Slice& key) override {
    return touched(view(key), std::nullopt);
  }
  rocksdb::Status MergeCF(std::uint32_t, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return touched(view(key), std::nullopt);
  }
  // Only the replication log is deleted by range (cluster mode), and nothing caches or
  // observes it; any other range empties the caches rather than check each cached key.
  rocksdb::Status DeleteRangeCF(std::uint32_t, const rocksdb::Slice& begin, const rocksdb::Slice& end) override {
    auto b = view(begin), e = view(end);
    auto log_only = [](std::string_view k) {
      return k.size() >= key_header_bytes && static_cast<table>(k[2]) == table::log_entry;
    };
    if (log_only(b) && log_only(e) && b.substr(0, 2) == e.substr(0, 2)) return rocksdb::Status::OK();
    cache_.clear();
    heads_.clear();
    return rocksdb::Status::OK();
  }

 private:
  rocksdb::Status touched(std::string_view k, std::optional<std::string_view> value) {
    if (point_read_key(k)) cache_.invalidate(k);
    if (auto owner = head_cached_prefix(k); !owner.empty()) heads_.invalidate(owner);
    if (observer_ && k.size() >= key_header_bytes && observed_table(static_cast<table>(k[2]))) (*observer_)(k, value);
    return rocksdb::Status::OK();
  }
  read_cache& cache_;
  read_cache& heads_;
  const store::write_observer* observer_;
};

// Revoked tokens and celebrities lived in the node partition before the shared one: moved
// once, in one synced write.
void move_legacy_shared_facts(rocksdb::DB& db) {
  rocksdb::WriteBatch moves;
  for (const auto& prefix : {keys::legacy_revoked_token_prefix(), keys::legacy_celebrity_prefix()}) {
    auto upper = prefix.prefix_end();
    rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions options;
    options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options));
    for (it->Seek(rocksdb::Slice(prefix.str())); it->Valid(); it->Next()) {
      auto k = view(it->key());
      auto moved = key(shared_partition, static_cast<table>(k[2])).bytes(k.substr(key_header_bytes));
      moves.Put(moved.str(), it->value());
      moves.Delete(it->key());
    }
  }
  if (moves.Count() == 0) return;
  rocksdb::WriteOptions options;
  options.sync = true;
  check(db.Write(options, &moves), "moving revoked tokens and celebrities to the shared partition");
}

// A list head: a flag byte (1: the head is the whole list), then each entry as
// [u32 key size][key][u32 value size][value], oldest last.
void append_sized(std::string& out, std::string_view bytes) {
  auto size = static_cast<std::uint32_t>(bytes.size());
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out.append(bytes);
}
// Reads one sized field at `at`, advancing it.
std::string_view take_sized(std::string_view bytes, std::size_t& at) {
  std::uint32_t size = 0;
  std::memcpy(&size, bytes.data() + at, sizeof size);
  at += sizeof size;
  auto field = bytes.substr(at, size);
  at += size;
  return field;
}

}  // namespace

std::unique_ptr<store> store::open(const std::filesystem::path& dir, std::size_t read_cache_bytes,
                                   std::optional<std::uint64_t> min_free_bytes) {
  std::filesystem::create_directories(dir);
  auto gate = std::make_unique<write_gate>(dir, min_free_bytes);
  rocksdb::Options options;
  gate->configure(options, dir);
  options.create_if_missing = true;
  // A failed WAL write stops writes at once, inside the failing write (write_gate.hpp relies
  // on it: nothing is written after a WAL that saw an error). RocksDB's default, said here.
  options.paranoid_checks = true;
  options.IncreaseParallelism(2);
  options.OptimizeLevelStyleCompaction();
  // A bloom filter over the memtable's whole keys: most fan-out existence checks and many
  // edge checks look for keys that do not exist, and without it each walked the skip list
  // (a fifth of the fan-out's CPU).
  options.memtable_prefix_bloom_size_ratio = 0.05;
  options.memtable_whole_key_filtering = true;
  // Our skip list (storage/memtable.hpp) takes one writer at a time.
  options.memtable_factory = std::make_shared<memtable_factory>();
  options.allow_concurrent_memtable_write = false;
  // Point lookups of edges and records dominate: a bloom filter per table file.
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(256 << 20);  // records and edges of hot users stay decoded-ready
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  check(rocksdb::DB::Open(options, dir.string(), &db), "opening RocksDB");
  gate->watch(*db, keys::recovery_anchor().str());
  std::unique_ptr<store> opened(new store(std::move(gate), db, read_cache_bytes));
  move_legacy_shared_facts(*db);
  return opened;
}

store::~store() {
  gate_->stop_watching();
  if (db_) db_->Close();
}

std::optional<std::string> store::read(std::string_view key) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  check(s, "reading RocksDB");
  return value;
}

std::optional<std::string> store::get(std::string_view key) const {
  if (!cache_.enabled() || !point_read_key(key)) return read(key);
  auto cached = cache_.find(key);
  if (cached.hit) return std::move(cached.value);
  auto value = read(key);
  cache_.fill(key, value, cached.writes_seen);
  return value;
}

bool store::contains(std::string_view key) const {
  if (!cache_.enabled() || !point_read_key(key)) return read(key).has_value();
  auto cached = cache_.find(key, false);
  if (cached.hit) return cached.present;
  auto value = read(key);
  cache_.fill(key, value, cached.writes_seen);
  return value.has_value();
}

void store::lookup_many(const std::vector<std::string>& keys, bool copy, std::vector<std::optional<std::string>>& out,
                        std::vector<bool>& present) const {
  out.assign(keys.size(), std::nullopt);
  present.assign(keys.size(), false);
  std::vector<std::size_t> missed;  // positions RocksDB must answer
  std::vector<std::uint64_t> writes_seen;
  std::vector<rocksdb::Slice> slices;
  // Each cached key's hash, computed once: every key's slot is prefetched before the first
  // lookup, so that the lookups' cache misses overlap.
  std::vector<std::size_t> hashes(keys.size(), 0);
  auto cached_key = [&](std::size_t i) { return cache_.enabled() && point_read_key(keys[i]); };
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (!cached_key(i)) continue;
    hashes[i] = read_cache::hash(keys[i]);
    cache_.prefetch(hashes[i]);
  }
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (cached_key(i)) {
      auto cached = cache_.find(keys[i], hashes[i], copy);
      if (cached.hit) {
        present[i] = cached.present;
        out[i] = std::move(cached.value);
        continue;
      }
      writes_seen.push_back(cached.writes_seen);
    } else {
      writes_seen.push_back(0);
    }
    missed.push_back(i);
    slices.emplace_back(keys[i]);
  }
  if (missed.empty()) return;
  // The batched MultiGet: one index and filter probe per table file for all the keys, where
  // the vector overload looks each key up alone (the cold inbox-count loads of a fan-out
  // spent most of their time there).
  std::vector<rocksdb::PinnableSlice> values(slices.size());
  std::vector<rocksdb::Status> statuses(slices.size());
  db_->MultiGet(rocksdb::ReadOptions(), db_->DefaultColumnFamily(), slices.size(), slices.data(), values.data(),
                statuses.data());
  for (std::size_t m = 0; m < missed.size(); ++m) {
    auto i = missed[m];
    if (statuses[m].ok())
      out[i] = values[m].ToString();
    else if (!statuses[m].IsNotFound())
      check(statuses[m], "reading RocksDB");
    present[i] = out[i].has_value();
    if (cached_key(i)) cache_.fill(keys[i], out[i], writes_seen[m]);
  }
}

std::vector<std::optional<std::string>> store::multi_get(const std::vector<std::string>& keys) const {
  std::vector<std::optional<std::string>> out;
  std::vector<bool> present;
  lookup_many(keys, true, out, present);
  return out;
}

std::vector<bool> store::multi_contains(const std::vector<std::string>& keys) const {
  std::vector<std::optional<std::string>> values;
  std::vector<bool> present;
  lookup_many(keys, false, values, present);
  return present;
}

// Invalidates after the write, whether it succeeded or not: until this returns the write is
// acknowledged to no one, and afterwards no cached value predates it.
void store::write(const rocksdb::WriteOptions& options, rocksdb::WriteBatch& batch) {
  auto pass = gate_->enter();
  auto status = db_->Write(options, &batch);
  if (cache_.enabled() || heads_.enabled() || observer_) {
    after_write follow(cache_, heads_, status.ok() && observer_ ? &observer_ : nullptr);
    check(batch.Iterate(&follow), "invalidating the read cache");
  }
  if (!status.ok()) gate_->failed(status);
  gate_->space().wrote(batch.GetDataSize());
}

void store::write_durable(rocksdb::WriteBatch& batch) {
  rocksdb::WriteOptions options;
  options.sync = true;
  write(options, batch);
}

void store::write_buffered(rocksdb::WriteBatch& batch) { write(rocksdb::WriteOptions(), batch); }

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

std::string store::head(std::string_view prefix) const {
  auto cached = heads_.find(prefix);
  if (cached.hit && cached.value) return std::move(*cached.value);
  std::string head(1, '\0');
  std::size_t entries = 0;
  bool whole = true;
  scan(prefix, prefix_end(prefix), [&](std::string_view key, std::string_view value) {
    if (entries == head_entries) {
      whole = false;
      return false;
    }
    append_sized(head, key);
    append_sized(head, value);
    ++entries;
    return true;
  });
  head[0] = whole ? '\1' : '\0';
  heads_.fill(prefix, head, cached.writes_seen);
  return head;
}

store::range::range(const store& db, std::string lower, std::string upper)
    : db_(db), upper_(std::move(upper)), upper_slice_(upper_) {
  auto owner = head_cached_prefix(lower);
  if (!db.heads_.enabled() || owner.empty() || upper_ != prefix_end(owner)) {
    open_iterator(lower);
    return;
  }
  head_ = db.head(owner);
  head_at_ = 1;
  read_head_entry();
  while (!key_.empty() && key_ < std::string_view(lower)) read_head_entry();
  if (key_.empty() && head_[0] == '\0') open_iterator(lower);
}

void store::range::next() {
  if (it_) return it_->Next();
  auto last = key_;
  read_head_entry();
  // Past a head that is not the whole list: the rest comes from RocksDB, strictly after it.
  if (key_.empty() && head_[0] == '\0') open_iterator(std::string(last) + '\0');
}

void store::range::read_head_entry() {
  key_ = value_ = {};
  if (head_at_ >= head_.size()) return;
  key_ = take_sized(head_, head_at_);
  value_ = take_sized(head_, head_at_);
}

void store::range::open_iterator(std::string_view from) {
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice_;
  it_.reset(db_.db_->NewIterator(options));
  it_->Seek(rocksdb::Slice(from.data(), from.size()));
}

void store::flush() {
  check(db_->Flush(rocksdb::FlushOptions()), "flushing RocksDB");
  check(db_->CompactRange(rocksdb::CompactRangeOptions(), nullptr, nullptr), "compacting RocksDB");
}

std::optional<std::string> store::frozen::get(std::string_view key) const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  std::string value;
  auto s = db_.Get(options, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::nullopt;
  check(s, "reading a RocksDB snapshot");
  return value;
}

std::vector<std::pair<std::string, std::string>> store::frozen::next(
    std::string& from, std::string_view upper, std::size_t max_bytes,
    const std::function<bool(std::string_view)>& keep) const {
  rocksdb::ReadOptions options;
  options.snapshot = snapshot_;
  rocksdb::Slice upper_slice(upper.data(), upper.size());
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_.NewIterator(options));
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t bytes = 0;
  for (it->Seek(rocksdb::Slice(from)); it->Valid() && bytes < max_bytes; it->Next()) {
    auto k = view(it->key());
    from.assign(k.data(), k.size());
    from.push_back('\0');  // the next chunk starts strictly after this key
    if (!keep(k)) continue;
    out.emplace_back(std::string(k), it->value().ToString());
    bytes += k.size() + it->value().size();
  }
  if (!it->Valid()) {
    check(it->status(), "reading a RocksDB snapshot");
    from.assign(upper.data(), upper.size());
  }
  return out;
}

std::string store::property(const std::string& name) const {
  std::string value;
  db_->GetProperty(name, &value);
  return value;
}

}  // namespace reel::storage
