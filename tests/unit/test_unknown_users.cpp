// Users without an account: the service knows who has one, and refuses writes that act as
// someone who has none before anything is stored or counted. (The HTTP edge asks
// has_account for every token; tests/api/test_unknown_users.cpp has the requests.)
#include <doctest/doctest.h>

#include "node_client.hpp"
#include "temp_dir.hpp"

using namespace reel;
using namespace reel::unit;

namespace {

constexpr user_id nobody(987654321);

// The one video of `author`, as an anonymous viewer sees it in the publish list.
video_view only_video(client& c, user_id author) {
  auto list = must(c.publish_list(author));
  REQUIRE(list.size() == 1);
  return list.front();
}

}  // namespace

TEST_CASE("has_account is true for registered users only") {
  temp_dir dir("accounts");
  auto n = start_node(dir.path);
  client c{n->api()};
  auto a = c.must_register("somebody");
  CHECK(must(n->api().has_account(a)));
  CHECK_FALSE(must(n->api().has_account(nobody)));
  CHECK_FALSE(must(n->api().has_account(user_id())));
}

TEST_CASE("a comment by a user without an account is refused and neither stored nor counted") {
  temp_dir dir("accounts");
  user_id author;
  video_id video;
  {
    auto n = start_node(dir.path);
    client c{n->api()};
    author = c.must_register("author");
    video = must(c.publish(author, "first"));
    must(c.add_comment(author, video, "a real comment"));
    for (int i = 0; i < 4; ++i) {
      auto refused = c.add_comment(nobody, video, "from no one");
      REQUIRE_FALSE(refused.ok());
      CHECK(refused.err().code == errc::not_logged_in);
    }
    CHECK(only_video(c, author).comment_count == 1);
    CHECK(must(c.comment_list(video)).size() == 1);
  }
  // What is stored says the same after a restart.
  auto n = start_node(dir.path);
  client c{n->api()};
  CHECK(only_video(c, author).comment_count == 1);
  CHECK(must(c.comment_list(video)).size() == 1);
}

TEST_CASE("publish and likes by a user without an account are refused and change no count") {
  temp_dir dir("accounts");
  auto n = start_node(dir.path);
  client c{n->api()};
  auto author = c.must_register("author");
  auto video = must(c.publish(author, "first"));

  auto publish = c.publish(nobody, "ghost video");
  REQUIRE_FALSE(publish.ok());
  CHECK(publish.err().code == errc::not_logged_in);
  auto like = c.favorite(nobody, video);
  REQUIRE_FALSE(like.ok());
  CHECK(like.err().code == errc::not_logged_in);

  CHECK(only_video(c, author).favorite_count == 0);
  CHECK(must(c.get_user(author)).total_favorited == 0);
  auto feed = must(
      await<feed_page>([&](auto done) { n->api().feed(user_id(), millis(1LL << 62), feed_kind::global, 30, done); }));
  CHECK(feed.videos.size() == 1);
}
