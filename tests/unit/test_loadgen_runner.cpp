// The load loop end to end against a small in-process loopback server. Runs are bounded by
// --max-requests (with a generous duration as a backstop), so what is asserted are counts,
// never timings.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/loadgen/runner.hpp"

using namespace reel::loadgen;

namespace {

// Answers each request on its own thread: keep-alive with Content-Length, chunked followed
// by a close, or never. /fail gets a 500 and /api a 200 with a non-zero status_code.
class fake_server {
 public:
  enum class style { keep_alive, chunked_close, silent };

  explicit fake_server(style s) : style_(s) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(listen_fd_, 128) == 0);
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~fake_server() {
    stopping_ = true;
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& w : workers_) w.join();
    for (int fd : fds_) ::close(fd);
    ::close(listen_fd_);
  }

  std::uint16_t port = 0;
  std::atomic<int> accepted{0};
  std::atomic<int> requests{0};

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++accepted;
      std::lock_guard lock(mutex_);
      fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto end = buffer.find("\r\n\r\n"); end != std::string::npos; end = buffer.find("\r\n\r\n")) {
        const auto length_at = buffer.find("Content-Length: ");
        const std::size_t body = length_at < end ? std::stoul(buffer.substr(length_at + 16)) : 0;
        if (buffer.size() < end + 4 + body) break;
        const std::string line = buffer.substr(0, buffer.find("\r\n"));
        buffer.erase(0, end + 4 + body);
        ++requests;
        if (style_ == style::silent) continue;
        const auto reply = reply_for(line);
        ::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
        if (style_ == style::chunked_close) return (void)::shutdown(fd, SHUT_RDWR);
      }
    }
  }

  std::string reply_for(const std::string& request_line) const {
    const bool fail = request_line.find(" /fail") != std::string::npos;
    const std::string body = request_line.find(" /api") != std::string::npos ? R"({"status_code":1,"status_msg":"no"})"
                                                                             : R"({"status_code":0,"status_msg":"ok"})";
    const std::string status = fail ? "HTTP/1.1 500 Internal Server Error\r\n" : "HTTP/1.1 200 OK\r\n";
    if (style_ == style::chunked_close) {
      char second_size[16];  // chunk sizes are hexadecimal
      std::snprintf(second_size, sizeof second_size, "%zx", body.size() - 4);
      return status + "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n" + body.substr(0, 4) + "\r\n" +
             second_size + "\r\n" + body.substr(4) + "\r\n0\r\n\r\n";
    }
    return status + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  style style_;
  int listen_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<int> fds_;
  std::vector<std::thread> workers_;
};

run_config config_for(std::uint16_t port) {
  std::string error;
  run_config config;
  config.target = *parse_loopback_target("127.0.0.1:" + std::to_string(port), error);
  config.duration_s = 60;  // a backstop only: max_requests ends these runs
  config.connections = 4;
  config.threads = 2;
  return config;
}

mix mix_of(std::string_view text, const run_config& config) {
  std::string error;
  auto m = mix::parse(text, {}, error);
  REQUIRE(m.has_value());
  m->bind_host(config.target.host_header);
  return std::move(*m);
}

const std::atomic<bool> not_interrupted{false};

}  // namespace

TEST_CASE("a closed loop sends exactly max_requests over reused keep-alive connections") {
  fake_server server(fake_server::style::keep_alive);
  auto config = config_for(server.port);
  config.max_requests = 300;
  const auto requests = mix_of(R"({"name":"home","path":"/"})", config);
  const auto result = run_load(config, requests, not_interrupted);
  CHECK(result.stats.total().counts.requests == 300);
  CHECK(result.stats.total().counts.ok == 300);
  CHECK(result.stats.total().latency.count() == 300);
  CHECK(server.requests == 300);
  CHECK(server.accepted == 4);
  CHECK(result.stop_reason == "reached --max-requests");
}

TEST_CASE("an open loop sends its schedule, bounded by max_requests, on all threads") {
  fake_server server(fake_server::style::keep_alive);
  auto config = config_for(server.port);
  config.max_requests = 200;
  config.rate = 20'000;
  const auto requests = mix_of(R"({"name":"home","path":"/"})", config);
  const auto result = run_load(config, requests, not_interrupted);
  CHECK(result.stats.total().counts.requests == 200);
  CHECK(result.scheduled == 200);
  CHECK(result.missed == 0);
  CHECK_FALSE(result.unsustainable);
  CHECK(server.requests == 200);
}

TEST_CASE("chunked responses with Connection: close are read whole and the connection is reopened") {
  fake_server server(fake_server::style::chunked_close);
  auto config = config_for(server.port);
  config.max_requests = 40;
  config.status_check = true;
  const auto requests = mix_of(R"({"name":"home","path":"/"})", config);
  const auto result = run_load(config, requests, not_interrupted);
  CHECK(result.stats.total().counts.ok == 40);
  CHECK(result.stats.total().counts.errors_io == 0);
  CHECK(server.accepted >= 40);
}

TEST_CASE("HTTP and API errors are counted per mix entry") {
  fake_server server(fake_server::style::keep_alive);
  auto config = config_for(server.port);
  config.max_requests = 600;
  config.status_check = true;
  const auto requests = mix_of(
      "{\"name\":\"ok\",\"weight\":1,\"path\":\"/\"}\n"
      "{\"name\":\"fail\",\"weight\":1,\"method\":\"POST\",\"path\":\"/fail\",\"body\":\"x=1\"}\n"
      "{\"name\":\"api\",\"weight\":1,\"path\":\"/api\"}\n",
      config);
  const auto result = run_load(config, requests, not_interrupted);
  const auto& by = result.stats.by_entry();
  CHECK(result.stats.total().counts.requests == 600);
  CHECK(by[0].counts.ok == by[0].counts.requests);
  CHECK(by[1].counts.errors_http == by[1].counts.requests);
  CHECK(by[2].counts.errors_api == by[2].counts.requests);
  CHECK(by[1].counts.requests > 0);
  CHECK(by[2].counts.requests > 0);
}

TEST_CASE("a server that never answers produces timeouts, and the run still ends") {
  fake_server server(fake_server::style::silent);
  auto config = config_for(server.port);
  config.duration_s = 0.3;
  config.timeout_ms = 50;
  const auto requests = mix_of(R"({"name":"home","path":"/"})", config);
  const auto result = run_load(config, requests, not_interrupted);
  CHECK(result.stats.total().counts.responses == 0);
  CHECK(result.stats.total().counts.timeouts >= 4);
  CHECK(result.stats.total().counts.timeouts == result.stats.total().counts.requests);
}

TEST_CASE("a port where nothing listens counts connect errors and sends nothing") {
  std::uint16_t port = 0;
  {
    fake_server closed(fake_server::style::keep_alive);
    port = closed.port;
  }  // the port is free again
  auto config = config_for(port);
  config.duration_s = 0.2;
  config.timeout_ms = 100;
  const auto requests = mix_of(R"({"name":"home","path":"/"})", config);
  const auto result = run_load(config, requests, not_interrupted);
  CHECK(result.stats.connect_errors() >= 4);
  CHECK(result.stats.total().counts.requests == 0);
}

TEST_CASE("with several targets, the connections go to each in turn") {
  fake_server first(fake_server::style::keep_alive), second(fake_server::style::keep_alive),
      third(fake_server::style::keep_alive);
  auto config = config_for(first.port);
  std::string error;
  config.more_targets.push_back(*parse_loopback_target("127.0.0.1:" + std::to_string(second.port), error));
  config.more_targets.push_back(*parse_loopback_target("127.0.0.1:" + std::to_string(third.port), error));
  config.connections = 6;
  config.max_requests = 600;
  const auto requests = mix_of(R"({"name":"home","path":"/"})", config);
  const auto result = run_load(config, requests, not_interrupted);
  CHECK(result.stats.total().counts.ok == 600);
  CHECK(first.accepted == 2);
  CHECK(second.accepted == 2);
  CHECK(third.accepted == 2);
  CHECK(first.requests + second.requests + third.requests == 600);
}
