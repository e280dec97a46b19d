// The HTTP edge: a listener and worker threads (http/reactor.hpp) that read HTTP/1.1
// requests (http/connection.hpp), hand each to its route's handler, and write the answers
// in request order, from whatever thread finishes them.
#pragma once

#include <memory>
#include <string>

#include "http/connection.hpp"
#include "http/edge.hpp"

namespace reel::http {

struct server_options {
  std::string listen = "127.0.0.1:8080";
  unsigned threads = 2;
  connection_limits connection;  // head size; head, body, idle and write deadlines
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
