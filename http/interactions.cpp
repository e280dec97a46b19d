// Likes and comments.
#include "http/handlers.hpp"

namespace reel::http {

void handle_favorite_action(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  auto video = video_arg(r, "video_id");
  if (!video) return send_error(out, video.err());
  auto like = action_arg(r, "like", "unlike");
  if (!like) return send_error(out, like.err());
  if (auto refused = refused_write(e)) return send_error(out, *refused);
  e.api.favorite(user_id(claims->user_id), video.value(), like.value(),
                 render_to<success>(out, [](success) { return json::success(); }));
}

void handle_favorite_list(edge& e, const request& r, responder_ptr out) {
  auto owner = user_arg(r, "user_id");
  if (!owner) return send_error(out, owner.err());
  e.api.favorite_list(owner.value(), viewer_of(e, r), render_to<std::vector<video_view>>(out, [&e](const auto& list) {
                        return json::video_list(list, e.cfg.public_url);
                      }));
}

void handle_comment_action(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  user_id user(claims->user_id);
  auto video = video_arg(r, "video_id");
  if (!video) return send_error(out, video.err());
  auto add = action_arg(r, "add", "delete");
  if (!add) return send_error(out, add.err());
  if (add.value()) {
    auto text = bounded_text_arg(r, "comment_text", 1, e.cfg.max_comment_bytes);
    if (!text) return send_error(out, text.err());
    if (auto refused = refused_write(e)) return send_error(out, *refused);
    return e.api.add_comment(
        user, video.value(), std::move(text.value()),
        render_to<comment_view>(out, [&e](const comment_view& c) { return json::comment(c, e.cfg.public_url); }));
  }
  auto comment = comment_arg(r, "comment_id");
  if (!comment) return send_error(out, comment.err());
  if (auto refused = refused_write(e)) return send_error(out, *refused);
  e.api.delete_comment(user, video.value(), comment.value(),
                       render_to<success>(out, [](success) { return json::success(); }));
}

void handle_comment_list(edge& e, const request& r, responder_ptr out) {
  auto video = video_arg(r, "video_id");
  if (!video) return send_error(out, video.err());
  e.api.comment_list(video.value(), viewer_of(e, r), render_to<std::vector<comment_view>>(out, [&e](const auto& list) {
                       return json::comment_list(list, e.cfg.public_url);
                     }));
}

}  // namespace reel::http
