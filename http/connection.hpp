// One client connection of the HTTP edge, owned by one worker thread (http/reactor.hpp):
// it reads requests (http/request_parser.hpp), hands each whole request to the server, and
// writes the answers in the order of the requests. Requests on a connection run one at a
// time: the next pipelined request is parsed once the previous answer is queued, so answers
// can never overtake each other and a pipelining client cannot queue work without bound.
//
// Deadlines: the head of a request must be complete within head_timeout of its first byte
// (of the connection's start for the first request), a body must advance by 16 KiB or
// finish within each body_timeout, a keep-alive connection may idle for idle_timeout, and
// an answer must advance within write_timeout. A connection that misses one gets 408 (if it
// was sending a request) and is closed.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/probe.hpp"
#include "http/request_parser.hpp"

namespace reel::http {

using steady = std::chrono::steady_clock;

// An answer as the worker writes it: `bytes` (head, and body when it is in memory), then
// `length` bytes of `file` from `offset`. `done` is released once it is written or dropped.
struct outgoing {
  std::string bytes;
  int file = -1;  // owned: closed when the answer is written or dropped
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool close_after = false;  // the connection closes once this is written
  bool interim = false;      // 100 Continue: the request's answer is still to come
  std::shared_ptr<void> done;

  outgoing() = default;
  outgoing(outgoing&& o) noexcept;
  outgoing& operator=(outgoing&& o) noexcept;
  ~outgoing();
};

struct connection_limits {
  head_limits head;
  // Where bodies that may be large (uploads) are written as they arrive, as unlinked
  // temporary files; empty: every body is held in memory.
  std::string spool_dir;
  std::uint64_t spool_above = 256 << 10;  // bytes: smaller declared bodies stay in memory
  std::chrono::milliseconds head_timeout{10'000};
  std::chrono::milliseconds body_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};
  std::chrono::milliseconds write_timeout{60'000};
};

// How a request's body is read: the largest (decoded) size, answered 413 from the head
// when the declared length is over it, and whether it may go to a spool file.
struct body_policy {
  std::uint64_t limit = 0;
  bool spool = false;
};

// A whole request body: in memory, or in an unlinked temporary file of `spool_size` bytes.
struct request_body {
  std::string bytes;
  int spool = -1;  // owned
  std::uint64_t spool_size = 0;

  request_body() = default;
  request_body(request_body&& o) noexcept;
  request_body& operator=(request_body&& o) noexcept;
  ~request_body();
};

// What the connection asks of the server.
struct request_sink {
  std::function<body_policy(const request_head&)> policy;
  // A whole request; the answer comes back through the worker, exactly once.
  std::function<void(request_head&&, request_body&&, const std::string& client, std::uint64_t serial)> dispatch;
};

// "HTTP/1.1 <status> <reason>" and the fields every answer carries.
std::string response_head(int status, std::string_view content_type,
                          const std::vector<std::pair<std::string, std::string>>& headers, std::uint64_t length,
                          bool keep_alive);
// The JSON envelope of `e` as a whole answer.
outgoing error_answer(const error& e, bool close_after);

class connection {
 public:
  connection(int fd, std::uint64_t serial, std::string client, const connection_limits& limits, request_sink& sink,
             connection_counters& counters);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  void on_readable();
  void on_writable();
  void on_answer(outgoing&& answer);
  // Closes the connection (or starts closing it) if its deadline has passed.
  void check_deadline(steady::time_point now);
  bool finished() const { return state_ == state::closed; }
  int fd() const { return fd_; }

 private:
  enum class state { head, body, awaiting, answering, lingering, closed };

  void advance();
  bool read_head();
  bool read_body();
  bool take_body_bytes(std::string_view bytes);
  void reject(const error& e);
  void flush();
  void answer_written(bool close_after);
  void linger();
  void close_now();
  bool room_to_read() const;

  int fd_;
  std::uint64_t serial_;
  std::string client_;
  const connection_limits& limits_;
  request_sink& sink_;
  connection_counters& counters_;
  state state_ = state::head;
  std::string in_;            // bytes read and not yet parsed
  bool peer_done_ = false;    // the client half-closed (read 0)
  bool read_paused_ = false;  // bytes may wait in the socket: read them when there is room
  request_head head_;
  request_body body_;
  std::uint64_t body_size_ = 0;  // decoded bytes so far, in memory or spooled
  std::string decoded_;          // chunked: decoded bytes on their way to the spool
  body_policy policy_;
  std::optional<chunked_decoder> chunked_;
  std::uint64_t body_at_deadline_ = 0;  // body bytes when the deadline was last moved
  std::deque<outgoing> out_;
  std::size_t out_written_ = 0;  // bytes of out_.front().bytes already sent
  steady::time_point deadline_;
};

}  // namespace reel::http
