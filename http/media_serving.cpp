#include "http/media_serving.hpp"

#include "http/args.hpp"
#include "http/byte_range.hpp"
#include "http/json.hpp"

namespace reel::http {

namespace {

constexpr std::string_view cover_suffix = "/cover.jpg";

// Content-addressed: the bytes behind a URL never change.
constexpr std::string_view cache_forever = "public, max-age=31536000, immutable";

}  // namespace

void send_media_missing(const responder_ptr& out, std::string message) {
  out->send(404, "application/json", json::status(make_error(errc::not_found, std::move(message))));
}

std::optional<media_target> parse_media_path(std::string_view path) {
  if (path.substr(0, media_prefix.size()) != media_prefix) return std::nullopt;
  path.remove_prefix(media_prefix.size());
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  media_target target;
  if (path.size() > cover_suffix.size() && path.substr(path.size() - cover_suffix.size()) == cover_suffix) {
    path.remove_suffix(cover_suffix.size());
    target.cover = true;
  }
  if (path.empty() || path.find('/') != std::string_view::npos) return std::nullopt;
  target.hash = std::string(path);
  return target;
}

media_reply plan_media_reply(const request_conditions& conditions, std::uint64_t size, const std::string& etag) {
  media_reply reply;
  reply.headers = {{"ETag", etag}, {"Cache-Control", std::string(cache_forever)}, {"Accept-Ranges", "bytes"}};
  if (!conditions.if_none_match.empty() && none_match_fails(conditions.if_none_match, etag)) {
    reply.status = 304;
    return reply;
  }
  auto range = if_range_allows(conditions.if_range, etag) ? parse_range(conditions.range, size) : range_request{};
  switch (range.kind) {
    case range_kind::none:
    case range_kind::ignored:
      reply.length = size;
      break;
    case range_kind::satisfiable:
      reply.status = 206;
      reply.offset = range.span.first;
      reply.length = range.span.length();
      reply.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.span.first) + "-" +
                                                      std::to_string(range.span.last) + "/" + std::to_string(size));
      break;
    case range_kind::unsatisfiable:
      reply.status = 416;
      reply.headers.emplace_back("Content-Range", "bytes */" + std::to_string(size));
      break;
  }
  return reply;
}

void handle_media(edge& e, const request& r, responder_ptr out) {
  const bool head = r.method == "HEAD";
  if (!head && r.method != "GET")
    return send_error(out, make_error(errc::no_route, "media is read with GET or HEAD, not " + r.method));
  auto target = parse_media_path(r.path);
  if (!target) return send_error(out, make_error(errc::no_route, "no such route: " + r.path));
  if (!media::valid_hash(target->hash)) return send_media_missing(out, "no such media: not a SHA-256 hex digest");
  // find() reads the small metadata file and checks both files' sizes: only validated,
  // completely stored media is served.
  auto stored = e.media.find(target->hash);
  if (!stored) {
    // Another node of a cluster may have it: fetched once, then served from here.
    return e.api.fetch_media(target->hash, [&e, r, out](outcome<success> fetched) {
      if (!fetched || !e.media.find(parse_media_path(r.path)->hash)) return send_media_missing(out, "no such media");
      handle_media(e, r, out);
    });
  }
  const auto size = target->cover ? stored->cover_bytes : stored->bytes;
  const std::string etag = '"' + target->hash + (target->cover ? "-cover\"" : "\"");
  auto reply = plan_media_reply(r.conditions, size, etag);
  std::string content_type;
  if (reply.status == 200 || reply.status == 206) {
    content_type = target->cover ? "image/jpeg" : stored->info.content_type;
    if (content_type.empty()) content_type = "application/octet-stream";
  }
  const auto file = target->cover ? e.media.cover_path(target->hash) : e.media.video_path(target->hash);
  out->send_file(reply.status, content_type, reply.headers, file, reply.offset, reply.length, head);
}

}  // namespace reel::http
