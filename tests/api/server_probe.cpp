#include "server_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

namespace reel::test {

std::size_t open_descriptors(pid_t pid) {
  const auto dir = "/proc/" + std::to_string(pid) + "/fd";
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

std::uint64_t memory_kib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  return 0;
}

std::uint64_t cpu_ticks(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));  // from field 3, after "pid (comm) "
  std::string skipped;
  for (int field = 3; field < 14; ++field) fields >> skipped;
  std::uint64_t utime = 0, stime = 0;  // fields 14 and 15
  fields >> utime >> stime;
  return utime + stime;
}

std::size_t settle_descriptors(pid_t pid, std::size_t limit, std::chrono::seconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  auto count = open_descriptors(pid);
  while (count > limit && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    count = open_descriptors(pid);
  }
  return count;
}

raw_connection::raw_connection(int port, int receive_buffer) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
  REQUIRE(fd_ >= 0);
  if (receive_buffer > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
}

raw_connection::~raw_connection() { ::close(fd_); }

bool raw_connection::send_bytes(std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

void raw_connection::send(const std::string& method, const std::string& path) {
  REQUIRE(send_bytes(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
}

void raw_connection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

std::string raw_connection::read_through(std::string_view end) {
  std::string text;
  pollfd p{fd_, POLLIN, 0};
  char c = 0;
  while (!text.ends_with(end) && ::poll(&p, 1, 5000) == 1 && ::recv(fd_, &c, 1, 0) == 1) text += c;
  return text;
}

std::string raw_connection::read_until_closed(std::chrono::milliseconds quiet) {
  std::string text;
  pollfd p{fd_, POLLIN, 0};
  char buffer[65536];
  while (::poll(&p, 1, static_cast<int>(quiet.count())) == 1) {
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  return text;
}

bool raw_connection::closed_by_server(std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  pollfd p{fd_, POLLIN, 0};
  char buffer[4096];
  while (std::chrono::steady_clock::now() < until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(1, left.count()))) != 1) continue;
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
  }
  return false;
}

}  // namespace reel::test
