#include "http/reactor.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace reel::http {

namespace {

constexpr auto sweep_every = std::chrono::milliseconds(100);
constexpr int max_events = 256;

int make_eventfd() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  return fd;
}

int make_epoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
  return fd;
}

void watch(int epoll_fd, int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
    throw std::runtime_error(std::string("epoll_ctl: ") + std::strerror(errno));
}

void drain_eventfd(int fd) {
  std::uint64_t n;
  while (::read(fd, &n, sizeof n) > 0) {
  }
}

std::string peer_host(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, host, sizeof host);
  else if (addr.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, host, sizeof host);
  return host;
}

int bind_listener(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("listen address without a port: " + address);
  std::string host = address.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const auto port = address.substr(colon + 1);
  if (int rc = ::getaddrinfo(host.empty() || host == "*" ? nullptr : host.c_str(), port.c_str(), &hints, &found))
    throw std::runtime_error("cannot resolve " + address + ": " + ::gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> guard(found, ::freeaddrinfo);
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    const int e = errno;
    ::close(fd);
    throw std::runtime_error("cannot listen on " + address + ": " + std::strerror(e));
  }
  return fd;
}

}  // namespace

// --- mailbox -------------------------------------------------------------------------------

mailbox::mailbox() : wake_fd_(make_eventfd()) {}
mailbox::~mailbox() {
  close();
  ::close(wake_fd_);
}

void mailbox::post_answer(std::uint64_t serial, outgoing&& o) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;  // `o` is dropped: its file closes, its request counts as done
    pending_.answers.emplace_back(serial, std::move(o));
  }
  if (std::this_thread::get_id() != owner_.load(std::memory_order_relaxed)) wake();
}

void mailbox::post_connection(int fd, std::string client) {
  {
    std::lock_guard lock(mutex_);
    if (!closed_) {
      pending_.connections.emplace_back(fd, std::move(client));
      fd = -1;
    }
  }
  if (fd >= 0) ::close(fd);
  wake();
}

void mailbox::close() {
  batch dropped;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    std::swap(dropped, pending_);
  }
  for (auto& [fd, client] : dropped.connections) ::close(fd);
}

mailbox::batch mailbox::take() {
  batch out;
  std::lock_guard lock(mutex_);
  std::swap(out, pending_);
  return out;
}

void mailbox::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void mailbox::clear_wake() { drain_eventfd(wake_fd_); }

// --- worker --------------------------------------------------------------------------------

worker::worker(std::uint8_t index, const connection_limits& limits, request_sink& sink, connection_counters& counters,
               std::function<void()> on_close)
    : index_(index),
      limits_(limits),
      sink_(sink),
      counters_(counters),
      on_close_(std::move(on_close)),
      inbox_(std::make_shared<mailbox>()),
      epoll_fd_(make_epoll()) {
  watch(epoll_fd_, inbox_->wake_fd(), EPOLLIN, 0);
}

worker::~worker() {
  stop();
  ::close(epoll_fd_);
}

void worker::start() {
  thread_ = std::thread([this] {
    inbox_->owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
    run();
  });
}

void worker::stop() {
  if (stop_.exchange(true)) return;
  inbox_->wake();
  if (thread_.joinable()) thread_.join();
  inbox_->close();
  counters_.open -= static_cast<std::int64_t>(connections_.size());
  connections_.clear();
}

void worker::run() {
  epoll_event events[max_events];
  auto next_sweep = steady::now() + sweep_every;
  while (!stop_.load()) {
    const int n = ::epoll_wait(epoll_fd_, events, max_events, static_cast<int>(sweep_every.count()));
    for (int i = 0; i < n; ++i) {
      const auto serial = events[i].data.u64;
      if (serial == 0) {
        inbox_->clear_wake();
        continue;
      }
      auto it = connections_.find(serial);
      if (it == connections_.end()) continue;
      auto& c = *it->second;
      if (events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) c.on_writable();
      if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) c.on_readable();
      forget_if_finished(serial);
    }
    // Until the mailbox stays empty: an answer written here may let the next pipelined
    // request run, and a handler that answers at once posts to this mailbox without a wake-up.
    for (auto batch = inbox_->take(); !batch.answers.empty() || !batch.connections.empty(); batch = inbox_->take()) {
      for (auto& [fd, client] : batch.connections) adopt(fd, std::move(client));
      for (auto& [serial, answer] : batch.answers) {
        auto it = connections_.find(serial);
        if (it == connections_.end()) continue;  // the client went away: the answer is dropped
        it->second->on_answer(std::move(answer));
        forget_if_finished(serial);
      }
    }
    const auto now = steady::now();
    if (now >= next_sweep) {
      sweep(now);
      next_sweep = now + sweep_every;
    }
  }
}

void worker::adopt(int fd, std::string client) {
  const auto serial = (next_serial_++ << 8) | index_;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = serial;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);  // out of kernel memory for epoll: the client sees the connection close
    return;
  }
  connections_.emplace(serial, std::make_unique<connection>(fd, serial, std::move(client), limits_, sink_, counters_));
  counters_.open += 1;
  connections_[serial]->on_readable();  // bytes may have arrived before the registration
  forget_if_finished(serial);
}

void worker::sweep(steady::time_point now) {
  std::vector<std::uint64_t> done;
  for (auto& [serial, c] : connections_) {
    c->check_deadline(now);
    if (c->finished()) done.push_back(serial);
  }
  for (auto serial : done) forget_if_finished(serial);
}

void worker::forget_if_finished(std::uint64_t serial) {
  auto it = connections_.find(serial);
  if (it == connections_.end() || !it->second->finished()) return;
  connections_.erase(it);
  counters_.open -= 1;
  if (on_close_) on_close_();
}

// --- listener ------------------------------------------------------------------------------

listener::listener(const std::string& address, std::vector<std::shared_ptr<mailbox>> workers,
                   connection_counters& counters)
    : listen_fd_(bind_listener(address)),
      epoll_fd_(make_epoll()),
      wake_fd_(make_eventfd()),
      reserve_fd_(::open("/dev/null", O_RDONLY | O_CLOEXEC)),
      workers_(std::move(workers)),
      counters_(counters) {
  watch(epoll_fd_, listen_fd_, EPOLLIN, 1);
  watch(epoll_fd_, wake_fd_, EPOLLIN, 0);
}

listener::~listener() {
  stop();
  ::close(listen_fd_);
  ::close(epoll_fd_);
  ::close(wake_fd_);
  if (reserve_fd_ >= 0) ::close(reserve_fd_);
}

void listener::start() {
  thread_ = std::thread([this] { run(); });
}

void listener::stop() {
  if (stop_.exchange(true)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

void listener::wake() {
  if (!paused_.load(std::memory_order_relaxed)) return;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
}

void listener::run() {
  epoll_event events[2];
  while (!stop_.load()) {
    // Paused (not a descriptor to spare): try again on a wake-up or every 100 ms.
    const int n = ::epoll_wait(epoll_fd_, events, 2, paused_ ? 100 : -1);
    for (int i = 0; i < n; ++i)
      if (events[i].data.u64 == 0) drain_eventfd(wake_fd_);
    if (stop_.load()) break;
    if (paused_) {
      reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (reserve_fd_ < 0) continue;
      paused_ = false;
      watch(epoll_fd_, listen_fd_, EPOLLIN, 1);
    }
    accept_all();
  }
}

void listener::accept_all() {
  while (true) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      counters_.accepted += 1;
      workers_[next_++ % workers_.size()]->post_connection(fd, peer_host(addr));
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE) return shed_waiting();
    return;  // EAGAIN: the backlog is empty
  }
}

// No descriptor for a new connection: close the reserve to accept and close each waiting
// connection, so that the listening socket is not ready again until a new one arrives.
void listener::shed_waiting() {
  while (true) {
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      ::close(fd);
      counters_.shed += 1;
    }
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (reserve_fd_ < 0) {
      // Another thread took the descriptor: stop watching the (ready) listening socket
      // until a connection closes, instead of spinning on it.
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
      paused_ = true;
      return;
    }
    if (fd < 0) return;  // the backlog is empty (or accept failed otherwise)
  }
}

}  // namespace reel::http
