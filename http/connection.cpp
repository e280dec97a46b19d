#include "http/connection.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "http/json.hpp"

namespace reel::http {

namespace {

constexpr std::size_t read_chunk = 64 << 10;
// Bytes of later (pipelined) requests held while one is being answered; then reading stops
// until the answer is written.
constexpr std::size_t max_pipelined_bytes = 64 << 10;
// A body must advance by this much (or end) within each body_timeout: a client trickling
// bytes cannot hold a connection forever.
constexpr std::uint64_t body_progress_bytes = 16 << 10;
// After an error answer the server stops writing and discards what the client still sends
// for this long, so that the client reads the answer before the connection is reset.
constexpr auto linger_time = std::chrono::seconds(2);

// Why an upload could not be written to the spool (errno of open or write): a full data
// disk is the client's storage_full (507), like every other write it refuses.
error spool_failure(int err) {
  if (err == ENOSPC || err == EDQUOT)
    return make_error(errc::storage_full, "the data disk is full: the upload cannot be stored");
  return make_error(errc::internal, std::string("cannot spool the upload: ") + std::strerror(err));
}

std::string_view reason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 206:
      return "Partial Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 416:
      return "Range Not Satisfiable";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    case 507:
      return "Insufficient Storage";
    default:
      return "Unknown";
  }
}

}  // namespace

request_body::request_body(request_body&& o) noexcept
    : bytes(std::move(o.bytes)), spool(std::exchange(o.spool, -1)), spool_size(o.spool_size) {}

request_body& request_body::operator=(request_body&& o) noexcept {
  if (this != &o) {
    if (spool >= 0) ::close(spool);
    bytes = std::move(o.bytes);
    spool = std::exchange(o.spool, -1);
    spool_size = o.spool_size;
  }
  return *this;
}

request_body::~request_body() {
  if (spool >= 0) ::close(spool);
}

outgoing::outgoing(outgoing&& o) noexcept
    : bytes(std::move(o.bytes)),
      file(std::exchange(o.file, -1)),
      offset(o.offset),
      length(o.length),
      close_after(o.close_after),
      interim(o.interim),
      done(std::move(o.done)) {}

outgoing& outgoing::operator=(outgoing&& o) noexcept {
  if (this != &o) {
    if (file >= 0) ::close(file);
    bytes = std::move(o.bytes);
    file = std::exchange(o.file, -1);
    offset = o.offset;
    length = o.length;
    close_after = o.close_after;
    interim = o.interim;
    done = std::move(o.done);
  }
  return *this;
}

outgoing::~outgoing() {
  if (file >= 0) ::close(file);
}

std::string response_head(int status, std::string_view content_type,
                          const std::vector<std::pair<std::string, std::string>>& headers, std::uint64_t length,
                          bool keep_alive) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + ' ';
  head.append(reason(status)).append("\r\n");
  if (!content_type.empty()) head.append("Content-Type: ").append(content_type).append("\r\n");
  if (status != 304) head += "Content-Length: " + std::to_string(length) + "\r\n";
  for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return head;
}

outgoing error_answer(const error& e, bool close_after) {
  outgoing o;
  const auto body = json::status(e);
  o.bytes = response_head(info(e.code).http_status, "application/json", {}, body.size(), !close_after) + body;
  o.close_after = close_after;
  return o;
}

connection::connection(int fd, std::uint64_t serial, std::string client, const connection_limits& limits,
                       request_sink& sink, connection_counters& counters)
    : fd_(fd), serial_(serial), client_(std::move(client)), limits_(limits), sink_(sink), counters_(counters) {
  deadline_ = steady::now() + limits_.head_timeout;
}

connection::~connection() { close_now(); }

bool connection::room_to_read() const {
  switch (state_) {
    case state::head:
      return in_.size() <= limits_.head.max_head_bytes;
    case state::body:
      return true;
    case state::lingering:
      return true;
    default:
      return in_.size() < max_pipelined_bytes;
  }
}

void connection::on_readable() {
  read_paused_ = false;
  char buffer[read_chunk];
  while (state_ != state::closed && !peer_done_) {
    if (!room_to_read()) {
      read_paused_ = true;
      break;
    }
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n > 0) {
      if (state_ == state::lingering) continue;  // discarded
      if (state_ == state::head && in_.empty() && out_.empty()) deadline_ = steady::now() + limits_.head_timeout;
      in_.append(buffer, static_cast<std::size_t>(n));
      if (state_ == state::head || state_ == state::body) advance();
    } else if (n == 0) {
      peer_done_ = true;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      break;
    } else {
      return close_now();
    }
  }
  if (peer_done_) {
    if (state_ == state::lingering) return close_now();
    advance();  // a request cut short is dropped; one already whole is still answered
  }
}

// Parses and dispatches while whole requests are buffered and none is being answered.
void connection::advance() {
  while (state_ == state::head || state_ == state::body) {
    if (state_ == state::head && !read_head()) break;
    if (state_ == state::body && !read_body()) break;
  }
  if (peer_done_ && (state_ == state::head || state_ == state::body)) close_now();
}

bool connection::read_head() {
  auto r = parse_head(in_, limits_.head);
  if (r.status == head_result::state::invalid) {
    reject(r.problem);
    return false;
  }
  if (r.status == head_result::state::incomplete) return false;
  in_.erase(0, r.consumed);
  head_ = std::move(r.head);
  body_ = request_body();
  body_size_ = 0;
  chunked_.reset();
  policy_ = sink_.policy(head_);
  if (head_.framing == body_framing::length && head_.content_length > policy_.limit) {
    reject(make_error(errc::too_large, "the request body (" + std::to_string(head_.content_length) +
                                           " bytes) is larger than this route's limit of " +
                                           std::to_string(policy_.limit) + " bytes"));
    return false;
  }
  if (head_.framing == body_framing::chunked) chunked_.emplace(policy_.limit);
  const bool large = head_.framing == body_framing::chunked || head_.content_length > limits_.spool_above;
  if (head_.framing != body_framing::none && policy_.spool && large && !limits_.spool_dir.empty()) {
    // Unlinked from the start: nothing is left behind however the request ends.
    body_.spool = ::open(limits_.spool_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (body_.spool < 0) {
      reject(spool_failure(errno));
      return false;
    }
  } else if (head_.framing == body_framing::length) {
    body_.bytes.reserve(head_.content_length);  // at most the route's limit
  }
  if (head_.expects_continue && head_.framing != body_framing::none && in_.empty()) {
    outgoing go_on;
    go_on.bytes = "HTTP/1.1 100 Continue\r\n\r\n";
    go_on.interim = true;
    out_.push_back(std::move(go_on));
    flush();
    if (state_ == state::closed) return false;
  }
  state_ = state::body;
  body_at_deadline_ = 0;
  deadline_ = steady::now() + limits_.body_timeout;
  return true;
}

// Appends decoded body bytes to memory or to the spool file; false (and answered) when the
// spool cannot take them.
bool connection::take_body_bytes(std::string_view bytes) {
  body_size_ += bytes.size();
  if (body_.spool < 0) {
    body_.bytes.append(bytes);
    return true;
  }
  while (!bytes.empty()) {
    const auto n = ::write(body_.spool, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      reject(spool_failure(n < 0 ? errno : ENOSPC));  // 0 bytes of a non-empty write: no room
      return false;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  body_.spool_size = body_size_;
  return true;
}

bool connection::read_body() {
  bool whole = false;
  if (head_.framing == body_framing::length) {
    const auto take = std::min<std::uint64_t>(head_.content_length - body_size_, in_.size());
    if (!take_body_bytes(std::string_view(in_).substr(0, take))) return false;
    in_.erase(0, take);
    whole = body_size_ == head_.content_length;
  } else if (head_.framing == body_framing::chunked) {
    std::size_t used = 0;
    decoded_.clear();
    const auto s = chunked_->feed(in_, used, decoded_);
    in_.erase(0, used);
    if (s == chunked_decoder::status::invalid) {
      reject(make_error(errc::malformed_request, "the chunked body is malformed"));
      return false;
    }
    if (s == chunked_decoder::status::too_large) {
      reject(make_error(errc::too_large, "the request body is larger than this route's limit of " +
                                             std::to_string(policy_.limit) + " bytes"));
      return false;
    }
    if (!take_body_bytes(decoded_)) return false;
    whole = s == chunked_decoder::status::done;
  } else {
    whole = true;
  }
  if (!whole) {
    if (body_size_ - body_at_deadline_ >= body_progress_bytes) {
      body_at_deadline_ = body_size_;
      deadline_ = steady::now() + limits_.body_timeout;
    }
    return false;
  }
  state_ = state::awaiting;
  sink_.dispatch(std::move(head_), std::move(body_), client_, serial_);
  return false;
}

// The request cannot be read on: answer and close (what follows on the connection cannot be
// framed any more).
void connection::reject(const error& e) {
  (e.code == errc::request_timeout ? counters_.timed_out : counters_.rejected).fetch_add(1, std::memory_order_relaxed);
  state_ = state::answering;
  out_.push_back(error_answer(e, true));
  flush();
}

void connection::on_answer(outgoing&& answer) {
  if (state_ != state::awaiting) return;  // closed meanwhile: the answer is dropped
  state_ = state::answering;
  if (!head_.keep_alive) answer.close_after = true;
  deadline_ = steady::now() + limits_.write_timeout;
  out_.push_back(std::move(answer));
  flush();
}

void connection::on_writable() {
  if (!out_.empty()) flush();
}

// Writes queued answers until the socket is full; each written answer moves the state on.
void connection::flush() {
  while (!out_.empty() && state_ != state::closed) {
    auto& o = out_.front();
    if (out_written_ < o.bytes.size()) {
      const auto n = ::send(fd_, o.bytes.data() + out_written_, o.bytes.size() - out_written_, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) close_now();
        return;
      }
      out_written_ += static_cast<std::size_t>(n);
      deadline_ = steady::now() + limits_.write_timeout;
      continue;
    }
    if (o.length > 0) {
      auto offset = static_cast<off_t>(o.offset);
      const auto n = ::sendfile(fd_, o.file, &offset, std::min<std::uint64_t>(o.length, 1 << 20));
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) close_now();
        return;
      }
      if (n == 0) return close_now();  // the file shrank below what the head promised
      o.offset += static_cast<std::uint64_t>(n);
      o.length -= static_cast<std::uint64_t>(n);
      deadline_ = steady::now() + limits_.write_timeout;
      continue;
    }
    const bool interim = o.interim, close_after = o.close_after;
    out_.pop_front();
    out_written_ = 0;
    if (!interim) answer_written(close_after);
  }
}

void connection::answer_written(bool close_after) {
  if (close_after) return linger();
  state_ = state::head;
  deadline_ = steady::now() + (in_.empty() ? limits_.idle_timeout : limits_.head_timeout);
  advance();  // a pipelined request may be buffered already
  if (read_paused_ && state_ != state::closed) on_readable();
}

// Half-closes and discards input until the client closes too, or linger_time passes.
void connection::linger() {
  state_ = state::lingering;
  in_.clear();
  ::shutdown(fd_, SHUT_WR);
  deadline_ = steady::now() + linger_time;
  if (peer_done_) return close_now();
  on_readable();
}

void connection::check_deadline(steady::time_point now) {
  if (state_ == state::closed || state_ == state::awaiting || now < deadline_) return;
  const bool mid_request = (state_ == state::head && !in_.empty()) || state_ == state::body;
  if (mid_request) return reject(make_error(errc::request_timeout, "the request did not arrive in time"));
  if (state_ != state::lingering) counters_.timed_out.fetch_add(1, std::memory_order_relaxed);
  close_now();
}

void connection::close_now() {
  if (state_ == state::closed) return;
  state_ = state::closed;
  out_.clear();
  ::close(fd_);
}

}  // namespace reel::http
