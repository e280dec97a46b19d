// Publish, publish list and the feed.
#include <limits>

#include "cluster/clock.hpp"
#include "http/handlers.hpp"

namespace reel::http {

namespace {

error media_failure(const media::media_error& e) {
  switch (e.kind) {
    case media::failure::io:
      return make_error(errc::internal, e.message);
    case media::failure::no_space:
      return make_error(errc::storage_full, e.message);
    default:
      return make_error(errc::unsupported_media, e.message);
  }
}

// The feed cursor: absent or 0 means now; below 10^12 it is seconds (API.md).
outcome<millis> feed_cursor(const request& r) {
  auto latest = int_arg(r, "latest_time", 0);
  if (!latest) return latest.err();
  if (latest.value() < 0) return make_error(errc::bad_parameter, "latest_time must not be negative");
  if (latest.value() == 0) return millis(std::numeric_limits<std::int64_t>::max());
  if (latest.value() < 1'000'000'000'000) return millis(latest.value() * 1000);
  return millis(latest.value());
}

outcome<feed_kind> feed_type(const request& r) {
  auto type = r.args.get("feed_type");
  if (!type || type->empty()) return feed_kind::automatic;
  if (*type == "global") return feed_kind::global;
  if (*type == "following") return feed_kind::following;
  return make_error(errc::bad_parameter, "feed_type must be global or following");
}

error busy_uploads() { return make_error(errc::busy, "too many uploads in progress, retry later"); }

// One publish after its request was checked: hash, then (for new bytes) validate, then publish.
struct upload {
  edge& e;
  responder_ptr out;
  user_id author;
  std::string title;
  std::shared_ptr<const void> body;  // keeps `data` alive
  std::string_view data;             // the file part

  void hash_and_publish() {
    auto hash = media::library::content_hash(data);
    if (e.media.find(hash)) return publish(std::move(hash));
    if (!e.media_pool.submit([self = *this]() mutable { self.validate_and_publish(); }))
      send_error(out, busy_uploads());
  }

  void validate_and_publish() {
    auto stored = e.media.ingest(data, e.cfg.media_limits);
    if (auto* failure = std::get_if<media::media_error>(&stored)) return send_error(out, media_failure(*failure));
    publish(std::get<media::stored_video>(stored).hash);
  }

  void publish(std::string hash) {
    e.api.publish(author, std::move(title), std::move(hash),
                  render_to<video_id>(out, [](video_id) { return json::success(); }));
  }
};

}  // namespace

void handle_publish(edge& e, const request& r, responder_ptr out) {
  auto claims = authenticate(e, r);
  if (!claims) return send_error(out, claims.err());
  auto title = bounded_text_arg(r, "title", 0, e.cfg.max_title_bytes);
  if (!title) return send_error(out, title.err());
  const auto* file = r.args.file("data");
  if (!file) {
    auto why = r.args.multipart_error() ? "malformed multipart body: " + r.args.multipart_error_text()
                                        : std::string("missing file part 'data'");
    return send_error(out, make_error(errc::bad_parameter, why));
  }
  if (file->data.size() > e.cfg.max_upload_bytes)
    return send_error(out, make_error(errc::too_large, "video is larger than the configured limit"));
  if (auto refused = refused_write(e)) return send_error(out, *refused);
  // Off the reactor: the upload pool hashes the bytes; bytes stored before publish at once,
  // new ones go on to the media pool for FFmpeg. The body stays alive through the shared
  // pointer that `data` views.
  upload job{e, out, user_id(claims->user_id), std::move(title.value()), r.body, file->data};
  if (!e.upload_pool.submit([job = std::move(job)]() mutable { job.hash_and_publish(); }))
    send_error(out, busy_uploads());
}

void handle_publish_list(edge& e, const request& r, responder_ptr out) {
  auto author = user_arg(r, "user_id");
  if (!author) return send_error(out, author.err());
  e.api.publish_list(author.value(), viewer_of(e, r), render_to<std::vector<video_view>>(out, [&e](const auto& list) {
                       return json::video_list(list, e.cfg.public_url);
                     }));
}

void handle_feed(edge& e, const request& r, responder_ptr out) {
  auto before = feed_cursor(r);
  if (!before) return send_error(out, before.err());
  auto kind = feed_type(r);
  if (!kind) return send_error(out, kind.err());
  constexpr std::size_t page_size = 30;
  e.api.feed(viewer_of(e, r), before.value(), kind.value(), page_size,
             render_to<feed_page>(out, [&e](const feed_page& page) { return json::feed(page, e.cfg.public_url); }));
}

}  // namespace reel::http
