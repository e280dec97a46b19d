// Every user's default images (API.md: `avatar` and `background_image` are never empty),
// drawn from nothing but the user id: the same id gives the same pixels on every node and
// after every restart, so nothing is stored or replicated and any node serves any user's.
//
// - avatar: a 5x5 identicon, mirrored left to right, in one colour on light grey; 240x240.
// - background: a 24x8 mosaic of four shades of the avatar's hue, mirrored left to right;
//   960x320, a wide banner for the top of a profile.
// Both come from one BLAKE2b hash (libsodium's generic hash) of the id: bits 0-14 pick the
// avatar's cells, bytes 2-5 its colour, bytes 8-31 the background's tiles.
//
// The drawings are frozen: clients are told to cache them for a year as immutable, so a
// changed drawing would show old and new pictures side by side for a year. A different
// drawing needs different URLs (http/user_images.hpp); a unit test pins the pixels.
#pragma once

#include <cstdint>
#include <string>

#include "media/png.hpp"

namespace reel::media {

enum class user_image { avatar, background };

// The image as palette indices (what the PNG encodes; tests compare decoded pixels to it).
palette_image draw_user_image(std::uint64_t user_id, user_image which);
// Its PNG file.
std::string user_image_png(std::uint64_t user_id, user_image which);

}  // namespace reel::media
