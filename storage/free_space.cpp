#include "storage/free_space.hpp"

#include <unistd.h>

#include <algorithm>

namespace reel::storage {

space_reading reading_of(const struct statvfs& s, bool root) {
  const std::uint64_t unit = s.f_frsize != 0 ? s.f_frsize : s.f_bsize;
  return {static_cast<std::uint64_t>(s.f_blocks) * unit,
          static_cast<std::uint64_t>(root ? s.f_bfree : s.f_bavail) * unit};
}

std::optional<space_reading> read_space(const std::filesystem::path& dir) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) return std::nullopt;
  return reading_of(s, ::geteuid() == 0);
}

std::uint64_t default_reserve(std::uint64_t total) { return std::min(total / 100, max_default_reserve); }

free_space::free_space(reader read, std::optional<std::uint64_t> reserve, clock_fn now)
    : read_(std::move(read)), now_(std::move(now)) {
  auto first = read_();
  reserve_ = reserve ? *reserve : default_reserve(first ? first->total : 0);
  usable_ = first ? first->usable : 0;
  read_at_ns_ = now_().time_since_epoch().count();
}

free_space::free_space(const std::filesystem::path& dir, std::optional<std::uint64_t> reserve)
    : free_space([dir] { return read_space(dir); }, reserve) {}

std::uint64_t free_space::refresh() {
  // A failed statvfs keeps the last reading: it says nothing about the space.
  if (auto r = read_()) usable_.store(r->usable, std::memory_order_relaxed);
  read_at_ns_.store(now_().time_since_epoch().count(), std::memory_order_relaxed);
  return usable();
}

void free_space::refresh_if_stale() {
  auto now = now_().time_since_epoch().count();
  auto interval = std::chrono::duration_cast<std::chrono::steady_clock::duration>(refresh_interval).count();
  if (now - read_at_ns_.load(std::memory_order_relaxed) >= interval) refresh();
}

bool free_space::admit(std::uint64_t bytes, std::uint64_t writes) {
  if (reserve_ == 0) return true;
  refresh_if_stale();
  auto usable = usable_.load(std::memory_order_relaxed);
  if (usable >= reserve_ && usable - reserve_ >= bytes) return true;
  refused(writes);
  return false;
}

bool free_space::below_reserve() {
  if (reserve_ == 0) return false;
  refresh_if_stale();
  return usable() < reserve_;
}

void free_space::wrote(std::uint64_t bytes) {
  auto seen = usable_.load(std::memory_order_relaxed);
  while (!usable_.compare_exchange_weak(seen, seen > bytes ? seen - bytes : 0, std::memory_order_relaxed)) {
  }
}

}  // namespace reel::storage
