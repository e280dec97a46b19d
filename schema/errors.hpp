// The one error type of Reel and its table of API status codes (README: "Status codes").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace reel {

enum class errc : std::uint8_t {
  ok = 0,
  bad_parameter = 1,
  not_logged_in = 2,
  not_found = 3,
  forbidden = 4,
  conflict = 5,
  rate_limited = 6,
  too_large = 7,
  unsupported_media = 8,
  internal = 9,
  unavailable = 10,
  busy = 11,
  no_route = 12,
  malformed_request = 13,      // HTTP framing (RFC 9112) the server cannot read safely
  request_timeout = 14,        // the request's head or body did not arrive in time
  headers_too_large = 15,      // request line and header fields over the limit
  not_implemented = 16,        // a transfer coding other than chunked
  version_not_supported = 17,  // HTTP/2 or later on the HTTP/1.1 port
  storage_full = 18,           // the data disk is full: writes are refused, reads go on
};

struct errc_info {
  int status_code;           // `status_code` in the JSON envelope
  int http_status;           // 200 for business errors, 4xx/5xx for what is below the API
  std::string_view message;  // default `status_msg`
};

// The single table mapping errors to the client API.
errc_info info(errc code);

struct error {
  errc code = errc::internal;
  std::string message;  // specific reason; empty means the table's default message

  std::string_view text() const { return message.empty() ? info(code).message : message; }
};

inline error make_error(errc code, std::string message = {}) { return {code, std::move(message)}; }

// A value or an error: what every asynchronous operation hands back.
template <class T>
class outcome {
 public:
  outcome(T value) : value_(std::move(value)) {}
  outcome(error err) : error_(std::move(err)) {}

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  T& value() { return *value_; }
  const T& value() const { return *value_; }
  T* operator->() { return &*value_; }
  const error& err() const { return error_; }

 private:
  std::optional<T> value_;
  error error_;
};

struct success {};  // the value of an operation that only succeeds or fails

}  // namespace reel
