#include "etcd_process.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>

namespace reel::unit {
namespace {

constexpr const char* etcd_binary = "/usr/bin/etcd";
constexpr auto ready_limit = std::chrono::seconds(20);

std::string url(int port) { return "http://127.0.0.1:" + std::to_string(port); }

// Ports the kernel hands out for port 0. All sockets stay bound until every port is chosen,
// so one call never returns the same port twice.
std::vector<int> free_ports(std::size_t count) {
  std::vector<int> fds, ports;
  for (std::size_t i = 0; i < count; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      if (fd >= 0) ::close(fd);
      for (int open : fds) ::close(open);
      throw std::runtime_error("etcd_process: cannot pick a free port");
    }
    fds.push_back(fd);
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

size_t append_to(char* data, size_t size, size_t count, void* sink) {
  static_cast<std::string*>(sink)->append(data, size * count);
  return size * count;
}

// GET, or POST when post_body is not empty; nullopt unless the member answered 200.
std::optional<std::string> http(int client_port, const std::string& path, const std::string& post_body) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> easy(curl_easy_init(), curl_easy_cleanup);
  if (!easy) return std::nullopt;
  std::string body;
  const std::string address = url(client_port) + path;
  curl_easy_setopt(easy.get(), CURLOPT_URL, address.c_str());
  if (!post_body.empty()) curl_easy_setopt(easy.get(), CURLOPT_POSTFIELDS, post_body.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_PROXY, "");
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, append_to);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(easy.get()) != CURLE_OK) return std::nullopt;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return std::nullopt;
  return body;
}

// /health answers {"health":"true"} only once the member sees a leader.
bool healthy(int client_port) {
  const auto body = http(client_port, "/health", "");
  return body && body->find("\"health\":\"true\"") != std::string::npos;
}

}  // namespace

etcd_process::etcd_process(std::size_t members) {
  if (members == 0) throw std::invalid_argument("etcd_process: at least one member");
  if (::access(etcd_binary, X_OK) != 0) {
    throw std::runtime_error("etcd_process: /usr/bin/etcd missing (apt-get install -y etcd-server etcd-client)");
  }
  const auto ports = free_ports(2 * members);
  std::string initial_cluster;
  for (std::size_t i = 0; i < members; ++i) {
    member m{std::string("m").append(std::to_string(i)), ports[2 * i], ports[2 * i + 1]};
    if (i > 0) initial_cluster += ',';
    initial_cluster.append(m.name).append("=").append(url(m.peer_port));
    members_.push_back(std::move(m));
  }
  try {
    for (auto& m : members_) spawn(m, initial_cluster);
    await_healthy();
  } catch (...) {
    kill_all();  // the destructor does not run for a half-built object
    throw;
  }
}

etcd_process::~etcd_process() { kill_all(); }

std::vector<std::string> etcd_process::endpoints() const {
  std::vector<std::string> out;
  for (const auto& m : members_) out.push_back(url(m.client_port));
  return out;
}

std::string etcd_process::endpoint(std::size_t index) const { return url(members_.at(index).client_port); }

void etcd_process::kill_member(std::size_t index) {
  auto& m = members_.at(index);
  if (m.pid <= 0) return;
  ::kill(m.pid, SIGKILL);
  ::waitpid(m.pid, nullptr, 0);
  m.pid = -1;
}

std::optional<std::size_t> etcd_process::leader() const {
  std::vector<std::string> ids(members_.size());  // member ids as etcd prints them
  std::optional<std::string> agreed;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (!alive(i)) continue;
    const auto status = request(i, "/v3/maintenance/status", "{}");
    rapidjson::Document doc;
    if (!status || doc.Parse(status->c_str()).HasParseError() || !doc.IsObject()) return std::nullopt;
    const auto header = doc.FindMember("header");
    if (header == doc.MemberEnd() || !header->value.IsObject()) return std::nullopt;
    const auto id = header->value.FindMember("member_id");
    const auto leads = doc.FindMember("leader");  // absent (proto3's 0) when there is no leader
    if (id == header->value.MemberEnd() || !id->value.IsString() || leads == doc.MemberEnd() ||
        !leads->value.IsString()) {
      return std::nullopt;
    }
    ids[i] = id->value.GetString();
    const std::string leader = leads->value.GetString();
    if (agreed && *agreed != leader) return std::nullopt;
    agreed = leader;
  }
  for (std::size_t i = 0; agreed && i < ids.size(); ++i) {
    if (ids[i] == *agreed) return i;
  }
  return std::nullopt;
}

std::optional<std::string> etcd_process::request(std::size_t member, const std::string& path,
                                                 const std::string& post_body) const {
  return http(members_.at(member).client_port, path, post_body);
}

std::string etcd_process::unused_endpoint() { return url(free_ports(1).front()); }

void etcd_process::spawn(member& m, const std::string& initial_cluster) {
  const auto home = dir_.path / m.name;
  std::filesystem::create_directories(home);
  const std::string client = url(m.client_port), peer = url(m.peer_port);
  // A token unique to this folder keeps members of other tests' clusters from joining.
  const std::pair<const char*, std::string> flags[] = {
      {"--name", m.name},
      {"--data-dir", (home / "data").string()},
      {"--listen-client-urls", client},
      {"--advertise-client-urls", client},
      {"--listen-peer-urls", peer},
      {"--initial-advertise-peer-urls", peer},
      {"--initial-cluster", initial_cluster},
      {"--initial-cluster-state", "new"},
      {"--initial-cluster-token", dir_.path.filename().string()},
      {"--heartbeat-interval", "50"},  // ms; elections in about a second instead of several
      {"--election-timeout", "500"},
      {"--logger", "zap"},
      {"--log-outputs", "stderr"},
      {"--log-level", "warn"},
  };
  std::vector<std::string> args = {etcd_binary};
  for (const auto& [flag, value] : flags) {
    args.emplace_back(flag);
    args.push_back(value);
  }
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // A clean environment: ETCD_* variables would clash with the flags.
  char path_env[] = "PATH=/usr/bin:/bin";
  char* envp[] = {path_env, nullptr};

  const int log = ::open((home / "etcd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log < 0) throw std::runtime_error("etcd_process: cannot create " + (home / "etcd.log").string());
  const int null_in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_in < 0) {
    ::close(log);
    throw std::runtime_error("etcd_process: cannot open /dev/null");
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    ::dup2(null_in, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::close_range(3, ~0U, 0);  // no inherited sockets keep other tests' ports bound
    // As etcd's tuning guide advises (and scripts/cluster does): ahead of the nodes on the
    // same two cores, so that its elections do not drag on while the load runs. Without
    // root this fails and etcd runs at normal priority.
    ::setpriority(PRIO_PROCESS, 0, -10);
    ::execve(etcd_binary, argv.data(), envp);
    ::_exit(127);
  }
  ::close(log);
  ::close(null_in);
  if (pid < 0) throw std::runtime_error("etcd_process: fork failed");
  m.pid = pid;
}

void etcd_process::await_healthy() {
  const auto deadline = std::chrono::steady_clock::now() + ready_limit;
  for (auto& m : members_) {
    while (!healthy(m.client_port)) {
      if (::waitpid(m.pid, nullptr, WNOHANG) == m.pid) {
        m.pid = -1;
        throw std::runtime_error("etcd_process: " + m.name + " exited early:\n" + log_tail(m));
      }
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("etcd_process: " + m.name + " not healthy within 20 s:\n" + log_tail(m));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

std::string etcd_process::log_tail(const member& m) const {
  std::ifstream in(dir_.path / m.name / "etcd.log");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  constexpr std::size_t keep = 3000;
  return text.size() > keep ? text.substr(text.size() - keep) : text;
}

void etcd_process::kill_all() {
  for (std::size_t i = 0; i < members_.size(); ++i) kill_member(i);
}

}  // namespace reel::unit
