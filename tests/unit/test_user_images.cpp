// Users' default images (media/user_images.hpp): deterministic, mirrored, of the documented
// sizes, decoding to exactly the pixels drawn, distinct per user and between avatar and
// background, and pinned.
#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "media/user_images.hpp"
#include "test_png_support.hpp"

using namespace reel::media;
using namespace reel::unit;

namespace {

// BLAKE2b of the image's palette and pixels, in hex.
std::string pixel_hash(const palette_image& image) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 16);
  for (const auto& c : image.palette) {
    const std::uint8_t bytes[3] = {c.r, c.g, c.b};
    crypto_generichash_update(&state, bytes, 3);
  }
  crypto_generichash_update(&state, image.pixels.data(), image.pixels.size());
  std::array<unsigned char, 16> digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());
  std::array<char, 33> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return hex.data();
}

bool mirrored(const palette_image& image) {
  for (std::uint32_t y = 0; y < image.height; ++y)
    for (std::uint32_t x = 0; x < image.width / 2; ++x)
      if (image.pixels[y * image.width + x] != image.pixels[y * image.width + image.width - 1 - x]) return false;
  return true;
}

constexpr std::uint64_t max_id = (std::uint64_t{1} << 53) - 1;

}  // namespace

TEST_CASE("a user's avatar is a 240x240 mirrored identicon and the background a 960x320 mirrored banner") {
  for (std::uint64_t id : {std::uint64_t{1}, std::uint64_t{42}, std::uint64_t{1731000000123}, max_id}) {
    INFO("user ", id);
    const auto avatar = draw_user_image(id, user_image::avatar);
    CHECK(avatar.width == 240);
    CHECK(avatar.height == 240);
    CHECK(avatar.palette.size() == 2);
    CHECK(mirrored(avatar));
    // The 20-pixel margin is the light grey background.
    for (std::uint32_t i = 0; i < 240; ++i) {
      CHECK(avatar.pixels[i] == 0);              // top row
      CHECK(avatar.pixels[239 * 240 + i] == 0);  // bottom row
      CHECK(avatar.pixels[i * 240 + 19] == 0);   // inside the left margin
    }
    const auto background = draw_user_image(id, user_image::background);
    CHECK(background.width == 960);
    CHECK(background.height == 320);
    CHECK(background.palette.size() == 4);
    CHECK(mirrored(background));
    check_round_trip(avatar);
    check_round_trip(background);
    // What is served is what was drawn.
    CHECK(decode_png(user_image_png(id, user_image::avatar))->pixels == colours_of(avatar));
    CHECK(decode_png(user_image_png(id, user_image::background))->pixels == colours_of(background));
  }
}

TEST_CASE("user images are a function of the id: the same for the same id, different for different users") {
  CHECK(user_image_png(7, user_image::avatar) == user_image_png(7, user_image::avatar));
  CHECK(user_image_png(7, user_image::background) == user_image_png(7, user_image::background));
  std::set<std::string> avatars, backgrounds;
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id = 1; id <= 300; ++id) ids.push_back(id);
  // Ids as the generator makes them: close together, differing in low bits only.
  for (std::uint64_t i = 0; i < 300; ++i) ids.push_back(max_id - i * 1024);
  for (auto id : ids) {
    avatars.insert(pixel_hash(draw_user_image(id, user_image::avatar)));
    backgrounds.insert(pixel_hash(draw_user_image(id, user_image::background)));
  }
  CHECK(avatars.size() == ids.size());
  CHECK(backgrounds.size() == ids.size());
  // Every user's avatar differs from their background (another size, another pattern).
  CHECK(user_image_png(7, user_image::avatar) != user_image_png(7, user_image::background));
}

TEST_CASE("the drawings are pinned: clients cache them for a year, so they must not change under old URLs") {
  // If this fails the drawing changed: serve it under new URLs (http/user_images.hpp) so
  // that no client shows an old and a new picture of the same user.
  CHECK(pixel_hash(draw_user_image(1, user_image::avatar)) == "a9bb7cfc134249df8ef1ed1c73202a0d");
  CHECK(pixel_hash(draw_user_image(1, user_image::background)) == "ba28734888dca216f765c765de1dced8");
  CHECK(pixel_hash(draw_user_image(max_id, user_image::avatar)) == "6dcb79d8a69c998214fe510ac30d4ac2");
  CHECK(pixel_hash(draw_user_image(max_id, user_image::background)) == "bf8d76b7161dc36fe95352afaa598bc3");
}
