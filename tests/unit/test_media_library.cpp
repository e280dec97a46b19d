// media::library end to end on real files: videos made by the ffmpeg CLI once per run (small
// 320x240 clips), broken variants cut from them, and the real-world fixture video.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "media/library.hpp"
#include "temp_dir.hpp"
#include "test_media_support.hpp"

using namespace reel::media;
using reel::unit::decode_jpeg;
using reel::unit::temp_dir;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool ffmpeg_has_encoder(const std::string& name) {
  std::string cmd = "ffmpeg -hide_banner -encoders 2>/dev/null | grep -qw " + name;
  return std::system(cmd.c_str()) == 0;
}

// The test videos, made by ffmpeg on first use and kept beside the test binary: ctest runs
// every test case in its own process, and regenerating them each time would cost seconds.
// The directory's name carries a hash of the recipes, so changed recipes make new files.
class fixtures {
 public:
  static const fixtures& get() {
    static const fixtures instance;
    return instance;
  }
  // The bytes of a generated file; fails the test when generation failed.
  std::string bytes(const std::string& name) const {
    REQUIRE_MESSAGE(failed_.empty(), "ffmpeg could not make fixtures: " << failed_);
    std::string b = slurp(dir_ / name);
    REQUIRE_MESSAGE(!b.empty(), "missing fixture " << name);
    return b;
  }
  bool has_vp8() const { return has_vp8_; }
  std::string h264_codec() const { return has_x264_ ? "h264" : "mpeg4"; }

  fixtures(const fixtures&) = delete;
  fixtures& operator=(const fixtures&) = delete;
  ~fixtures() = default;

 private:
  fixtures() {
    has_x264_ = ffmpeg_has_encoder("libx264");
    has_vp8_ = ffmpeg_has_encoder("libvpx");
    std::string signature;
    for (const auto& [name, args] : recipes()) signature += name + '=' + args + '\n';
    fs::path exe_dir = fs::read_symlink("/proc/self/exe").parent_path();
    dir_ = exe_dir / ("media-fixtures-" + library::content_hash(signature).substr(0, 12));
    if (!fs::exists(dir_ / "complete")) generate();
  }

  // Into a private directory first, renamed into place when complete: concurrent test
  // processes never see half-made files; the loser of the rename race uses the winner's.
  void generate() {
    std::string tmpl = dir_.string() + ".tmp-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) return void(failed_ = "mkdtemp");
    fs::path tmp = tmpl;
    for (const auto& [name, args] : recipes())
      if (!make(tmp / name, args)) failed_ += name + " ";
    std::ofstream(tmp / "complete") << "ok\n";
    std::error_code ec;
    if (failed_.empty()) fs::rename(tmp, dir_, ec);
    if (failed_.empty() && ec && !fs::exists(dir_ / "complete")) failed_ = "rename: " + ec.message();
    fs::remove_all(tmp, ec);
  }

  std::map<std::string, std::string> recipes() const {
    const std::string clip = "-f lavfi -i testsrc=size=320x240:rate=30:duration=";
    const std::string sine = "-f lavfi -i sine=frequency=440:duration=2 ";
    const std::string h264 = has_x264_ ? " -c:v libx264 -preset ultrafast -pix_fmt yuv420p " : " -c:v mpeg4 ";
    const std::string vp8 = " -c:v libvpx -deadline realtime -cpu-used 8 -b:v 300k ";
    std::map<std::string, std::string> r = {
        {"h264_aac.mp4", clip + "2 " + sine + h264 + "-c:a aac -movflags +faststart"},
        {"h264.mp4", clip + "3" + h264 + "-movflags +faststart"},
        {"moov_at_end.mp4", clip + "3" + h264},
        {"mpeg4.mp4", clip + "2 -c:v mpeg4"},
        {"quicktime.mov", clip + "2 -c:v mpeg4 -f mov"},
        {"mpeg4.mkv", clip + "2 -c:v mpeg4 -f matroska"},
        {"mpeg4.avi", clip + "2 -c:v mpeg4 -f avi"},
        {"audio.m4a", sine + "-c:a aac"},
        {"black_start.mp4",
         "-f lavfi -i 'color=black:size=320x240:rate=30:duration=1[a];"
         "testsrc=size=320x240:rate=30:duration=2[b];[a][b]concat=n=2:v=1:a=0[out0]'" +
             h264},
    };
    if (has_vp8_) {
      r["vp8.webm"] = clip + "2" + vp8;
      r["live.webm"] = clip + "3" + vp8 + "-f webm pipe:1 >";  // to a pipe: no duration, no cues
    }
    return r;
  }

  // Recipes ending in ">" write to a pipe redirected into the file.
  static bool make(const fs::path& out, const std::string& args) {
    std::string cmd = "ffmpeg -hide_banner -loglevel error -nostdin -y " + args + " " + out.string() + " 2>/dev/null";
    return std::system(cmd.c_str()) == 0;
  }

  fs::path dir_;
  bool has_x264_ = false;
  bool has_vp8_ = false;
  std::string failed_;
};

fs::path real_world_video() {
  fs::path beside_sources = fs::path(__FILE__).parent_path() / "../../../shared/fixtures";
  fs::path dir = fs::exists(beside_sources) ? beside_sources : fs::path("/work/shared/fixtures");
  return dir / "cc_ink_stamp_animation_cc0.mp4";
}

limits lenient() { return limits{}; }

const stored_video& accepted(const std::variant<stored_video, media_error>& result) {
  if (auto* error = std::get_if<media_error>(&result)) FAIL("rejected: " << error->message);
  return std::get<stored_video>(result);
}

const media_error& rejected(const std::variant<stored_video, media_error>& result) {
  REQUIRE_MESSAGE(std::holds_alternative<media_error>(result), "accepted unexpectedly");
  const auto& error = std::get<media_error>(result);
  CHECK_FALSE(error.message.empty());
  return error;
}

std::size_t files_under(const fs::path& root) {
  if (!fs::exists(root)) return 0;
  std::size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) n += entry.is_regular_file() ? 1 : 0;
  return n;
}

// The first `fraction` of an MP4 whose mdat box size is rewritten to end exactly where the
// file now ends: the boxes look whole, so only reading the packets can find the loss.
std::string cut_with_consistent_boxes(const std::string& mp4, double fraction) {
  std::string cut = mp4.substr(0, static_cast<std::size_t>(mp4.size() * fraction));
  std::size_t at = 0;
  while (at + 8 <= cut.size()) {
    std::uint32_t size = 0;
    for (int i = 0; i < 4; ++i) size = (size << 8) | static_cast<unsigned char>(cut[at + i]);
    if (cut.compare(at + 4, 4, "mdat") == 0) {
      auto rest = static_cast<std::uint32_t>(cut.size() - at);
      for (int i = 0; i < 4; ++i) cut[at + i] = static_cast<char>(rest >> (24 - 8 * i));
      return cut;
    }
    at += size;
  }
  FAIL("no mdat box");
  return {};
}

}  // namespace

TEST_CASE("ingest stores an H.264 video with audio, its cover and metadata") {
  const auto& fx = fixtures::get();
  temp_dir dir("media");
  library lib(dir.path / "media");
  std::string bytes = fx.bytes("h264_aac.mp4");
  auto stored = accepted(lib.ingest(bytes, lenient()));

  CHECK(stored.hash == library::content_hash(bytes));
  CHECK(stored.info.content_type == "video/mp4");
  CHECK(stored.info.codec == fx.h264_codec());
  CHECK(stored.info.width == 320);
  CHECK(stored.info.height == 240);
  CHECK(stored.info.duration_s == doctest::Approx(2.0).epsilon(0.05));
  CHECK(stored.info.has_audio);
  CHECK(stored.bytes == bytes.size());

  CHECK(lib.video_path(stored.hash) == dir.path / "media" / stored.hash.substr(0, 2) / (stored.hash + ".video"));
  CHECK(slurp(lib.video_path(stored.hash)) == bytes);
  std::string cover = slurp(lib.cover_path(stored.hash));
  CHECK(cover.size() == stored.cover_bytes);
  auto picture = decode_jpeg(cover);
  REQUIRE(picture);
  CHECK(picture->width == 320);
  CHECK(picture->height == 240);
  CHECK(fs::exists(lib.cover_path(stored.hash).replace_extension(".json")));
  CHECK(files_under(dir.path) == 3);  // no temporary file left behind
}

TEST_CASE("a new video the data disk has no room for is refused as no_space, and nothing is stored") {
  const auto& fx = fixtures::get();
  temp_dir dir("media");
  library lib(dir.path / "media");
  std::uint64_t asked = 0;
  lib.check_room([&asked](std::uint64_t bytes) {
    asked = bytes;
    return false;
  });
  std::string bytes = fx.bytes("h264_aac.mp4");
  CHECK(rejected(lib.ingest(bytes, lenient())).kind == failure::no_space);
  CHECK(asked > bytes.size());  // the video, its cover and its metadata
  CHECK(files_under(dir.path) == 0);
  CHECK_FALSE(lib.find(library::content_hash(bytes)));

  lib.check_room([](std::uint64_t) { return true; });
  CHECK(accepted(lib.ingest(bytes, lenient())).bytes == bytes.size());
}

TEST_CASE("ingest accepts MPEG-4 Part 2, QuickTime, Matroska, AVI and WebM") {
  const auto& fx = fixtures::get();
  struct expectation {
    const char* file;
    const char* content_type;
    const char* codec;
  };
  std::vector<expectation> cases = {{"h264.mp4", "video/mp4", nullptr},
                                    {"mpeg4.mp4", "video/mp4", "mpeg4"},
                                    {"quicktime.mov", "video/quicktime", "mpeg4"},
                                    {"mpeg4.mkv", "video/x-matroska", "mpeg4"},
                                    {"mpeg4.avi", "video/x-msvideo", "mpeg4"}};
  if (fx.has_vp8()) {
    cases.push_back({"vp8.webm", "video/webm", "vp8"});
    cases.push_back({"live.webm", "video/webm", "vp8"});
  }
  temp_dir dir("media");
  library lib(dir.path);
  for (const auto& c : cases) {
    CAPTURE(c.file);
    auto stored = accepted(lib.ingest(fx.bytes(c.file), lenient()));
    CHECK(stored.info.content_type == c.content_type);
    CHECK(stored.info.codec == (c.codec ? c.codec : fx.h264_codec()));
    CHECK(stored.info.width == 320);
    CHECK_FALSE(stored.info.has_audio);
    CHECK(stored.info.duration_s > 1.5);
    CHECK(decode_jpeg(slurp(lib.cover_path(stored.hash))));
  }
}

TEST_CASE("garbage, empty and audio-only uploads are rejected, and nothing is stored") {
  const auto& fx = fixtures::get();
  temp_dir dir("media");
  library lib(dir.path / "media");
  std::string garbage(5000, '\0');
  for (std::size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 7919 + 13) % 251);

  CHECK(rejected(lib.ingest(garbage, lenient())).kind == failure::not_a_video);
  CHECK(rejected(lib.ingest("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n", lenient())).kind == failure::not_a_video);
  CHECK(rejected(lib.ingest("", lenient())).kind == failure::empty);
  CHECK(rejected(lib.ingest(fx.bytes("audio.m4a"), lenient())).kind == failure::audio_only);
  // The right magic with nothing FFmpeg can read behind it.
  std::string fake_mp4 = std::string(
                             "\0\0\0\x14"
                             "ftypisom\0\0\0\0isom",
                             20) +
                         garbage;
  CHECK(rejected(lib.ingest(fake_mp4, lenient())).kind == failure::not_a_video);
  CHECK(files_under(dir.path) == 0);
}

TEST_CASE("truncated uploads are rejected as truncated") {
  const auto& fx = fixtures::get();
  temp_dir dir("media");
  library lib(dir.path);
  std::string faststart = fx.bytes("h264.mp4");
  std::string moov_at_end = fx.bytes("moov_at_end.mp4");
  struct cut {
    std::string what;
    std::string bytes;
    bool found_by_reading = false;  // the container's size fields look whole
  };
  std::vector<cut> cases = {
      {"index at the front, 60%", faststart.substr(0, faststart.size() * 6 / 10)},
      {"index at the end, 60%", moov_at_end.substr(0, moov_at_end.size() * 6 / 10)},
      {"boxes rewritten to look whole", cut_with_consistent_boxes(faststart, 0.6), true},
      {"matroska, 60%", fx.bytes("mpeg4.mkv").substr(0, fx.bytes("mpeg4.mkv").size() * 6 / 10)},
      {"avi, 60%", fx.bytes("mpeg4.avi").substr(0, fx.bytes("mpeg4.avi").size() * 6 / 10), true},
  };
  if (fx.has_vp8()) {
    cases.push_back({"webm, 60%", fx.bytes("vp8.webm").substr(0, fx.bytes("vp8.webm").size() * 6 / 10)});
    cases.push_back({"live webm, 80%", fx.bytes("live.webm").substr(0, fx.bytes("live.webm").size() * 8 / 10)});
  }
  for (const auto& c : cases) {
    CAPTURE(c.what);
    auto error = rejected(lib.ingest(c.bytes, lenient()));
    CHECK(error.kind == failure::truncated);
    CHECK((error.message.find("structure") == std::string::npos) == c.found_by_reading);
  }
  CHECK(files_under(dir.path) == 0);
}

TEST_CASE("videos over the duration limit are rejected, declared or counted while reading") {
  const auto& fx = fixtures::get();
  temp_dir dir("media");
  library lib(dir.path);
  limits one_second;
  one_second.max_duration = std::chrono::seconds(1);
  auto declared = rejected(lib.ingest(fx.bytes("h264.mp4"), one_second));
  CHECK(declared.kind == failure::too_long);
  CHECK(declared.message.find("3.0 s") != std::string::npos);
  if (fx.has_vp8())  // a live recording declares no duration: only reading finds the length
    CHECK(rejected(lib.ingest(fx.bytes("live.webm"), one_second)).kind == failure::too_long);

  limits three_seconds;
  three_seconds.max_duration = std::chrono::seconds(3);
  auto exact = accepted(lib.ingest(fx.bytes("h264.mp4"), three_seconds));
  // Once stored, a later upload of the same bytes is still held to its own limit.
  CHECK(rejected(lib.ingest(fx.bytes("h264.mp4"), one_second)).kind == failure::too_long);
  CHECK(lib.find(exact.hash));
}

TEST_CASE("the cover is not the black opening of a video") {
  const auto& fx = fixtures::get();
  temp_dir dir("media");
  library lib(dir.path);
  auto stored = accepted(lib.ingest(fx.bytes("black_start.mp4"), lenient()));
  auto picture = decode_jpeg(slurp(lib.cover_path(stored.hash)));
  REQUIRE(picture);
  CHECK(picture->luma.mean > 30);
  CHECK(picture->luma.stddev > 20);
}

TEST_CASE("the real-world fixture video is accepted with a bounded JPEG cover") {
  std::string bytes = slurp(real_world_video());
  REQUIRE(bytes.size() > 100'000);
  temp_dir dir("media");
  library lib(dir.path / "default");
  auto stored = accepted(lib.ingest(bytes, lenient()));
  CHECK(stored.info.content_type == "video/mp4");
  CHECK(stored.info.codec == "h264");
  CHECK(stored.info.width == 640);
  CHECK(stored.info.height == 360);
  CHECK(stored.info.duration_s == doctest::Approx(10.05).epsilon(0.01));
  CHECK(stored.info.has_audio);
  std::string cover = slurp(lib.cover_path(stored.hash));
  REQUIRE(cover.size() > 2);
  CHECK(cover.substr(0, 2) == "\xFF\xD8");
  auto picture = decode_jpeg(cover);
  REQUIRE(picture);
  CHECK(std::max(picture->width, picture->height) <= 720);
  CHECK_FALSE(looks_blank(picture->luma));

  library small(dir.path / "small");
  limits small_covers;
  small_covers.cover_max_edge = 320;
  auto resized = decode_jpeg(slurp(small.cover_path(accepted(small.ingest(bytes, small_covers)).hash)));
  REQUIRE(resized);
  CHECK(resized->width == 320);
  CHECK(resized->height == 180);
}
