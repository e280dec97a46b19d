#include "cluster/transport/transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>

namespace reel::cluster::transport {

namespace {

constexpr auto connect_every = std::chrono::milliseconds(200);
constexpr auto connect_timeout = std::chrono::seconds(3);
// A chunk is about a megabyte, written with one fsync: far below this even on a busy disk.
constexpr auto chunk_timeout = std::chrono::seconds(30);

}  // namespace

// What the endpoint, the connector and the senders share.
struct transport::shared {
  struct connection {
    peer_address address;
    caf::actor endpoint;
    caf::actor router;
    std::uint64_t incarnation = 0;
  };

  std::function<replication::member()> self;
  transport_hooks hooks;
  std::uint16_t port = 0;  // this node's cluster port, once listening
  mutable std::mutex mutex;
  std::map<std::uint16_t, peer_address> wanted;
  std::map<std::uint16_t, connection> connected;
  caf::actor router;
};

namespace {

using shared_ptr = std::shared_ptr<transport::shared>;

// Snapshot chunks are answered once durable, from the replicator's side: the answer comes
// back here as an ack message and is delivered on the endpoint's own thread.
struct endpoint_state {
  std::uint64_t next_token = 0;
  std::unordered_map<std::uint64_t, caf::typed_response_promise<bool>> pending;
};

caf::behavior endpoint(caf::stateful_actor<endpoint_state>* self, shared_ptr s) {
  return {
      [=](hello_atom) -> caf::result<std::uint16_t, std::uint64_t, caf::actor> {
        auto me = s->self();
        std::lock_guard lock(s->mutex);
        return {me.node.value, me.incarnation, s->router};
      },
      [=](replicate_atom, std::uint16_t from, std::vector<replication::append_request>& requests,
          std::vector<replication::append_response>& responses) {
        s->hooks.replicate(replication::node_id(from), std::move(requests), std::move(responses));
      },
      [=](snapshot_atom, std::uint16_t from, snapshot_chunk& chunk) {
        auto rp = self->make_response_promise<bool>();
        auto token = ++self->state.next_token;
        self->state.pending.emplace(token, rp);
        auto me = caf::actor_cast<caf::actor>(self);
        s->hooks.snapshot(replication::node_id(from), std::move(chunk),
                          [me, token](bool ok) { caf::anon_send(me, snapshot_ack_atom::value, token, ok); });
        return rp;
      },
      [=](snapshot_ack_atom, std::uint64_t token, bool ok) {
        auto it = self->state.pending.find(token);
        if (it == self->state.pending.end()) return;
        it->second.deliver(ok);
        self->state.pending.erase(it);
      },
  };
}

// Sends the chunks of one snapshot, each after the previous one was acknowledged.
void send_chunks(caf::event_based_actor* self, caf::actor target, std::uint16_t me, chunk_source source,
                 chunk_ack done) {
  std::optional<snapshot_chunk> chunk;
  try {
    chunk = source();
  } catch (const std::exception&) {
    chunk.reset();
  }
  if (!chunk) {
    done(false);
    return self->quit();
  }
  bool last = chunk->last;
  self->request(target, chunk_timeout, snapshot_atom::value, me, std::move(*chunk))
      .then(
          [=](bool ok) {
            if (!ok || last) {
              done(ok);
              return self->quit();
            }
            send_chunks(self, target, me, source, done);
          },
          [=](caf::error&) {
            done(false);
            self->quit();
          });
}

struct connector_state {
  std::set<std::uint16_t> connecting;
};

using connector_ptr = caf::stateful_actor<connector_state>*;

void lost(const shared_ptr& s, const caf::actor_addr& who) {
  std::optional<std::uint16_t> node;
  {
    std::lock_guard lock(s->mutex);
    for (auto it = s->connected.begin(); it != s->connected.end(); ++it) {
      if (it->second.endpoint.address() != who) continue;
      node = it->first;
      s->connected.erase(it);
      break;
    }
  }
  if (node && s->hooks.peer_lost) s->hooks.peer_lost(replication::node_id(*node));
}

void connect(connector_ptr self, const shared_ptr& s, peer_address address) {
  auto node = address.node.value;
  self->state.connecting.insert(node);
  auto done = [self, node] { self->state.connecting.erase(node); };
  auto middleman = self->system().middleman().actor_handle();
  self->request(middleman, connect_timeout, caf::connect_atom::value, address.host, address.port)
      .then(
          [=](caf::node_id&, caf::strong_actor_ptr& found, std::set<std::string>&) {
            if (!found) return done();
            auto remote = caf::actor_cast<caf::actor>(found);
            self->request(remote, connect_timeout, hello_atom::value)
                .then(
                    [=](std::uint16_t who, std::uint64_t incarnation, caf::actor router) {
                      done();
                      if (who != node) return;  // another node listens there now
                      self->monitor(remote);
                      std::lock_guard lock(s->mutex);
                      auto wanted = s->wanted.find(node);
                      if (wanted == s->wanted.end() || !(wanted->second == address)) return;
                      s->connected[node] = transport::shared::connection{address, remote, router, incarnation};
                    },
                    [=](caf::error&) { done(); });
          },
          [=](caf::error&) { done(); });
}

// CAF 0.17 leaves Nagle's algorithm on for its connections and gives no access to their
// sockets. Small replication messages then wait for the peer's delayed ACK (40 ms on
// Linux): a publish's median latency was 37 ms on loopback. This turns TCP_NODELAY on for
// every TCP socket of the process whose local port is the cluster port (accepted
// connections) or whose peer is a peer's cluster port; setting it again is harmless.
void disable_nagle(std::uint16_t own_port, const std::set<std::uint16_t>& peer_ports) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = 0;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 || local.ss_family != AF_INET ||
        ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0)
      continue;
    auto local_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    auto peer_port = ntohs(reinterpret_cast<sockaddr_in*>(&peer)->sin_port);
    if (local_port != own_port && !peer_ports.count(peer_port)) continue;
    int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
}

// Every connect_every: drops connections no longer wanted, starts the missing ones.
void reconcile(connector_ptr self, const shared_ptr& s) {
  std::vector<peer_address> missing;
  std::set<std::uint16_t> peer_ports;
  {
    std::lock_guard lock(s->mutex);
    for (const auto& [node, address] : s->wanted) peer_ports.insert(address.port);
    std::erase_if(s->connected, [&](const auto& c) {
      auto wanted = s->wanted.find(c.first);
      return wanted == s->wanted.end() || !(wanted->second == c.second.address);
    });
    for (const auto& [node, address] : s->wanted)
      if (!s->connected.count(node) && !self->state.connecting.count(node)) missing.push_back(address);
  }
  for (auto& address : missing) connect(self, s, std::move(address));
  if (s->port != 0) disable_nagle(s->port, peer_ports);
}

caf::behavior connector(connector_ptr self, shared_ptr s) {
  self->set_down_handler([s](caf::down_msg& down) { lost(s, down.source); });
  self->send(self, caf::tick_atom::value);
  return {
      [=](caf::tick_atom) {
        reconcile(self, s);
        self->delayed_send(self, connect_every, caf::tick_atom::value);
      },
  };
}

}  // namespace

transport::transport(caf::actor_system& sys, std::function<replication::member()> self, transport_hooks hooks)
    : sys_(sys), shared_(std::make_shared<shared>()) {
  shared_->self = std::move(self);
  shared_->hooks = std::move(hooks);
  // Scheduled, not detached: CAF 0.17 waits in ~actor_system for a detached actor's thread
  // until the actor is destroyed, and a node stopping while peers were connected sometimes
  // kept a reference to it somewhere in the middleman: the node hung on shutdown (about one
  // stop in 25; test_transport.cpp, "shuts down while peers are connected"). Its handlers only
  // hand messages over, so sharing the workers costs nothing measurable.
  endpoint_ = sys_.spawn(endpoint, shared_);
  connector_ = sys_.spawn(connector, shared_);
}

transport::~transport() { stop(); }

std::uint16_t transport::listen(const std::string& host, std::uint16_t port) {
  auto bound = sys_.middleman().publish(endpoint_, port, host.empty() ? nullptr : host.c_str(), true);
  if (!bound)
    throw std::runtime_error("cannot listen for peers on " + host + ":" + std::to_string(port) + ": " +
                             sys_.render(bound.error()));
  port_ = *bound;
  std::lock_guard lock(shared_->mutex);
  shared_->port = port_;
  return port_;
}

void transport::set_router(caf::actor router) {
  std::lock_guard lock(shared_->mutex);
  shared_->router = std::move(router);
}

void transport::set_peers(std::vector<peer_address> peers) {
  std::lock_guard lock(shared_->mutex);
  shared_->wanted.clear();
  for (auto& p : peers) shared_->wanted[p.node.value] = std::move(p);
}

void transport::send(replication::node_id to, std::vector<replication::append_request> requests,
                     std::vector<replication::append_response> responses) {
  caf::actor target;
  {
    std::lock_guard lock(shared_->mutex);
    auto c = shared_->connected.find(to.value);
    if (c == shared_->connected.end()) return;  // not connected: replication resends
    target = c->second.endpoint;
  }
  caf::anon_send(target, replicate_atom::value, shared_->self().node.value, std::move(requests), std::move(responses));
}

void transport::send_snapshot(replication::node_id to, chunk_source source, chunk_ack done) {
  caf::actor target;
  {
    std::lock_guard lock(shared_->mutex);
    auto c = shared_->connected.find(to.value);
    if (c != shared_->connected.end()) target = c->second.endpoint;
  }
  if (!target) return done(false);
  auto me = shared_->self().node.value;
  sys_.spawn([target, me, source = std::move(source), done = std::move(done)](caf::event_based_actor* self) {
    send_chunks(self, target, me, source, done);
    return caf::behavior{[](caf::tick_atom) {}};  // lives until the last answer
  });
}

caf::actor transport::router_of(replication::node_id node) const {
  std::lock_guard lock(shared_->mutex);
  auto c = shared_->connected.find(node.value);
  return c == shared_->connected.end() ? caf::actor() : c->second.router;
}

std::size_t transport::connected_peers() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->connected.size();
}

void transport::stop() {
  if (!endpoint_) return;
  if (port_ != 0) sys_.middleman().unpublish(endpoint_, port_);
  caf::anon_send_exit(connector_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(endpoint_, caf::exit_reason::user_shutdown);
  endpoint_ = nullptr;
  connector_ = nullptr;
  std::lock_guard lock(shared_->mutex);
  shared_->connected.clear();
  shared_->router = nullptr;
}

}  // namespace reel::cluster::transport
