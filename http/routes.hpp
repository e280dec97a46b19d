// The route table: path (trailing slash optional) -> handler, plus prefix routes.
#pragma once

#include <optional>
#include <string_view>

#include "http/edge.hpp"

namespace reel::http {

struct route {
  std::string_view path;
  handler handle;
  bool upload = false;          // body limit is max_upload_bytes instead of max_body_bytes
  std::size_t probe_index = 0;  // index of the route's stats in the edge's probe
};

// Registers every route's stats in `probe`; call once at start.
void register_routes(http_probe& probe);
// The route for a request path, with or without its trailing slash: an exact match, else
// the route whose prefix the path extends (media).
const route* find_route(std::string_view path);
// The probe index used for requests that match no route.
std::size_t unknown_route_probe();

}  // namespace reel::http
