// Media serving: GET and HEAD of /reel/v1/media/<hash> (the video, with the Content-Type
// recorded at upload) and /reel/v1/media/<hash>/cover.jpg (its JPEG cover).
// Files are content-addressed, so the hash is a strong ETag and responses may be cached
// forever. Range requests let players seek; bodies are streamed from the file by the
// responder (responder::send_file), never read whole into memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/edge.hpp"

namespace reel::http {

inline constexpr std::string_view media_prefix = "/reel/v1/media/";

// What a media path names.
struct media_target {
  std::string hash;  // not yet validated
  bool cover = false;
};

// "<media_prefix><hash>" or "<media_prefix><hash>/cover.jpg" (a trailing slash is allowed);
// nullopt for any other path.
std::optional<media_target> parse_media_path(std::string_view path);

// The answer to a GET of a representation of `size` bytes with entity-tag `etag`, before any
// file is opened: the status (200, 206, 304 or 416), the body region and the headers.
struct media_reply {
  int status = 200;
  std::uint64_t offset = 0;  // first byte of the body in the file
  std::uint64_t length = 0;  // bytes of body (0 for 304 and 416)
  header_list headers;       // ETag, Cache-Control, Accept-Ranges, Content-Range
};

// If-None-Match first (304), then Range gated by If-Range (RFC 9110 13.2.2).
media_reply plan_media_reply(const request_conditions& conditions, std::uint64_t size, const std::string& etag);

// The JSON envelope (not_found) with HTTP 404: a player or image view must not take an
// error body for media bytes, so a missing medium gets a 404 rather than the business-error
// 200 of the error table.
void send_media_missing(const responder_ptr& out, std::string message);

void handle_media(edge& e, const request& r, responder_ptr out);

}  // namespace reel::http
