// Uploaded videos and their covers, content-addressed by the SHA-256 of the video bytes.
//
// Layout under the root (<data-dir>/media):
//   <h0h1>/<hash>.video   the uploaded bytes, unchanged
//   <h0h1>/<hash>.jpg     the cover (JPEG, longest edge <= limits.cover_max_edge)
//   <h0h1>/<hash>.json    metadata (video_info), written last: its presence means "validated"
// Every file is written to a temporary name, fsync'd, renamed and its directory fsync'd, so
// a crash never leaves a half-written file under a final name. The same bytes are stored
// once; find() lets a second upload of them skip validation and cover extraction.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace reel::media {

struct limits {
  std::chrono::seconds max_duration{600};  // longer videos are rejected
  int cover_max_edge = 720;                // pixels, longest edge of the cover
};

struct video_info {
  std::string content_type;  // e.g. "video/mp4", from the detected container
  std::string codec;         // e.g. "h264"
  int width = 0;
  int height = 0;
  double duration_s = 0;
  bool has_audio = false;
};

struct stored_video {
  std::string hash;  // lowercase hex SHA-256 of the video bytes
  video_info info;
  std::uint64_t bytes = 0;
  std::uint64_t cover_bytes = 0;
};

// no_space: the data disk is full (ENOSPC, or the free-space reserve would be crossed).
enum class failure { not_a_video, truncated, audio_only, empty, too_long, io, no_space };

struct media_error {
  failure kind;
  std::string message;  // for the client: says what is wrong with the upload
};

class library {
 public:
  explicit library(std::filesystem::path root);

  // Asked before a new video's files are written, with their size: false when the data disk
  // must not take them (the store's free-space reserve). Set once, before the first ingest.
  using room_check = std::function<bool(std::uint64_t bytes)>;
  void check_room(room_check room) { room_ = std::move(room); }

  static std::string content_hash(std::string_view bytes);

  // The stored video with this hash if it was validated before.
  std::optional<stored_video> find(const std::string& hash) const;

  // Validates the bytes with FFmpeg (magic check first, format whitelist, a full packet read
  // that rejects truncated files, duration limit), extracts a representative cover frame,
  // and stores video, cover and metadata (failure::no_space when the disk cannot take them).
  // Blocking and CPU-heavy: call it from a media pool thread, never from a reactor or actor
  // thread.
  std::variant<stored_video, media_error> ingest(std::string_view bytes, const limits& lim);

  std::filesystem::path video_path(const std::string& hash) const;
  std::filesystem::path cover_path(const std::string& hash) const;

  // Copying a stored video to another node (cluster mode): its three files, metadata last.
  enum class part : std::uint8_t { video = 0, cover = 1, metadata = 2 };
  // Up to `max` bytes of `p` from `offset`, and whether they reach its end; nullopt when the
  // video is not stored here (validated and complete).
  std::optional<std::pair<std::string, bool>> read_piece(const std::string& hash, part p, std::uint64_t offset,
                                                         std::size_t max) const;
  // Appends a received piece to `p`'s incoming copy from `sender` (offset 0 starts it
  // afresh); `last` completes it: synced, and renamed over the file (a video only when its
  // bytes hash to `hash`). The metadata comes last, so a copy that stops halfway leaves no
  // servable video. False on a gap, an I/O error or a mismatch.
  bool receive_piece(const std::string& hash, part p, std::uint64_t offset, std::string_view bytes, bool last,
                     const std::string& sender);

 private:
  std::filesystem::path root_;
  room_check room_;
};

// True when `hash` is 64 lowercase hex digits (guards paths built from request input).
bool valid_hash(std::string_view hash);

}  // namespace reel::media
