#include "storage/group_merge.hpp"

#include <algorithm>
#include <cstdint>

namespace reel::storage {

namespace {

constexpr std::size_t header_bytes = 12;
// A group's representation larger than this is not kept for the next group.
constexpr std::size_t spare_limit_bytes = 16 << 20;

std::size_t varint_size(std::size_t n) {
  std::size_t size = 1;
  for (; n >= 0x80; n >>= 7) ++size;
  return size;
}

// Lists a batch's records, each as its key and its bytes: a default-column-family record is
// [type byte][varint32 key size][key], then [varint32 value size][value] if it has a value,
// and Iterate hands out slices of the representation itself. Anything else stops the listing.
class record_lister : public rocksdb::WriteBatch::Handler {
 public:
  explicit record_lister(std::vector<group_merge::record>& out) : out_(out) {}

  rocksdb::Status PutCF(std::uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return add(cf, put_type, key, value.data() + value.size());
  }
  rocksdb::Status DeleteCF(std::uint32_t cf, const rocksdb::Slice& key) override {
    return add(cf, delete_type, key, key.data() + key.size());
  }
  rocksdb::Status SingleDeleteCF(std::uint32_t cf, const rocksdb::Slice& key) override {
    return add(cf, single_delete_type, key, key.data() + key.size());
  }
  rocksdb::Status MergeCF(std::uint32_t cf, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    return add(cf, merge_type, key, value.data() + value.size());
  }

 private:
  // RocksDB's type bytes for these records in the default column family (db/dbformat.h).
  static constexpr char delete_type = 0x0, put_type = 0x1, merge_type = 0x2, single_delete_type = 0x7;

  rocksdb::Status add(std::uint32_t cf, char type, const rocksdb::Slice& key, const char* end) {
    const char* start = key.data() - varint_size(key.size()) - 1;
    if (cf != 0 || *start != type) return rocksdb::Status::NotSupported("unlisted record");
    out_.push_back({std::string_view(key.data(), key.size()), std::string_view(start, end - start)});
    return rocksdb::Status::OK();
  }

  std::vector<group_merge::record>& out_;
};

}  // namespace

void group_merge::add(const rocksdb::WriteBatch& batch) {
  batches_.push_back(&batch);
  if (!listed_) return;
  auto before = records_.size();
  record_lister lister(records_);
  if (!batch.Iterate(&lister).ok() || records_.size() - before != batch.Count()) listed_ = false;
}

merged_batch group_merge::take() {
  std::size_t bytes = header_bytes;
  for (const auto* b : batches_) bytes += b->GetDataSize() - header_bytes;
  std::string rep = std::move(spare_);
  rep.assign(header_bytes, '\0');
  rep.reserve(bytes + 4096);  // and room for the committer's partition counters
  std::uint32_t count = 0;
  if (listed_) {
    auto by_key = [](const record& a, const record& b) { return a.key < b.key; };
    if (!std::is_sorted(records_.begin(), records_.end(), by_key))
      std::stable_sort(records_.begin(), records_.end(), by_key);
    for (const auto& r : records_) rep.append(r.bytes);
    count = static_cast<std::uint32_t>(records_.size());
  } else {
    for (const auto* b : batches_) {
      rep.append(b->Data(), header_bytes, std::string::npos);
      count += b->Count();
    }
  }
  for (int i = 0; i < 4; ++i) rep[8 + i] = static_cast<char>(count >> (8 * i));
  batches_.clear();
  records_.clear();
  listed_ = true;
  return merged_batch(std::move(rep));
}

void append_records(std::string& rep, std::string_view batch) {
  if (batch.size() < header_bytes) return;  // no records (a barrier's empty payload)
  if (rep.size() < header_bytes) return (void)rep.assign(batch);
  auto count_at = [](std::string_view r) {
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(r[8 + i])) << (8 * i);
    return n;
  };
  auto count = count_at(rep) + count_at(batch);
  rep.append(batch.substr(header_bytes));
  for (int i = 0; i < 4; ++i) rep[8 + i] = static_cast<char>(count >> (8 * i));
}

void group_merge::recycle(merged_batch&& written) {
  auto rep = std::move(written).release();
  if (rep.capacity() <= spare_limit_bytes) spare_ = std::move(rep);
}

}  // namespace reel::storage
