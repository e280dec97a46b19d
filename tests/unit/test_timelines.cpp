// Feed merges: order, strict cursor, dedup, unfollowed authors hidden, celebrities pulled,
// and pages that never end inside a group of equal times.
#include <doctest/doctest.h>

#include <limits>

#include "actors/celebrities.hpp"
#include "actors/timelines.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"
#include "temp_dir.hpp"

using namespace reel;
using reel::actors::timeline_item;

namespace {

constexpr millis end_of_time(std::numeric_limits<std::int64_t>::max());

struct feed_fixture {
  unit::temp_dir dir{"timelines"};
  std::unique_ptr<storage::store> db = storage::store::open(dir.path);
  actors::celebrity_set celebrities;

  void write(const std::string& key, const std::string& value) {
    rocksdb::WriteBatch b;
    b.Put(key, value);
    db->write_buffered(b);
  }
  void global(video_id v, millis t, user_id author) {
    write(storage::keys::timeline(v, t).str(), storage::encode_inbox_entry(author));
  }
  void inbox(user_id owner, video_id v, millis t, user_id author) {
    write(storage::keys::inbox(owner, t, v).str(), storage::encode_inbox_entry(author));
  }
  void works(user_id author, video_id v, millis t) { write(storage::keys::works(author, t, v).str(), ""); }
  void follow(user_id a, user_id b) { write(storage::keys::following(a, b).str(), storage::encode_follow_edge(millis(1))); }
};

std::vector<std::uint64_t> videos_of(const std::vector<timeline_item>& items) {
  std::vector<std::uint64_t> out;
  for (const auto& i : items) out.push_back(i.video.value);
  return out;
}

}  // namespace

TEST_CASE("the global timeline merges every partition newest first with a strict cursor") {
  feed_fixture f;
  for (std::uint64_t v = 1; v <= 100; ++v) f.global(video_id(v * 7919), millis(1000 + v), user_id(1));
  auto page = actors::global_timeline(*f.db, end_of_time, 30);
  REQUIRE(page.size() == 30);
  CHECK(page.front().time == millis(1100));
  for (std::size_t i = 1; i < page.size(); ++i) CHECK(page[i - 1].time > page[i].time);
  auto next = actors::global_timeline(*f.db, page.back().time, 30);
  REQUIRE(!next.empty());
  CHECK(next.front().time < page.back().time);
  // Paging to the end returns every video exactly once.
  std::size_t total = 0;
  for (millis cursor = end_of_time;;) {
    auto p = actors::global_timeline(*f.db, cursor, 30);
    if (p.empty()) break;
    total += p.size();
    cursor = p.back().time;
  }
  CHECK(total == 100);
}

TEST_CASE("a page never ends inside a group of videos with the same time") {
  feed_fixture f;
  for (std::uint64_t v = 1; v <= 28; ++v) f.global(video_id(v), millis(2000 + v), user_id(1));
  for (std::uint64_t v = 100; v < 105; ++v) f.global(video_id(v), millis(1500), user_id(1));  // a tie of 5
  auto page = actors::global_timeline(*f.db, end_of_time, 30);
  CHECK(page.size() == 28);  // the tie group moves to the next page whole
  auto next = actors::global_timeline(*f.db, page.back().time, 30);
  CHECK(next.size() == 5);

  feed_fixture all_tied;
  for (std::uint64_t v = 1; v <= 40; ++v) all_tied.global(video_id(v), millis(1500), user_id(1));
  CHECK(actors::global_timeline(*all_tied.db, end_of_time, 30).size() == 30);  // one group: a full page
}

TEST_CASE("a home timeline merges inbox, own works and followed celebrities, once each") {
  feed_fixture f;
  user_id viewer(10), friend_(11), celebrity(12), stranger(13), gone(14);
  f.follow(viewer, friend_);
  f.follow(viewer, celebrity);
  f.inbox(viewer, video_id(1), millis(100), friend_);
  f.inbox(viewer, video_id(2), millis(300), gone);  // pushed before an unfollow
  f.inbox(viewer, video_id(3), millis(500), friend_);
  f.works(viewer, video_id(4), millis(400));
  f.works(celebrity, video_id(5), millis(200));
  f.works(celebrity, video_id(3), millis(500));  // also pushed earlier: shown once
  f.works(stranger, video_id(6), millis(600));
  f.celebrities.add(celebrity);
  f.celebrities.add(stranger);  // a celebrity the viewer does not follow
  auto page = actors::home_timeline(*f.db, f.celebrities, viewer, end_of_time, 30);
  CHECK(videos_of(page) == std::vector<std::uint64_t>{3, 4, 5, 1});
  auto older = actors::home_timeline(*f.db, f.celebrities, viewer, millis(400), 30);
  CHECK(videos_of(older) == std::vector<std::uint64_t>{5, 1});
  CHECK(actors::home_timeline(*f.db, f.celebrities, stranger, end_of_time, 30).size() == 1);  // own works
}

TEST_CASE("the recent timeline answers exactly as the merge over storage, or not at all") {
  feed_fixture f;
  for (std::uint64_t v = 1; v <= 100; ++v) f.global(video_id(v * 31), millis(1000 + v / 3), user_id(1));  // ties of 3
  actors::recent_timeline recent(40);
  recent.load(*f.db);
  std::size_t answered = 0;
  for (millis cursor = end_of_time;;) {
    auto expected = actors::global_timeline(*f.db, cursor, 7);
    if (auto cached = recent.page(cursor, 7)) {
      CHECK(videos_of(*cached) == videos_of(expected));
      ++answered;
    }
    if (expected.empty()) break;
    cursor = expected.back().time;
  }
  CHECK(answered >= 4);  // the first pages come from memory

  actors::recent_timeline all(1000);
  all.load(*f.db);
  all.add({millis(5000), video_id(7), user_id(2)});  // a new publish is the newest
  auto page = all.page(end_of_time, 3);
  REQUIRE(page);
  CHECK(page->front().video == video_id(7));
  auto tail = all.page(millis(1001), 30);  // complete: answers even past its oldest entry
  REQUIRE(tail);
  CHECK(videos_of(*tail) == videos_of(actors::global_timeline(*f.db, millis(1001), 30)));
}

TEST_CASE("the recent timeline ignores a publish older than its window when storage holds more") {
  feed_fixture f;
  for (std::uint64_t v = 1; v <= 50; ++v) f.global(video_id(v), millis(1000 + v), user_id(1));
  actors::recent_timeline recent(10);
  recent.load(*f.db);
  recent.add({millis(5), video_id(999), user_id(2)});  // e.g. a clock that stepped back
  for (millis cursor = end_of_time;;) {
    auto cached = recent.page(cursor, 4);
    if (!cached) break;
    for (const auto& item : *cached) CHECK(item.video != video_id(999));
    if (cached->empty()) break;
    cursor = cached->back().time;
  }
}
