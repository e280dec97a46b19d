// The node's link to its peers over CAF's middleman: the only part of Reel that knows it.
//
// Each node publishes one endpoint actor on its cluster port. A connector actor keeps a
// connection to every peer that membership names, and makes a new one when a peer's
// address changes or its connection dies (CAF 0.17 does not reconnect by itself); with
// heartbeats on, a hung peer's connection dies within about two seconds. Messages to a peer
// that is not connected are dropped: replication resends, entity requests time out.
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cluster/replicator.hpp"

namespace reel::cluster::transport {

using replicate_atom = caf::atom_constant<caf::atom("replicate")>;
using hello_atom = caf::atom_constant<caf::atom("hello")>;
using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;
using snapshot_ack_atom = caf::atom_constant<caf::atom("snapack")>;

struct peer_address {
  replication::node_id node;
  std::string host;
  std::uint16_t port = 0;
  friend bool operator==(const peer_address&, const peer_address&) = default;
};

struct transport_hooks {
  // Replication messages from a peer (called on the endpoint's own thread).
  std::function<void(replication::node_id from, std::vector<replication::append_request>,
                     std::vector<replication::append_response>)>
      replicate;
  std::function<void(replication::node_id)> peer_lost;
  // A snapshot chunk from a peer; `ack` says once it is durable (any thread).
  std::function<void(replication::node_id from, snapshot_chunk chunk, chunk_ack ack)> snapshot;
};

class transport final : public peer_link {
 public:
  // `self` says who this node is now (its incarnation changes when it registers again).
  transport(caf::actor_system& sys, std::function<replication::member()> self, transport_hooks hooks);
  ~transport() override;

  // Publishes this node's endpoint on host:port (port 0: a free one) and returns the port.
  // Throws std::runtime_error when it cannot.
  std::uint16_t listen(const std::string& host, std::uint16_t port);
  // The actor that peers' entity requests reach (actors/: the node's router).
  void set_router(caf::actor router);
  // The peers to stay connected to; connections to others are dropped.
  void set_peers(std::vector<peer_address> peers);

  void send(replication::node_id to, std::vector<replication::append_request> requests,
            std::vector<replication::append_response> responses) override;
  void send_snapshot(replication::node_id to, chunk_source source, chunk_ack done) override;
  // A connected peer's entity router (null when not connected).
  caf::actor router_of(replication::node_id node) const;
  std::size_t connected_peers() const;
  void stop();

  struct shared;

 private:
  caf::actor_system& sys_;
  std::shared_ptr<shared> shared_;
  caf::actor endpoint_;
  caf::actor connector_;
  std::uint16_t port_ = 0;
};

}  // namespace reel::cluster::transport
