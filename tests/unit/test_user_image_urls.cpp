// Which paths name a user's image (http/user_images.hpp).
#include <doctest/doctest.h>

#include <string>

#include "http/user_images.hpp"

using namespace reel;
using namespace reel::http;

TEST_CASE("image paths name a user id and one of two images; ids are canonical decimal below 2^53") {
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
