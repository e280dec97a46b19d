// A small tmpfs of its own for a test that needs a full disk (root only), unmounted when the
// test ends, also when it fails; and a filler file that takes its free space. Shared by the
// unit and API tests of the disk-full behaviour.
#pragma once

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

namespace reel::test {

class tmpfs_mount {
 public:
  // Mounts a tmpfs of `bytes` on a fresh directory under /tmp; nullptr, with a doctest
  // MESSAGE saying why, when this process may not (not root, or no mount permission).
  static std::unique_ptr<tmpfs_mount> mount_or_skip(std::uint64_t bytes) {
    if (::geteuid() != 0) {
      MESSAGE("skipped: mounting a tmpfs needs root (this test fills a disk of its own)");
      return nullptr;
    }
    private_mounts();
    std::string dir = "/tmp/reel-tmpfs-XXXXXX";
    REQUIRE(::mkdtemp(dir.data()) != nullptr);
    std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      MESSAGE("skipped: mount -t tmpfs failed: " << std::strerror(errno));
      ::rmdir(dir.c_str());
      return nullptr;
    }
    return std::unique_ptr<tmpfs_mount>(new tmpfs_mount(dir));
  }

  ~tmpfs_mount() {
    // Lazy: a server that is still running (a failed test) does not keep the mount alive.
    ::umount2(path_.c_str(), MNT_DETACH);
    ::rmdir(path_.c_str());
  }
  tmpfs_mount(const tmpfs_mount&) = delete;
  tmpfs_mount& operator=(const tmpfs_mount&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Free bytes (as root sees them).
  std::uint64_t free_bytes() const {
    struct statvfs s {};
    REQUIRE(::statvfs(path_.c_str(), &s) == 0);
    return static_cast<std::uint64_t>(s.f_bfree) * s.f_frsize;
  }

  // Grows the filler until about `leave` bytes stay free; with 0 until the file system is
  // full to the last byte (ENOSPC on a one-byte write).
  void fill(std::uint64_t leave = 0) {
    int fd = ::open(filler().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    REQUIRE(fd >= 0);
    std::string chunk(1 << 20, 'f');
    for (std::size_t size = chunk.size(); size > 0; size /= 2) {
      for (;;) {
        if (leave > 0 && free_bytes() <= leave + size) break;
        if (::write(fd, chunk.data(), size) != static_cast<ssize_t>(size)) break;
      }
    }
    ::close(fd);
    if (leave == 0) {
      int probe = ::open(filler().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
      errno = 0;
      CHECK(::write(probe, "x", 1) < 0);
      CHECK(errno == ENOSPC);
      ::close(probe);
    }
  }

  // Gives the filler's space back.
  void drain() { std::filesystem::remove(filler()); }

 private:
  explicit tmpfs_mount(std::filesystem::path path) : path_(std::move(path)) {}

  // Moves this process (and the reeld it starts) into a mount namespace of its own, once:
  // its mounts go away with it, also when it crashes before the destructor runs. Where that
  // is refused (a process that already runs threads), mounts are made where they are seen
  // by all, and only the destructor removes them.
  static void private_mounts() {
    static const bool own = [] {
      return ::unshare(CLONE_NEWNS) == 0 && ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
    }();
    (void)own;
  }

  std::filesystem::path filler() const { return path_ / "filler"; }
  std::filesystem::path path_;
};

}  // namespace reel::test
