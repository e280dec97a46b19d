#include "http/server.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

#include "http/json.hpp"
#include "http/reactor.hpp"
#include "http/routes.hpp"

namespace reel::http {

namespace {

using clock = std::chrono::steady_clock;

// Answers one request through its connection's worker, from any thread. Counts as in
// flight until the answer is written or dropped (the worker releases `done`).
class wire_responder final : public responder {
 public:
  wire_responder(std::shared_ptr<mailbox> box, std::uint64_t serial, bool keep_alive, bool head_request, edge& e,
                 std::size_t probe_index)
      : box_(std::move(box)),
        serial_(serial),
        keep_alive_(keep_alive),
        head_request_(head_request),
        edge_(e),
        probe_index_(probe_index) {
    edge_.in_flight.fetch_add(1);
  }

  // Every request is answered: a path that dropped its responder gets an internal error.
  ~wire_responder() override {
    if (!sent_) {
      auto e = make_error(errc::internal, "the request was dropped");
      send(info(e.code).http_status, "application/json", json::status(e));
    }
  }

  void send(int http_status, std::string_view content_type, std::string body) override {
    send_bytes(http_status, content_type, {}, std::move(body), head_request_);
  }

  void send_bytes(int http_status, std::string_view content_type, const header_list& headers, std::string body,
                  bool head_only) override {
    // A HEAD answer (and a 304) has the head of the GET answer and no body.
    if (head_only || head_request_ || http_status == 304)
      return send_file(http_status, content_type, headers, {}, 0, body.size(), true);
    if (sent_) return;
    outgoing o;
    o.bytes = response_head(http_status, content_type, headers, body.size(), keep_alive_);
    o.bytes += body;
    post(http_status, std::move(o));
  }

  void send_file(int http_status, std::string_view content_type, const header_list& headers,
                 const std::filesystem::path& path, std::uint64_t offset, std::uint64_t length,
                 bool head_only) override {
    if (sent_) return;
    const bool has_body = !head_only && http_status != 304 && length > 0;
    outgoing o;
    if (has_body) {
      o.file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      struct stat st {};
      if (o.file < 0 || ::fstat(o.file, &st) != 0 || static_cast<std::uint64_t>(st.st_size) < offset + length) {
        auto e = make_error(errc::internal, "the media file could not be read");
        return send(info(e.code).http_status, "application/json", json::status(e));
      }
      o.offset = offset;
      o.length = length;
    }
    o.bytes = response_head(http_status, content_type, headers, length, keep_alive_);
    post(http_status, std::move(o));
  }

 private:
  void post(int http_status, outgoing&& o) {
    sent_ = true;
    edge_.probe.observe(probe_index_, http_status,
                        std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start_));
    o.close_after = !keep_alive_;
    auto* counter = &edge_.in_flight;
    o.done = std::shared_ptr<void>(nullptr, [counter](void*) { counter->fetch_sub(1); });
    box_->post_answer(serial_, std::move(o));
  }

  std::shared_ptr<mailbox> box_;
  std::uint64_t serial_;
  bool keep_alive_;
  bool head_request_;
  bool sent_ = false;
  edge& edge_;
  std::size_t probe_index_;
  clock::time_point start_ = clock::now();
};

void send_error(const responder_ptr& out, const error& e) {
  out->send(info(e.code).http_status, "application/json", json::status(e));
}

// The body's bytes and what keeps them alive: the string, or a read-only mapping of the
// spool file (page cache, not the heap: a 64 MiB upload is not copied into memory).
std::pair<std::shared_ptr<const void>, std::string_view> hold(request_body&& body) {
  if (body.spool < 0 || body.spool_size == 0) {
    auto text = std::make_shared<const std::string>(std::move(body.bytes));
    return {text, *text};
  }
  const auto size = static_cast<std::size_t>(body.spool_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, body.spool, 0);
  if (map == MAP_FAILED) throw std::runtime_error(std::string("cannot map the upload: ") + std::strerror(errno));
  std::shared_ptr<const void> owner(map, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  return {owner, std::string_view(static_cast<const char*>(map), size)};
}

const std::string& field_or_empty(const request_head& head, std::string_view name) {
  static const std::string empty;
  const auto* v = head.field(name);
  return v ? *v : empty;
}

}  // namespace

struct server::impl {
  impl(const server_options& options, edge& e) : edge_ref(e), limits(options.connection) {
    register_routes(e.probe);
    sink.policy = [&e](const request_head& head) {
      const route* r = find_route(head.path());
      return r && r->upload ? body_policy{e.cfg.max_upload_bytes, true} : body_policy{e.cfg.max_body_bytes, false};
    };
    sink.dispatch = [this](request_head&& head, request_body&& body, const std::string& client, std::uint64_t serial) {
      dispatch(std::move(head), std::move(body), client, serial);
    };
    const auto threads = std::max(1u, std::min(options.threads, 255u));
    for (unsigned i = 0; i < threads; ++i)
      workers.push_back(std::make_unique<worker>(static_cast<std::uint8_t>(i), limits, sink, e.probe.connections,
                                                 [this] { accepting->wake(); }));
    std::vector<std::shared_ptr<mailbox>> boxes;
    for (auto& w : workers) boxes.push_back(w->inbox());
    accepting = std::make_unique<listener>(options.listen, std::move(boxes), e.probe.connections);
  }

  void dispatch(request_head&& head, request_body&& body, const std::string& client, std::uint64_t serial) {
    const auto path = head.path();
    const route* r = find_route(path);
    auto out =
        std::make_shared<wire_responder>(workers[serial_worker(serial)]->inbox(), serial, head.keep_alive,
                                         head.method == "HEAD", edge_ref, r ? r->probe_index : unknown_route_probe());
    if (!r) return send_error(out, make_error(errc::no_route, "no such route: " + std::string(path)));
    if (edge_ref.draining.load()) return send_error(out, make_error(errc::unavailable, "shutting down"));
    try {
      auto [owner, bytes] = hold(std::move(body));
      request call{head.method, std::string(path), std::move(owner),
                   params::parse(head.query(), field_or_empty(head, "content-type"), bytes), client};
      if (call.args.too_many_fields())
        return send_error(out, make_error(errc::bad_parameter, "more than " + std::to_string(max_form_fields) +
                                                                   " fields in the query or form"));
      call.conditions = {field_or_empty(head, "range"), field_or_empty(head, "if-range"),
                         field_or_empty(head, "if-none-match")};
      r->handle(edge_ref, call, out);
    } catch (const std::exception& ex) {
      send_error(out, make_error(errc::internal, ex.what()));
    }
  }

  edge& edge_ref;
  connection_limits limits;
  request_sink sink;
  std::vector<std::unique_ptr<worker>> workers;
  std::unique_ptr<listener> accepting;
  bool stopped = false;
};

server::server(const server_options& options, edge& e) : impl_(std::make_unique<impl>(options, e)) {
  std::signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not kill the server
}

server::~server() { stop(); }

void server::start() {
  for (auto& w : impl_->workers) w->start();
  impl_->accepting->start();
}

void server::drain(std::chrono::milliseconds limit) {
  auto& e = impl_->edge_ref;
  e.draining = true;
  auto deadline = clock::now() + limit;
  while (e.in_flight.load() > 0 && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void server::stop() {
  if (impl_ && !impl_->stopped) {
    impl_->stopped = true;
    impl_->accepting->stop();
    for (auto& w : impl_->workers) w->stop();
  }
}

}  // namespace reel::http
