// Social graphs for bulk loading: the socfb-Reed98 edge list and a synthetic power-law graph.
#pragma once

#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

namespace reel::app {

struct graph {
  std::size_t users = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> follows;  // (follower, followee), 0-based
};

// An undirected edge list ("a b" per line, ids from 0 or 1, '%' or '#' comments); every edge
// becomes a mutual follow. Throws std::runtime_error on unreadable input.
graph read_edge_list(const std::filesystem::path& file);

struct power_law_options {
  std::size_t users = 10'000;
  double mean_followees = 20;           // follows per user on average (= mean followers)
  double zipf_exponent = 1.0;           // popularity of followees by rank
  std::size_t celebrities = 2;          // the most popular ranks...
  std::size_t celebrity_followers = 0;  // ...each followed by this many extra users (capped at users - 1)
  std::uint64_t seed = 42;
};

// Each user follows ~mean_followees others drawn by a Zipf law over popularity ranks, so
// follower counts have a heavy tail; celebrities get celebrity_followers more on top.
graph power_law(const power_law_options& o);

}  // namespace reel::app
