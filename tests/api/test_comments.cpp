// Comments: add returns the comment, lists are whole and newest first, counts are exact,
// only the comment's author or the video's author may delete, bad input changes nothing.
#include <ctime>
#include <set>

#include "clips.hpp"
#include "feeds.hpp"

using namespace reel::test;

namespace {

using id_list = std::vector<std::uint64_t>;

// comment_count of a video as its author's publish list shows it.
std::int64_t comments_of(http_client& c, const account& author, std::uint64_t video_id) {
  for (const auto& v : fetch_publish_list(c, author.user_id)) {
    if (v.id == video_id) return v.comment_count;
  }
  FAIL("video ", video_id, " is not in the publish list of ", author.name);
  return -1;
}

// Today as "MM-DD" in UTC and in local time.
std::set<std::string> today_month_day() {
  const std::time_t now = std::time(nullptr);
  std::set<std::string> days;
  char text[8];
  std::tm parts{};
  if (std::strftime(text, sizeof text, "%m-%d", gmtime_r(&now, &parts)) == 5) days.insert(text);
  if (std::strftime(text, sizeof text, "%m-%d", localtime_r(&now, &parts)) == 5) days.insert(text);
  return days;
}

}  // namespace

TEST_CASE("comment add returns the comment and the list is whole, newest first, relative to the viewer") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);   // video author
  const account c1 = register_fresh(c);  // commenter followed by the viewer
  const account c2 = register_fresh(c);
  const account viewer = register_fresh(c);
  const video_view v = must_publish(c, a, set.h264_aac.bytes, "commented");
  CHECK(fetch_comment_list(c, v.id).empty());

  std::set<std::string> days = today_month_day();
  const std::string text = "first! caf\xC3\xA9 & = + % \xF0\x9F\x98\x80";
  const comment_view first = must_comment(c, c1, v.id, text);
  for (const auto& day : today_month_day()) days.insert(day);
  CHECK(first.user.id == c1.user_id);
  CHECK(first.user.name == c1.name);
  CHECK_FALSE(first.user.is_follow);
  CHECK(first.content == text);
  CHECK_MESSAGE(days.count(first.create_date) == 1, "create_date ", first.create_date, " is not today");
  CHECK(comments_of(c, a, v.id) == 1);

  next_millisecond();
  const comment_view second = must_comment(c, c2, v.id, "second");
  CHECK(second.id != first.id);
  CHECK(comments_of(c, a, v.id) == 2);
  const auto list = fetch_comment_list(c, v.id);
  REQUIRE(ids_of(list) == id_list{second.id, first.id});
  CHECK(list[1].content == text);
  CHECK(list[1].create_date == first.create_date);
  CHECK(list[0].user.id == c2.user_id);

  must_follow(c, viewer, c1.user_id);
  for (const auto& comment : fetch_comment_list(c, v.id, viewer.token)) {
    CHECK(comment.user.is_follow == (comment.user.id == c1.user_id));
    if (comment.user.id == c1.user_id) CHECK(comment.user.follower_count == 1);
  }
  for (const auto& comment : fetch_comment_list(c, v.id)) CHECK_FALSE(comment.user.is_follow);

  // Lists are whole: no paging at 35.
  id_list expected = {second.id, first.id};
  for (int i = 0; i < 33; ++i) {
    next_millisecond();
    expected.insert(expected.begin(), must_comment(c, i % 2 == 0 ? c1 : viewer, v.id, "n" + std::to_string(i)).id);
  }
  CHECK(ids_of(fetch_comment_list(c, v.id)) == expected);
  CHECK(comments_of(c, a, v.id) == 35);
  const auto feed = fetch_feed(c, "").videos;
  REQUIRE(feed.size() == 1);
  CHECK(feed[0].comment_count == 35);
}

TEST_CASE("only the comment's author or the video's author may delete a comment") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);  // video author
  const account c1 = register_fresh(c);
  const account c2 = register_fresh(c);
  const account third = register_fresh(c);
  const video_view v = must_publish(c, a, set.h264_aac.bytes, "commented");
  const video_view other_video = must_publish(c, third, set.h264_aac.bytes, "third's own video");
  const comment_view k1 = must_comment(c, c1, v.id, "by c1");
  next_millisecond();
  const comment_view k2 = must_comment(c, c2, v.id, "by c2");
  next_millisecond();
  const comment_view k3 = must_comment(c, c1, v.id, "by c1 again");
  REQUIRE(comments_of(c, a, v.id) == 3);

  CHECK_API_ERROR(api::comment_delete(c, third.token, v.id, k1.id), 200, status::forbidden);
  CHECK_API_ERROR(api::comment_delete(c, c2.token, v.id, k1.id), 200, status::forbidden);
  // Owning another video gives no right over this one's comments (naming one's own video
  // with someone else's comment is refused as forbidden or as not found on that video).
  const response sideways = api::comment_delete(c, third.token, other_video.id, k1.id);
  CHECK_MESSAGE((problem_error(sideways, 200, status::forbidden).empty() ||
                 problem_error(sideways, 200, status::not_found).empty()),
                sideways.describe());
  CHECK(comments_of(c, a, v.id) == 3);
  CHECK(ids_of(fetch_comment_list(c, v.id)) == id_list{k3.id, k2.id, k1.id});

  // The comment's author; the answer has no `comment` key.
  CHECK_API_OK(api::comment_delete(c, c1.token, v.id, k1.id));
  CHECK(comments_of(c, a, v.id) == 2);
  // The video's author deletes someone else's comment.
  CHECK_API_OK(api::comment_delete(c, a.token, v.id, k2.id));
  CHECK(comments_of(c, a, v.id) == 1);
  CHECK(ids_of(fetch_comment_list(c, v.id)) == id_list{k3.id});

  // Deleted and unknown comments are not found; nothing changes.
  CHECK_API_ERROR(api::comment_delete(c, c1.token, v.id, k1.id), 200, status::not_found);
  CHECK_API_ERROR(api::comment_delete(c, a.token, v.id, absent_user_id({k3.id, other_video.id})), 200,
                  status::not_found);
  CHECK(comments_of(c, a, v.id) == 1);
  const auto feed = fetch_feed(c, "").videos;
  REQUIRE(ids_of(feed) == id_list{other_video.id, v.id});
  CHECK(feed[1].comment_count == 1);
  CHECK(feed[0].comment_count == 0);
}

TEST_CASE("comment action rejects bad input and stores nothing") {
  const clip_set& set = clips();
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account u = register_fresh(c);
  const video_view v = must_publish(c, a, set.h264_silent.bytes, "target");
  const std::string path = "/douyin/comment/action/";
  const std::string id = std::to_string(v.id);
  const std::uint64_t absent = absent_user_id({a.user_id, u.user_id, v.id});

  CHECK_API_ERROR(api::comment_add(c, u.token, absent, "hello"), 200, status::not_found);
  CHECK_API_ERROR(api::comment_add(c, u.token, v.id, ""), 200, status::bad_parameter);
  CHECK_API_ERROR(c.post_form(path, {{"token", u.token}, {"video_id", id}, {"action_type", "1"}}), 200,
                  status::bad_parameter);
  for (const char* action : {"0", "3", "x", ""}) {
    INFO("action_type='", action, "'");
    CHECK_API_ERROR(
        c.post_form(path, {{"token", u.token}, {"video_id", id}, {"action_type", action}, {"comment_text", "hi"}}), 200,
        status::bad_parameter);
  }
  CHECK_API_ERROR(c.post_form(path, {{"token", u.token}, {"action_type", "1"}, {"comment_text", "hi"}}), 200,
                  status::bad_parameter);
  CHECK_API_ERROR(c.post_form(path, {{"token", u.token}, {"video_id", id}, {"action_type", "2"}}), 200,
                  status::bad_parameter);
  CHECK_API_ERROR(api::comment_add(c, "", v.id, "hello"), 200, status::not_logged_in);
  CHECK_API_ERROR(api::comment_add(c, u.token + "x", v.id, "hello"), 200, status::not_logged_in);

  CHECK(comments_of(c, a, v.id) == 0);
  CHECK(fetch_comment_list(c, v.id).empty());
  CHECK_API_ERROR(api::comment_list(c, absent), 200, status::not_found);
}
