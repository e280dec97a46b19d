#include "media/library.hpp"

#include <sodium.h>

#include <system_error>

#include "media/atomic_file.hpp"
#include "media/metadata.hpp"
#include "media/validation.hpp"

namespace reel::media {

namespace fs = std::filesystem;

namespace {

fs::path shard_of(const fs::path& root, const std::string& hash) { return root / hash.substr(0, 2); }

fs::path file_of(const fs::path& root, const std::string& hash, const char* extension) {
  return shard_of(root, hash) / (hash + extension);
}

bool has_size(const fs::path& path, std::uint64_t size) {
  std::error_code ec;
  auto actual = fs::file_size(path, ec);
  return !ec && actual == size;
}

// Video, then cover, then metadata: the .json appears only once the other two are durable.
bool store_files(const fs::path& root, const stored_video& video, std::string_view bytes, std::string_view cover) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec || !ensure_directory(shard_of(root, video.hash))) return false;
  // A .video without .json is left by a crash after its rename: its name is its content's
  // hash and renames are atomic, so a file of the right size there is these very bytes.
  auto video_file = file_of(root, video.hash, ".video");
  if (!has_size(video_file, video.bytes) && !write_file_atomically(video_file, bytes)) return false;
  return write_file_atomically(file_of(root, video.hash, ".jpg"), cover) &&
         write_file_atomically(file_of(root, video.hash, ".json"), to_json(video));
}

}  // namespace

library::library(fs::path root) : root_(std::move(root)) {}

std::string library::content_hash(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::optional<stored_video> library::find(const std::string& hash) const {
  if (!valid_hash(hash)) return std::nullopt;
  auto text = read_file(file_of(root_, hash, ".json"));
  if (!text) return std::nullopt;
  auto video = from_json(*text);
  if (!video || video->hash != hash) return std::nullopt;
  if (!has_size(video_path(hash), video->bytes) || !has_size(cover_path(hash), video->cover_bytes)) return std::nullopt;
  return video;
}

std::variant<stored_video, media_error> library::ingest(std::string_view bytes, const limits& lim) {
  if (bytes.empty()) return media_error{failure::empty, "the upload is empty"};
  std::string hash = content_hash(bytes);
  if (auto stored = find(hash)) {
    // Stored under other limits: the duration limit still applies to this upload.
    if (stored->info.duration_s > static_cast<double>(lim.max_duration.count()) + 1e-3)
      return media_error{failure::too_long,
                         "the video is longer than the limit of " + std::to_string(lim.max_duration.count()) + " s"};
    return *std::move(stored);
  }
  auto result = validate(bytes, lim);
  if (auto* error = std::get_if<media_error>(&result)) return std::move(*error);
  auto& ok = std::get<validated>(result);
  stored_video video{std::move(hash), std::move(ok.info), bytes.size(), ok.cover_jpeg.size()};
  if (!store_files(root_, video, bytes, ok.cover_jpeg))
    return media_error{failure::io, "the video could not be stored; try again later"};
  return video;
}

fs::path library::video_path(const std::string& hash) const { return file_of(root_, hash, ".video"); }

fs::path library::cover_path(const std::string& hash) const { return file_of(root_, hash, ".jpg"); }

bool valid_hash(std::string_view hash) {
  if (hash.size() != std::size_t{2} * crypto_hash_sha256_BYTES) return false;
  for (char c : hash)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace reel::media
