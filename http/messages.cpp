// Sending messages and reading a chat.
#include "http/handlers.hpp"

namespace reel::http {

void handle_message_action(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  auto to = user_arg(r, "to_user_id");
  if (!to) return send_error(out, to.err());
  auto action = int_arg(r, "action_type");
  if (!action) return send_error(out, action.err());
  if (action.value() != 1) return send_error(out, make_error(errc::bad_parameter, "action_type must be 1 (send)"));
  auto content = bounded_text_arg(r, "content", 1, e.cfg.max_message_bytes);
  if (!content) return send_error(out, content.err());
  if (auto refused = refused_write(e)) return send_error(out, *refused);
  e.api.send_message(user_id(claims->user_id), to.value(), std::move(content.value()),
                     render_to<success>(out, [](success) { return json::success(); }));
}

void handle_chat(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  auto other = user_arg(r, "to_user_id");
  if (!other) return send_error(out, other.err());
  auto after = int_arg(r, "pre_msg_time", 0);
  if (!after) return send_error(out, after.err());
  if (after.value() < 0) return send_error(out, make_error(errc::bad_parameter, "pre_msg_time must not be negative"));
  e.api.chat(user_id(claims->user_id), other.value(), millis(after.value()),
             render_to<std::vector<message_view>>(out, [](const auto& list) { return json::message_list(list); }));
}

}  // namespace reel::http
