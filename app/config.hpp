// reeld's configuration: one optional TOML/INI file plus flags (`reeld --help`).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "actors/node.hpp"
#include "http/edge.hpp"
#include "http/server.hpp"

namespace reel::app {

struct config {
  std::filesystem::path data_dir = "./data";
  actors::settings actors;
  http::server_options server;
  http::edge_settings edge;
  double rate_limit_per_second = 20;
  double rate_limit_burst = 200;
  unsigned hash_threads = 1;
  std::size_t hash_queue = 128;
  unsigned upload_threads = 1;
  std::size_t upload_queue = 256;
  unsigned media_threads = 1;
  std::size_t media_queue = 16;
  int batch_niceness = 10;  // nice value of the Argon2 and FFmpeg workers
  std::int64_t debug_clock_offset_ms = 0;
  // Cluster mode: set when --etcd is given.
  std::optional<actors::cluster_options> cluster;
};

// Parses flags; on --help or a bad flag prints and returns the exit code to use.
std::optional<int> parse(int argc, char** argv, config& out);

}  // namespace reel::app
