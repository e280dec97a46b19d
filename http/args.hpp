// Typed access to request parameters and the login check, with API errors for bad input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "http/edge.hpp"
#include "http/utf8.hpp"

namespace reel::http {

// A required text parameter; errc::bad_parameter when missing.
outcome<std::string> text_arg(const request& r, std::string_view name);
// An integer parameter (decimal or exact exponent notation); `fallback` when absent.
outcome<std::int64_t> int_arg(const request& r, std::string_view name, std::optional<std::int64_t> fallback = std::nullopt);
// A user id parameter: 1 .. 2^53-1; absent or 0 gives `fallback` when it is set.
outcome<user_id> user_arg(const request& r, std::string_view name, std::optional<user_id> fallback = std::nullopt);
outcome<video_id> video_arg(const request& r, std::string_view name);
outcome<comment_id> comment_arg(const request& r, std::string_view name);
// An action_type parameter that must be 1 or 2: true for 1.
outcome<bool> action_arg(const request& r, std::string_view what_1, std::string_view what_2);
// A text parameter of valid UTF-8 with a byte length in [min_bytes, max_bytes].
outcome<std::string> bounded_text_arg(const request& r, std::string_view name, std::size_t min_bytes,
                                      std::size_t max_bytes);

// The token's claims if it is present, authentic, unexpired and not revoked, and its user
// has an account; errc::not_logged_in otherwise.
outcome<token_claims> authenticate(const edge& e, const request& r);
// For endpoints where the token is optional: the viewer, or 0 for anonymous (also when the
// token is unusable: a stale token must not break a public read).
user_id viewer_of(const edge& e, const request& r);

// Sends a JSON body with the HTTP status the error's table entry gives.
void send_json(const responder_ptr& out, const error& e, std::string body);
void send_error(const responder_ptr& out, const error& e);

}  // namespace reel::http
