// The HTTP edge's threads: one listener that accepts, and workers that each own the
// connections handed to them (an epoll loop per worker). Answers come back to a worker from
// any thread through its mailbox.
//
// At the descriptor limit the listener neither spins nor stalls the connections it has: it
// keeps one descriptor in reserve, and while accept() fails for lack of descriptors it uses
// that one to accept and close the waiting connections (each counted as shed), so the
// backlog empties and the listening socket stops being ready. As soon as a descriptor is
// free again, the next connection is accepted as usual.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/connection.hpp"
#include "http/probe.hpp"

namespace reel::http {

// Where answers for one worker's connections are posted; outlives the worker, so that an
// answer that comes after the server stopped is dropped instead of touching freed memory.
class mailbox {
 public:
  mailbox();
  ~mailbox();
  mailbox(const mailbox&) = delete;
  mailbox& operator=(const mailbox&) = delete;

  void post_answer(std::uint64_t serial, outgoing&& o);
  void post_connection(int fd, std::string client);
  void close();  // later posts are dropped (their descriptors closed)

  struct batch {
    std::vector<std::pair<std::uint64_t, outgoing>> answers;
    std::vector<std::pair<int, std::string>> connections;
  };
  batch take();
  int wake_fd() const { return wake_fd_; }
  void clear_wake();

 private:
  void wake();
  int wake_fd_;
  std::mutex mutex_;
  batch pending_;
  bool closed_ = false;
  std::atomic<std::thread::id> owner_{};  // the worker's thread: its own posts need no wake-up
  friend class worker;
};

inline std::uint8_t serial_worker(std::uint64_t serial) { return static_cast<std::uint8_t>(serial & 0xff); }

class worker {
 public:
  // Serials of this worker's connections end in `index` (8 bits): serial_worker() finds it.
  worker(std::uint8_t index, const connection_limits& limits, request_sink& sink, connection_counters& counters,
         std::function<void()> on_close);
  ~worker();
  void start();
  void stop();  // closes every connection and joins the thread
  const std::shared_ptr<mailbox>& inbox() const { return inbox_; }

 private:
  void run();
  void adopt(int fd, std::string client);
  void sweep(steady::time_point now);
  void forget_if_finished(std::uint64_t serial);

  std::uint8_t index_;
  std::uint64_t next_serial_ = 1;
  const connection_limits& limits_;
  request_sink& sink_;
  connection_counters& counters_;
  std::function<void()> on_close_;
  std::shared_ptr<mailbox> inbox_;
  int epoll_fd_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::unordered_map<std::uint64_t, std::unique_ptr<connection>> connections_;
};

class listener {
 public:
  // Binds and listens on "host:port" (throws when it cannot).
  listener(const std::string& address, std::vector<std::shared_ptr<mailbox>> workers, connection_counters& counters);
  ~listener();
  void start();
  void stop();
  void wake();  // a connection closed: a descriptor may be free again

 private:
  void run();
  void accept_all();
  void shed_waiting();
  std::atomic<bool> paused_{false};  // not even the reserve descriptor could be had
  int listen_fd_;
  int epoll_fd_;
  int wake_fd_;
  int reserve_fd_;
  std::vector<std::shared_ptr<mailbox>> workers_;
  std::size_t next_ = 0;
  connection_counters& counters_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace reel::http
