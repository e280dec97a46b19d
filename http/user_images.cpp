#include "http/user_images.hpp"

#include <sodium.h>

#include <array>

#include "http/args.hpp"
#include "http/media_serving.hpp"
#include "schema/ids.hpp"

namespace reel::http {

namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A strong validator of exactly these bytes: 128 bits of BLAKE2b, in hex and quotes.
std::string etag_of(const std::string& bytes) {
  std::array<unsigned char, 16> digest{};
  crypto_generichash(digest.data(), digest.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                     nullptr, 0);
  std::array<char, 2 * 16 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  return '"' + std::string(hex.data(), 2 * 16) + '"';
}

}  // namespace

std::optional<user_image_target> parse_user_image_path(std::string_view path) {
  if (path.substr(0, user_image_prefix.size()) != user_image_prefix) return std::nullopt;
  path.remove_prefix(user_image_prefix.size());
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  user_image_target target;
  if (ends_with(path, avatar_suffix)) {
    path.remove_suffix(avatar_suffix.size());
  } else if (ends_with(path, background_suffix)) {
    path.remove_suffix(background_suffix.size());
    target.which = media::user_image::background;
  } else {
    return std::nullopt;
  }
  if (path.find('/') != std::string_view::npos) return std::nullopt;
  target.id = std::string(path);
  return target;
}

std::optional<std::uint64_t> parse_image_user_id(std::string_view text) {
  // 2^53-1 has 16 digits; a longer text overflows before the range check could see it.
  if (text.empty() || text.size() > 16 || text.front() == '0') return std::nullopt;
  std::uint64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    id = id * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (id > max_safe_id) return std::nullopt;
  return id;
}

void handle_user_image(edge&, const request& r, responder_ptr out) {
  const bool head = r.method == "HEAD";
  if (!head && r.method != "GET")
    return send_error(out, make_error(errc::no_route, "user images are read with GET or HEAD, not " + r.method));
  auto target = parse_user_image_path(r.path);
  if (!target) return send_error(out, make_error(errc::no_route, "no such route: " + r.path));
  auto id = parse_image_user_id(target->id);
  if (!id) return send_media_missing(out, "no such user image: the id is not a user id (decimal, 1 .. 2^53-1)");
  std::string png = media::user_image_png(*id, target->which);
  auto reply = plan_media_reply(r.conditions, png.size(), etag_of(png));
  const bool has_body = reply.status == 200 || reply.status == 206;
  out->send_bytes(reply.status, has_body ? "image/png" : "", reply.headers,
                  has_body ? png.substr(reply.offset, reply.length) : std::string(), head);
}

}  // namespace reel::http
