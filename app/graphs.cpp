#include "app/graphs.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

namespace reel::app {

graph read_edge_list(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::vector<std::pair<std::uint64_t, std::uint64_t>> edges;
  std::uint64_t lowest = UINT64_MAX, highest = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '%' || line[0] == '#') continue;
    std::istringstream fields(line);
    std::uint64_t a = 0, b = 0;
    if (!(fields >> a >> b)) throw std::runtime_error("bad edge line in " + file.string() + ": " + line);
    edges.emplace_back(a, b);
    lowest = std::min({lowest, a, b});
    highest = std::max({highest, a, b});
  }
  graph g;
  if (edges.empty()) return g;
  // Files number nodes from 0 or from 1: users are the ids shifted to start at 0.
  g.users = highest - lowest + 1;
  for (auto [a, b] : edges) {
    auto x = static_cast<std::uint32_t>(a - lowest), y = static_cast<std::uint32_t>(b - lowest);
    g.follows.emplace_back(x, y);
    g.follows.emplace_back(y, x);
  }
  return g;
}

graph power_law(const power_law_options& o) {
  graph g;
  g.users = o.users;
  if (o.users < 2) return g;
  std::mt19937_64 rng(o.seed);
  // Cumulative Zipf weights over ranks; rank r is user r.
  std::vector<double> cumulative(o.users);
  double sum = 0;
  for (std::size_t r = 0; r < o.users; ++r) cumulative[r] = sum += 1.0 / std::pow(double(r + 1), o.zipf_exponent);
  std::uniform_real_distribution<double> unit(0, sum);
  std::poisson_distribution<std::size_t> degree(o.mean_followees);
  for (std::uint32_t u = 0; u < o.users; ++u) {
    auto k = std::min(degree(rng), o.users - 1);
    for (std::size_t i = 0; i < k; ++i) {
      auto r = static_cast<std::uint32_t>(std::lower_bound(cumulative.begin(), cumulative.end(), unit(rng)) -
                                          cumulative.begin());
      if (r != u && r < o.users) g.follows.emplace_back(u, r);
    }
  }
  std::uniform_int_distribution<std::uint32_t> anyone(0, static_cast<std::uint32_t>(o.users - 1));
  auto extra = std::min(o.celebrity_followers, o.users - 1);
  for (std::uint32_t c = 0; c < std::min(o.celebrities, o.users); ++c) {
    // Followers drawn by a stride walk from a random start: distinct without a set.
    auto start = anyone(rng);
    for (std::size_t i = 0, added = 0; added < extra && i < o.users; ++i) {
      auto f = static_cast<std::uint32_t>((start + i) % o.users);
      if (f == c) continue;
      g.follows.emplace_back(f, c);
      ++added;
    }
  }
  return g;
}

}  // namespace reel::app
