// The ceiling of the new-video pipeline: Reel's own media library (hash, FFmpeg validation,
// cover extraction, durable store) called directly on each file, one at a time, without
// HTTP or actors. reeld's publish of a never-seen video does this work plus the upload and
// the durable write, so its per-video time is reported next to this one.
// Usage: media_ingest_baseline --root DIR [--json OUT] FILE...
#include <CLI/CLI.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "bench/baselines/latency_summary.hpp"
#include "media/library.hpp"

int main(int argc, char** argv) {
  std::string root, json;
  std::vector<std::string> files;
  CLI::App cli{"media_ingest_baseline: validation + cover + store per video with Reel's media library"};
  cli.add_option("--root", root, "media directory to store into (use a fresh one)")->required();
  cli.add_option("--json", json, "also write the JSON result to this file");
  cli.add_option("files", files, "video files, each different bytes")->required();
  CLI11_PARSE(cli, argc, argv);

  reel::media::library library(root);
  std::vector<double> ms;
  std::uint64_t bytes = 0, failures = 0;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string data{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    bytes += data.size();
    auto start = std::chrono::steady_clock::now();
    auto stored = library.ingest(data, reel::media::limits{});
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    if (auto* e = std::get_if<reel::media::media_error>(&stored)) {
      std::cerr << "media_ingest_baseline: " << file << " rejected: " << e->message << "\n";
      ++failures;
    }
  }
  double total = std::accumulate(ms.begin(), ms.end(), 0.0);
  std::ostringstream j;
  j << "{\"config\":{\"tool\":\"media_ingest_baseline\",\"files\":" << files.size() << ",\"bytes\":" << bytes
    << "},\"videos\":" << files.size() << ",\"failures\":" << failures
    << ",\"videos_per_s\":" << (total > 0 ? 1000.0 * double(files.size()) / total : 0)
    << ",\"per_video_ms\":" << reel::bench::latency_json(ms) << "}";
  std::cout << j.str() << std::endl;
  if (!json.empty()) std::ofstream(json) << j.str() << "\n";
  return failures == 0 ? 0 : 1;
}
