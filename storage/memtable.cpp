#include "storage/memtable.hpp"

#include "storage/keys.hpp"

#include <rocksdb/version.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
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

// The owner of an entry: the first owner_bytes of its user key (partition, table and the
// first id: storage/keys.hpp), with the length when the key is shorter. A partition's log
// entries are one owner (their first field is the index): each is appended after the last.
constexpr std::size_t owner_bytes = list_owner_bytes;
struct owner_key {
  char bytes[owner_bytes] = {};
  std::uint8_t length = 0xFF;  // no owner yet
  friend bool operator==(const owner_key& a, const owner_key& b) {
    return a.length == b.length && std::memcmp(a.bytes, b.bytes, owner_bytes) == 0;
  }
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
    const auto owner = owner_of(x->entry());
    auto& f = fingers_[finger_slot(owner)];
    if (f.owner == owner) {
      switch (insert_near(x, f, prev)) {
        case near::inserted:
          std::fill(std::begin(last_prev_), std::end(last_prev_), head_);  // not a path to it: unused next
          return true;
        case near::duplicate:
          return false;
        case near::too_far:
          break;
      }
    }
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
    link(x, prev);
    for (int i = 0; i < height; ++i) last_prev_[i] = i < x->height ? x : prev[i];
    f.owner = owner;
    f.levels = std::min(height, finger_levels);
    std::copy(prev, prev + f.levels, f.path);
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

  // Links `x` after its predecessors on each of its levels.
  static void link(node* x, node* const* prev) {
    for (int i = 0; i < x->height; ++i) {
      x->next(i).store(prev[i]->next(i).load(std::memory_order_relaxed), std::memory_order_relaxed);
      prev[i]->next(i).store(x, std::memory_order_release);  // publishes the node and its entry
    }
  }

  static owner_key owner_of(const char* entry) {
    // The entry starts with the internal key's size as a varint32; the internal key is the
    // user key and 8 bytes of sequence and type.
    std::uint32_t internal_size = 0;
    const auto* at = reinterpret_cast<const unsigned char*>(entry);
    for (int shift = 0; shift <= 28; shift += 7) {
      internal_size |= static_cast<std::uint32_t>(*at & 0x7F) << shift;
      if ((*at++ & 0x80) == 0) break;
    }
    const char* key = reinterpret_cast<const char*>(at);
    const std::size_t user_size = internal_size >= 8 ? internal_size - 8 : 0;
    owner_key o;
    o.length = static_cast<std::uint8_t>(std::min(user_size, owner_bytes));
    if (o.length >= key_header_bytes && static_cast<table>(key[2]) == table::log_entry) o.length = key_header_bytes;
    std::memcpy(o.bytes, key, o.length);
    return o;
  }

  // Where the last insert of an owner went: its predecessors on `levels` levels (each at or
  // before the one below it). Nodes never move or leave the list, so these stay nodes before
  // that insert's key however old they are; only what was inserted since may lie between
  // them and a new key.
  // Levels a finger keeps: a node is higher than 4 levels once in 256.
  static constexpr int finger_levels = 4;
  struct finger {
    owner_key owner;
    int levels = 0;  // at most finger_levels
    node* path[finger_levels];
  };
  static constexpr std::size_t finger_count = 16384;  // direct-mapped by owner
  static std::size_t finger_slot(const owner_key& o) {
    std::uint64_t a = 0, b = 0;
    std::memcpy(&a, o.bytes, 8);
    std::memcpy(&b, o.bytes + 8, owner_bytes - 8);
    auto h = (a ^ (b * 0x9E3779B97F4A7C15ull) ^ o.length) * 0xD6E8FEB86659FD93ull;
    return static_cast<std::size_t>(h >> 50) % finger_count;
  }

  // A walk this long from a finger on one level gives up for a search from the top.
  static constexpr int max_finger_steps = 8;
  enum class near { inserted, duplicate, too_far };

  // Inserts `x` from the finger of its owner when that is a few nodes away on each of x's
  // levels. An owner's keys sit together, and its next key is usually next to its last one
  // (a newer inbox entry before the last, a chat message after it), so this costs a
  // comparison or two where a search from the top or from the last insert of a commit group
  // costs ~2 per level, each on a node no cache holds (perf: 97% of InsertKey's time was that
  // load under the cluster's publish load, ~5 µs an insert).
  near insert_near(node* x, finger& f, node** prev) {
    if (f.levels < x->height) return near::too_far;
    // The path's nodes are at or before path[0]: one comparison says they all precede x.
    if (f.path[0] != head_ && compare_(f.path[0]->entry(), x->entry()) >= 0) return near::too_far;
    int moved = 0;  // nodes passed on level 0
    for (int level = 0; level < x->height; ++level) {
      auto* p = f.path[level];
      for (int steps = 0;; ++steps) {
        if (level == 0) moved = steps;
        auto* next = p->next(level).load(std::memory_order_relaxed);  // only this writer links
        int order = next != nullptr ? compare_(next->entry(), x->entry()) : 1;
        if (order == 0 && level == 0) return near::duplicate;  // (found on level 0 first)
        if (order >= 0) break;
        if (steps == max_finger_steps) return near::too_far;
        p = next;
      }
      prev[level] = p;
    }
    link(x, prev);
    // The finger moves only once it is two nodes behind: an owner whose keys come newest
    // first (inboxes, comments) keeps the one before its first key even when a group brings
    // it several, and one whose keys come in order (chats, the log) walks one or two nodes.
    // The levels above x's keep their older predecessors, which are still before.
    if (moved >= 2) std::copy(prev, prev + std::min(x->height, f.levels), f.path);
    return near::inserted;
  }

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
  // 0 always the node itself); all head_ after an insert from a finger, which does not know
  // the levels above its node.
  node* last_prev_[max_height];
  std::unique_ptr<finger[]> fingers_ = std::make_unique<finger[]>(finger_count);  // the writer's
};

}  // namespace

rocksdb::MemTableRep* memtable_factory::CreateMemTableRep(const rocksdb::MemTableRep::KeyComparator& compare,
                                                          rocksdb::Allocator* allocator,
                                                          const rocksdb::SliceTransform*, rocksdb::Logger*) {
  return new skip_list(compare, allocator);
}

}  // namespace reel::storage
