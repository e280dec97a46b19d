#include "bench/loadgen/http_conn.hpp"

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace reel::loadgen {

bool http_conn::open(const sockaddr_in& address) {
  close();
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  // Requests go out in one write; Nagle would only hold back the rare split one.
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Even an immediate success is reported through writability, so that the event loop sees
  // every connection become idle the same way.
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno != EINPROGRESS) {
    close();
    return false;
  }
  state_ = state::connecting;
  return true;
}

void http_conn::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = state::closed;
  written_ = 0;
}

http_conn::event http_conn::fail() {
  close();
  return event::failed;
}

http_conn::event http_conn::send(bool head_request) {
  parser_.reset(head_request);
  reusable_ = false;
  written_ = 0;
  state_ = state::busy;
  return write_some();
}

http_conn::event http_conn::write_some() {
  while (written_ < out_.size()) {
    const auto n = ::send(fd_, out_.data() + written_, out_.size() - written_, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? event::none : fail();
    written_ += static_cast<std::size_t>(n);
  }
  return event::none;
}

http_conn::event http_conn::on_writable() {
  if (state_ == state::connecting) {
    int error = 0;
    socklen_t len = sizeof error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) return fail();
    state_ = state::idle;
    return event::connected;
  }
  return state_ == state::busy ? write_some() : event::none;
}

http_conn::event http_conn::on_readable(std::span<char> scratch) {
  if (state_ == state::connecting) return on_writable();  // an error or hangup during connect
  const auto n = ::recv(fd_, scratch.data(), scratch.size(), 0);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return event::none;
    return state_ == state::idle ? (close(), event::dropped) : fail();
  }
  if (state_ == state::idle) {
    // Bytes or EOF on an idle connection: the server closed it (or misbehaved); start over.
    close();
    return event::dropped;
  }
  if (n == 0) {
    if (parser_.on_eof() != response_parser::status::complete) return fail();
    close();  // the state was `busy`; closing marks it for reconnection
    reusable_ = false;
    return event::response;
  }
  std::size_t used = 0;
  const auto status = parser_.feed(std::string_view(scratch.data(), static_cast<std::size_t>(n)), used);
  if (status == response_parser::status::need_more) return event::none;
  if (status == response_parser::status::error) return fail();
  reusable_ = parser_.keep_alive() && used == static_cast<std::size_t>(n);
  state_ = state::idle;
  return event::response;
}

}  // namespace reel::loadgen
