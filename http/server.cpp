#include "http/server.hpp"

#include <pistache/endpoint.h>
#include <pistache/http.h>

#include <csignal>
#include <thread>

#include "http/args.hpp"
#include "http/json.hpp"
#include "http/routes.hpp"

namespace reel::http {

namespace {

namespace ph = Pistache::Http;
using clock = std::chrono::steady_clock;

// Answers through Pistache from any thread (ResponseWriter::send queues to the reactor).
class pistache_responder final : public responder {
 public:
  pistache_responder(ph::ResponseWriter writer, bool keep_alive, edge& e, std::size_t probe_index)
      : writer_(std::move(writer)), keep_alive_(keep_alive), edge_(e), probe_index_(probe_index) {
    edge_.in_flight.fetch_add(1);
  }

  // Every request is answered: a path that dropped its responder gets an internal error.
  ~pistache_responder() override {
    if (!sent_) send_error_body();
  }

  void send(int http_status, std::string_view content_type, std::string body) override {
    if (sent_) return;
    sent_ = true;
    // Pistache presets "Connection: close" unless the request said keep-alive, and closes
    // the connection after such a response: HTTP/1.1 is persistent by default.
    writer_.headers().remove<ph::Header::Connection>();
    writer_.headers().add<ph::Header::Connection>(keep_alive_ ? ph::ConnectionControl::KeepAlive
                                                              : ph::ConnectionControl::Close);
    writer_.send(static_cast<ph::Code>(http_status), body, ph::Mime::MediaType::fromString(std::string(content_type)));
    edge_.probe.observe(probe_index_, http_status,
                        std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start_));
    edge_.in_flight.fetch_sub(1);
  }

 private:
  void send_error_body() {
    auto e = make_error(errc::internal, "the request was dropped");
    send(info(e.code).http_status, "application/json", json::status(e));
  }

  ph::ResponseWriter writer_;
  bool keep_alive_;
  bool sent_ = false;
  edge& edge_;
  std::size_t probe_index_;
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

class pistache_handler final : public ph::Handler {
 public:
  HTTP_PROTOTYPE(pistache_handler)

  explicit pistache_handler(edge& e) : edge_(e) {}

  void onRequest(const ph::Request& req, ph::ResponseWriter writer) override {
    const route* r = find_route(req.resource());
    auto out = std::make_shared<pistache_responder>(std::move(writer), wants_keep_alive(req), edge_,
                                                    r ? r->probe_index : unknown_route_probe());
    if (!r) return send_error(out, make_error(errc::no_route, "no such route: " + req.resource()));
    if (edge_.draining.load()) return send_error(out, make_error(errc::unavailable, "shutting down"));
    if (req.body().size() > edge_.cfg.max_body_bytes)
      return send_error(out, make_error(errc::too_large, "request body is larger than the configured limit"));
    try {
      auto content_type = req.headers().tryGetRaw("Content-Type");
      auto body = std::make_shared<const std::string>(req.body());
      request call{ph::methodString(req.method()), req.resource(), body,
                   params::parse(raw_query(req), content_type ? content_type->value() : std::string(), *body),
                   req.address().host()};
      r->handle(edge_, call, out);
    } catch (const std::exception& ex) {
      send_error(out, make_error(errc::internal, ex.what()));
    }
  }

 private:
  edge& edge_;
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
    endpoint.setHandler(std::make_shared<pistache_handler>(e));
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
