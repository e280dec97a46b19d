// Where user objects point for their images (http/json.hpp, http/user_images.hpp): the
// generated defaults under the public URL unless the user set their own, rendered the same
// in every object that carries a user; and which paths name a user's image.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <string>

#include "http/json.hpp"
#include "http/user_images.hpp"

using namespace reel;
using namespace reel::http;

namespace {

const std::string public_url = "https://reel.example:8443";

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

std::string member(const rapidjson::Value& object, const char* key) { return object[key].GetString(); }

user_view someone(std::uint64_t id) {
  user_view u;
  u.id = user_id(id);
  u.name = "someone";
  u.signature = "hi";
  return u;
}

}  // namespace

TEST_CASE("a user without images of their own links the generated ones under the public URL") {
  const auto d = parse(json::user(someone(9007199254740991), public_url));
  CHECK(member(d["user"], "avatar") == public_url + "/reel/v1/user/9007199254740991/avatar.png");
  CHECK(member(d["user"], "background_image") == public_url + "/reel/v1/user/9007199254740991/background.png");
}

TEST_CASE("an image the user set wins over the generated one") {
  user_view u = someone(12);
  u.avatar = "https://cdn.example/a.png";
  const auto d = parse(json::user(u, public_url));
  CHECK(member(d["user"], "avatar") == "https://cdn.example/a.png");
  CHECK(member(d["user"], "background_image") == public_url + "/reel/v1/user/12/background.png");
}

TEST_CASE("users inside lists, friends, videos and comments link their images the same way") {
  const std::string avatar = public_url + "/reel/v1/user/77/avatar.png";
  const std::string background = public_url + "/reel/v1/user/77/background.png";
  auto check_user = [&](const rapidjson::Value& user) {
    CHECK(member(user, "avatar") == avatar);
    CHECK(member(user, "background_image") == background);
  };
  check_user(parse(json::user_list({someone(77)}, public_url))["user_list"][0]);
  check_user(parse(json::friend_list({friend_view{someone(77), "", 0}}, public_url))["user_list"][0]);
  video_view v;
  v.id = video_id(1);
  v.author = someone(77);
  v.media_hash = std::string(64, 'a');
  check_user(parse(json::video_list({v}, public_url))["video_list"][0]["author"]);
  check_user(parse(json::feed(feed_page{{v}, millis(1)}, public_url))["video_list"][0]["author"]);
  comment_view cm;
  cm.id = comment_id(2);
  cm.user = someone(77);
  cm.content = "nice";
  check_user(parse(json::comment(cm, public_url))["comment"]["user"]);
  check_user(parse(json::comment_list({cm}, public_url))["comment_list"][0]["user"]);
}

TEST_CASE("image paths name a user id and one of two images - ids are canonical decimal below 2^53") {
  auto avatar = parse_user_image_path("/reel/v1/user/42/avatar.png");
  REQUIRE(avatar);
  CHECK(avatar->id == "42");
  CHECK(avatar->which == media::user_image::avatar);
  auto background = parse_user_image_path("/reel/v1/user/42/background.png/");
  REQUIRE(background);
  CHECK(background->which == media::user_image::background);
  CHECK_FALSE(parse_user_image_path("/reel/v1/user/42/cover.jpg"));
  CHECK_FALSE(parse_user_image_path("/reel/v1/user/42"));
  CHECK_FALSE(parse_user_image_path("/reel/v1/user/4/2/avatar.png"));
  CHECK_FALSE(parse_user_image_path("/reel/v1/media/42/avatar.png"));

  CHECK(parse_image_user_id("1") == 1u);
  CHECK(parse_image_user_id("9007199254740991") == 9007199254740991u);
  for (const char* bad : {"", "0", "007", "-1", "+1", "1e3", "4.0", "9007199254740992", "18446744073709551617"})
    CHECK_MESSAGE(!parse_image_user_id(bad), "'", bad, "' was taken for an id");
}
