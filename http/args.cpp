#include "http/args.hpp"

#include "cluster/clock.hpp"
#include "http/json.hpp"

namespace reel::http {

outcome<std::string> text_arg(const request& r, std::string_view name) {
  auto v = r.args.get(name);
  if (!v) return make_error(errc::bad_parameter, "missing parameter " + std::string(name));
  return std::move(*v);
}

outcome<std::int64_t> int_arg(const request& r, std::string_view name, std::optional<std::int64_t> fallback) {
  auto v = r.args.get(name);
  if (!v || v->empty()) {
    if (fallback) return *fallback;
    return make_error(errc::bad_parameter, "missing parameter " + std::string(name));
  }
  auto n = parse_int(*v);
  if (!n) return make_error(errc::bad_parameter, "parameter " + std::string(name) + " must be an integer");
  return *n;
}

namespace {

// An id parameter: 1 .. 2^53-1; with `zero_allowed`, absent or 0 gives 0.
outcome<std::uint64_t> id_value(const request& r, std::string_view name, bool zero_allowed) {
  auto n = int_arg(r, name, zero_allowed ? std::optional<std::int64_t>(0) : std::nullopt);
  if (!n) return n.err();
  if (n.value() == 0 && zero_allowed) return std::uint64_t{0};
  if (n.value() <= 0 || static_cast<std::uint64_t>(n.value()) > max_safe_id)
    return make_error(errc::bad_parameter, "parameter " + std::string(name) + " is not a valid id");
  return static_cast<std::uint64_t>(n.value());
}

}  // namespace

outcome<user_id> user_arg(const request& r, std::string_view name, std::optional<user_id> fallback) {
  auto v = id_value(r, name, fallback.has_value());
  if (!v) return v.err();
  return v.value() == 0 ? *fallback : user_id(v.value());
}

outcome<video_id> video_arg(const request& r, std::string_view name) {
  auto v = id_value(r, name, false);
  if (!v) return v.err();
  return video_id(v.value());
}

outcome<comment_id> comment_arg(const request& r, std::string_view name) {
  auto v = id_value(r, name, false);
  if (!v) return v.err();
  return comment_id(v.value());
}

outcome<bool> action_arg(const request& r, std::string_view what_1, std::string_view what_2) {
  auto action = int_arg(r, "action_type");
  if (!action) return action.err();
  if (action.value() != 1 && action.value() != 2)
    return make_error(errc::bad_parameter,
                      "action_type must be 1 (" + std::string(what_1) + ") or 2 (" + std::string(what_2) + ")");
  return action.value() == 1;
}

outcome<std::string> bounded_text_arg(const request& r, std::string_view name, std::size_t min_bytes,
                                      std::size_t max_bytes) {
  auto text = text_arg(r, name);
  if (!text) return text.err();
  auto n = std::string(name);
  if (text->size() < min_bytes) return make_error(errc::bad_parameter, n + (min_bytes == 1 ? " is empty" : " is too short"));
  if (text->size() > max_bytes) return make_error(errc::bad_parameter, n + " is too long");
  if (!valid_utf8(text.value())) return make_error(errc::bad_parameter, n + " must be UTF-8");
  return text;
}

outcome<token_claims> authenticate(const edge& e, const request& r) {
  auto token = r.args.get("token");
  if (!token || token->empty()) return make_error(errc::not_logged_in, "missing token: log in first");
  auto result = verify(e.keys, *token, cluster::wall_clock().value);
  if (auto* failure = std::get_if<token_error>(&result)) {
    return make_error(errc::not_logged_in, *failure == token_error::expired ? "token expired: log in again" : "invalid token");
  }
  auto claims = std::get<token_claims>(result);
  if (e.api.is_revoked(claims.token_id)) return make_error(errc::not_logged_in, "token revoked: log in again");
  // The MAC proves that the server minted the token, not that its user has an account. This
  // is the one place every login endpoint passes, so checking here keeps all of them, and
  // any added later, from acting for a missing user, and refuses such a token before any
  // parameter, like every other unusable token. It costs one presence check in the read
  // cache per request (~40 ns; a feed page makes one such lookup per video author). Leaving
  // it to the actors would skip it only where the user's own actor answers anyway (publish,
  // like, follow); comments, messages, chats and logout go to other actors.
  auto account = e.api.has_account(user_id(claims.user_id));
  if (!account) return account.err();
  if (!account.value()) return no_account();
  return claims;
}

user_id viewer_of(const edge& e, const request& r) {
  auto claims = authenticate(e, r);
  return claims ? user_id(claims->user_id) : user_id();
}

void send_json(const responder_ptr& out, const error& e, std::string body) {
  out->send(info(e.code).http_status, "application/json", std::move(body));
}

void send_error(const responder_ptr& out, const error& e) { send_json(out, e, json::status(e)); }

}  // namespace reel::http
