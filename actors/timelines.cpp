#include "actors/timelines.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

// One key range whose keys end in [~time][video id]; the value names the author, unless
// the range has a fixed one (a user's works).
class source {
 public:
  source(const storage::store& db, const storage::key& prefix, millis before, std::optional<user_id> author)
      : range_(db, prefix.str() + start_after(before), prefix.prefix_end()), author_(author) {
    settle();
  }

  const std::optional<timeline_item>& head() const { return head_; }
  void pop() {
    range_.next();
    settle();
  }

 private:
  // Strictly older than `before`: the first key at or after ~(before - 1).
  static std::string start_after(millis before) {
    storage::key k(0, storage::table::user);
    k.u64(~static_cast<std::uint64_t>(std::max<std::int64_t>(before.value - 1, 0)));
    return k.str().substr(storage::key_header_bytes);
  }

  void settle() {
    head_.reset();
    while (range_.valid()) {
      auto key = range_.key();
      auto author = author_ ? author_ : storage::decode_inbox_entry(range_.value());
      if (author) {
        head_ = timeline_item{storage::keys::from_rev(storage::read_u64(key, key.size() - 16)),
                              video_id(storage::read_u64(key, key.size() - 8)), *author};
        return;
      }
      range_.next();  // unreadable entry: skipped, never shown half-decoded
    }
  }

  storage::store::range range_;
  std::optional<user_id> author_;
  std::optional<timeline_item> head_;
};

bool newer(const timeline_item& a, const timeline_item& b) {
  return a.time != b.time ? a.time > b.time : a.video > b.video;
}

// Cuts up to limit + 1 items (newest first) to a page: at most `limit`, without a trailing
// group of equal times that continues past the page (see timelines.hpp).
std::vector<timeline_item> to_page(std::vector<timeline_item> items, std::size_t limit) {
  if (items.size() <= limit) return items;
  auto boundary = items[limit].time;
  items.resize(limit);
  auto tie_start = std::find_if(items.begin(), items.end(), [&](const auto& i) { return i.time == boundary; });
  if (tie_start != items.begin()) items.erase(tie_start, items.end());
  return items;
}

// Pulls up to limit + 1 distinct items that `keep` accepts, newest first, as a page.
template <class Keep>
std::vector<timeline_item> merge(std::vector<std::unique_ptr<source>>& sources, std::size_t limit, Keep keep) {
  auto later = [](source* a, source* b) { return newer(*b->head(), *a->head()); };
  std::priority_queue<source*, std::vector<source*>, decltype(later)> heap(later);
  for (auto& s : sources)
    if (s->head()) heap.push(s.get());
  std::vector<timeline_item> out;
  std::unordered_set<video_id> seen;
  while (!heap.empty() && out.size() <= limit) {
    auto* s = heap.top();
    heap.pop();
    auto item = *s->head();
    s->pop();
    if (s->head()) heap.push(s);
    if (keep(item) && seen.insert(item.video).second) out.push_back(item);
  }
  return to_page(std::move(out), limit);
}

}  // namespace

std::vector<timeline_item> global_timeline(const storage::store& db, millis before, std::size_t limit) {
  std::vector<std::unique_ptr<source>> sources;
  for (storage::partition_id p = 0; p < storage::partition_count; ++p)
    sources.push_back(std::make_unique<source>(db, storage::keys::timeline_prefix(p), before, std::nullopt));
  return merge(sources, limit, [](const timeline_item&) { return true; });
}

void recent_timeline::load(const storage::store& db) {
  auto items = global_timeline(db, millis(std::numeric_limits<std::int64_t>::max()), capacity_ + 1);
  std::lock_guard lock(mutex_);
  complete_ = items.size() <= capacity_;
  if (!complete_) items.resize(capacity_);
  items_ = std::move(items);
}

void recent_timeline::add(const timeline_item& item) {
  std::lock_guard lock(mutex_);
  auto at = std::lower_bound(items_.begin(), items_.end(), item, newer);
  // Older than everything held while storage holds more: the gap between them is unknown.
  if (at == items_.end() && !complete_) return;
  if (at != items_.end() && at->video == item.video) return;
  items_.insert(at, item);
  if (items_.size() > capacity_) {
    items_.pop_back();
    complete_ = false;
  }
}

std::optional<std::vector<timeline_item>> recent_timeline::page(millis before, std::size_t limit) const {
  std::lock_guard lock(mutex_);
  auto first = std::find_if(items_.begin(), items_.end(), [&](const auto& i) { return i.time < before; });
  auto available = static_cast<std::size_t>(items_.end() - first);
  if (available <= limit && !complete_) return std::nullopt;  // the page may continue in storage
  return to_page({first, first + static_cast<std::ptrdiff_t>(std::min(available, limit + 1))}, limit);
}

std::vector<timeline_item> home_timeline(const storage::store& db, const celebrity_set& celebrities, user_id viewer,
                                         millis before, std::size_t limit) {
  std::vector<std::unique_ptr<source>> sources;
  sources.push_back(std::make_unique<source>(db, storage::keys::inbox_prefix(viewer), before, std::nullopt));
  sources.push_back(std::make_unique<source>(db, storage::keys::works_prefix(viewer), before, viewer));
  for (auto celebrity : celebrities.all()) {
    if (celebrity != viewer && db.contains(storage::keys::following(viewer, celebrity)))
      sources.push_back(std::make_unique<source>(db, storage::keys::works_prefix(celebrity), before, celebrity));
  }
  // Inbox entries of authors the viewer no longer follows are hidden (an unfollow racing a
  // fan-out may leave some behind).
  std::unordered_map<user_id, bool> follows;
  auto keep = [&](const timeline_item& item) {
    if (item.author == viewer) return true;
    auto [it, fresh] = follows.try_emplace(item.author, false);
    if (fresh) it->second = db.contains(storage::keys::following(viewer, item.author));
    return it->second;
  };
  return merge(sources, limit, keep);
}

}  // namespace reel::actors
