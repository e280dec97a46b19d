#include "actors/node.hpp"

#include <algorithm>
#include <thread>

#include "actors/forwarding.hpp"
#include "actors/node_impl.hpp"
#include "cluster/clock.hpp"
#include "cluster/transport/registry.hpp"
#include "storage/records.hpp"

namespace reel::actors {

node::impl::impl(const node_options& o) : options(o) {
  db = storage::store::open(o.data_dir / "db", o.cfg.read_cache_mb << 20, o.cfg.min_free_bytes);
  // A cluster node's replicator keeps each partition's applied index itself.
  commits = std::make_unique<storage::committer>(*db, !o.cluster);
  std::uint64_t storage_id = 0;
  auto cfg = o.cfg;
  if (o.cluster) {
    storage_id = cluster::membership::load_or_create_storage_id(o.data_dir);
    cluster::membership::membership_hooks hooks{
        [this](const cluster::replication::member& me) { cluster.replicator->reincarnate(me); },
        [this](std::chrono::steady_clock::time_point until) { cluster.replicator->set_authority(until); },
        [this](std::uint16_t p, const cluster::replication::configuration& c) { cluster.replicator->set_config(p, c); },
        [this](const std::vector<cluster::membership::node_record>& live) {
          std::vector<cluster::transport::peer_address> peers;
          for (const auto& n : live)
            if (n.who.node != cluster.replicator->self().node) peers.push_back({n.who.node, n.host, n.port});
          cluster.transport->set_peers(std::move(peers));
        }};
    cluster.membership = std::make_unique<cluster::membership::membership>(o.cluster->membership, storage_id, hooks);
    cfg.node = cluster.membership->claim_number();
  } else {
    local_writes = std::make_unique<cluster::local_write_path>(*commits);
  }
  ids = std::make_unique<cluster::id_generator>(*db, cfg.node, [] { return cluster::wall_clock(); });
  // CAF's default work-stealing scheduler polls idle workers with 50 us sleeps: on a small VM
  // that costs more context switches than the work itself. The sharing policy parks idle
  // workers on a condition variable and wakes one per message.
  caf_config.set("scheduler.policy", caf::atom("sharing"));
  if (o.cluster) cluster::transport::configure(caf_config);
  // CAF starts at least 4 workers. A cluster node has four busy threads of its own besides
  // (committer, replicator, middleman, clock), and workers beyond the cores only add context
  // switches: on this 2-core VM, 3 nodes under the publish load at 300/s had a p99 of 24 ms
  // with 4 workers each and 20 ms with 2 (bench/run --only cluster_publish, two runs each).
  if (o.cluster)
    caf_config.set("scheduler.max-threads", static_cast<int>(std::max(2u, std::thread::hardware_concurrency())));
  system = std::make_unique<caf::actor_system>(caf_config);
  dir = std::make_unique<directory>(*system);
  if (o.cluster) join_cluster(static_cast<std::uint16_t>(cfg.node), storage_id);
  cluster::write_path& writes = replicated() ? static_cast<cluster::write_path&>(*cluster.replicator) : *local_writes;
  const cluster::routing& routing =
      replicated() ? static_cast<const cluster::routing&>(*cluster.replicator) : single_routing;
  auto peer_router = [this](std::uint16_t n) {
    return cluster.transport ? cluster.transport->router_of(cluster::replication::node_id(n)) : caf::actor();
  };
  ctx = std::make_unique<context>(context{*db, writes, *ids, *dir, celebrities, recent, revoked, cfg, routing,
                                          replicated(), peer_router, &options.media, options.admit});
  // A cluster replica must not write outside replication: expired revocations stay until
  // the next revocation's write takes them out.
  revoked.load(*db, cluster::wall_clock(), !replicated());
  celebrities.load(*db);
  recent.load(*db);
  db->observe([this](std::string_view key, std::optional<std::string_view> value) { follow_write(key, value); });
  dir->bind(*ctx, spawn_outbox_relay(*system, *ctx, relay), spawn_fanout(*system, *ctx, fanout));
  gateway = std::make_unique<gateway_service>(*system, *ctx, revoked);
  if (o.cluster) {
    start_cluster(*o.cluster);
    return;
  }
  caf::anon_send(dir->relay(), replay_atom::value);
  caf::anon_send(dir->fanout(), replay_atom::value);
}

// The transport and the replicator; they start working once membership starts.
void node::impl::join_cluster(std::uint16_t number, std::uint64_t storage) {
  cluster::transport::transport_hooks links{
      [this](cluster::replication::node_id from, std::vector<cluster::replication::append_request> requests,
             std::vector<cluster::replication::append_response> responses) {
        cluster.replicator->deliver(from, std::move(requests), std::move(responses));
      },
      [this](cluster::replication::node_id node) { cluster.replicator->peer_unreachable(node); },
      [this](cluster::replication::node_id from, cluster::snapshot_chunk chunk, cluster::chunk_ack ack) {
        cluster.replicator->receive_snapshot(from, std::move(chunk), std::move(ack));
      }};
  cluster.transport = std::make_unique<cluster::transport::transport>(
      *system, [this] { return cluster.membership->self(); }, links);
  cluster::replicator_options replication;
  // Incarnation 0 acts in no configuration: the first registration brings the real one.
  replication.self = {cluster::replication::node_id(number), 0, storage};
  replication.log_retention = options.cluster->log_retention;
  cluster::replicator_hooks hooks{[this](storage::partition_id p) { became_primary(p); },
                                  [this](storage::partition_id p) { stopped_primary(p); },
                                  [this](const cluster::replication::report& r) { cluster.membership->report(r); }};
  cluster.replicator =
      std::make_unique<cluster::replicator>(*db, *commits, *cluster.transport, replication, std::move(hooks));
}

void node::impl::start_cluster(const cluster_options& options) {
  cluster.router = spawn_router(*system, *ctx);
  cluster.transport->set_router(cluster.router);
  auto port = cluster.transport->listen(options.listen_host, options.listen_port);
  cluster.membership->start(port);
}

// A partition's primary changed: its entities here start afresh from storage (another
// primary may have written since they loaded), and its outbox and fan-out jobs resume here,
// or are left to the new primary.
void node::impl::became_primary(storage::partition_id p) {
  dir->stop_partition(p);
  caf::anon_send(dir->relay(), replay_atom::value, p);
  caf::anon_send(dir->fanout(), replay_atom::value, p);
}

void node::impl::stopped_primary(storage::partition_id p) {
  dir->stop_partition(p);
  caf::anon_send(dir->relay(), forget_atom::value, p);
  caf::anon_send(dir->fanout(), forget_atom::value, p);
}

node::impl::~impl() {
  gateway->stop();
  if (replicated()) {
    // First nothing more is acknowledged or applied here, then the lease goes back: the
    // controller may move the partitions at once, as this node's authority has ended.
    cluster.replicator->stop();
    cluster.membership->stop();
  }
  dir->stop_all();
  if (cluster.router) caf::anon_send_exit(cluster.router, caf::exit_reason::user_shutdown);
  if (cluster.transport) cluster.transport->stop();
  system->await_all_actors_done();
  commits->stop();
}

// The in-memory views follow every write of their tables (storage/keys.hpp:
// observed_table), before it is acknowledged: the writer's own, and on a cluster replica,
// the primary's as it applies them.
void node::impl::follow_write(std::string_view key, std::optional<std::string_view> value) {
  using storage::table;
  switch (static_cast<table>(key[2])) {
    case table::timeline:
      if (auto author = value ? storage::decode_inbox_entry(*value) : std::nullopt) {
        auto created = storage::keys::from_rev(storage::read_u64(key, storage::key_header_bytes));
        recent.add({created, video_id(storage::read_u64(key, storage::key_header_bytes + 8)), *author});
      }
      break;
    case table::revoked_token: {
      auto token = storage::read_u64(key, storage::key_header_bytes);
      auto expires = value ? storage::decode_revoked_token(*value) : std::nullopt;
      if (expires)
        revoked.add(token, *expires);
      else
        revoked.forget(token);
      break;
    }
    case table::celebrity:
      if (value) celebrities.add(user_id(storage::read_u64(key, storage::key_header_bytes)));
      break;
    default:
      break;
  }
}

node::node(const node_options& options) : impl_(std::make_unique<impl>(options)) {}
node::~node() = default;

service& node::api() { return *impl_->gateway; }

bool node::ready() const {
  if (impl_->replicated()) return impl_->cluster.replicator->can_read_all();
  return impl_->relay.replayed.load() && impl_->fanout.replayed.load();
}

errc node::admit_write() {
  // A cluster's writes may go to other nodes' disks: each partition's write path answers.
  if (impl_->replicated()) return errc::ok;
  auto& gate = impl_->db->gate();
  auto why = gate.refusal();
  if (why == errc::storage_full) gate.space().refused(1);
  return why;
}

bool node::room_for(std::uint64_t bytes) { return impl_->db->gate().space().admit(bytes); }

std::string node::token_secret(const std::string& local) {
  if (!impl_->replicated()) return local;
  return impl_->cluster.membership->token_secret(local);
}

}  // namespace reel::actors
