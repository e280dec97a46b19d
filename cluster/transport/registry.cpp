#include "cluster/transport/registry.hpp"

namespace reel::cluster::transport {

void configure(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  // A hung or partitioned peer gives no down message without heartbeats (STACK.md): with
  // these, its proxies die within about two seconds.
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(500)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(2)});
  // Replication (add_message_type also registers std::vector<T>).
  cfg.add_message_type<replication::node_id>("reel::node_id");
  cfg.add_message_type<replication::member>("reel::member");
  cfg.add_message_type<replication::configuration>("reel::configuration");
  cfg.add_message_type<replication::entry>("reel::entry");
  cfg.add_message_type<replication::append_request>("reel::append_request");
  cfg.add_message_type<replication::append_response>("reel::append_response");
  cfg.add_message_type<snapshot_chunk>("reel::snapshot_chunk");
  // Entity requests routed to a partition's primary.
  cfg.add_message_type<user_id>("reel::user_id");
  cfg.add_message_type<video_id>("reel::video_id");
  cfg.add_message_type<comment_id>("reel::comment_id");
  cfg.add_message_type<millis>("reel::millis");
}

}  // namespace reel::cluster::transport
