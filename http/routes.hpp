// The route table: path (trailing slash optional) -> handler.
#pragma once

#include <optional>
#include <string_view>

#include "http/edge.hpp"

namespace reel::http {

struct route {
  std::string_view path;
  handler handle;
  std::size_t probe_index = 0;  // index of the route's stats in the edge's probe
};

// Registers every route's stats in `probe`; call once at start.
void register_routes(http_probe& probe);
// The route for a request path, with or without its trailing slash.
const route* find_route(std::string_view path);
// The probe index used for requests that match no route.
std::size_t unknown_route_probe();

}  // namespace reel::http
