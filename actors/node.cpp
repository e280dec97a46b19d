#include "actors/node.hpp"

#include <fmt/format.h>

#include "actors/celebrities.hpp"
#include "actors/directory.hpp"
#include "actors/gateway.hpp"
#include "actors/outbox.hpp"
#include "actors/revocations.hpp"
#include "actors/timelines.hpp"
#include "cluster/clock.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

// CAF's default work-stealing scheduler polls idle workers with 50 us sleeps: on a small VM
// that costs more context switches than the work itself. The sharing policy parks idle
// workers on a condition variable and wakes one per message.
caf::actor_system_config& configured(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("sharing"));
  return cfg;
}

}  // namespace

struct node::impl {
  explicit impl(const node_options& options)
      : db(storage::store::open(options.data_dir / "db", options.cfg.read_cache_mb << 20)),
        commits(*db),
        ids(*db, options.cfg.node, [] { return cluster::wall_clock(); }),
        system(configured(caf_config)),
        dir(system),
        ctx{*db, commits, ids, dir, celebrities, recent, options.cfg} {
    revoked.load(*db, cluster::wall_clock());
    celebrities.load(*db);
    recent.load(*db);
    db->observe([this](std::string_view key, std::optional<std::string_view> value) { follow_write(key, value); });
    dir.bind(ctx, spawn_outbox_relay(system, ctx, relay), spawn_fanout(system, ctx, fanout));
    gateway = std::make_unique<gateway_service>(system, ctx, revoked);
    caf::anon_send(dir.relay(), replay_atom::value);
    caf::anon_send(dir.fanout(), replay_atom::value);
  }

  ~impl() {
    gateway->stop();
    dir.stop_all();
    system.await_all_actors_done();
    commits.stop();
  }

  // The in-memory views follow every write of their tables (storage/keys.hpp:
  // observed_table), before it is acknowledged: the writer's own, and on a cluster replica,
  // the primary's as it applies them.
  void follow_write(std::string_view key, std::optional<std::string_view> value) {
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
        if (expires) revoked.add(token, *expires);
        else revoked.forget(token);
        break;
      }
      case table::celebrity:
        if (value) celebrities.add(user_id(storage::read_u64(key, storage::key_header_bytes)));
        break;
      default:
        break;
    }
  }

  std::unique_ptr<storage::store> db;
  storage::committer commits;
  cluster::id_generator ids;
  caf::actor_system_config caf_config;
  caf::actor_system system;
  directory dir;
  celebrity_set celebrities;
  recent_timeline recent;
  context ctx;
  revocation_list revoked;
  relay_probe relay;
  fanout_probe fanout;
  std::unique_ptr<gateway_service> gateway;
};

node::node(const node_options& options) : impl_(std::make_unique<impl>(options)) {}
node::~node() = default;

service& node::api() { return *impl_->gateway; }

bool node::ready() const { return impl_->relay.replayed.load() && impl_->fanout.replayed.load(); }

std::string node::metrics() const {
  const auto& c = impl_->commits.probe();
  const auto& r = impl_->relay;
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
  };
  metric("reel_commit_groups_total", "counter", "fsync'd group commits", c.groups.load());
  metric("reel_commit_batches_total", "counter", "actor write batches committed", c.batches.load());
  metric("reel_commit_failures_total", "counter", "failed group commits", c.failures.load());
  metric("reel_commit_max_group", "gauge", "largest number of batches in one fsync", c.max_group.load());
  metric("reel_outbox_delivered_total", "counter", "outbox effects applied by their targets", r.delivered.load());
  metric("reel_outbox_retries_total", "counter", "outbox deliveries retried", r.retries.load());
  metric("reel_outbox_pending", "gauge", "outbox effects not yet applied", r.pending.load());
  const auto& f = impl_->fanout;
  metric("reel_fanout_pending_jobs", "gauge", "publishes whose fan-out has not finished", f.pending_jobs.load());
  metric("reel_fanout_inbox_entries_total", "counter", "inbox entries written by fan-out", f.inbox_entries.load());
  metric("reel_fanout_completed_jobs_total", "counter", "fan-out jobs finished", f.completed_jobs.load());
  metric("reel_fanout_last_job_entries", "gauge", "inbox entries written by the last pushed fan-out job",
         f.last_job_entries.load());
  metric("reel_fanout_last_job_seconds", "gauge", "start to durable end of the last pushed fan-out job",
         f.last_job_us.load() / 1e6);
  metric("reel_fanout_pulled_videos_total", "counter", "videos of celebrities, merged at read time", f.pulled_videos.load());
  metric("reel_actors_active", "gauge", "entity actors in memory", impl_->dir.active_actors());
  metric("reel_revoked_tokens", "gauge", "revoked tokens not yet expired", impl_->revoked.size());
  auto cache = impl_->db->cache_stats();
  metric("reel_read_cache_hits_total", "counter", "point reads answered from memory", cache.hits);
  metric("reel_read_cache_misses_total", "counter", "point reads that went to RocksDB", cache.misses);
  metric("reel_read_cache_bytes", "gauge", "memory held by the read cache's shared level (estimate; per-thread copies not counted)", cache.bytes);
  auto heads = impl_->db->head_cache_stats();
  metric("reel_list_head_cache_hits_total", "counter", "inbox and works reads that began in a cached head", heads.hits);
  metric("reel_list_head_cache_misses_total", "counter", "inbox and works heads read from RocksDB", heads.misses);
  metric("reel_list_head_cache_bytes", "gauge", "memory held by cached list heads (estimate; per-thread copies not counted)", heads.bytes);
  metric("reel_rocksdb_estimated_keys", "gauge", "RocksDB estimate of live keys",
         impl_->db->property("rocksdb.estimate-num-keys"));
  return out;
}

}  // namespace reel::actors
