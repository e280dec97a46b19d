// The memtable: a skip list built with this project instead of RocksDB's own.
//
// Debian 12's librocksdb 7.8 is built with assertions on, and its skip list's asserts compare
// every node they pass two more times: an insert cost ~110 key comparisons (perf_context
// user_key_comparison_count) where the search itself needs ~26, 1.8 µs per record. The group
// commit thread spent most of a fan-out there (perf: MemTable::Add and its callees 49% of
// reeld's samples over four 10k-follower jobs; ~40 ms of the thread's CPU writing one job's
// 20k records). This list is the same structure, compiled without them.
//
// Like RocksDB's, it takes one writer at a time (RocksDB serialises memtable inserts when
// allow_concurrent_memtable_write is off, which store::open sets) and any number of readers
// without locks: a node is fully written before a release store links it, and readers follow
// links with acquire loads. Nodes and keys live in the memtable's arena, freed with it.
#pragma once

#include <rocksdb/memtablerep.h>

namespace reel::storage {

class memtable_factory : public rocksdb::MemTableRepFactory {
 public:
  using rocksdb::MemTableRepFactory::CreateMemTableRep;
  rocksdb::MemTableRep* CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& compare,
                                          rocksdb::Allocator* allocator, const rocksdb::SliceTransform*,
                                          rocksdb::Logger*) override;
  const char* Name() const override { return "ReelSkipListFactory"; }
};

}  // namespace reel::storage
