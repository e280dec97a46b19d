// The memtable: a skip list built with this project instead of RocksDB's own.
//
// Debian 12's librocksdb 7.8 is built with assertions on, and its skip list's asserts compare
// every node they pass two more times: an insert cost ~110 key comparisons (perf_context
// user_key_comparison_count) where the search itself needs ~26, 1.8 µs per record. The group
// commit thread spent most of a fan-out there (perf: MemTable::Add and its callees 49% of
// reeld's samples over four 10k-follower jobs; ~40 ms of the thread's CPU writing one job's
// 20k records). This list is the same structure, compiled without them.
//
// An insert starts where it is likely to land instead of at the top: from where the last
// insert of the key's owner went (the key's first 11 bytes: partition, table, owner id; a
// partition's log entries are one owner), when that is a few nodes away on each of the new
// node's levels; else from the previous insert when the new key follows it (a sorted
// commit group); else from the top. In a cluster under publish load a commit group is a few
// dozen keys all over the list, and each level of a search from the top costs a node no cache
// holds: 97% of the insert's time was that load, ~5 µs an insert (perf), ~30 comparisons
// where the owner's finger takes 2-4.
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
