// Likes: exact and idempotent counts on videos and users, favorite lists, bad input.
#include "clips.hpp"
#include "feeds.hpp"

using namespace reel::test;

namespace {

using id_list = std::vector<std::uint64_t>;

// favorite_count of a video as its author's publish list shows it.
std::int64_t likes_of(http_client& c, const account& author, std::uint64_t video_id) {
  for (const auto& v : fetch_publish_list(c, author.user_id)) {
    if (v.id == video_id) return v.favorite_count;
  }
  FAIL("video ", video_id, " is not in the publish list of ", author.name);
  return -1;
}

// What a like changes: the video's count, the liker's favorite_count, the author's
// total_favorited.
struct like_counts {
  std::int64_t video;
  std::int64_t liker_favorites;
  std::int64_t author_total;
  bool operator==(const like_counts&) const = default;
};

like_counts counts_of(http_client& c, const account& author, std::uint64_t video_id, const account& liker) {
  return {likes_of(c, author, video_id), fetch_user(c, liker.token, liker.user_id).favorite_count,
          fetch_user(c, author.token, author.user_id).total_favorited};
}

}  // namespace

namespace doctest {
template <>
struct StringMaker<like_counts> {
  static String convert(const like_counts& c) {
    return ("{video " + std::to_string(c.video) + ", liker favorites " + std::to_string(c.liker_favorites) +
            ", author total " + std::to_string(c.author_total) + "}")
        .c_str();
  }
};
}  // namespace doctest

TEST_CASE("like and unlike keep exact counts and are idempotent") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account l = register_fresh(c);
  const account m = register_fresh(c);
  const video_view v1 = must_publish(c, a, set.h264_aac.bytes, "v1");
  const video_view v2 = must_publish(c, a, set.h264_aac.bytes, "v2");
  CHECK(counts_of(c, a, v1.id, l) == like_counts{0, 0, 0});

  must_like(c, l, v1.id);
  CHECK(counts_of(c, a, v1.id, l) == like_counts{1, 1, 1});
  must_like(c, l, v1.id);  // again: no change
  CHECK(counts_of(c, a, v1.id, l) == like_counts{1, 1, 1});
  must_like(c, m, v1.id);
  CHECK(counts_of(c, a, v1.id, l) == like_counts{2, 1, 2});
  must_like(c, l, v2.id);
  CHECK(counts_of(c, a, v1.id, l) == like_counts{2, 2, 3});
  CHECK(likes_of(c, a, v2.id) == 1);

  must_unlike(c, l, v1.id);
  CHECK(counts_of(c, a, v1.id, l) == like_counts{1, 1, 2});
  must_unlike(c, l, v1.id);  // again: no change
  CHECK(counts_of(c, a, v1.id, l) == like_counts{1, 1, 2});
  must_unlike(c, m, v2.id);  // never liked: no change
  CHECK(counts_of(c, a, v2.id, m) == like_counts{1, 1, 2});
  CHECK(fetch_user(c, m.token, m.user_id).favorite_count == 1);

  // Every view of the video shows the same counts.
  const auto feed = fetch_feed(c, "").videos;
  REQUIRE(ids_of(feed) == id_list{v2.id, v1.id});
  CHECK(feed[0].favorite_count == 1);
  CHECK(feed[1].favorite_count == 1);
  const auto of_m = fetch_favorite_list(c, m.user_id);
  REQUIRE(ids_of(of_m) == id_list{v1.id});
  CHECK(of_m[0].favorite_count == 1);
  CHECK(of_m[0].author.total_favorited == 2);
  CHECK(of_m[0].author.work_count == 2);

  // Liking again after an unlike counts once more.
  must_like(c, l, v1.id);
  CHECK(counts_of(c, a, v1.id, l) == like_counts{2, 2, 3});
}

TEST_CASE("favorite list is the whole list, newest first, relative to the viewer") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account l = register_fresh(c);  // the liker whose list is read
  const account m = register_fresh(c);  // a viewer who likes one of them and follows a
  CHECK(fetch_favorite_list(c, l.user_id).empty());

  id_list videos;
  for (int i = 0; i < 33; ++i) {
    videos.push_back(must_publish(c, a, set.h264_silent.bytes, "v" + std::to_string(i)).id);
  }
  id_list expected;
  for (std::uint64_t id : videos) {
    next_millisecond();
    must_like(c, l, id);
    expected.insert(expected.begin(), id);
  }
  CHECK(ids_of(fetch_favorite_list(c, l.user_id)) == expected);  // all 33, no paging

  // A re-like after an unlike is the newest like.
  must_unlike(c, l, videos[3]);
  expected.erase(std::find(expected.begin(), expected.end(), videos[3]));
  CHECK(ids_of(fetch_favorite_list(c, l.user_id)) == expected);
  next_millisecond();
  must_like(c, l, videos[3]);
  expected.insert(expected.begin(), videos[3]);
  CHECK(ids_of(fetch_favorite_list(c, l.user_id)) == expected);
  CHECK(fetch_user(c, l.token, l.user_id).favorite_count == 33);
  CHECK(fetch_user(c, a.token, a.user_id).total_favorited == 33);

  must_like(c, m, videos[7]);
  must_follow(c, m, a.user_id);
  for (const auto& v : fetch_favorite_list(c, l.user_id, m.token)) {
    INFO("video ", v.title, " seen by m");
    CHECK(v.is_favorite == (v.id == videos[7]));
    CHECK(v.favorite_count == (v.id == videos[7] ? 2 : 1));
    CHECK(v.author.is_follow);
  }
  for (const auto& v : fetch_favorite_list(c, l.user_id, l.token)) {
    CHECK(v.is_favorite);
    CHECK_FALSE(v.author.is_follow);
  }
  for (const auto& v : fetch_favorite_list(c, l.user_id)) {
    CHECK_FALSE(v.is_favorite);
    CHECK_FALSE(v.author.is_follow);
  }
  CHECK(fetch_favorite_list(c, a.user_id).empty());
}

TEST_CASE("favorite action rejects bad input and changes nothing") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account l = register_fresh(c);
  const video_view v = must_publish(c, a, set.h264_silent.bytes, "target");
  const std::string path = "/douyin/favorite/action/";
  const std::string id = std::to_string(v.id);

  CHECK_API_ERROR(api::like(c, l.token, absent_user_id({v.id})), 200, status::not_found);
  CHECK_API_ERROR(api::unlike(c, l.token, absent_user_id({v.id})), 200, status::not_found);
  for (const char* action : {"0", "3", "x", ""}) {
    INFO("action_type='", action, "'");
    CHECK_API_ERROR(c.post_form(path, {{"token", l.token}, {"video_id", id}, {"action_type", action}}), 200,
                    status::bad_parameter);
  }
  CHECK_API_ERROR(c.post_form(path, {{"token", l.token}, {"video_id", id}}), 200, status::bad_parameter);
  CHECK_API_ERROR(c.post_form(path, {{"token", l.token}, {"action_type", "1"}}), 200, status::bad_parameter);
  CHECK_API_ERROR(c.post_form(path, {{"token", l.token}, {"video_id", "v"}, {"action_type", "1"}}), 200,
                  status::bad_parameter);
  CHECK_API_ERROR(api::like(c, "", v.id), 200, status::not_logged_in);
  CHECK_API_ERROR(api::like(c, l.token + "x", v.id), 200, status::not_logged_in);

  CHECK(counts_of(c, a, v.id, l) == like_counts{0, 0, 0});
  CHECK(fetch_favorite_list(c, l.user_id).empty());
  CHECK_API_ERROR(api::favorite_list(c, absent_user_id({a.user_id, l.user_id, v.id})), 200, status::not_found);
}
