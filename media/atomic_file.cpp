#include "media/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <iterator>

namespace reel::media {

namespace {

// Closes a descriptor on scope exit, keeping errno: it tells callers why a step failed.
struct fd_guard {
  int fd;
  ~fd_guard() {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    errno = saved;
  }
};

bool fsync_directory(const std::filesystem::path& dir) {
  fd_guard d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  return d.fd >= 0 && ::fsync(d.fd) == 0;
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Unique among this process's threads (counter) and among processes (pid).
std::filesystem::path temporary_name(const std::filesystem::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  auto name = path.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  return path.parent_path() / name;
}

bool write_and_sync(const std::filesystem::path& tmp, std::string_view bytes) {
  fd_guard f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)};
  if (f.fd < 0) return false;
  bool ok = write_all(f.fd, bytes) && ::fsync(f.fd) == 0;
  int failure = errno;
  int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) return false;  // close can report a deferred write error
  errno = failure;
  return ok;
}

}  // namespace

bool sync_and_rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  {
    fd_guard f{::open(from.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0 || ::fsync(f.fd) != 0) return false;
  }
  return ::rename(from.c_str(), to.c_str()) == 0 && fsync_directory(to.parent_path());
}

bool write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  auto tmp = temporary_name(path);
  if (!write_and_sync(tmp, bytes) || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int failure = errno;
    ::unlink(tmp.c_str());
    errno = failure;
    return false;
  }
  return fsync_directory(path.parent_path());
}

bool ensure_directory(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return fsync_directory(dir.parent_path());
  struct stat st {};
  return errno == EEXIST && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return text;
}

}  // namespace reel::media
