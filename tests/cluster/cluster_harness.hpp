// Harness of the cluster tests: a real 3-member etcd and N real `reeld` nodes on free
// loopback ports, each node with its own data dir and log under one mkdtemp folder.
//
// The nodes are started together (a node is ready only once `--bootstrap-nodes` of them have
// joined), so the API tests' reeld_process, whose constructor waits for readiness and picks
// its own port, does not fit: reeld_node below keeps its ports and data dir for restarts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/etcd_process.hpp"

namespace reel::cluster_test {

// One reeld process of a cluster: fixed HTTP and cluster ports, data dir and node name, so
// that a restart is the same node (same storage, a new incarnation).
class reeld_node {
 public:
  struct settings {
    std::string name;                  // --node-name
    int http_port = 0;                 // --listen 127.0.0.1:PORT
    int cluster_port = 0;              // --cluster-port
    std::filesystem::path home;        // holds data/ and reeld.log
    std::vector<std::string> cluster;  // the cluster flags (--etcd, --bootstrap-nodes, ...)
  };

  explicit reeld_node(settings s);
  ~reeld_node();  // SIGKILL and reap
  reeld_node(const reeld_node&) = delete;
  reeld_node& operator=(const reeld_node&) = delete;

  void start();  // fork + exec; returns at once (readiness is the cluster's business)
  // SIGTERM, then SIGKILL after `limit`. Returns the waitpid status.
  int stop(std::chrono::milliseconds limit = std::chrono::seconds(10));
  void kill9();
  void sigstop();
  void sigcont();
  // Reaps the process when it has exited; true when it is not running (any more).
  bool exited();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  int last_wait_status() const { return last_status_; }
  const std::string& name() const { return settings_.name; }
  int http_port() const { return settings_.http_port; }
  std::string base_url() const;
  std::filesystem::path data_dir() const { return settings_.home / "data"; }
  std::filesystem::path log_path() const { return settings_.home / "reeld.log"; }
  // The last `lines` lines of the node's stdout/stderr (every start appends to one log).
  std::string log_tail(std::size_t lines = 40) const;

 private:
  settings settings_;
  pid_t pid_ = -1;
  int last_status_ = 0;
  int starts_ = 0;
};

// The folder of one cluster test: removed at the end unless REEL_KEEP_TEST_DIRS is set.
struct cluster_dir {
  std::filesystem::path path;
  cluster_dir();
  ~cluster_dir();
  cluster_dir(const cluster_dir&) = delete;
  cluster_dir& operator=(const cluster_dir&) = delete;
};

// etcd (3 members) plus `nodes` reeld nodes with --lease-ttl 2 and --bootstrap-nodes
// `nodes`. The constructor returns once every node answers GET /readyz with 200 (FAIL with
// each node's log tail after 60 s); the destructor kills every process and removes the
// folder (kept when REEL_KEEP_TEST_DIRS is set).
class cluster {
 public:
  // `seed` drives random_node(); 0 takes REEL_CLUSTER_SEED from the environment, or a fixed
  // default, so a failing run can be repeated request for request.
  explicit cluster(std::size_t nodes = 3, std::uint64_t seed = 0);
  ~cluster();
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  std::size_t size() const { return nodes_.size(); }
  std::string base_url(std::size_t i) const { return nodes_.at(i)->base_url(); }
  reeld_node& node(std::size_t i) { return *nodes_.at(i); }

  std::uint64_t seed() const { return seed_; }
  // A node index drawn from the seeded generator.
  std::size_t random_node();
  // A node index other than `not_this` (the cluster has at least two nodes).
  std::size_t random_node_except(std::size_t not_this);

  void kill9(std::size_t i) { nodes_.at(i)->kill9(); }
  void sigstop(std::size_t i) { nodes_.at(i)->sigstop(); }
  void sigcont(std::size_t i) { nodes_.at(i)->sigcont(); }
  int stop(std::size_t i) { return nodes_.at(i)->stop(); }
  // Stops node i if it runs (SIGTERM), starts it again with the same ports, data and name,
  // and waits until it is ready.
  void restart(std::size_t i);
  // Polls GET /readyz of node i until 200; FAILs with its log tail after `limit` or when it
  // exits.
  void wait_ready(std::size_t i, std::chrono::milliseconds limit = std::chrono::seconds(60));
  std::string log_tail(std::size_t i, std::size_t lines = 40) const { return nodes_.at(i)->log_tail(lines); }
  // Every node's log tail, for failure messages.
  std::string log_tails(std::size_t lines = 25) const;
  // GET /reel/v1/cluster of node i: its JSON view of the partitions ("" when unreachable).
  std::string cluster_view(std::size_t i) const;

  reel::unit::etcd_process& etcd() { return *etcd_; }
  const std::filesystem::path& folder() const { return dir_.path; }

 private:
  // Polls every node in `which` until each answers /readyz 200 or the deadline passes.
  void wait_all_ready(const std::vector<std::size_t>& which, std::chrono::milliseconds limit);

  cluster_dir dir_;                                 // declared first: removed after every process died
  std::unique_ptr<reel::unit::etcd_process> etcd_;  // outlives the nodes (destroyed after them)
  std::vector<std::unique_ptr<reeld_node>> nodes_;
  std::uint64_t seed_ = 0;
  std::mt19937_64 random_;
};

}  // namespace reel::cluster_test
