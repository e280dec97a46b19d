#include "storage/memtable.hpp"

#include <rocksdb/version.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

// Two of RocksDB's internal types reach a MemTableRep, and the public headers only declare
// them. Their layouts have been stable for years; this is the 7.8 shape (memory/allocator.h,
// db/dbformat.h), checked against the installed version at build time and by the store's
// tests at run time.
static_assert(ROCKSDB_MAJOR == 7 && ROCKSDB_MINOR == 8,
              "storage/memtable.cpp relies on RocksDB 7.8's Allocator and LookupKey: re-check them");

namespace rocksdb {

// The memtable's arena (and the arena an iterator is placed in) implements this interface.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual char* Allocate(std::size_t bytes) = 0;
  virtual char* AllocateAligned(std::size_t bytes, std::size_t huge_page_size = 0, Logger* logger = nullptr) = 0;
  virtual std::size_t BlockSize() const = 0;
};

}  // namespace rocksdb

namespace reel::storage {

namespace {

// A point lookup's key: its first member points at the key with its varint length prefix,
// the form memtable entries start with (LookupKey::memtable_key()).
const char* memtable_key_of(const rocksdb::LookupKey& k) { return *reinterpret_cast<const char* const*>(&k); }

// rocksdb::Arena derives from Allocator alone, so an Arena* is its Allocator*.
rocksdb::Allocator* allocator_of(rocksdb::Arena* arena) { return reinterpret_cast<rocksdb::Allocator*>(arena); }

constexpr int max_height = 12;  // 4^12 = 16M entries: a memtable flushes long before

// A node: its links (one per level), then the entry RocksDB encodes (length-prefixed
// internal key, then the value).
struct node {
  explicit node(int h) : height(h) {
    for (int i = 0; i < h; ++i) new (&links[i]) std::atomic<node*>(nullptr);
  }
  static std::size_t size(int height) { return offsetof(node, links) + sizeof(std::atomic<node*>) * height; }

  std::atomic<node*>& next(int level) { return links[level]; }
  const char* entry() const { return reinterpret_cast<const char*>(this) + size(height); }

  int height;
  std::atomic<node*> links[1];  // `height` of them
};

class skip_list : public rocksdb::MemTableRep {
 public:
  skip_list(const KeyComparator& compare, rocksdb::Allocator* allocator)
      : rocksdb::MemTableRep(allocator), compare_(compare), head_(new_node(max_height, 0)) {
    for (auto& n : last_prev_) n = head_;
  }

  rocksdb::KeyHandle Allocate(std::size_t len, char** buf) override {
    auto* n = new_node(random_height(), len);
    *buf = const_cast<char*>(n->entry());
    return n;
  }

  void Insert(rocksdb::KeyHandle handle) override { InsertKey(handle); }

  // False for an entry equal to one already in the list (same user key and sequence).
  bool InsertKey(rocksdb::KeyHandle handle) override {
    auto* x = static_cast<node*>(handle);
    node* prev[max_height];
    int level = height_.load(std::memory_order_relaxed) - 1;
    auto* p = head_;
    auto* last = last_prev_[0];  // the last inserted node, or the head before the first insert
    if (last != head_ && compare_(last->entry(), x->entry()) < 0) level = from_last(x, prev, p);
    for (;;) {
      auto* next = p->next(level).load(std::memory_order_relaxed);  // only this writer links
      int order = next != nullptr ? compare_(next->entry(), x->entry()) : 1;
      if (order < 0) {
        p = next;
        continue;
      }
      if (level == 0 && order == 0) return false;
      prev[level] = p;
      if (level-- == 0) break;
    }
    auto height = height_.load(std::memory_order_relaxed);
    if (x->height > height) {
      for (int i = height; i < x->height; ++i) prev[i] = head_;
      // Readers that see the new height before the node find null links up there: fine.
      height_.store(x->height, std::memory_order_relaxed);
      height = x->height;
    }
    for (int i = 0; i < x->height; ++i) {
      x->next(i).store(prev[i]->next(i).load(std::memory_order_relaxed), std::memory_order_relaxed);
      prev[i]->next(i).store(x, std::memory_order_release);  // publishes the node and its entry
    }
    for (int i = 0; i < height; ++i) last_prev_[i] = i < x->height ? x : prev[i];
    return true;
  }

  bool Contains(const char* entry) const override {
    auto* n = seek(entry);
    return n != nullptr && compare_(n->entry(), entry) == 0;
  }

  void Get(const rocksdb::LookupKey& k, void* callback_args,
           bool (*callback_func)(void* arg, const char* entry)) override {
    for (auto* n = seek(memtable_key_of(k)); n != nullptr && callback_func(callback_args, n->entry());
         n = n->next(0).load(std::memory_order_acquire)) {
    }
  }

  std::size_t ApproximateMemoryUsage() override { return 0; }  // all of it is in the arena

  Iterator* GetIterator(rocksdb::Arena* arena) override {
    if (arena == nullptr) return new iterator(*this);
    return new (allocator_of(arena)->AllocateAligned(sizeof(iterator))) iterator(*this);
  }

 private:
  class iterator : public Iterator {
   public:
    explicit iterator(const skip_list& list) : list_(list) {}
    bool Valid() const override { return node_ != nullptr; }
    const char* key() const override { return node_->entry(); }
    void Next() override { node_ = node_->next(0).load(std::memory_order_acquire); }
    void Prev() override { node_ = list_.before(node_->entry()); }
    void Seek(const rocksdb::Slice& internal_key, const char*) override { node_ = list_.seek(internal_key); }
    // To the last entry at or before the target.
    void SeekForPrev(const rocksdb::Slice& internal_key, const char*) override {
      Seek(internal_key, nullptr);
      if (node_ == nullptr) SeekToLast();
      while (node_ != nullptr && list_.compare_(node_->entry(), internal_key) > 0) Prev();
    }
    void SeekToFirst() override { node_ = list_.head_->next(0).load(std::memory_order_acquire); }
    void SeekToLast() override { node_ = list_.last(); }

   private:
    const skip_list& list_;
    node* node_ = nullptr;
  };

  node* new_node(int height, std::size_t entry_bytes) {
    auto* mem = allocator_->AllocateAligned(node::size(height) + entry_bytes);
    return new (mem) node(height);
  }

  // Where the search for an entry after the last inserted one starts: on each level, the last
  // insert's predecessor there (or that node itself) precedes the new entry too. The lowest
  // level whose next node is not before the new entry is the first that needs no search;
  // the levels above it keep their predecessors. Sets `prev` above that level and `p` to the
  // predecessor on it, and returns the level. Sorted groups (storage/group_merge.hpp) insert
  // each entry a few nodes after the last: this climbs a level or two instead of descending
  // all of them.
  int from_last(node* x, node** prev, node*& p) const {
    int top = height_.load(std::memory_order_relaxed) - 1;
    int level = 0;
    while (level < top) {
      auto* next = last_prev_[level]->next(level).load(std::memory_order_relaxed);
      if (next == nullptr || compare_(next->entry(), x->entry()) >= 0) break;
      ++level;
    }
    for (int i = level + 1; i <= top; ++i) prev[i] = last_prev_[i];
    p = last_prev_[level];
    return level;
  }

  // Each level holds a quarter of the one below it.
  int random_height() {
    int height = 1;
    while (height < max_height && (next_random() & 3) == 0) ++height;
    return height;
  }
  std::uint64_t next_random() {  // xorshift64; only the writer draws
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    return random_;
  }

  // The first node at or after `target` (an entry, or an internal key), or null. A node found
  // not before the target on one level is not compared again on the levels below.
  template <class Target>
  node* seek(const Target& target) const {
    auto* p = head_;
    node* known_after = nullptr;
    for (int level = height_.load(std::memory_order_relaxed) - 1;;) {
      auto* next = p->next(level).load(std::memory_order_acquire);
      if (next != nullptr && next != known_after && compare_(next->entry(), target) < 0) {
        p = next;
      } else {
        if (level-- == 0) return next;
        known_after = next;
      }
    }
  }

  // The last node before `entry`, or null.
  node* before(const char* entry) const {
    auto* p = head_;
    for (int level = height_.load(std::memory_order_relaxed) - 1;;) {
      auto* next = p->next(level).load(std::memory_order_acquire);
      if (next != nullptr && compare_(next->entry(), entry) < 0) {
        p = next;
      } else if (level-- == 0) {
        return p == head_ ? nullptr : p;
      }
    }
  }

  node* last() const {
    auto* p = head_;
    for (int level = height_.load(std::memory_order_relaxed) - 1;;) {
      auto* next = p->next(level).load(std::memory_order_acquire);
      if (next != nullptr) {
        p = next;
      } else if (level-- == 0) {
        return p == head_ ? nullptr : p;
      }
    }
  }

  const KeyComparator& compare_;
  node* head_;
  std::atomic<int> height_{1};
  std::uint64_t random_ = 0x9E3779B97F4A7C15ull;
  // The writer's: on each level, the last inserted node or its predecessor there (on level
  // 0 always the node itself).
  node* last_prev_[max_height];
};

}  // namespace

rocksdb::MemTableRep* memtable_factory::CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& compare,
                                                          rocksdb::Allocator* allocator,
                                                          const rocksdb::SliceTransform*, rocksdb::Logger*) {
  return new skip_list(compare, allocator);
}

}  // namespace reel::storage
