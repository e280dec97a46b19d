// One commit group's RocksDB write, built from the batches of many actors.
//
// The records are sorted by key (a key's records keep their submission order, so the group
// still applies as if its batches ran one after another). The memtable then inserts them in
// key order, each next to the last (storage/memtable.cpp): a sorted 20k-record batch shaped
// like a 10k-follower fan-out's group, written standalone through RocksDB, compared 10-13
// keys per insert instead of ~26. A batch whose records cannot be listed (a range deletion,
// a column family) leaves its group in submission order.
//
// Records are copied as they are encoded, never re-encoded: a WriteBatch's representation is
// an 8-byte sequence number, a 4-byte little-endian record count, then the records
// (rocksdb/write_batch.h). The merged representation's memory is kept for the next group,
// so that a large group does not allocate (and fault in) a fresh one.
#pragma once

#include <rocksdb/write_batch.h>

#include <string>
#include <string_view>
#include <vector>

namespace reel::storage {

// A WriteBatch that hands its representation back once written.
class merged_batch : public rocksdb::WriteBatch {
 public:
  explicit merged_batch(std::string&& rep) : rocksdb::WriteBatch(std::move(rep)) {}
  std::string release() && { return std::move(rep_); }
};

class group_merge {
 public:
  // Adds `batch`'s records; the batch must outlive take().
  void add(const rocksdb::WriteBatch& batch);

  // Every record added since the last take(), in one batch.
  merged_batch take();

  // Keeps a written batch's memory for the next group.
  void recycle(merged_batch&& written);

  struct record {
    std::string_view key;
    std::string_view bytes;  // the whole record, from its type byte
  };

 private:
  std::vector<const rocksdb::WriteBatch*> batches_;
  std::vector<record> records_;
  bool listed_ = true;  // every record of every batch is in records_
  std::string spare_;
};

// Appends the records of the batch representation `batch` to the representation `rep`
// (empty: `rep` becomes a copy), as if both had been written one after the other.
void append_records(std::string& rep, std::string_view batch);

}  // namespace reel::storage
