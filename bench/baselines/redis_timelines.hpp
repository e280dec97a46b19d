// What Reel's timeline operations become in a Redis timeline service: the commands of a
// publish with fan-out, a home-timeline read and a user-timeline read, over a follow graph.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace reel::bench {

struct follow_graph {
  std::size_t users = 0;
  std::vector<std::vector<std::uint32_t>> followers;  // followers[u]: who follows u
};

// An undirected edge list (e.g. socfb-Reed98.edges), each edge a mutual follow and node ids
// shifted to start at 0, as `reeld import --edges` reads it.
follow_graph read_edge_list(const std::string& file);

enum class timeline_op { home, user, publish };

struct mix_entry {
  timeline_op op;
  std::string name;  // "home", "user" or "publish"
  double weight = 1;
};

// "home:60,user:30,publish:10"; throws std::runtime_error on an unknown name.
std::vector<mix_entry> parse_mix(const std::string& text);

class timeline_commands {
 public:
  timeline_commands(const follow_graph& graph, std::vector<mix_entry> mix, unsigned inbox_cap);

  // Draws a mix entry in proportion to its weight.
  std::size_t pick();

  // Appends the commands of one operation of entry `entry` (random user); returns the
  // number of replies they produce.
  std::size_t render(std::size_t entry, std::string& out);

  // A publish by `author` pushed to `followers` (or, when null, to `synthetic` followers
  // numbered from 1,000,000): HSET of the video, ZADD to the author's works and the global
  // set, then ZADD and a trim to inbox_cap for every follower. Returns the replies to expect.
  std::size_t publish(std::string& out, std::uint32_t author, const std::vector<std::uint32_t>* followers,
                      std::uint64_t synthetic = 0);

  const std::vector<mix_entry>& entries() const { return mix_; }
  std::uint64_t fanout_entries() const { return fanout_entries_; }  // inbox ZADDs so far

 private:
  const follow_graph& graph_;
  std::vector<mix_entry> mix_;
  std::vector<double> cumulative_;
  unsigned inbox_cap_;
  std::mt19937_64 rng_{42};
  std::uint64_t next_video_ = 1;
  std::uint64_t fanout_entries_ = 0;
};

}  // namespace reel::bench
