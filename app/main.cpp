// reeld: one Reel node serving the client API over HTTP.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <string_view>

#include "app/config.hpp"
#include "app/import.hpp"
#include "app/status.hpp"
#include "cluster/clock.hpp"
#include "http/server.hpp"

namespace {

// Blocks SIGINT/SIGTERM in every thread started after this, so sigwait() receives them.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int run(const reel::app::config& cfg) {
  auto signals = block_shutdown_signals();
  reel::cluster::set_clock_offset(cfg.debug_clock_offset_ms);
  reel::media::library media(cfg.data_dir / "media");
  reel::actors::media_store media_store{
      [&media](const std::string& hash) { return media.find(hash).has_value(); },
      [&media](const std::string& hash, std::uint8_t part, std::uint64_t offset, std::size_t max) {
        return media.read_piece(hash, static_cast<reel::media::library::part>(part), offset, max);
      },
      [&media](const std::string& hash, std::uint8_t part, std::uint64_t offset, std::string_view bytes, bool last,
               const std::string& sender) {
        return media.receive_piece(hash, static_cast<reel::media::library::part>(part), offset, bytes, last, sender);
      }};
  // Register/login attempts per client address; on a cluster the node that owns an
  // address counts it, so the limit holds cluster-wide (service::admit_attempt).
  reel::http::rate_limiter limiter(cfg.rate_limit_per_second, cfg.rate_limit_burst);
  auto admit = [&limiter](const std::string& client) {
    return limiter.allow(client, std::chrono::steady_clock::now());
  };
  reel::actors::node node({cfg.data_dir, cfg.actors, cfg.cluster, media_store, admit});
  // New videos leave the same free-space reserve as the store's writes.
  media.check_room([&node](std::uint64_t bytes) { return node.room_for(bytes); });
  // A cluster's nodes check each other's tokens: they share one secret (the first node's).
  auto local_key = reel::http::token_keys::load_or_create(cfg.data_dir / "token.key");
  auto keys = reel::http::token_keys::from_bytes(node.token_secret(local_key.bytes()));
  reel::http::password_pool passwords(cfg.hash_threads, cfg.hash_queue, cfg.batch_niceness);
  reel::http::bounded_pool upload_pool(cfg.upload_threads, cfg.upload_queue);
  reel::http::bounded_pool media_pool(cfg.media_threads, cfg.media_queue, cfg.batch_niceness);
  reel::http::edge edge{.api = node.api(),
                        .keys = keys,
                        .passwords = passwords,
                        .media = media,
                        .upload_pool = upload_pool,
                        .media_pool = media_pool,
                        .cfg = cfg.edge,
                        .ready = [&node] { return node.ready(); },
                        .node_metrics = [&node] { return node.metrics(); },
                        .cluster_status = [&node] { return node.cluster_status(); },
                        .admit_write = [&node] { return node.admit_write(); }};
  // Uploads are written here as they arrive (unlinked files: nothing to clean up).
  auto server_options = cfg.server;
  server_options.connection.spool_dir = (cfg.data_dir / "spool").string();
  std::filesystem::create_directories(server_options.connection.spool_dir);
  reel::http::server server(server_options, edge);
  server.start();
  fmt::print("reeld: serving on {} (data in {}, public URL {}{})\n", cfg.server.listen, cfg.data_dir.string(),
             cfg.edge.public_url, cfg.cluster ? ", cluster " + cfg.cluster->membership.cluster : std::string());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  fmt::print("reeld: signal {}, shutting down\n", sig);
  // Answer what is in flight, stop taking requests; the node then stops its actors and
  // commits what is queued.
  server.drain(std::chrono::seconds(10));
  server.stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "import") return reel::app::run_import(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "status") return reel::app::run_status(argc - 1, argv + 1);
  reel::app::config cfg;
  if (auto code = reel::app::parse(argc, argv, cfg)) return *code;
  try {
    return run(cfg);
  } catch (const std::exception& e) {
    fmt::print(stderr, "reeld: {}\n", e.what());
    return 1;
  }
}
