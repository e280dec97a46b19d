// Follow, unfollow, and the follow, follower and friend lists.
#include "http/handlers.hpp"

namespace reel::http {

namespace {

// A list of someone's relations: `user_id` required, token optional (is_follow needs it).
template <class Fetch>
void list_of(edge& e, const request& r, responder_ptr out, Fetch fetch) {
  auto owner = user_arg(r, "user_id");
  if (!owner) return send_error(out, owner.err());
  fetch(owner.value(), viewer_of(e, r), render_to<std::vector<user_view>>(std::move(out), [&e](const auto& users) {
          return json::user_list(users, e.cfg.public_url);
        }));
}

}  // namespace

void handle_relation_action(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  auto target = user_arg(r, "to_user_id");
  if (!target) return send_error(out, target.err());
  auto follow = action_arg(r, "follow", "unfollow");
  if (!follow) return send_error(out, follow.err());
  if (auto refused = refused_write(e)) return send_error(out, *refused);
  e.api.follow(user_id(claims->user_id), target.value(), follow.value() ? follow_action::follow : follow_action::unfollow,
               render_to<success>(out, [](success) { return json::success(); }));
}

void handle_follow_list(edge& e, const request& r, responder_ptr out) {
  list_of(e, r, std::move(out), [&e](user_id owner, user_id viewer, auto done) { e.api.follow_list(owner, viewer, done); });
}

void handle_follower_list(edge& e, const request& r, responder_ptr out) {
  list_of(e, r, std::move(out),
          [&e](user_id owner, user_id viewer, auto done) { e.api.follower_list(owner, viewer, done); });
}

void handle_friend_list(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  user_id viewer(claims->user_id);
  auto owner = user_arg(r, "user_id", viewer);
  if (!owner) return send_error(out, owner.err());
  e.api.friend_list(owner.value(), viewer, render_to<std::vector<friend_view>>(out, [&e](const auto& friends) {
                      return json::friend_list(friends, e.cfg.public_url);
                    }));
}

}  // namespace reel::http
