#include "bench/baselines/redis_timelines.hpp"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>

#include "app/graphs.hpp"
#include "bench/baselines/resp.hpp"

namespace reel::bench {

follow_graph read_edge_list(const std::string& file) {
  auto edges = app::read_edge_list(file);  // the reader `reeld import --edges` uses
  follow_graph g;
  g.users = edges.users;
  g.followers.resize(g.users);
  for (auto [follower, followee] : edges.follows)
    if (follower != followee) g.followers[followee].push_back(follower);
  return g;
}

std::vector<mix_entry> parse_mix(const std::string& text) {
  std::vector<mix_entry> out;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    auto colon = item.find(':');
    std::string name = item.substr(0, colon);
    double weight = colon == std::string::npos ? 1 : std::stod(item.substr(colon + 1));
    timeline_op op;
    if (name == "home")
      op = timeline_op::home;
    else if (name == "user")
      op = timeline_op::user;
    else if (name == "publish")
      op = timeline_op::publish;
    else
      throw std::runtime_error("unknown mix entry '" + name + "' (home, user, publish)");
    out.push_back({op, name, weight});
  }
  if (out.empty()) throw std::runtime_error("empty mix");
  return out;
}

timeline_commands::timeline_commands(const follow_graph& graph, std::vector<mix_entry> mix, unsigned inbox_cap)
    : graph_(graph), mix_(std::move(mix)), inbox_cap_(inbox_cap) {
  double sum = 0;
  for (const auto& e : mix_) cumulative_.push_back(sum += e.weight);
}

std::size_t timeline_commands::pick() {
  if (cumulative_.empty()) return 0;
  double x = std::uniform_real_distribution<double>(0, cumulative_.back())(rng_);
  auto i = std::size_t(std::upper_bound(cumulative_.begin(), cumulative_.end(), x) - cumulative_.begin());
  return std::min(i, mix_.size() - 1);
}

std::size_t timeline_commands::render(std::size_t entry, std::string& out) {
  auto user = std::uniform_int_distribution<std::uint32_t>(0, std::uint32_t(graph_.users - 1))(rng_);
  auto id = std::to_string(user);
  switch (mix_[entry].op) {
    case timeline_op::home:
      resp::command(out, {"ZREVRANGE", "inbox:" + id, "0", "29", "WITHSCORES"});
      return 1;
    case timeline_op::user:
      resp::command(out, {"ZREVRANGE", "works:" + id, "0", "29", "WITHSCORES"});
      return 1;
    case timeline_op::publish:
      return publish(out, user, &graph_.followers[user]);
  }
  return 0;
}

std::size_t timeline_commands::publish(std::string& out, std::uint32_t author,
                                       const std::vector<std::uint32_t>* followers, std::uint64_t synthetic) {
  auto video = std::to_string(next_video_++);
  auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  auto time = std::to_string(now_ms.count());
  auto who = std::to_string(author);
  auto trim = std::to_string(-static_cast<long long>(inbox_cap_) - 1);  // keep the newest inbox_cap
  resp::command(out,
                {"HSET", "video:" + video, "author", who, "title", "bench", "play",
                 "http://127.0.0.1/reel/v1/media/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"});
  resp::command(out, {"ZADD", "works:" + who, time, video});
  resp::command(out, {"ZADD", "global", time, video});
  std::uint64_t n = followers ? followers->size() : synthetic;
  for (std::uint64_t i = 0; i < n; ++i) {
    auto inbox = "inbox:" + std::to_string(followers ? (*followers)[i] : i + 1'000'000);
    resp::command(out, {"ZADD", inbox, time, video});
    resp::command(out, {"ZREMRANGEBYRANK", inbox, "0", trim});
  }
  fanout_entries_ += n;
  return 3 + 2 * n;
}

}  // namespace reel::bench
