#include "http/server.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pistache/endpoint.h>
#include <pistache/http.h>
#include <pistache/peer.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <thread>
#include <utility>

#include "http/args.hpp"
#include "http/json.hpp"
#include "http/routes.hpp"

namespace reel::http {

namespace {

namespace ph = Pistache::Http;
using clock = std::chrono::steady_clock;
using peer_ptr = std::shared_ptr<Pistache::Tcp::Peer>;

// Bytes of file body handed to Pistache at a time. Pistache 0.0.5 copies the unsent rest of
// a buffer on every partial write, and busy-loops a reactor thread on a large buffer that a
// slow client does not drain (a 30 MB body to a 3 MB/s reader: 3 s of CPU); pieces this
// small cost neither and still stream at hundreds of MB/s on loopback.
constexpr std::uint64_t piece_bytes = 64 << 10;

class file_handle {
 public:
  explicit file_handle(int fd) : fd_(fd) {}
  file_handle(const file_handle&) = delete;
  file_handle& operator=(const file_handle&) = delete;
  ~file_handle() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Appends exactly `length` bytes of `fd` from `offset` to `out`; false on error or early EOF.
bool read_region(int fd, std::uint64_t offset, std::uint64_t length, std::string& out) {
  const auto start = out.size();
  out.resize(start + length);
  std::uint64_t done = 0;
  while (done < length) {
    auto n = ::pread(fd, out.data() + start + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::uint64_t>(n);
  }
  return true;
}

// One response body streaming from a file: the next piece is read and handed to Pistache
// only once the previous one is written, so a transfer holds one piece in memory however
// large the file and a slow reader slows the reads down instead of queueing the file.
// Owns the file and the request's in-flight count: both are released when the transfer ends
// or is dropped (Pistache drops the pending write of a connection that closes).
struct file_transfer {
  file_transfer(const peer_ptr& p, int fd, std::uint64_t from, std::uint64_t bytes, bool keep, edge& e)
      : peer(p), file(fd), offset(from), remaining(bytes), keep_alive(keep), owner(e) {}
  ~file_transfer() { owner.in_flight.fetch_sub(1); }

  std::weak_ptr<Pistache::Tcp::Peer> peer;
  file_handle file;
  std::uint64_t offset;     // next byte of the file to send
  std::uint64_t remaining;  // body bytes not yet handed to Pistache
  bool keep_alive;
  edge& owner;
};

void write_next(const std::shared_ptr<file_transfer>& t);

void put_on_wire(const peer_ptr& peer, std::string bytes, std::shared_ptr<file_transfer> t) {
  const auto size = bytes.size();
  // Resolved on the reactor thread once every byte is in the socket; a failed write means
  // the connection is closing, and dropping `t` releases the file.
  peer->send(Pistache::RawBuffer(std::move(bytes), size))
      .then([t = std::move(t)](ssize_t) { write_next(t); }, Pistache::Async::IgnoreException);
}

void write_next(const std::shared_ptr<file_transfer>& t) {
  auto peer = t->peer.lock();
  if (!peer) return;
  if (t->remaining == 0) {
    // Pistache's idle-connection timeout applies again, as after its own responses.
    peer->setIdle(true);
    if (!t->keep_alive) ::shutdown(peer->fd(), SHUT_WR);
    return;
  }
  std::string piece;
  const auto n = std::min(t->remaining, piece_bytes);
  if (!read_region(t->file.get(), t->offset, n, piece)) {
    // The head promised more bytes than the file has now: cut the connection so that the
    // client sees a truncated response instead of waiting for the rest.
    ::shutdown(peer->fd(), SHUT_RDWR);
    return;
  }
  t->offset += n;
  t->remaining -= n;
  put_on_wire(peer, std::move(piece), t);
}

std::string response_head(int status, std::string_view content_type, const header_list& headers, std::uint64_t length,
                          bool keep_alive) {
  std::string head =
      "HTTP/1.1 " + std::to_string(status) + ' ' + ph::codeString(static_cast<ph::Code>(status)) + "\r\n";
  if (!content_type.empty()) head.append("Content-Type: ").append(content_type).append("\r\n");
  if (status != 304) head += "Content-Length: " + std::to_string(length) + "\r\n";
  for (const auto& [name, value] : headers) head += name + ": " + value + "\r\n";
  head += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return head;
}

// Answers through Pistache from any thread (ResponseWriter::send queues to the reactor).
class pistache_responder final : public responder {
 public:
  pistache_responder(ph::ResponseWriter writer, bool keep_alive, bool head_request, edge& e, std::size_t probe_index,
                     std::chrono::milliseconds stall_limit)
      : writer_(std::move(writer)),
        keep_alive_(keep_alive),
        head_request_(head_request),
        edge_(e),
        probe_index_(probe_index),
        stall_limit_(stall_limit) {
    edge_.in_flight.fetch_add(1);
  }

  // Every request is answered: a path that dropped its responder gets an internal error.
  ~pistache_responder() override {
    if (!sent_) send_error_body();
  }

  void send(int http_status, std::string_view content_type, std::string body) override {
    // Pistache would send the body after the head of a HEAD answer too, and the client
    // would read those bytes as the start of the next answer on the connection.
    if (head_request_) return send_file(http_status, content_type, {}, {}, 0, body.size(), true);
    if (sent_) return;
    sent_ = true;
    edge_.probe.observe(probe_index_, http_status,
                        std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start_));
    auto peer = writer_.getPeer();
    if (!peer) {
      edge_.in_flight.fetch_sub(1);
      return;
    }
    // Head and body go out as one buffer, the way file bodies do. ResponseWriter::send
    // copied the body into a stream buffer that grew by doubling from 512 bytes: a feed
    // page (17 KB) was copied six times on its way to the socket.
    std::string bytes = response_head(http_status, content_type, {}, body.size(), keep_alive_);
    bytes += body;
    put_on_wire(peer, std::move(bytes), std::make_shared<file_transfer>(peer, -1, 0, 0, keep_alive_, edge_));
  }

  // Writes the head itself and the body through Peer::send in pieces: ResponseWriter can
  // only send a body it holds whole (with its own Content-Length), and serveFile leaks its
  // descriptor. The peer stays "busy" for Pistache's idle timeout until the last piece is
  // written; a client that stops reading is cut by TCP_USER_TIMEOUT instead.
  void send_file(int http_status, std::string_view content_type, const header_list& headers,
                 const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length,
                 bool head_only) override {
    if (sent_) return;
    const bool has_body = !head_only && http_status != 304 && length > 0;
    int fd = has_body ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC) : -1;
    file_handle guard(fd);
    std::string first = response_head(http_status, content_type, headers, length, keep_alive_);
    const auto first_bytes = has_body ? std::min(length, piece_bytes) : 0;
    if (has_body && !(covers(fd, offset + length) && read_region(fd, offset, first_bytes, first))) {
      auto e = make_error(errc::internal, "the media file could not be read");
      return send(info(e.code).http_status, "application/json", json::status(e));
    }
    sent_ = true;
    edge_.probe.observe(probe_index_, http_status,
                        std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start_));
    auto peer = writer_.getPeer();
    if (!peer) {
      edge_.in_flight.fetch_sub(1);
      return;
    }
    if (has_body && length > first_bytes) limit_stalls(peer->fd());
    auto transfer = std::make_shared<file_transfer>(peer, guard.release(), offset + first_bytes,
                                                    has_body ? length - first_bytes : 0, keep_alive_, edge_);
    put_on_wire(peer, std::move(first), std::move(transfer));
  }

 private:
  void send_error_body() {
    auto e = make_error(errc::internal, "the request was dropped");
    send(info(e.code).http_status, "application/json", json::status(e));
  }

  // True when the file `fd` has at least `end` bytes.
  static bool covers(int fd, std::uint64_t end) {
    struct stat st {};
    return fd >= 0 && ::fstat(fd, &st) == 0 && static_cast<std::uint64_t>(st.st_size) >= end;
  }

  // A client that leaves sent bytes unacknowledged (stops reading) for `stall_limit_` gets
  // its connection closed by the kernel, which releases the transfer.
  void limit_stalls(int socket) const {
    unsigned int ms = static_cast<unsigned int>(stall_limit_.count());
    ::setsockopt(socket, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof ms);
  }

  ph::ResponseWriter writer_;
  bool keep_alive_;
  bool head_request_;
  bool sent_ = false;
  edge& edge_;
  std::size_t probe_index_;
  std::chrono::milliseconds stall_limit_;
  clock::time_point start_ = clock::now();
};

bool wants_keep_alive(const ph::Request& req) {
  auto connection = req.headers().tryGetRaw("Connection");
  std::string value = connection ? connection->value() : std::string();
  for (auto& c : value) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (req.version() == ph::Version::Http11) return value.find("close") == std::string::npos;
  return value.find("keep-alive") != std::string::npos;
}

// Pistache parses the query into a map of raw (undecoded) values that keeps the first of
// repeated keys; rebuild it as a query string for our own decoding.
std::string raw_query(const ph::Request& req) {
  std::string out;
  const auto& q = req.query();
  for (auto it = q.parameters_begin(); it != q.parameters_end(); ++it) {
    if (!out.empty()) out += '&';
    out += it->first;
    out += '=';
    out += it->second;
  }
  return out;
}

request_conditions conditions_of(const ph::Request& req) {
  auto raw = [&req](const char* name) {
    auto header = req.headers().tryGetRaw(name);
    return header ? header->value() : std::string();
  };
  return {raw("Range"), raw("If-Range"), raw("If-None-Match")};
}

class pistache_handler final : public ph::Handler {
 public:
  HTTP_PROTOTYPE(pistache_handler)

  pistache_handler(edge& e, std::chrono::milliseconds stall_limit) : edge_(e), stall_limit_(stall_limit) {}

  void onRequest(const ph::Request& req, ph::ResponseWriter writer) override {
    const route* r = find_route(req.resource());
    auto out =
        std::make_shared<pistache_responder>(std::move(writer), wants_keep_alive(req), req.method() == ph::Method::Head,
                                             edge_, r ? r->probe_index : unknown_route_probe(), stall_limit_);
    if (!r) return send_error(out, make_error(errc::no_route, "no such route: " + req.resource()));
    if (edge_.draining.load()) return send_error(out, make_error(errc::unavailable, "shutting down"));
    if (req.body().size() > (r->upload ? edge_.cfg.max_upload_bytes : edge_.cfg.max_body_bytes))
      return send_error(out, make_error(errc::too_large, "request body is larger than the configured limit"));
    try {
      auto content_type = req.headers().tryGetRaw("Content-Type");
      auto body = std::make_shared<const std::string>(req.body());
      request call{ph::methodString(req.method()), req.resource(), body,
                   params::parse(raw_query(req), content_type ? content_type->value() : std::string(), *body),
                   req.address().host()};
      call.conditions = conditions_of(req);
      r->handle(edge_, call, out);
    } catch (const std::exception& ex) {
      send_error(out, make_error(errc::internal, ex.what()));
    }
  }

 private:
  edge& edge_;
  std::chrono::milliseconds stall_limit_;
};

}  // namespace

struct server::impl {
  impl(const server_options& options, edge& e) : edge_ref(e), endpoint(Pistache::Address(options.listen)) {
    register_routes(e.probe);
    auto opts = ph::Endpoint::options()
                    .threads(static_cast<int>(options.threads))
                    .flags(Pistache::Tcp::Options::ReuseAddr)
                    .maxRequestSize(options.max_request_bytes)
                    .maxResponseSize(64 << 20)
                    .keepaliveTimeout(options.idle_timeout);
    endpoint.init(opts);
    endpoint.setHandler(std::make_shared<pistache_handler>(
        e, std::chrono::duration_cast<std::chrono::milliseconds>(options.idle_timeout)));
  }
  edge& edge_ref;
  ph::Endpoint endpoint;
  bool stopped = false;
};

server::server(const server_options& options, edge& e) : impl_(std::make_unique<impl>(options, e)) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
}

server::~server() { stop(); }

void server::start() { impl_->endpoint.serveThreaded(); }

void server::drain(std::chrono::milliseconds limit) {
  auto& e = impl_->edge_ref;
  e.draining = true;
  auto deadline = clock::now() + limit;
  while (e.in_flight.load() > 0 && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void server::stop() {
  if (impl_ && !impl_->stopped) {
    impl_->stopped = true;
    impl_->endpoint.shutdown();
  }
}

}  // namespace reel::http
