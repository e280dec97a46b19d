// Register, login, user info and logout.
#include <optional>

#include "cluster/clock.hpp"
#include "http/handlers.hpp"

namespace reel::http {

namespace {

constexpr std::size_t max_username_bytes = 32;
constexpr std::size_t min_password_bytes = 6;
constexpr std::size_t max_password_bytes = 64;

std::optional<error> check_username(std::string_view name) {
  if (name.empty() || name.size() > max_username_bytes)
    return make_error(errc::bad_parameter, "username must be 1 to 32 bytes");
  if (!valid_utf8(name)) return make_error(errc::bad_parameter, "username must be UTF-8");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7F) return make_error(errc::bad_parameter, "username must be printable");
  return std::nullopt;
}

std::optional<error> check_password(std::string_view password) {
  if (password.size() < min_password_bytes || password.size() > max_password_bytes)
    return make_error(errc::bad_parameter, "password must be 6 to 64 bytes");
  return std::nullopt;
}

// Register and login answer with user_id and token even on failure (API.md).
void fail_login(const responder_ptr& out, const error& err) {
  send_json(out, err, json::login_result(err, user_id(), ""));
}

void issue_token(const edge& e, const responder_ptr& out, user_id id) {
  auto claims = new_claims(id.value, cluster::wall_clock().value,
                           std::chrono::duration_cast<std::chrono::milliseconds>(e.cfg.token_ttl).count());
  send_json(out, make_error(errc::ok), json::login_result(make_error(errc::ok), id, mint(e.keys, claims)));
}

const error& wrong_credentials() {
  static const error e = make_error(errc::not_logged_in, "wrong username or password");
  return e;
}

const error& hashing_busy() {
  static const error e = make_error(errc::busy, "too many logins in progress, retry later");
  return e;
}

// Common checks of register and login: the rate limit (the service counts attempts,
// cluster-wide on a cluster), then both parameters; `then` gets them.
void with_credentials(edge& e, const request& r, const responder_ptr& out,
                      std::function<void(std::string name, std::string password)> then) {
  auto name = text_arg(r, "username");
  auto password = text_arg(r, "password");
  e.api.admit_attempt(r.client, [out, name, password, then = std::move(then)](outcome<bool> admitted) mutable {
    if (admitted && !admitted.value())
      return fail_login(out, make_error(errc::rate_limited, "too many attempts from this address, retry later"));
    std::optional<error> bad = !name ? name.err() : !password ? password.err() : check_username(name.value());
    if (!bad) bad = check_password(password.value());
    if (bad) return fail_login(out, *bad);
    then(std::move(name.value()), std::move(password.value()));
  });
}

}  // namespace

void handle_register(edge& e, const request& r, responder_ptr out) {
  with_credentials(e, r, out, [&e, out](std::string name, std::string password) {
    if (auto refused = refused_write(e)) return fail_login(out, *refused);
    bool queued = e.passwords.hash(std::move(password), [&e, out, name](std::optional<std::string> hash) {
      if (!hash) return fail_login(out, make_error(errc::internal, "password hashing failed"));
      e.api.register_user(name, std::move(*hash), [&e, out](outcome<user_id> id) {
        if (!id) return fail_login(out, id.err());
        issue_token(e, out, id.value());
      });
    });
    if (!queued) fail_login(out, hashing_busy());
  });
}

void handle_login(edge& e, const request& r, responder_ptr out) {
  with_credentials(e, r, out, [&e, out](std::string name, std::string password) {
    e.api.find_credentials(name, [&e, out, password = std::move(password)](outcome<credentials> found) {
      bool queued = false;
      if (!found) {
        if (found.err().code != errc::not_found) return fail_login(out, found.err());
        queued = e.passwords.verify_nothing(password, [out] { fail_login(out, wrong_credentials()); });
      } else {
        auto id = found->id;
        queued = e.passwords.verify(found->password_hash, password, [&e, out, id](bool match) {
          if (!match) return fail_login(out, wrong_credentials());
          issue_token(e, out, id);
        });
      }
      if (!queued) fail_login(out, hashing_busy());
    });
  });
}

void handle_user(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  user_id viewer(claims->user_id);
  auto target = user_arg(r, "user_id", viewer);
  if (!target) return send_error(out, target.err());
  e.api.get_user(target.value(), viewer,
                 render_to<user_view>(out, [&e](const user_view& u) { return json::user(u, e.cfg.public_url); }));
}

void handle_logout(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  if (auto refused = refused_write(e)) return send_error(out, *refused);
  e.api.revoke_token(claims->token_id, millis(claims->expires_ms),
                     render_to<success>(out, [](success) { return json::success(); }));
}

}  // namespace reel::http
