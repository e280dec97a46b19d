// Generates the upload test clips with the ffmpeg CLI, once per test process. Each set is
// one ffmpeg run with many outputs: ffmpeg's start-up, not the encoding, is what costs.
#include "clips.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <stdexcept>

#ifndef REEL_FIXTURES_DIR
#error "REEL_FIXTURES_DIR (directory of the shared test fixtures) must be defined"
#endif

namespace reel::test {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// ffmpeg quietly, never reading stdin, overwriting its outputs; `args` holds inputs and outputs.
void ffmpeg(const std::string& args) {
  const std::string command = "ffmpeg -nostdin -hide_banner -loglevel error -y " + args + " >/dev/null 2>&1";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("test clip generation failed: " + command);
}

// SHA-256 (lowercase hex) of each file, by path, from one sha256sum run.
std::map<std::string, std::string> sha256_of(const std::vector<fs::path>& files) {
  std::string command = "sha256sum";
  for (const auto& file : files) command += " " + quoted(file);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::map<std::string, std::string> digests;
  char line[4096];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::string text = line;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (text.size() > 66) digests[text.substr(66)] = text.substr(0, 64);  // "<hex>  <path>"
  }
  ::pclose(pipe);
  for (const auto& file : files) {
    if (digests.count(file.string()) == 0) throw std::runtime_error("no digest of " + file.string());
  }
  return digests;
}

// Reads `files` (named by their file names unless `names` says otherwise) with their digests.
std::vector<clip> load_all(const std::vector<fs::path>& files, const std::map<std::string, std::string>& names = {}) {
  const auto digests = sha256_of(files);
  std::vector<clip> out;
  for (const auto& file : files) {
    auto name = names.find(file.filename().string());
    out.push_back(
        {name == names.end() ? file.filename().string() : name->second, read_file(file), digests.at(file.string())});
  }
  return out;
}

std::string testsrc(const std::string& duration) {
  return "-f lavfi -i testsrc=size=160x120:rate=15:duration=" + duration + " ";
}
std::string sine(const std::string& duration) { return "-f lavfi -i sine=frequency=440:duration=" + duration + " "; }
const std::string h264 = "-c:v libx264 -pix_fmt yuv420p ";

clip_set generate(const fs::path& dir) {
  auto out = [&](const char* name) { return quoted(dir / name) + " "; };
  // Inputs: 0 video 1 s, 1 audio 1 s, 2 video 0.5 s, 3 video 3 s, 4 video 2 s, 5 audio 2 s,
  // 6 incompressible noise 1 s at 320x240.
  ffmpeg(testsrc("1") + sine("1") + testsrc("0.5") + testsrc("3") + testsrc("2") + sine("2") +
         "-f lavfi -i \"nullsrc=s=320x240:r=12:d=1,geq=lum='random(1)*255':cb=128:cr=128\" " +              //
         "-map 0:v -map 1:a " + h264 + "-c:a aac -shortest " + out("h264_aac.mp4") +                        //
         "-map 0:v " + h264 + out("h264_silent.mp4") +                                                      //
         "-map 0:v -map 1:a -c:v mpeg4 -c:a aac -shortest " + out("mpeg4_aac.mp4") +                        //
         "-map 0:v -c:v mpeg4 " + out("mpeg4_silent.mp4") +                                                 //
         "-map 2:v " + h264 + out("short_h264.mp4") +                                                       //
         "-map 3:v " + h264 + out("long_h264.mp4") +                                                        //
         "-map 1:a -c:a aac " + out("audio_only.m4a") +                                                     //
         "-map 4:v -map 5:a " + h264 + "-c:a aac -shortest -movflags +faststart " + out("faststart.mp4") +  //
         "-map 6:v " + h264 + "-qp 0 -preset ultrafast " + out("large_h264.mp4"));

  const std::string whole = read_file(dir / "faststart.mp4");
  write_file(dir / "truncated.mp4", whole.substr(0, whole.size() * 6 / 10));
  write_file(dir / "empty.mp4", "");
  std::mt19937 rng(4242);
  std::string noise(48 * 1024, '\0');
  for (char& byte : noise) byte = static_cast<char>(rng() & 0xFF);
  write_file(dir / "garbage.mp4", noise);

  const fs::path real = fs::path(REEL_FIXTURES_DIR) / "cc_ink_stamp_animation_cc0.mp4";
  auto all = load_all({dir / "h264_aac.mp4", dir / "h264_silent.mp4", dir / "mpeg4_aac.mp4", dir / "mpeg4_silent.mp4",
                       dir / "short_h264.mp4", dir / "long_h264.mp4", dir / "large_h264.mp4", dir / "truncated.mp4",
                       dir / "audio_only.m4a", dir / "empty.mp4", dir / "garbage.mp4", real},
                      {{"truncated.mp4", "truncated.mp4 (60 % of a +faststart mp4)"},
                       {"empty.mp4", "empty.mp4 (0 bytes)"},
                       {"garbage.mp4", "garbage.mp4 (random bytes)"}});
  clip_set set;
  clip* slots[] = {&set.h264_aac,   &set.h264_silent, &set.mpeg4_aac,  &set.mpeg4_silent,
                   &set.short_h264, &set.long_h264,   &set.large_h264, &set.truncated,
                   &set.audio_only, &set.empty,       &set.garbage,    &set.real_world};
  for (std::size_t i = 0; i < all.size(); ++i) *slots[i] = std::move(all[i]);
  if (set.large_h264.bytes.size() <= (1u << 20)) throw std::runtime_error("large_h264.mp4 is not over 1 MiB");
  return set;
}

std::vector<clip> generate_distinct(const fs::path& dir) {
  constexpr unsigned count = 24;
  std::string inputs;
  std::string outputs;
  std::vector<fs::path> files;
  for (unsigned i = 0; i < count; ++i) {
    char colour[16];
    std::snprintf(colour, sizeof colour, "0x%06x", (0x336699 + i * 0x2f1b37) & 0xffffff);
    inputs += "-f lavfi -i color=c=" + std::string(colour) + ":size=160x120:rate=10:duration=1 ";
    files.push_back(dir / ("colour_" + std::to_string(i) + ".mp4"));
    outputs += "-map " + std::to_string(i) + ":v " + h264 + quoted(files.back()) + " ";
  }
  ffmpeg(inputs + outputs);
  std::vector<clip> set = load_all(files);
  for (std::size_t i = 0; i < set.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (set[i].sha256 == set[j].sha256) throw std::runtime_error("colour clips are not distinct");
    }
  }
  return set;
}

// Runs `make` on a fresh temporary directory and removes the directory afterwards.
template <typename F>
auto in_temp_dir(F make) {
  char dir_template[] = "/tmp/reel-clips-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp for the test clips failed");
  const fs::path dir = dir_template;
  try {
    auto made = make(dir);
    fs::remove_all(dir);
    return made;
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
    throw;
  }
}

}  // namespace

const clip_set& clips() {
  static const clip_set set = in_temp_dir(generate);
  return set;
}

const std::vector<clip>& distinct_clips() {
  static const std::vector<clip> set = in_temp_dir(generate_distinct);
  return set;
}

}  // namespace reel::test
