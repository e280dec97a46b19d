#include "schema/errors.hpp"

namespace reel {

errc_info info(errc code) {
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
  }
  return {9, 500, "internal error"};
}

}  // namespace reel
