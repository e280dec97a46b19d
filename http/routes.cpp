#include "http/routes.hpp"

#include <array>

#include "http/handlers.hpp"
#include "http/media_serving.hpp"
#include "http/user_images.hpp"

namespace reel::http {

namespace {

std::array<route, 22> routes{{
    {"/ping", handle_ping},
    {"/healthz", handle_healthz},
    {"/readyz", handle_readyz},
    {"/metrics", handle_metrics},
    {"/reel/v1/cluster", handle_cluster},
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
    {"/douyin/feed", handle_feed},
    {"/douyin/publish/action", handle_publish, true},
    {"/douyin/publish/list", handle_publish_list},
    {"/douyin/favorite/action", handle_favorite_action},
    {"/douyin/favorite/list", handle_favorite_list},
    {"/douyin/comment/action", handle_comment_action},
    {"/douyin/comment/list", handle_comment_list},
}};

// Routes that own every path below their prefix: the rest of the path names a resource.
std::array<route, 2> prefix_routes{{
    {media_prefix, handle_media},
    {user_image_prefix, handle_user_image},
}};

std::size_t unknown_index = 0;

}  // namespace

void register_routes(http_probe& probe) {
  for (auto& r : routes) r.probe_index = probe.add_route(std::string(r.path));
  for (auto& r : prefix_routes) r.probe_index = probe.add_route(std::string(r.path) + "*");
  unknown_index = probe.add_route("unknown");
}

const route* find_route(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  for (const auto& r : routes)
    if (r.path == path) return &r;
  for (const auto& r : prefix_routes)
    if (path.size() > r.path.size() && path.substr(0, r.path.size()) == r.path) return &r;
  return nullptr;
}

std::size_t unknown_route_probe() { return unknown_index; }

}  // namespace reel::http
