// One Reel node: its store, group committer, id generator, actor system and the service
// the HTTP edge calls. No CAF in this header: app/ and http/ see only plain C++.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "actors/service.hpp"
#include "actors/settings.hpp"

namespace reel::actors {

struct node_options {
  std::filesystem::path data_dir;
  settings cfg;
};

class node {
 public:
  // Opens storage, starts the actors and replays the outbox; throws std::runtime_error.
  explicit node(const node_options& options);
  // Stops the actors, commits what is queued and closes storage.
  ~node();

  service& api();
  // Ready to serve: the outbox replay of the start has been applied and the interrupted
  // fan-out jobs are loaded (reel_fanout_pending_jobs counts them).
  bool ready() const;
  // Prometheus text for /metrics.
  std::string metrics() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace reel::actors
