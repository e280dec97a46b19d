// Users' default images (media/user_images.hpp), the `avatar` and `background_image` of
// every user who has not set their own:
//   GET|HEAD /reel/v1/user/<id>/avatar.png       240x240 identicon
//   GET|HEAD /reel/v1/user/<id>/background.png   960x320 banner
// <id> is the user id in plain decimal (1 .. 2^53-1, no sign, no leading zero: one URL per
// image, so caches hold each once).
//
// An image is a pure function of the id, drawn on request, so every node answers for every
// user without asking the user's partition, and nothing is stored. Drawing and encoding cost
// ~16 µs for an avatar and ~110 µs for a background (bench/user_images.cpp): no cache, as
// clients keep each image for a year and ask for it once.
// Any well-formed id is served, also one no user has: checking would cost a read routed to
// the user's primary (or fail during a failover) for no gain, as the picture says nothing
// about the user (not even that they exist), ids are never reused, and user objects only
// ever link to existing users' images.
//
// Answers carry Content-Type image/png, a strong ETag (a hash of the PNG bytes, so nodes
// built with another zlib cannot share a tag for different bytes), Cache-Control immutable
// for a year, and support HEAD, If-None-Match (304) and Range like the media routes (the
// same planning: http/media_serving.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/edge.hpp"
#include "media/user_images.hpp"

namespace reel::http {

inline constexpr std::string_view user_image_prefix = "/reel/v1/user/";
inline constexpr std::string_view avatar_suffix = "/avatar.png";
inline constexpr std::string_view background_suffix = "/background.png";

// What a user image path names.
struct user_image_target {
  std::string id;  // not yet validated
  media::user_image which = media::user_image::avatar;
};

// "<prefix><id>/avatar.png" or "<prefix><id>/background.png" (a trailing slash is allowed);
// nullopt for any other path.
std::optional<user_image_target> parse_user_image_path(std::string_view path);
// The id of a path: plain decimal 1 .. 2^53-1 without leading zeros; nullopt otherwise.
std::optional<std::uint64_t> parse_image_user_id(std::string_view text);

void handle_user_image(edge& e, const request& r, responder_ptr out);

}  // namespace reel::http
