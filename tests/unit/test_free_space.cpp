// The free-space reserve (storage/free_space.hpp): what counts as free, the default
// reserve, admission against it, and how often statvfs is read. Driven by a fake reading
// and a fake clock; and the API status that a refusal becomes.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <optional>

#include "schema/errors.hpp"
#include "storage/free_space.hpp"

using namespace reel;
using namespace reel::storage;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t MiB = std::uint64_t{1} << 20;

// The disk as the test sets it, and how often it was read.
struct fake_disk {
  std::optional<space_reading> now{space_reading{1024 * MiB, 500 * MiB}};
  int reads = 0;
  std::chrono::steady_clock::time_point clock{std::chrono::seconds(1000)};

  free_space::reader reader() {
    return [this] {
      ++reads;
      return now;
    };
  }
  free_space::clock_fn time() {
    return [this] { return clock; };
  }
};

}  // namespace

TEST_CASE("a root process counts the blocks kept for root as free, anyone else only the available ones") {
  struct statvfs s {};
  s.f_frsize = 4096;
  s.f_blocks = 1000;
  s.f_bfree = 300;
  s.f_bavail = 250;
  CHECK(reading_of(s, true).usable == 300 * 4096);
  CHECK(reading_of(s, false).usable == 250 * 4096);
  CHECK(reading_of(s, false).total == 1000 * 4096);
  s.f_frsize = 0;  // some file systems leave the fragment size unset: the block size counts
  s.f_bsize = 512;
  CHECK(reading_of(s, true).usable == 300 * 512);
}

TEST_CASE("the default reserve is 1% of the disk, at most 256 MiB") {
  CHECK(default_reserve(1000 * MiB) == 10 * MiB);
  CHECK(default_reserve(25600 * MiB) == 256 * MiB);
  CHECK(default_reserve(std::uint64_t{4} << 40) == 256 * MiB);
  CHECK(default_reserve(0) == 0);
  fake_disk disk;
  free_space unset(disk.reader(), std::nullopt, disk.time());
  CHECK(unset.reserve() == default_reserve(1024 * MiB));
  free_space configured(disk.reader(), 7 * MiB, disk.time());
  CHECK(configured.reserve() == 7 * MiB);
}

TEST_CASE("a write is admitted only if it leaves the reserve free, and refusals are counted") {
  fake_disk disk;
  disk.now = space_reading{1024 * MiB, 100 * MiB};
  free_space space(disk.reader(), 64 * MiB, disk.time());
  CHECK(space.admit(36 * MiB));
  CHECK_FALSE(space.below_reserve());
  CHECK_FALSE(space.admit(36 * MiB + 1, 3));
  CHECK(space.refused_writes() == 3);
  space.refused(2);  // refusals found elsewhere (RocksDB out of space) count too
  CHECK(space.refused_writes() == 5);

  disk.now = space_reading{1024 * MiB, 10 * MiB};  // under the reserve: nothing passes
  disk.clock += free_space::refresh_interval;
  CHECK_FALSE(space.admit(0));
  CHECK(space.below_reserve());
}

TEST_CASE("statvfs is read at most every 100 ms, and bytes written count against the last reading") {
  fake_disk disk;
  disk.now = space_reading{1024 * MiB, 100 * MiB};
  free_space space(disk.reader(), 64 * MiB, disk.time());
  int reads = disk.reads;
  disk.now = space_reading{1024 * MiB, 1 * MiB};  // the disk fills, unseen for now
  disk.clock += 99ms;
  CHECK(space.admit(30 * MiB));
  CHECK(disk.reads == reads);
  space.wrote(30 * MiB);  // but what this process wrote is seen at once
  CHECK_FALSE(space.admit(7 * MiB));
  CHECK(space.usable() == 70 * MiB);
  disk.clock += 1ms;  // 100 ms after the last reading
  CHECK_FALSE(space.admit(0));
  CHECK(disk.reads == reads + 1);
  CHECK(space.usable() == 1 * MiB);
  space.wrote(5 * MiB);  // never below zero
  CHECK(space.usable() == 0);
}

TEST_CASE("a failed statvfs keeps the last reading") {
  fake_disk disk;
  disk.now = space_reading{1024 * MiB, 100 * MiB};
  free_space space(disk.reader(), 64 * MiB, disk.time());
  disk.now = std::nullopt;
  CHECK(space.refresh() == 100 * MiB);
  CHECK(space.admit(MiB));
}

TEST_CASE("without a reserve every write is admitted and statvfs is not read on the way") {
  fake_disk disk;
  disk.now = space_reading{1024 * MiB, 0};
  free_space space(disk.reader(), 0, disk.time());
  int reads = disk.reads;
  disk.clock += std::chrono::seconds(5);
  CHECK(space.admit(100 * MiB));
  CHECK_FALSE(space.below_reserve());
  CHECK(disk.reads == reads);
  CHECK(space.refused_writes() == 0);
}

TEST_CASE("storage full is status 18 with HTTP 507 in the error table") {
  auto full = info(errc::storage_full);
  CHECK(full.status_code == 18);
  CHECK(full.http_status == 507);
  CHECK(full.message == "storage full, retry later");
}
