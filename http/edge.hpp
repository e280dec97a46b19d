// What every HTTP handler works with: the request as plain data, a way to answer, and the
// edge's shared parts (service, token keys, password pool, settings).
// No Pistache here: handlers are plain functions that tests can call.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/service.hpp"
#include "http/bounded_pool.hpp"
#include "http/params.hpp"
#include "http/password_pool.hpp"
#include "http/probe.hpp"
#include "http/rate_limit.hpp"
#include "http/tokens.hpp"
#include "media/library.hpp"

namespace reel::http {

// The headers of conditional and range requests (RFC 9110 13, 14); empty when absent.
struct request_conditions {
  std::string range;
  std::string if_range;
  std::string if_none_match;
};

struct request {
  std::string method;
  std::string path;  // without the query string
  // Keeps the body's bytes alive (a string, or an upload's spool file mapped read-only):
  // `args` file parts view them.
  std::shared_ptr<const void> body;
  params args;
  std::string client;  // peer address, the key of rate limiting
  request_conditions conditions{};
};

// Response header fields (name, value) beyond Content-Type, Content-Length and Connection.
using header_list = std::vector<std::pair<std::string, std::string>>;

// Answers one request exactly once, from any thread.
class responder {
 public:
  virtual ~responder() = default;
  virtual void send(int http_status, std::string_view content_type, std::string body) = 0;
  // Answers with `body` (the whole representation or the region a Range asked for) and
  // `headers`; `head_only` sends the same head, Content-Length included, and no body (HEAD).
  // A 304 carries neither Content-Length nor a body.
  virtual void send_bytes(int http_status, std::string_view content_type, const header_list& headers, std::string body,
                          bool head_only) = 0;
  // Answers with bytes [offset, offset + length) of `file` as the body, read and sent in
  // bounded pieces (never the whole file in memory) with Content-Length: length, `headers`
  // and, unless `content_type` is empty, Content-Type. `head_only` sends the same head and
  // no body (HEAD). A 304 carries neither Content-Length nor a body. `file` is not opened
  // when no body is sent; when it cannot be opened or is shorter than the region, the answer
  // is a 500 with the JSON envelope (a file that shrinks during the transfer cuts the
  // connection, as its head already promised the length).
  virtual void send_file(int http_status, std::string_view content_type, const header_list& headers,
                         const std::filesystem::path& file, std::uint64_t offset, std::uint64_t length,
                         bool head_only) = 0;
};

using responder_ptr = std::shared_ptr<responder>;

struct edge_settings {
  std::string public_url = "http://127.0.0.1:8080";
  std::chrono::seconds token_ttl{7 * 24 * 3600};
  std::size_t max_body_bytes = 1 << 20;  // every route but uploads
  std::size_t max_message_bytes = 4096;
  std::size_t max_upload_bytes = 64 << 20;  // publish bodies
  std::size_t max_title_bytes = 256;
  std::size_t max_comment_bytes = 2000;
  media::limits media_limits;
};

struct edge {
  service& api;
  token_keys keys;
  password_pool& passwords;
  media::library& media;
  bounded_pool& upload_pool;  // first stage of a publish: content hash and lookup (instant publish)
  bounded_pool& media_pool;   // second stage, for new bytes: validation and cover extraction (FFmpeg)
  edge_settings cfg;
  std::function<bool()> ready;
  std::function<std::string()> node_metrics;
  std::function<std::string()> cluster_status;  // JSON; "{}" on a single node
  // Whether a write may go ahead: errc::ok, or why this node refuses writes right now
  // (errc::storage_full: the data disk is full); counts the refusal (actors::node::admit_write).
  std::function<errc()> admit_write = [] { return errc::ok; };
  http_probe probe;
  std::atomic<bool> draining{false};  // shutting down: new requests are refused
  std::atomic<int> in_flight{0};      // requests not yet answered
};

using handler = void (*)(edge&, const request&, responder_ptr);

}  // namespace reel::http
