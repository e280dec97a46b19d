// The bulk loader leaves the state the actors would: counts equal stored edges, inboxes as
// a finished fan-out leaves them (capped), celebrities registered instead of pushed.
#include <doctest/doctest.h>

#include "actors/bulk_load.hpp"
#include "actors/celebrities.hpp"
#include "actors/views.hpp"
#include "storage/keys.hpp"
#include "temp_dir.hpp"

using namespace reel;

namespace {

std::size_t count_keys(const storage::store& db, const storage::key& prefix) {
  std::size_t n = 0;
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view, std::string_view) { return ++n, true; });
  return n;
}

}  // namespace

TEST_CASE("bulk load keeps counts, edges and inboxes consistent") {
  unit::temp_dir dir{"bulk"};
  auto db = storage::store::open(dir.path);
  cluster::id_generator ids(*db, 0, [] { return millis(1'800'000'000'000); });
  actors::bulk_plan plan;
  for (int i = 0; i < 6; ++i) plan.names.push_back("n" + std::to_string(i));
  // 1..5 follow 0 (a celebrity at threshold 5); 0 follows 1; 2 follows 1 twice (deduplicated);
  // a self-follow is dropped.
  plan.follows = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {0, 1}, {2, 1}, {2, 1}, {3, 3}};
  plan.videos_per_user = 3;
  plan.media_hash = std::string(64, 'a');
  plan.password_hash = "$argon2id$test";
  plan.inbox_cap = 4;
  plan.celebrity_threshold = 5;
  int progress_calls = 0;
  auto r = actors::bulk_load(*db, ids, plan, [&](const std::string&, std::size_t, std::size_t) { ++progress_calls; });
  CHECK(progress_calls > 0);
  CHECK(r.follows == 7);
  CHECK(r.videos.size() == 18);
  CHECK(r.celebrities == 1);
  for (std::size_t i = 0; i < r.users.size(); ++i) {
    auto u = actors::load_user(*db, r.users[i]);
    REQUIRE(u);
    CHECK(u->follow_count == actors::following_ids(*db, r.users[i]).size());
    CHECK(u->follower_count == actors::follower_ids(*db, r.users[i]).size());
    CHECK(u->work_count == 3);
    CHECK(actors::find_user_by_name(*db, plan.names[i]) == r.users[i]);
  }
  // user 0 is a celebrity: nothing pushed for it; user 2 follows 0 and 1 -> 3 videos of 1 only.
  CHECK(count_keys(*db, storage::keys::inbox_prefix(r.users[2])) == 3);
  CHECK(count_keys(*db, storage::keys::inbox_prefix(r.users[5])) == 0);
  actors::celebrity_set celebrities;
  celebrities.load(*db);
  CHECK(celebrities.contains(r.users[0]));
  CHECK_FALSE(celebrities.contains(r.users[1]));
}

TEST_CASE("bulk load caps inboxes at the newest entries") {
  unit::temp_dir dir{"bulkcap"};
  auto db = storage::store::open(dir.path);
  cluster::id_generator ids(*db, 0, [] { return millis(1'800'000'000'000); });
  actors::bulk_plan plan;
  plan.names = {"a", "b", "c"};
  plan.follows = {{0, 1}, {0, 2}};
  plan.videos_per_user = 5;
  plan.media_hash = std::string(64, 'b');
  plan.inbox_cap = 4;
  auto r = actors::bulk_load(*db, ids, plan, [](const std::string&, std::size_t, std::size_t) {});
  CHECK(count_keys(*db, storage::keys::inbox_prefix(r.users[0])) == 4);
}
