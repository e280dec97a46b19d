// Content-addressed storage of media::library: the same bytes are stored once, find() trusts
// only complete records, concurrent ingests of the same upload agree, writes are atomic.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "media/atomic_file.hpp"
#include "media/library.hpp"
#include "temp_dir.hpp"

using namespace reel::media;
using reel::unit::temp_dir;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void spit(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

const std::string& real_world_bytes() {
  static const std::string bytes = [] {
    fs::path beside_sources = fs::path(__FILE__).parent_path() / "../../../shared/fixtures";
    fs::path dir = fs::exists(beside_sources) ? beside_sources : fs::path("/work/shared/fixtures");
    return slurp(dir / "cc_ink_stamp_animation_cc0.mp4");
  }();
  REQUIRE(bytes.size() > 100'000);
  return bytes;
}

stored_video accepted(const std::variant<stored_video, media_error>& result) {
  if (auto* error = std::get_if<media_error>(&result)) FAIL("rejected: " << error->message);
  return std::get<stored_video>(result);
}

// Identity and modification time of a file: unchanged means not rewritten.
struct file_stamp {
  ino_t inode = 0;
  timespec mtime{};

  static file_stamp of(const fs::path& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return {st.st_ino, st.st_mtim};
  }
  bool operator==(const file_stamp& o) const {
    return inode == o.inode && mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec;
  }
};

fs::path metadata_path(const library& lib, const std::string& hash) {
  return fs::path(lib.video_path(hash)).replace_extension(".json");
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("the same bytes are stored once and found again") {
  temp_dir dir("media");
  library lib(dir.path);
  const std::string& bytes = real_world_bytes();
  auto first = accepted(lib.ingest(bytes, limits{}));
  CHECK(first.hash == library::content_hash(bytes));
  fs::path files[] = {lib.video_path(first.hash), lib.cover_path(first.hash), metadata_path(lib, first.hash)};
  file_stamp before[3];
  for (int i = 0; i < 3; ++i) before[i] = file_stamp::of(files[i]);

  auto second = accepted(lib.ingest(bytes, limits{}));
  CHECK(second.hash == first.hash);
  CHECK(second.cover_bytes == first.cover_bytes);
  for (int i = 0; i < 3; ++i) CHECK(file_stamp::of(files[i]) == before[i]);

  auto found = lib.find(first.hash);
  REQUIRE(found);
  CHECK(found->bytes == bytes.size());
  CHECK(found->info.codec == first.info.codec);
  CHECK(found->info.duration_s == first.info.duration_s);
  CHECK(found->info.has_audio == first.info.has_audio);

  library reopened(dir.path);  // the record lives on disk, not in the object
  CHECK(reopened.find(first.hash));
}

TEST_CASE("find trusts only complete, consistent records") {
  temp_dir dir("media");
  library lib(dir.path);
  CHECK_FALSE(lib.find(library::content_hash("never stored")));
  CHECK_FALSE(lib.find("../../etc/passwd"));
  CHECK_FALSE(lib.find(std::string(64, 'A')));

  // A video whose metadata was never written (crash before the .json rename).
  std::string orphan = library::content_hash("orphan");
  fs::create_directories(lib.video_path(orphan).parent_path());
  spit(lib.video_path(orphan), "orphan");
  spit(lib.cover_path(orphan), "jpeg");
  CHECK_FALSE(lib.find(orphan));

  auto stored = accepted(lib.ingest(real_world_bytes(), limits{}));
  REQUIRE(lib.find(stored.hash));
  std::string json = slurp(metadata_path(lib, stored.hash));

  spit(metadata_path(lib, stored.hash), json.substr(0, json.size() / 2));
  CHECK_FALSE(lib.find(stored.hash));  // unreadable metadata

  spit(metadata_path(lib, orphan), json);  // metadata naming another hash
  CHECK_FALSE(lib.find(orphan));

  spit(metadata_path(lib, stored.hash), json);
  REQUIRE(lib.find(stored.hash));
  fs::resize_file(lib.cover_path(stored.hash), stored.cover_bytes - 1);
  CHECK_FALSE(lib.find(stored.hash));  // cover of the wrong size
  fs::remove(lib.cover_path(stored.hash));
  CHECK_FALSE(lib.find(stored.hash));

  // Ingesting again repairs the record.
  auto repaired = accepted(lib.ingest(real_world_bytes(), limits{}));
  CHECK(repaired.cover_bytes == stored.cover_bytes);
  CHECK(lib.find(stored.hash));
}

TEST_CASE("concurrent ingests of the same bytes agree and leave no temporary files") {
  temp_dir dir("media");
  library lib(dir.path);
  const std::string& bytes = real_world_bytes();
  constexpr int writers = 4;
  std::vector<std::variant<stored_video, media_error>> results(writers);
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i) threads.emplace_back([&, i] { results[i] = lib.ingest(bytes, limits{}); });
  for (auto& t : threads) t.join();

  std::string hash = library::content_hash(bytes);
  for (const auto& result : results) CHECK(accepted(result).hash == hash);
  REQUIRE(lib.find(hash));
  CHECK(slurp(lib.video_path(hash)) == bytes);
  CHECK(names_in(lib.video_path(hash).parent_path()) ==
        std::vector<std::string>{hash + ".jpg", hash + ".json", hash + ".video"});
}

TEST_CASE("write_file_atomically replaces the whole file and leaves nothing else") {
  temp_dir dir("media");
  fs::path path = dir.path / "file";
  REQUIRE(write_file_atomically(path, "first version"));
  CHECK(slurp(path) == "first version");
  REQUIRE(write_file_atomically(path, "second"));
  CHECK(slurp(path) == "second");
  REQUIRE(write_file_atomically(path, ""));
  CHECK(fs::file_size(path) == 0);
  CHECK(names_in(dir.path) == std::vector<std::string>{"file"});
  CHECK_FALSE(write_file_atomically(dir.path / "missing-dir" / "file", "x"));
  CHECK(names_in(dir.path) == std::vector<std::string>{"file"});

  CHECK(ensure_directory(dir.path / "ab"));
  CHECK(ensure_directory(dir.path / "ab"));  // already there
  CHECK_FALSE(ensure_directory(path));       // a file is in the way
  CHECK(read_file(path) == std::string());
  CHECK_FALSE(read_file(dir.path / "nope"));
}

TEST_CASE("an unwritable root is reported as an io failure") {
  temp_dir dir("media");
  fs::path blocker = dir.path / "root";
  spit(blocker, "a file where the media directory should be");
  library lib(blocker);
  auto result = lib.ingest(real_world_bytes(), limits{});
  REQUIRE(std::holds_alternative<media_error>(result));
  CHECK(std::get<media_error>(result).kind == failure::io);
}
