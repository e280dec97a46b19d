// reeld child process management and small helpers of the API tests.
#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <doctest/doctest.h>

#ifndef REELD_PATH
#error "REELD_PATH (absolute path of the reeld binary) must be defined"
#endif

namespace reel::test {
namespace {

using namespace std::chrono_literals;

constexpr auto poll_interval = 20ms;
constexpr auto ready_timeout = 30s;
constexpr auto stop_timeout = 10s;

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// A port the kernel considers free right now: bind port 0, read it back, release it.
int pick_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(errno_text("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string error = errno_text("bind/getsockname");
    ::close(fd);
    throw std::runtime_error(error);
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "wait status " + std::to_string(status);
}

bool keep_test_dirs() { return std::getenv("REEL_KEEP_TEST_DIRS") != nullptr; }

void wait_blocking(pid_t pid, int& status) {
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

reeld_process::reeld_process(std::vector<std::string> extra_args, std::string data_dir) {
  char dir_template[] = "/tmp/reel-api-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) throw std::runtime_error(errno_text("mkdtemp"));
  root_dir_ = dir_template;
  data_dir_ = data_dir.empty() ? root_dir_ + "/data" : std::move(data_dir);
  log_path_ = root_dir_ + "/reeld.log";
  std::filesystem::create_directories(data_dir_);
  try {
    port_ = pick_free_port();
    spawn(extra_args);
    wait_until_ready();
  } catch (...) {
    if (running()) kill9();
    std::error_code ignored;
    if (!keep_test_dirs()) std::filesystem::remove_all(root_dir_, ignored);
    throw;
  }
}

reeld_process::~reeld_process() {
  try {
    stop();
  } catch (...) {
  }
  std::error_code ignored;
  if (!keep_test_dirs()) std::filesystem::remove_all(root_dir_, ignored);
}

std::string reeld_process::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void reeld_process::spawn(const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {REELD_PATH,   "--listen", "127.0.0.1:" + std::to_string(port_),
                                   "--data-dir", data_dir_,  "--public-url",
                                   base_url()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error(errno_text("open reeld log"));
  std::string banner = "==== reeld start #" + std::to_string(++starts_) + ":";
  for (const auto& arg : args) banner += ' ' + arg;
  banner += '\n';
  if (::write(log_fd, banner.data(), banner.size()) < 0) {
    // The banner is only a help for reading the log.
  }
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    throw std::runtime_error(errno_text("fork"));
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until execv. Die with the test process so a
    // crashed test run leaves no server behind.
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
    ::execv(argv[0], argv.data());
    static const char failed[] = "reel api tests: execv of reeld failed\n";
    [[maybe_unused]] auto written = ::write(STDERR_FILENO, failed, sizeof failed - 1);
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  pid_ = pid;
}

bool reeld_process::try_reap() {
  if (pid_ <= 0) return true;
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done != pid_) return false;
  last_status_ = status;
  pid_ = -1;
  return true;
}

void reeld_process::wait_until_ready() {
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout;
  http_client probe(base_url(), 1000);
  bool ping_ok = false;
  std::string last_probe = "(none)";
  for (;;) {
    if (try_reap()) {
      throw std::runtime_error("reeld exited (" + describe_wait_status(last_status_) +
                               ") before it was ready\n--- reeld log tail ---\n" + log_tail());
    }
    const char* path = ping_ok ? "/readyz" : "/ping";
    response r = probe.get(path);
    if (r.transport_ok() && r.http_status == 200) {
      if (ping_ok) return;
      ping_ok = true;
      continue;
    }
    last_probe = r.describe();
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("reeld did not answer GET /ping and GET /readyz with HTTP 200 within 30 s on " +
                               base_url() + "; last probe: " + last_probe + "\n--- reeld log tail ---\n" + log_tail());
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

int reeld_process::stop() {
  if (pid_ <= 0) return last_status_;
  last_stop_needed_kill_ = false;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + stop_timeout;
  while (!try_reap()) {
    if (std::chrono::steady_clock::now() > deadline) {
      last_stop_needed_kill_ = true;
      kill9();
      break;
    }
    std::this_thread::sleep_for(poll_interval);
  }
  return last_status_;
}

void reeld_process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  wait_blocking(pid_, status);
  last_status_ = status;
  pid_ = -1;
}

void reeld_process::restart(std::vector<std::string> extra_args) {
  if (running()) stop();
  spawn(extra_args);
  wait_until_ready();
}

std::string reeld_process::log_tail(std::size_t lines) const {
  std::ifstream in(log_path_, std::ios::binary);
  if (!in) return "(no log at " + log_path_ + ")\n";
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

std::string unique_name(const std::string& prefix) {
  static std::atomic<unsigned> counter{0};
  const std::string stem = prefix.substr(0, 12);
  return stem + std::to_string(::getpid() % 100000) + "_" + std::to_string(++counter);
}

account register_user(http_client& client, const std::string& name, const std::string& password,
                      std::source_location where) {
  response r = client.post_form("/douyin/user/register/", {{"username", name}, {"password", password}});
  INFO("register ", name, " (called from ", where.file_name(), ":", where.line(), "): ", r.describe());
  REQUIRE(r.status_code() == std::optional<std::int64_t>(0));
  const auto id = r.int_member("user_id");
  REQUIRE(id.has_value());
  REQUIRE(*id > 0);
  const std::string token = r.string_member("token");
  REQUIRE(!token.empty());
  return account{static_cast<std::uint64_t>(*id), token, name, password};
}

account register_fresh(http_client& client, const std::string& prefix, std::source_location where) {
  return register_user(client, unique_name(prefix), "secret-pw-1", where);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void next_millisecond() {
  const std::int64_t start = now_ms();
  for (int i = 0; i < 1000 && now_ms() <= start; ++i) std::this_thread::sleep_for(100us);
}

}  // namespace reel::test
