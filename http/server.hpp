// The HTTP edge: a Pistache endpoint whose reactor threads parse requests, validate them
// and hand them to the handlers; replies are written from whatever thread finishes.
#pragma once

#include <memory>
#include <string>

#include "http/edge.hpp"

namespace reel::http {

struct server_options {
  std::string listen = "127.0.0.1:8080";
  unsigned threads = 2;
  std::size_t max_request_bytes = 64 << 20;  // Pistache's own buffer limit (headers + body)
  std::chrono::seconds idle_timeout{60};    // keep-alive connections idle longer are closed
};

class server {
 public:
  server(const server_options& options, edge& e);
  ~server();
  void start();  // returns once listening; serves on background threads
  // Answers new requests with 'unavailable' and waits (at most `limit`) until every request
  // in flight has been answered.
  void drain(std::chrono::milliseconds limit);
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace reel::http
