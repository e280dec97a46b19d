#include "app/config.hpp"

#include <CLI/CLI.hpp>

namespace reel::app {

std::optional<int> parse(int argc, char** argv, config& c) {
  CLI::App cli{"reeld: the Reel short-video backend"};
  cli.footer("Bulk loading: reeld import --help");
  cli.set_config("--config", "", "read options from this TOML/INI file (flags override it)");
  std::string public_url;
  std::int64_t idle_ms = c.actors.idle_passivation.count();
  std::int64_t timeout_ms = c.actors.request_timeout.count();
  std::int64_t token_ttl_s = c.edge.token_ttl.count();
  auto& conn = c.server.connection;
  std::int64_t idle_conn_s = std::chrono::duration_cast<std::chrono::seconds>(conn.idle_timeout).count();
  std::int64_t head_timeout_ms = conn.head_timeout.count();
  std::int64_t body_timeout_ms = conn.body_timeout.count();
  cli.add_option("--listen", c.server.listen, "address and port to serve HTTP on")->capture_default_str();
  cli.add_option("--data-dir", c.data_dir, "directory of the node's data (RocksDB, token secret)")
      ->capture_default_str();
  cli.add_option("--public-url", public_url, "base URL clients reach this server at (default: http://<listen>)");
  cli.add_option("--http-threads", c.server.threads, "HTTP worker threads (each owns its connections)")
      ->capture_default_str();
  cli.add_option("--idle-passivation-ms", idle_ms, "stop an entity actor after this long without messages")
      ->capture_default_str();
  cli.add_option("--request-timeout-ms", timeout_ms, "timeout of every actor request; then 'unavailable'")
      ->capture_default_str();
  cli.add_option("--token-ttl", token_ttl_s, "login token lifetime in seconds")->capture_default_str();
  cli.add_option("--max-body-bytes", c.edge.max_body_bytes, "largest request body accepted (413 above)")
      ->capture_default_str();
  cli.add_option("--max-message-bytes", c.edge.max_message_bytes, "longest chat message in bytes")
      ->capture_default_str();
  cli.add_option("--idle-connection-timeout", idle_conn_s,
                 "seconds before an idle keep-alive connection, or one that reads nothing of its answer, is closed")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  cli.add_option("--header-timeout-ms", head_timeout_ms,
                 "a request's line and headers must arrive within this of its first byte (408, then closed)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  cli.add_option("--body-timeout-ms", body_timeout_ms,
                 "a request body must grow by 16 KiB or end within each such period (408, then closed)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3'600'000));
  cli.add_option("--max-header-bytes", conn.head.max_head_bytes, "longest request line and header section (431 above)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{256}, std::size_t{1} << 20));
  cli.add_option("--rate-limit-rps", c.rate_limit_per_second,
                 "register/login attempts per second per client address (0 = unlimited)")
      ->capture_default_str();
  cli.add_option("--rate-limit-burst", c.rate_limit_burst, "register/login burst per client address")
      ->capture_default_str();
  cli.add_option("--hash-threads", c.hash_threads, "threads hashing passwords (Argon2id, 64 MiB each)")
      ->capture_default_str();
  cli.add_option("--hash-queue", c.hash_queue, "password hashes allowed to wait; beyond it 'busy' (503)")
      ->capture_default_str();
  std::int64_t max_video_s = c.edge.media_limits.max_duration.count();
  cli.add_option("--max-upload-bytes", c.edge.max_upload_bytes, "largest video upload accepted (413 above)")
      ->capture_default_str();
  cli.add_option("--max-video-seconds", max_video_s, "longest video accepted")->capture_default_str();
  cli.add_option("--upload-threads", c.upload_threads, "threads hashing uploads (SHA-256; known bytes publish at once)")
      ->capture_default_str();
  cli.add_option("--upload-queue", c.upload_queue, "uploads allowed to wait for hashing; beyond it 'busy' (503)")
      ->capture_default_str();
  cli.add_option("--media-threads", c.media_threads, "threads validating uploads and extracting covers (FFmpeg)")
      ->capture_default_str();
  cli.add_option("--media-queue", c.media_queue, "uploads allowed to wait for validation; beyond it 'busy' (503)")
      ->capture_default_str();
  cli.add_option("--batch-niceness", c.batch_niceness,
                 "nice value of the password-hashing and video threads, so that bursts of them yield to requests")
      ->check(CLI::Range(0, 19))
      ->capture_default_str();
  cli.add_option("--inbox-cap", c.actors.inbox_cap, "newest entries kept in each home timeline")->capture_default_str();
  cli.add_option("--celebrity-threshold", c.actors.celebrity_threshold,
                 "authors with this many followers are merged at read time instead of pushed")
      ->capture_default_str();
  cli.add_option("--fanout-page", c.actors.fanout_page, "followers read per fan-out step (several steps run at once)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option(
         "--read-cache-mb", c.actors.read_cache_mb,
         "memory for user, video and edge records read by key (3/4) and the newest entries of inboxes and works lists "
         "(1/4); each reading thread keeps a further copy of up to 1/8 of each part (0 = read RocksDB every time)")
      ->capture_default_str();
  cli.add_option("--gateway-actors", c.actors.gateway_actors, "edge actors turning writes into actor messages")
      ->capture_default_str();
  std::string min_free_bytes = "auto";
  cli.add_option("--min-free-bytes", min_free_bytes,
                 "free space writes leave on the data disk; below it they are refused with 'storage full' (507), "
                 "reads go on (auto: 1% of the disk, at most 256 MiB; 0: none)")
      ->capture_default_str()
      ->check([](const std::string& v) {
        bool digits = !v.empty() && v.size() <= 19 && v.find_first_not_of("0123456789") == std::string::npos;
        return v == "auto" || digits ? std::string() : std::string("must be a number of bytes or 'auto'");
      });
  cli.add_option("--debug-clock-offset-ms", c.debug_clock_offset_ms, "shift the wall clock (tests: clock set back)")
      ->group("Testing");
  // Cluster mode (README: "Running a cluster").
  std::string etcd, node_name, advertise, cluster_bind, cluster_name = "reel";
  std::uint16_t cluster_port = 0;
  std::int64_t lease_ttl_s = 2;
  std::size_t bootstrap_nodes = 1;
  cli.add_option("--etcd", etcd, "etcd endpoints, comma-separated (e.g. http://127.0.0.1:2379): run as a cluster node")
      ->group("Cluster");
  cli.add_option("--cluster", cluster_name, "the cluster's name: its keys in etcd live under /reel/<name>")
      ->group("Cluster")
      ->capture_default_str();
  cli.add_option("--node-name", node_name,
                 "this node's stable name; it decides the node number (default: <advertised host>-<HTTP port>)")
      ->group("Cluster");
  cli.add_option("--advertise", advertise,
                 "the address peers reach this node's cluster port at (default: the host of --listen, or 127.0.0.1)")
      ->group("Cluster");
  cli.add_option("--cluster-port", cluster_port, "port for the other nodes (0: any free port, published in etcd)")
      ->group("Cluster")
      ->capture_default_str();
  cli.add_option("--cluster-bind", cluster_bind, "address the cluster port binds to (default: the advertised one)")
      ->group("Cluster");
  cli.add_option("--lease-ttl", lease_ttl_s,
                 "seconds: a node silent for this long loses its partitions (etcd lease TTL, at least 2)")
      ->group("Cluster")
      ->check(CLI::Range(2, 60))
      ->capture_default_str();
  std::uint64_t log_retention = 10'000;
  cli.add_option(
         "--log-retention", log_retention,
         "log entries each partition keeps behind its applied point; a node further behind catches up from a snapshot")
      ->group("Cluster")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cli.add_option("--bootstrap-nodes", bootstrap_nodes,
                 "the first placement of partitions waits until this many nodes have joined")
      ->group("Cluster")
      ->check(CLI::Range(1, 16))
      ->capture_default_str();
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  c.actors.idle_passivation = std::chrono::milliseconds(idle_ms);
  c.actors.request_timeout = std::chrono::milliseconds(timeout_ms);
  c.actors.max_message_bytes = c.edge.max_message_bytes;
  if (min_free_bytes != "auto") c.actors.min_free_bytes = std::stoull(min_free_bytes);
  c.edge.token_ttl = std::chrono::seconds(token_ttl_s);
  conn.idle_timeout = std::chrono::seconds(idle_conn_s);
  conn.head_timeout = std::chrono::milliseconds(head_timeout_ms);
  conn.body_timeout = std::chrono::milliseconds(body_timeout_ms);
  conn.write_timeout = conn.idle_timeout;
  c.edge.media_limits.max_duration = std::chrono::seconds(max_video_s);
  c.edge.public_url = public_url.empty() ? "http://" + c.server.listen : public_url;
  while (c.edge.public_url.size() > 1 && c.edge.public_url.back() == '/') c.edge.public_url.pop_back();
  if (!etcd.empty()) {
    actors::cluster_options cluster;
    auto& m = cluster.membership;
    for (std::size_t at = 0; at <= etcd.size();) {
      auto comma = std::min(etcd.find(',', at), etcd.size());
      if (comma > at) m.etcd.push_back(etcd.substr(at, comma - at));
      at = comma + 1;
    }
    auto listen_host = c.server.listen.substr(0, c.server.listen.rfind(':'));
    auto http_port = c.server.listen.substr(c.server.listen.rfind(':') + 1);
    m.advertise_host = !advertise.empty()                                  ? advertise
                       : (listen_host.empty() || listen_host == "0.0.0.0") ? "127.0.0.1"
                                                                           : listen_host;
    m.node_name = node_name.empty() ? m.advertise_host + "-" + http_port : node_name;
    m.cluster = cluster_name;
    m.http_url = c.edge.public_url;
    m.lease_ttl = std::chrono::seconds(lease_ttl_s);
    m.bootstrap_nodes = bootstrap_nodes;
    cluster.listen_host = cluster_bind.empty() ? m.advertise_host : cluster_bind;
    cluster.listen_port = cluster_port;
    cluster.log_retention = log_retention;
    c.cluster = std::move(cluster);
  }
  return std::nullopt;
}

}  // namespace reel::app
