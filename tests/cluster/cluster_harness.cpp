// reeld nodes and etcd members as child processes of a cluster test.
#include "tests/cluster/cluster_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

#include "tests/api/harness.hpp"

#ifndef REELD_PATH
#error "REELD_PATH (absolute path of the reeld binary) must be defined"
#endif

namespace reel::cluster_test {
namespace {

using namespace std::chrono_literals;

constexpr auto poll_interval = 50ms;
constexpr std::uint64_t default_seed = 20240607;
constexpr const char* lease_ttl_seconds = "2";

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

bool keep_test_dirs() { return std::getenv("REEL_KEEP_TEST_DIRS") != nullptr; }

// `count` ports the kernel hands out for port 0; every socket stays bound until all are
// chosen, so no port comes back twice.
std::vector<int> free_ports(std::size_t count) {
  std::vector<int> fds, ports;
  auto close_all = [&] {
    for (int fd : fds) ::close(fd);
  };
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      const std::string error = errno_text("cluster harness: picking a free port");
      if (fd >= 0) ::close(fd);
      close_all();
      throw std::runtime_error(error);
    }
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  close_all();
  return ports;
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

std::string joined(const std::vector<std::string>& parts, char separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

}  // namespace

// ---- reeld_node ----

reeld_node::reeld_node(settings s) : settings_(std::move(s)) { std::filesystem::create_directories(data_dir()); }

reeld_node::~reeld_node() { kill9(); }

std::string reeld_node::base_url() const { return "http://127.0.0.1:" + std::to_string(settings_.http_port); }

void reeld_node::start() {
  if (running()) throw std::logic_error("reeld_node::start: " + name() + " is already running");
  std::vector<std::string> args = {REELD_PATH,
                                   "--listen",
                                   "127.0.0.1:" + std::to_string(settings_.http_port),
                                   "--data-dir",
                                   data_dir().string(),
                                   "--public-url",
                                   base_url(),
                                   "--node-name",
                                   settings_.name,
                                   "--cluster-port",
                                   std::to_string(settings_.cluster_port)};
  args.insert(args.end(), settings_.cluster.begin(), settings_.cluster.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const int log_fd = ::open(log_path().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error(errno_text("open reeld log"));
  const std::string banner =
      "==== " + name() + " start #" + std::to_string(++starts_) + ": " + joined(args, ' ') + "\n";
  [[maybe_unused]] auto written = ::write(log_fd, banner.data(), banner.size());
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    throw std::runtime_error(errno_text("fork"));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until execv. Dies with the test process so that a
    // crashed run leaves no node behind; inherits no socket of the test (curl connections).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_action, nullptr);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::close_range(3, ~0U, 0);
    ::execv(argv[0], argv.data());
    static const char failed[] = "reel cluster tests: execv of reeld failed\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, failed, sizeof failed - 1);
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  pid_ = pid;
}

bool reeld_node::exited() {
  if (pid_ <= 0) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  last_status_ = status;
  pid_ = -1;
  return true;
}

int reeld_node::stop(std::chrono::milliseconds limit) {
  if (pid_ <= 0) return last_status_;
  ::kill(pid_, SIGCONT);  // a stopped process handles SIGTERM only once it runs again
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!exited()) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill9();
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  return last_status_;
}

void reeld_node::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  last_status_ = status;
  pid_ = -1;
}

void reeld_node::sigstop() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void reeld_node::sigcont() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

std::string reeld_node::log_tail(std::size_t lines) const {
  std::ifstream in(log_path(), std::ios::binary);
  if (!in) return "(no log at " + log_path().string() + ")\n";
  std::deque<std::string> tail;
  std::string line;
  while (std::getline(in, line)) {
    tail.push_back(std::move(line));
    if (tail.size() > lines) tail.pop_front();
  }
  std::string out;
  for (const auto& kept : tail) out += kept + '\n';
  return out;
}

// ---- cluster_dir ----

cluster_dir::cluster_dir() {
  char dir_template[] = "/tmp/reel-cluster-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error(errno_text("mkdtemp"));
  path = dir_template;
}

cluster_dir::~cluster_dir() {
  if (keep_test_dirs()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

// ---- cluster ----

cluster::cluster(std::size_t nodes, std::uint64_t seed) {
  if (nodes < 2) throw std::invalid_argument("cluster: at least two nodes");
  if (seed == 0) {
    const char* from_env = std::getenv("REEL_CLUSTER_SEED");
    seed = from_env != nullptr ? std::strtoull(from_env, nullptr, 10) : default_seed;
    if (seed == 0) seed = default_seed;
  }
  seed_ = seed;
  random_.seed(seed_);

  etcd_ = std::make_unique<reel::unit::etcd_process>(3);
  const std::vector<std::string> flags = {
      "--etcd",         joined(etcd_->endpoints(), ','), "--bootstrap-nodes", std::to_string(nodes), "--lease-ttl",
      lease_ttl_seconds};
  const auto ports = free_ports(2 * nodes);
  for (std::size_t i = 0; i < nodes; ++i) {
    const std::string name = "node" + std::to_string(i);
    nodes_.push_back(std::make_unique<reeld_node>(
        reeld_node::settings{name, ports[2 * i], ports[2 * i + 1], dir_.path / name, flags}));
  }
  std::vector<std::size_t> all;
  for (std::size_t i = 0; i < nodes; ++i) {
    nodes_[i]->start();
    all.push_back(i);
  }
  wait_all_ready(all, 60s);
}

cluster::~cluster() {
  // Nodes first (they would only log etcd errors otherwise), then etcd, then the folder.
  for (auto& n : nodes_) n->kill9();
  nodes_.clear();
  etcd_.reset();
}

std::size_t cluster::random_node() { return std::uniform_int_distribution<std::size_t>(0, size() - 1)(random_); }

std::size_t cluster::random_node_except(std::size_t not_this) {
  const std::size_t pick = std::uniform_int_distribution<std::size_t>(0, size() - 2)(random_);
  return pick < not_this ? pick : pick + 1;
}

void cluster::restart(std::size_t i) {
  auto& n = *nodes_.at(i);
  if (n.running()) n.stop();
  n.start();
  wait_ready(i);
}

void cluster::wait_ready(std::size_t i, std::chrono::milliseconds limit) { wait_all_ready({i}, limit); }

void cluster::wait_all_ready(const std::vector<std::size_t>& which, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<std::unique_ptr<reel::test::http_client>> probes;
  std::vector<std::string> last(which.size(), "(not probed)");
  std::vector<bool> ready(which.size(), false);
  for (std::size_t k : which) probes.push_back(std::make_unique<reel::test::http_client>(base_url(k), 1000));
  for (;;) {
    bool all_ready = true;
    for (std::size_t j = 0; j < which.size(); ++j) {
      if (ready[j]) continue;
      auto& n = *nodes_.at(which[j]);
      if (n.exited()) {
        FAIL("reeld ", n.name(), " exited (", describe_wait_status(n.last_wait_status()),
             ") before it was ready\n--- its log tail ---\n", n.log_tail(), "--- every node ---\n", log_tails());
      }
      const reel::test::response r = probes[j]->get("/readyz");
      ready[j] = r.transport_ok() && r.http_status == 200;
      if (!ready[j]) {
        last[j] = r.describe();
        all_ready = false;
      }
    }
    if (all_ready) return;
    if (std::chrono::steady_clock::now() > deadline) {
      std::string report;
      for (std::size_t j = 0; j < which.size(); ++j) {
        if (!ready[j]) report += nodes_.at(which[j])->name() + ": last probe " + last[j] + "\n";
      }
      // Which partitions hold it back, as each node sees them.
      for (std::size_t j = 0; j < which.size(); ++j) {
        if (ready[j]) continue;
        const reel::test::response view = probes[j]->get("/reel/v1/cluster");
        report += nodes_.at(which[j])->name() + " GET /reel/v1/cluster: HTTP " + std::to_string(view.http_status) +
                  " " + view.body.substr(0, 6000) + "\n";
      }
      FAIL("not every reeld answered GET /readyz with 200 within ", limit.count(), " ms\n", report, log_tails());
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

std::string cluster::log_tails(std::size_t lines) const {
  std::string out;
  for (const auto& n : nodes_) {
    out += "--- " + n->name() + " (" + n->base_url() + ", " + n->log_path().string() + ") ---\n";
    out += n->log_tail(lines);
  }
  return out;
}

std::string cluster::cluster_view(std::size_t i) const {
  reel::test::http_client c(base_url(i), 2000);
  const reel::test::response r = c.get("/reel/v1/cluster");
  return r.transport_ok() && r.http_status == 200 ? r.body : std::string();
}

}  // namespace reel::cluster_test
