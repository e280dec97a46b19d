// Users without an account: the service refuses writes that act as someone who has none
// before anything is stored or counted.
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
