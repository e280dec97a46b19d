// What the nodes say of the partition map (GET /reel/v1/cluster), parsed, and the questions
// the failover tests ask of it: who is primary where, is every partition served, who is the
// controller, is a node a replica of everything.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/cluster/cluster_harness.hpp"

namespace reel::cluster_test {

// 64 data partitions and the shared one.
constexpr std::size_t partitions = 65;

struct member_view {
  int node = -1;            // the node number (etcd's, not the harness index)
  std::string incarnation;  // the etcd lease of one life of the process
  bool operator==(const member_view&) const = default;
};

struct partition_view {
  int partition = -1;
  std::uint64_t epoch = 0;
  std::string role;  // primary, backup, learner or none
  bool serving = false;
  bool readable = false;
  member_view primary;
  std::vector<member_view> replicas, learners;
};

struct node_view {
  bool answered = false;  // false: no answer, or not the JSON expected (then `raw` says why)
  int node = -1;
  std::string incarnation;
  bool controller = false;
  bool readable = false;
  std::map<int, partition_view> partitions;  // by partition number
  std::string raw;                           // the body, or why it is missing (for failure messages)
};

node_view parse_view(const std::string& body);
// GET /reel/v1/cluster of harness node i.
node_view view_of(const cluster& c, std::size_t i);
// The views of the harness nodes `which`.
std::vector<node_view> views_of(const cluster& c, const std::vector<std::size_t>& which);

// Partitions without a serving primary among `views`: none of them says "primary" and
// "serving" at the highest epoch any of them knows for that partition.
std::vector<int> unserved(const std::vector<node_view>& views);
// Partition -> the node number of its serving primary at the highest epoch, from `views`.
std::map<int, int> serving_primaries(const std::vector<node_view>& views);
// The partitions `view` says its node is primary of.
std::vector<int> led_by(const node_view& view);
// "" when `view`'s node is a replica (primary or backup) of all 65 partitions, and every
// view in `others` lists its incarnation among their replicas; otherwise what is missing.
std::string replica_problem(const node_view& view, const std::vector<node_view>& others);
// One line for failure messages: the node, its roles by count, its unreadable partitions.
std::string summary(const node_view& view);

using steady_time = std::chrono::steady_clock::time_point;

// What the nodes' views said while a test watched them: a line per node each time its
// summary changed, with the time since `origin` (evidence for failure messages).
class view_timeline {
 public:
  explicit view_timeline(steady_time origin);
  void record(const std::vector<node_view>& views);
  const std::string& text() const { return text_; }

 private:
  steady_time origin_;
  std::map<int, std::string> last_;  // by node number
  std::string text_;
};

// Polls `done` every `every` until it returns true or `limit` passes; returns its last answer.
bool await(const std::function<bool()>& done, std::chrono::milliseconds limit,
           std::chrono::milliseconds every = std::chrono::milliseconds(100));

}  // namespace reel::cluster_test
