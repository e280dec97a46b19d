// One keep-alive HTTP/1.1 client connection on a non-blocking socket, one request at a
// time (no pipelining). The event loop owns epoll; this class only says what happened.
#pragma once

#include <netinet/in.h>

#include <span>
#include <string>

#include "bench/loadgen/response_parser.hpp"

namespace reel::loadgen {

class http_conn {
 public:
  enum class state { closed, connecting, idle, busy };
  enum class event {
    none,       // nothing finished yet; wait for the next readiness
    connected,  // a connect finished; the connection is idle
    response,   // a complete response is in response(); see reusable()
    failed,     // connect, write or read failed, or the response was malformed
    dropped,    // the server closed an idle connection (keep-alive ended): reconnect, no error
  };

  http_conn() = default;
  ~http_conn() { close(); }
  http_conn(const http_conn&) = delete;
  http_conn& operator=(const http_conn&) = delete;

  // Starts a non-blocking connect; false if it failed at once (the socket is then closed).
  bool open(const sockaddr_in& address);
  void close();

  // The request to send next; fill it, then call send().
  std::string& request() { return out_; }
  // Starts sending request(); a reply to HEAD has no body. Returns none or failed, or
  // response in the unlikely case that nothing more is needed.
  event send(bool head_request);

  event on_writable();                         // finishes a connect or continues a partial send
  event on_readable(std::span<char> scratch);  // one read, parsed

  state current() const { return state_; }
  int fd() const { return fd_; }
  bool wants_write() const { return state_ == state::connecting || (state_ == state::busy && written_ < out_.size()); }
  const response_parser& response() const { return parser_; }
  // After a response: whether the connection can carry the next request. Not when the
  // server said Connection: close, delimited the body by closing, or sent extra bytes.
  bool reusable() const { return reusable_; }

 private:
  event write_some();
  event fail();

  int fd_ = -1;
  state state_ = state::closed;
  std::string out_;
  std::size_t written_ = 0;
  response_parser parser_;
  bool reusable_ = false;
};

}  // namespace reel::loadgen
