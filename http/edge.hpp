// What every HTTP handler works with: the request as plain data, a way to answer, and the
// edge's shared parts (service, token keys, password pool, rate limiter, settings).
// No Pistache here: handlers are plain functions that tests can call.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/service.hpp"
#include "http/params.hpp"
#include "http/password_pool.hpp"
#include "http/probe.hpp"
#include "http/rate_limit.hpp"
#include "http/tokens.hpp"

namespace reel::http {

struct request {
  std::string method;
  std::string path;  // without the query string
  std::shared_ptr<const std::string> body;  // owns the bytes that `args` file parts view
  params args;
  std::string client;  // peer address, the key of rate limiting
};

// Answers one request exactly once, from any thread.
class responder {
 public:
  virtual ~responder() = default;
  virtual void send(int http_status, std::string_view content_type, std::string body) = 0;
};

using responder_ptr = std::shared_ptr<responder>;

struct edge_settings {
  std::string public_url = "http://127.0.0.1:8080";
  std::chrono::seconds token_ttl{7 * 24 * 3600};
  std::size_t max_body_bytes = 1 << 20;  // every route but uploads
  std::size_t max_message_bytes = 4096;
};

struct edge {
  service& api;
  token_keys keys;
  password_pool& passwords;
  rate_limiter& limiter;
  edge_settings cfg;
  std::function<bool()> ready;
  std::function<std::string()> node_metrics;
  http_probe probe;
  std::atomic<bool> draining{false};  // shutting down: new requests are refused
  std::atomic<int> in_flight{0};      // requests not yet answered
};

using handler = void (*)(edge&, const request&, responder_ptr);

}  // namespace reel::http
