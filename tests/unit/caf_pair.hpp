// Several CAF actor systems in one process, each configured as a Reel node is
// (transport::configure plus the sharing scheduler of actors/node.cpp), talking to each other
// over loopback through real middlemen. CAF 0.17 allows this as long as every system has its
// own actor_system_config. Used by test_transport.cpp.
#pragma once

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cluster/transport/registry.hpp"
#include "cluster/transport/transport.hpp"

namespace reel::unit {

// For an event that depends on the transport's timers (connect every 200 ms, 3 s timeouts)
// or on a middleman noticing a closed connection; only a failure waits this long.
constexpr auto event_within = std::chrono::seconds(15);

// One node's actor system. `extra` runs after the product's configuration, before the system
// starts (to register a test-only type on one side, say).
class caf_node {
 public:
  using extra_config = std::function<void(caf::actor_system_config&)>;

  explicit caf_node(const extra_config& extra = {}) {
    cluster::transport::configure(cfg_);
    cfg_.set("scheduler.policy", caf::atom("sharing"));
    if (extra) extra(cfg_);
    system_ = std::make_unique<caf::actor_system>(cfg_);
  }
  // The actor system waits for every actor before it goes, so one left running (after a
  // failed REQUIRE, say) would hang the test: the actors spawned here are stopped first.
  ~caf_node() { stop_actors(); }
  caf_node(const caf_node&) = delete;
  caf_node& operator=(const caf_node&) = delete;

  caf::actor_system& system() { return *system_; }

  template <class... Ts>
  caf::actor spawn(Ts&&... xs) {
    auto a = system_->spawn(std::forward<Ts>(xs)...);
    owned_.push_back(a);
    return a;
  }
  void stop_actors() {
    for (auto& a : owned_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    owned_.clear();
  }

  // Publishes `whom` on a free loopback port (port 0, then the bound one is read back).
  std::uint16_t publish(const caf::actor& whom) {
    auto port = system_->middleman().publish(whom, 0, "127.0.0.1", true);
    if (!port) FAIL(system_->render(port.error()));
    return *port;
  }

  // A proxy of the actor another system published on `port`.
  caf::actor remote(std::uint16_t port) {
    auto found = system_->middleman().remote_actor("127.0.0.1", port);
    if (!found) FAIL(system_->render(found.error()));
    return *found;
  }

 private:
  // Declared first: the actor system keeps a reference to it until it is destroyed.
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> system_;
  std::vector<caf::actor> owned_;
};

// Bounded polling, for states that raise no event to wait on (a connection table, say).
template <class Pred>
bool eventually(Pred done, std::chrono::milliseconds limit = event_within) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// What a transport's hooks reported, for the test thread to wait on (they run on CAF's
// threads). Snapshot chunks keep their acks until the test answers them.
class hook_log {
 public:
  using node_id = cluster::replication::node_id;
  struct batch {
    node_id from;
    std::vector<cluster::replication::append_request> requests;
    std::vector<cluster::replication::append_response> responses;
  };
  struct chunk {
    node_id from;
    cluster::snapshot_chunk data;
    cluster::chunk_ack ack;
  };

  cluster::transport::transport_hooks hooks() {
    return {[this](node_id from, std::vector<cluster::replication::append_request> requests,
                   std::vector<cluster::replication::append_response> responses) {
              record([&] { batches_.push_back({from, std::move(requests), std::move(responses)}); });
            },
            [this](node_id node) { record([&] { lost_.push_back(node); }); },
            [this](node_id from, cluster::snapshot_chunk data, cluster::chunk_ack ack) {
              record([&] { chunks_.push_back({from, std::move(data), std::move(ack)}); });
            }};
  }

  // Each blocks until at least `n` arrived (false after event_within).
  bool await_batches(std::size_t n) {
    return await([&] { return batches_.size() >= n; });
  }
  bool await_lost(std::size_t n) {
    return await([&] { return lost_.size() >= n; });
  }
  bool await_chunks(std::size_t n) {
    return await([&] { return chunks_.size() >= n; });
  }

  std::vector<batch> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::vector<node_id> lost() {
    std::lock_guard lock(mutex_);
    return lost_;
  }
  std::size_t chunk_count() {
    std::lock_guard lock(mutex_);
    return chunks_.size();
  }
  std::pair<node_id, cluster::snapshot_chunk> chunk_at(std::size_t i) {
    std::lock_guard lock(mutex_);
    return {chunks_.at(i).from, chunks_.at(i).data};
  }
  // Answers the i-th chunk, from the test's thread (the hook allows any thread).
  void acknowledge(std::size_t i, bool ok) {
    cluster::chunk_ack ack;
    {
      std::lock_guard lock(mutex_);
      ack = std::move(chunks_.at(i).ack);
    }
    REQUIRE(ack);
    ack(ok);
  }
  // An ack holds the endpoint actor: dropped while its actor system is still there.
  void drop_acks() {
    std::lock_guard lock(mutex_);
    for (auto& c : chunks_) c.ack = nullptr;
  }

 private:
  template <class F>
  void record(F f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    changed_.notify_all();
  }
  template <class Pred>
  bool await(Pred done) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, event_within, done);
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<batch> batches_;
  std::vector<node_id> lost_;
  std::vector<chunk> chunks_;
};

// The sending side of one snapshot: how many chunks were read, and the answers it got (one
// expected). Declared before the nodes: the sender actor calls it until it finishes.
class snapshot_outcome {
 public:
  using chunk_maker = std::function<cluster::snapshot_chunk(std::uint64_t seq, bool last)>;
  explicit snapshot_outcome(chunk_maker make) : make_(std::move(make)) {}

  // A source of `count` chunks; none at all when count is 0 (a snapshot that cannot be read).
  cluster::chunk_source source(int count) {
    return [this, count]() -> std::optional<cluster::snapshot_chunk> {
      if (count == 0) return std::nullopt;
      int seq = reads_++;
      return make_(seq, seq + 1 == count);
    };
  }
  cluster::chunk_ack finished() {
    return [this](bool ok) {
      {
        std::lock_guard lock(mutex_);
        answers_.push_back(ok);
      }
      changed_.notify_all();
    };
  }
  std::optional<bool> await_answer() {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, event_within, [&] { return !answers_.empty(); })) return std::nullopt;
    return answers_.front();
  }
  std::size_t answers() {
    std::lock_guard lock(mutex_);
    return answers_.size();
  }
  int reads() const { return reads_; }

 private:
  chunk_maker make_;
  std::atomic<int> reads_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<bool> answers_;
};

// A node as the transport sees it: its own actor system, its identity, its hooks, and a router
// that answers (get_atom, user_id) with video_id(2 * id).
struct peer_node {
  hook_log log;  // first: the endpoint may call the hooks until the actor system is gone
  caf_node caf;
  caf::actor router;
  cluster::transport::transport link;

  peer_node(std::uint16_t number, std::uint64_t incarnation)
      : router(caf.spawn(doubling_router)),
        link(
            caf.system(), [=] { return member(number, incarnation); }, log.hooks()) {
    link.set_router(router);
  }
  // Listens on loopback (port 0: a free one) and returns the port.
  std::uint16_t listen(std::uint16_t port = 0) { return link.listen("127.0.0.1", port); }

  // Shuts down as actors/node.cpp does (transport::stop explains the order).
  ~peer_node() {
    link.stop();
    caf.stop_actors();
    caf.system().await_all_actors_done();
    log.drop_acks();
  }

  static cluster::replication::member member(std::uint16_t number, std::uint64_t incarnation) {
    return {cluster::replication::node_id(number), incarnation, 0xfeedface00000000ULL + number};
  }
  static caf::behavior doubling_router() {
    return {[](caf::get_atom, user_id u) { return video_id(2 * u.value); }};
  }
};

inline cluster::transport::peer_address at(std::uint16_t node, std::uint16_t port) {
  return {cluster::replication::node_id(node), "127.0.0.1", port};
}

// A TCP listener that never accepts: a connection to it completes in the kernel, but CAF's
// handshake never gets an answer, so a peer there stays "not yet connected".
class silent_listener {
 public:
  silent_listener() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bool ok = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 && ::listen(fd_, 16) == 0 &&
              ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    if (!ok) ::close(fd_);
    REQUIRE(ok);
    port_ = ntohs(addr.sin_port);
  }
  ~silent_listener() { ::close(fd_); }
  silent_listener(const silent_listener&) = delete;
  silent_listener& operator=(const silent_listener&) = delete;
  std::uint16_t port() const { return port_; }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

// A TCP relay from a loopback port to `target` that can freeze: it then stops moving bytes
// but keeps every socket open, which is what a hung or partitioned peer looks like to CAF
// (no close, no reset; only heartbeats notice).
class freezable_relay {
 public:
  explicit freezable_relay(std::uint16_t target) : target_(target) {
    thread_ = std::thread([this] { run(); });
  }
  ~freezable_relay() {
    stop_ = true;
    thread_.join();
    for (auto& [a, b] : pairs_) ::close(a), ::close(b);
  }
  freezable_relay(const freezable_relay&) = delete;
  freezable_relay& operator=(const freezable_relay&) = delete;
  std::uint16_t port() const { return front_.port(); }
  void freeze() { frozen_ = true; }

 private:
  static int connect_to(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    ::close(fd);
    return -1;
  }
  // Moves what `from` has to `to`; false once `from` is closed.
  static bool pump(int from, int to) {
    char buf[65536];
    auto n = ::read(from, buf, sizeof buf);
    for (ssize_t done = 0; n > 0 && done < n;) {
      auto w = ::write(to, buf + done, n - done);
      if (w <= 0) return false;
      done += w;
    }
    return n > 0;
  }
  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{front_.fd(), POLLIN, 0}};
      if (!frozen_)
        for (auto& [a, b] : pairs_) fds.push_back({a, POLLIN, 0}), fds.push_back({b, POLLIN, 0});
      ::poll(fds.data(), fds.size(), 20);  // the timeout only lets it see stop_ and frozen_
      if (fds[0].revents & POLLIN) {
        int client = ::accept(front_.fd(), nullptr, nullptr);
        int upstream = client >= 0 ? connect_to(target_) : -1;
        if (upstream >= 0)
          pairs_.emplace_back(client, upstream);
        else if (client >= 0)
          ::close(client);
      }
      std::vector<std::size_t> closed;
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (!fds[i].revents) continue;
        auto& [a, b] = pairs_[(i - 1) / 2];
        if (!(i % 2 ? pump(a, b) : pump(b, a))) closed.push_back((i - 1) / 2);
      }
      // One side closed: close both, as a relay that is not frozen would.
      std::sort(closed.begin(), closed.end());
      closed.erase(std::unique(closed.begin(), closed.end()), closed.end());
      for (auto i = closed.rbegin(); i != closed.rend(); ++i) {
        ::close(pairs_[*i].first), ::close(pairs_[*i].second);
        pairs_.erase(pairs_.begin() + *i);
      }
    }
  }

  std::uint16_t target_;
  silent_listener front_;
  std::vector<std::pair<int, int>> pairs_;  // (accepted, upstream); touched by the thread only
  std::atomic<bool> frozen_{false};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace reel::unit
