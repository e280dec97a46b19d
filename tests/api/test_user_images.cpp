// Users' default images (API.md: `avatar` and `background_image` are never empty): every
// user object of every endpoint links that user's own generated avatar and background under
// the public URL, and reeld serves them as PNG with a year of immutable caching, a strong
// ETag, HEAD, Range and If-None-Match (304); malformed ids get the JSON envelope.
#include <string>
#include <vector>

#include "clips.hpp"
#include "douyin.hpp"
#include "media/user_images.hpp"

using namespace reel::test;
using reel::media::user_image;
using reel::media::user_image_png;

namespace {

std::string image_path(std::uint64_t id, const std::string& name) {
  return "/reel/v1/user/" + std::to_string(id) + "/" + name;
}

// The user's links are exactly their own images under the public URL.
void check_links(const user_view& u, const std::string& public_url, const std::string& where) {
  INFO(where, ": user ", u.id, ", avatar '", u.avatar, "', background_image '", u.background_image, "'");
  CHECK(u.avatar == public_url + image_path(u.id, "avatar.png"));
  CHECK(u.background_image == public_url + image_path(u.id, "background.png"));
}

void check_image_headers(const response& r, const std::string& etag) {
  CHECK(r.content_type == "image/png");
  CHECK(r.header("Cache-Control") == "public, max-age=31536000, immutable");
  CHECK(r.header("ETag") == etag);
}

void check_missing(const response& r, std::int64_t code) { CHECK_NO_PROBLEM(problem_error(r, 404, code)); }

}  // namespace

TEST_CASE("every user object of every endpoint links that user's own avatar and background under the public URL") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const std::string base = srv.base_url();
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  must_follow(c, a, b.user_id);
  must_follow(c, b, a.user_id);
  const video_view video = must_publish(c, b, clips().h264_silent.bytes, "b's clip");
  must_like(c, a, video.id);
  const comment_view added = must_comment(c, a, video.id, "nice clip");
  must_send(c, a, b.user_id, "hello");

  check_links(fetch_user(c, a.token, a.user_id), base, "user info, oneself");
  check_links(fetch_user(c, a.token, b.user_id), base, "user info, another user");
  check_links(video.author, base, "publish list");
  check_links(added.user, base, "comment add");
  std::vector<std::pair<std::string, std::vector<user_view>>> lists = {
      {"follow list", fetch_follow_list(c, a.user_id, a.token)},
      {"follower list", fetch_follower_list(c, a.user_id)},
      {"friend list", fetch_friend_list(c, a.token)},
  };
  std::vector<user_view> authors;
  for (const auto& v : fetch_feed(c, "").videos) authors.push_back(v.author);
  lists.emplace_back("feed without a token", authors);
  authors.clear();
  for (const auto& v : fetch_favorite_list(c, a.user_id, a.token)) authors.push_back(v.author);
  lists.emplace_back("favorite list", authors);
  std::vector<user_view> commenters;
  for (const auto& cm : fetch_comment_list(c, video.id, a.token)) commenters.push_back(cm.user);
  lists.emplace_back("comment list", commenters);
  for (const auto& [where, users] : lists) {
    INFO(where);
    REQUIRE(users.size() == 1);  // each list renders one user: the checks are not vacuous
    for (const auto& u : users) check_links(u, base, where);
  }
  CHECK(fetch_user(c, a.token, a.user_id).avatar != fetch_user(c, a.token, b.user_id).avatar);
}

TEST_CASE("a user's images are PNGs with a year of immutable caching, a strong ETag, HEAD, Range and 304") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  std::vector<std::string> bodies;
  for (const auto& [name, which] :
       {std::pair{"avatar.png", user_image::avatar}, {"background.png", user_image::background}}) {
    const std::string path = image_path(a.user_id, name);
    INFO("GET ", path);
    const std::string png = user_image_png(a.user_id, which);
    const response r = c.get(path);
    REQUIRE(r.transport_ok());
    CHECK(r.http_status == 200);
    const std::string etag = r.header("ETag");
    CHECK(etag.size() > 2);
    CHECK(etag.front() == '"');  // strong: no W/
    CHECK(etag.back() == '"');
    check_image_headers(r, etag);
    CHECK(r.header("Content-Length") == std::to_string(png.size()));
    CHECK(r.body == png);  // the generator's bytes, which the unit tests decode
    bodies.push_back(r.body);

    const response head = c.head(path);
    CHECK(head.http_status == 200);
    check_image_headers(head, etag);
    CHECK(head.header("Content-Length") == std::to_string(png.size()));
    CHECK(head.body.empty());

    const response unchanged = c.get_with_headers(path, {"If-None-Match: " + etag});
    CHECK(unchanged.http_status == 304);
    CHECK(unchanged.body.empty());
    CHECK(unchanged.header("ETag") == etag);
    CHECK(c.get_with_headers(path, {"If-None-Match: \"other\""}).http_status == 200);

    const response part = c.get_with_headers(path, {"Range: bytes=0-7"});
    CHECK(part.http_status == 206);
    CHECK(part.header("Content-Range") == "bytes 0-7/" + std::to_string(png.size()));
    CHECK(part.body == png.substr(0, 8));
    // No stray body bytes followed the HEAD and 304 answers on the kept-alive connection.
    CHECK(part.new_connections == 0);
  }
  REQUIRE(bodies.size() == 2);
  CHECK(bodies[0] != bodies[1]);
}

TEST_CASE("malformed ids in image URLs answer 404 with the JSON envelope - any well-formed id has its images") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  // Zero, a leading zero, signs, not decimal, a float, 2^53 (over the largest id) and a
  // number that overflows 64 bits.
  for (const std::string id :
       {"0", "01", "-1", "+1", "abc", "12a", "1.5e3", "9007199254740992", "99999999999999999999"}) {
    for (const std::string name : {"avatar.png", "background.png"}) {
      const std::string path = "/reel/v1/user/" + id + "/" + name;
      INFO("GET ", path);
      check_missing(c.get(path), status::not_found);
      const response head = c.head(path);
      CHECK(head.http_status == 404);
      CHECK(head.body.empty());
    }
  }
  // Not an image of a user: no such route.
  for (const std::string path :
       {"/reel/v1/user/5/cover.png", "/reel/v1/user/5", "/reel/v1/user//avatar.png", "/reel/v1/user/5/6/avatar.png"}) {
    INFO("GET ", path);
    check_missing(c.get(path), status::unknown_route);
  }
  check_missing(c.post_form(image_path(5, "avatar.png"), {}), status::unknown_route);
  // No user has these ids, and the images are served all the same: they are a function of
  // the id alone (http/user_images.hpp says why).
  for (std::uint64_t id : {std::uint64_t{5}, (std::uint64_t{1} << 53) - 1}) {
    const response r = c.get(image_path(id, "avatar.png"));
    CHECK(r.http_status == 200);
    CHECK(r.content_type == "image/png");
    CHECK(r.body == user_image_png(id, user_image::avatar));
  }
}
