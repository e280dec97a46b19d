#include "http/routes.hpp"

#include <array>

#include "http/handlers.hpp"

namespace reel::http {

namespace {

std::array<route, 14> routes{{
    {"/ping", handle_ping},
    {"/healthz", handle_healthz},
    {"/readyz", handle_readyz},
    {"/metrics", handle_metrics},
    {"/douyin/user/register", handle_register},
    {"/douyin/user/login", handle_login},
    {"/douyin/user", handle_user},
    {"/douyin/relation/action", handle_relation_action},
    {"/douyin/relation/follow/list", handle_follow_list},
    {"/douyin/relation/follower/list", handle_follower_list},
    {"/douyin/relation/friend/list", handle_friend_list},
    {"/douyin/message/action", handle_message_action},
    {"/douyin/message/chat", handle_chat},
    {"/reel/v1/logout", handle_logout},
}};

std::size_t unknown_index = 0;

}  // namespace

void register_routes(http_probe& probe) {
  for (auto& r : routes) r.probe_index = probe.add_route(std::string(r.path));
  unknown_index = probe.add_route("unknown");
}

const route* find_route(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const auto& r : routes)
    if (r.path == path) return &r;
  return nullptr;
}

std::size_t unknown_route_probe() { return unknown_index; }

}  // namespace reel::http
