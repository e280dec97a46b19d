// A commit group's merged batch (storage/group_merge.hpp): every record of every batch once,
// sorted by key with each key's records in submission order, so that applying it leaves what
// applying the batches one after another leaves; unlisted records keep the group unsorted.
#include <doctest/doctest.h>
#include <rocksdb/write_batch.h>

#include <string>
#include <utility>
#include <vector>

#include "storage/group_merge.hpp"

using reel::storage::group_merge;
using reel::storage::merged_batch;

namespace {

// A batch's records as "op key[=value]", in its order.
class record_names : public rocksdb::WriteBatch::Handler {
 public:
  std::vector<std::string> names;
  rocksdb::Status PutCF(std::uint32_t, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    names.push_back("put " + key.ToString() + "=" + value.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(std::uint32_t, const rocksdb::Slice& key) override {
    names.push_back("delete " + key.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(std::uint32_t, const rocksdb::Slice& key) override {
    names.push_back("single-delete " + key.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(std::uint32_t, const rocksdb::Slice& key, const rocksdb::Slice& value) override {
    names.push_back("merge " + key.ToString() + "=" + value.ToString());
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(std::uint32_t, const rocksdb::Slice& from, const rocksdb::Slice& to) override {
    names.push_back("delete-range " + from.ToString() + ".." + to.ToString());
    return rocksdb::Status::OK();
  }
};

std::vector<std::string> names_of(const rocksdb::WriteBatch& batch) {
  record_names names;
  REQUIRE(batch.Iterate(&names).ok());
  return names.names;
}

}  // namespace

TEST_CASE("group merge: records sorted by key, each key's records in submission order") {
  rocksdb::WriteBatch first, second, third;
  first.Put("m", "1");
  first.Delete("b");
  first.Put("z", std::string(300, 'x'));  // a value whose size takes two varint bytes
  second.Put("b", "2");
  second.SingleDelete("q");
  second.Merge("m", "+1");
  third.Delete("m");
  third.Put(std::string(200, 'k'), "long key");

  group_merge merge;
  merge.add(first);
  merge.add(second);
  merge.add(third);
  auto merged = merge.take();

  CHECK(merged.Count() == 8);
  CHECK(names_of(merged) ==
        std::vector<std::string>{"delete b", "put b=2",                         // b: first's delete, then second's put
                                 "put " + std::string(200, 'k') + "=long key",  // 'k' * 200 sorts before "m"
                                 "put m=1", "merge m=+1", "delete m",           // m: in batch order
                                 "single-delete q", "put z=" + std::string(300, 'x')});
}

TEST_CASE("group merge: a range deletion leaves the group in submission order") {
  rocksdb::WriteBatch first, second;
  first.Put("z", "1");
  second.DeleteRange("a", "c");
  second.Put("b", "2");

  group_merge merge;
  merge.add(first);
  merge.add(second);
  auto merged = merge.take();
  CHECK(merged.Count() == 3);
  CHECK(names_of(merged) == std::vector<std::string>{"put z=1", "delete-range a..c", "put b=2"});

  // The next group is sorted again.
  rocksdb::WriteBatch third;
  third.Put("y", "3");
  third.Put("x", "4");
  merge.recycle(std::move(merged));
  merge.add(third);
  auto next = merge.take();
  CHECK(names_of(next) == std::vector<std::string>{"put x=4", "put y=3"});
}

TEST_CASE("group merge: a recycled representation serves the next group, emptied") {
  group_merge merge;
  rocksdb::WriteBatch big;
  for (int i = 0; i < 1000; ++i) big.Put("key" + std::to_string(i), std::string(100, 'v'));
  merge.add(big);
  auto merged = merge.take();
  CHECK(merged.Count() == 1000);
  const char* memory = merged.Data().data();
  merge.recycle(std::move(merged));

  rocksdb::WriteBatch small;
  small.Put("only", "one");
  merge.add(small);
  auto next = merge.take();
  CHECK(next.Data().data() == memory);  // the same allocation, reused
  CHECK(next.Count() == 1);
  CHECK(names_of(next) == std::vector<std::string>{"put only=one"});

  auto empty = merge.take();  // a group with nothing added is an empty batch
  CHECK(empty.Count() == 0);
}

TEST_CASE("group merge: many batches writing one key keep their order among many keys") {
  // Small inputs sort stably even with an unstable sort; this one is large enough not to.
  std::vector<rocksdb::WriteBatch> batches(200);
  group_merge merge;
  for (int i = 0; i < 200; ++i) {
    batches[i].Put("key" + std::to_string((i * 37) % 101), "x");
    batches[i].Put("same", std::to_string(i));
    merge.add(batches[i]);
  }
  auto merged = merge.take();
  std::vector<std::string> same;
  for (const auto& name : names_of(merged))
    if (name.rfind("put same=", 0) == 0) same.push_back(name.substr(9));
  REQUIRE(same.size() == 200);
  for (int i = 0; i < 200; ++i) CHECK(same[i] == std::to_string(i));
}

TEST_CASE("append_records: one batch's records follow another's, counted, with no header between") {
  rocksdb::WriteBatch first, second, empty;
  first.Put("b", "1");
  first.Delete("a");
  second.Put("a", "2");
  second.DeleteRange("c", "d");
  std::string rep;
  reel::storage::append_records(rep, first.Data());
  CHECK(rep == first.Data());  // into nothing: a copy
  reel::storage::append_records(rep, second.Data());
  reel::storage::append_records(rep, empty.Data());
  reel::storage::append_records(rep, "");  // a barrier's payload holds no records
  rocksdb::WriteBatch merged(rep);
  CHECK(merged.Count() == 4);
  CHECK(names_of(merged) == std::vector<std::string>{"put b=1", "delete a", "put a=2", "delete-range c..d"});
}
