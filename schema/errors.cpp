#include "schema/errors.hpp"

namespace reel {

errc_info info(errc code) {
  // clang-format off: one line per code reads as the table it is
  switch (code) {
    case errc::ok: return {0, 200, "success"};
    case errc::bad_parameter: return {1, 200, "bad parameter"};
    case errc::not_logged_in: return {2, 200, "not logged in"};
    case errc::not_found: return {3, 200, "not found"};
    case errc::forbidden: return {4, 200, "forbidden"};
    case errc::conflict: return {5, 200, "conflict"};
    case errc::rate_limited: return {6, 429, "rate limited, retry later"};
    case errc::too_large: return {7, 413, "request body too large"};
    case errc::unsupported_media: return {8, 200, "unsupported media"};
    case errc::internal: return {9, 500, "internal error"};
    case errc::unavailable: return {10, 503, "service unavailable, retry later"};
    case errc::busy: return {11, 503, "server busy, retry later"};
    case errc::no_route: return {12, 404, "no such route"};
    case errc::malformed_request: return {13, 400, "malformed request"};
    case errc::request_timeout: return {14, 408, "request not received in time"};
    case errc::headers_too_large: return {15, 431, "request headers too large"};
    case errc::not_implemented: return {16, 501, "not implemented"};
    case errc::version_not_supported: return {17, 505, "HTTP version not supported"};
    case errc::storage_full: return {18, 507, "storage full, retry later"};
  }
  // clang-format on
  return {9, 500, "internal error"};
}

}  // namespace reel
