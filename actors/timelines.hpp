// Feeds as merges of time-ordered key ranges: the global feed merges every partition's
// share of the timeline; a home timeline merges the viewer's inbox (pushed), their own
// works, and the works of followed celebrities (pulled at read time). Merges pull lazily,
// so a page of 30 reads about 30 entries per source, from the store's cached list heads
// (storage/store.hpp: range) unless it reaches past them.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <vector>

#include "actors/celebrities.hpp"
#include "schema/ids.hpp"
#include "storage/store.hpp"

namespace reel::actors {

struct timeline_item {
  millis time;
  video_id video;
  user_id author;
};

// At most `limit` videos strictly older than `before`, newest first, each video once.
// A page never ends inside a group of videos with the same time (the next page, strictly
// older than the last returned time, would skip the rest of the group), unless the whole
// page is one such group.
std::vector<timeline_item> global_timeline(const storage::store& db, millis before, std::size_t limit);

// The newest part of the global timeline in memory, so that the most read pages (the first
// ones) need no 64-way merge over storage. Filled at start from storage and by every publish.
class recent_timeline {
 public:
  explicit recent_timeline(std::size_t capacity = 2000) : capacity_(capacity) {}
  void load(const storage::store& db);
  void add(const timeline_item& item);
  // The page as global_timeline would return it, or nullopt when the cache cannot tell.
  std::optional<std::vector<timeline_item>> page(millis before, std::size_t limit) const;

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::vector<timeline_item> items_;  // newest first, at most capacity_
  bool complete_ = false;             // items_ holds every video there is
};
std::vector<timeline_item> home_timeline(const storage::store& db, const celebrity_set& celebrities, user_id viewer,
                                         millis before, std::size_t limit);

}  // namespace reel::actors
