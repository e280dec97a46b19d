#include "media/library.hpp"

#include <sodium.h>

#include <cerrno>
#include <fstream>
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

// errno after a step that failed (never 0: a failure must not read as success).
int failure_errno() { return errno != 0 ? errno : EIO; }

// Video, then cover, then metadata: the .json appears only once the other two are durable.
// 0, or the errno of the step that failed.
int store_files(const fs::path& root, const stored_video& video, std::string_view bytes, std::string_view cover,
                const std::string& metadata) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return ec.value();
  if (!ensure_directory(shard_of(root, video.hash))) return failure_errno();
  // A .video without .json is left by a crash after its rename: its name is its content's
  // hash and renames are atomic, so a file of the right size there is these very bytes.
  auto video_file = file_of(root, video.hash, ".video");
  if (!has_size(video_file, video.bytes) && !write_file_atomically(video_file, bytes)) return failure_errno();
  if (!write_file_atomically(file_of(root, video.hash, ".jpg"), cover)) return failure_errno();
  if (!write_file_atomically(file_of(root, video.hash, ".json"), metadata)) return failure_errno();
  return 0;
}

media_error no_space() { return {failure::no_space, "the data disk is full: the video could not be stored"}; }

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
  auto metadata = to_json(video);
  if (room_ && !room_(bytes.size() + ok.cover_jpeg.size() + metadata.size())) return no_space();
  if (int error = store_files(root_, video, bytes, ok.cover_jpeg, metadata)) {
    if (error == ENOSPC || error == EDQUOT) return no_space();
    return media_error{failure::io, "the video could not be stored; try again later"};
  }
  return video;
}

fs::path library::video_path(const std::string& hash) const { return file_of(root_, hash, ".video"); }

namespace {

const char* extension_of(library::part p) {
  switch (p) {
    case library::part::video:
      return ".video";
    case library::part::cover:
      return ".jpg";
    case library::part::metadata:
      return ".json";
  }
  return ".json";
}

bool file_hashes_to(const fs::path& file, const std::string& hash) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::string buffer(1 << 20, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                              static_cast<unsigned long long>(in.gcount()));
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hash == hex;
}

}  // namespace

std::optional<std::pair<std::string, bool>> library::read_piece(const std::string& hash, part p, std::uint64_t offset,
                                                                std::size_t max) const {
  if (!find(hash)) return std::nullopt;
  std::ifstream in(file_of(root_, hash, extension_of(p)), std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::uint64_t>(in.tellg());
  if (offset > size) return std::nullopt;
  std::string bytes(static_cast<std::size_t>(std::min<std::uint64_t>(max, size - offset)), '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) return std::nullopt;
  return std::pair(std::move(bytes), offset + bytes.size() == size);
}

bool library::receive_piece(const std::string& hash, part p, std::uint64_t offset, std::string_view bytes, bool last,
                            const std::string& sender) {
  if (!valid_hash(hash) || sender.empty() || sender.find('/') != std::string::npos) return false;
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec || !ensure_directory(shard_of(root_, hash))) return false;
  auto final_name = file_of(root_, hash, extension_of(p));
  auto incoming = fs::path(final_name.string() + ".incoming-" + sender);
  auto size = fs::file_size(incoming, ec);
  if (offset == 0)
    size = 0;
  else if (ec || size != offset)
    return false;  // a gap: the sender starts again
  {
    std::ofstream out(incoming, offset == 0 ? std::ios::binary | std::ios::trunc : std::ios::binary | std::ios::app);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return false;
  }
  if (!last) return true;
  bool ok = (p != part::video || file_hashes_to(incoming, hash)) && sync_and_rename(incoming, final_name);
  if (!ok) fs::remove(incoming, ec);
  return ok;
}

fs::path library::cover_path(const std::string& hash) const { return file_of(root_, hash, ".jpg"); }

bool valid_hash(std::string_view hash) {
  if (hash.size() != std::size_t{2} * crypto_hash_sha256_BYTES) return false;
  for (char c : hash)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace reel::media
