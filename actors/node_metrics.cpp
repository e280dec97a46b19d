// What /metrics and the cluster status show of a node.
#include <fmt/format.h>

#include <map>

#include "actors/node_impl.hpp"

namespace reel::actors {

namespace {

const char* role_name(cluster::replication::replica::role r) {
  switch (r) {
    case cluster::replication::replica::role::primary:
      return "primary";
    case cluster::replication::replica::role::backup:
      return "backup";
    case cluster::replication::replica::role::learner:
      return "learner";
    case cluster::replication::replica::role::none:
      return "none";
  }
  return "none";
}

std::string member_json(const cluster::replication::member& m) {
  return fmt::format(R"({{"node":{},"incarnation":"{}"}})", m.node.value, m.incarnation);
}

std::string members_json(const std::vector<cluster::replication::member>& ms) {
  std::string out = "[";
  for (std::size_t i = 0; i < ms.size(); ++i) out += (i ? "," : "") + member_json(ms[i]);
  return out + "]";
}

// Replication: the node's partitions by role, each backup's lag behind its primary here,
// commits, primary changes, the controller.
void cluster_metrics(std::string& out, const cluster_parts& cluster) {
  auto metric = [&out](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
  };
  auto status = cluster.replicator->status();
  std::map<std::string, int> roles{{"primary", 0}, {"backup", 0}, {"learner", 0}, {"none", 0}};
  for (const auto& s : status) ++roles[role_name(s.role)];
  out +=
      "# HELP reel_cluster_partitions partitions this node holds, by role (64 data partitions and the shared one)\n"
      "# TYPE reel_cluster_partitions gauge\n";
  for (const auto& [role, count] : roles)
    out += fmt::format("reel_cluster_partitions{{role=\"{}\"}} {}\n", role, count);
  out +=
      "# HELP reel_cluster_replication_lag_entries log entries a replica or learner lacks behind this primary\n"
      "# TYPE reel_cluster_replication_lag_entries gauge\n";
  for (const auto& s : status) {
    if (s.role != cluster::replication::replica::role::primary) continue;
    for (const auto& peer : s.peers)
      out += fmt::format("reel_cluster_replication_lag_entries{{partition=\"{}\",node=\"{}\"}} {}\n", s.partition,
                         peer.who.node.value, s.last_index > peer.match ? s.last_index - peer.match : 0);
  }
  const auto& p = cluster.replicator->probe();
  metric("reel_cluster_proposals_total", "counter", "writes proposed to this node's replicas", p.proposals.load());
  metric("reel_cluster_proposals_failed_total", "counter",
         "writes that could not be committed here (not primary, no authority)", p.proposals_failed.load());
  metric("reel_cluster_entries_proposed_total", "counter",
         "log entries this node's primaries proposed (each holds the writes that arrived together)",
         p.entries_proposed.load());
  metric("reel_cluster_committed_entries_total", "counter", "committed log entries applied on this node",
         p.committed_entries.load());
  metric("reel_cluster_became_primary_total", "counter",
         "times this node started serving a partition as its primary (failovers, starts)", p.became_primary.load());
  metric("reel_cluster_messages_sent_total", "counter", "replication messages sent (one per peer and round)",
         p.messages_sent.load());
  metric("reel_cluster_messages_received_total", "counter", "replication messages received",
         p.messages_received.load());
  metric("reel_cluster_snapshots_sent_total", "counter", "snapshots sent to replicas behind the compacted log",
         p.snapshots_sent.load());
  metric("reel_cluster_snapshots_installed_total", "counter", "snapshots installed here", p.snapshots_installed.load());
  metric("reel_cluster_log_compactions_total", "counter", "partition logs compacted", p.compactions.load());
  metric("reel_cluster_controller", "gauge", "1 when this node is the elected controller",
         cluster.membership->is_controller() ? 1 : 0);
  metric("reel_cluster_peers_connected", "gauge", "peers with a live connection", cluster.transport->connected_peers());
  metric("reel_cluster_lease_renewals_failed_total", "counter", "etcd lease renewals that failed",
         cluster.membership->renewals_failed());
  metric("reel_cluster_readable", "gauge", "1 when this node may answer reads of every partition",
         cluster.replicator->can_read_all() ? 1 : 0);
}

}  // namespace

std::string node::metrics() const {
  const auto& c = impl_->commits->probe();
  const auto& r = impl_->relay;
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
  };
  metric("reel_commit_groups_total", "counter", "fsync'd group commits", c.groups.load());
  metric("reel_commit_unsynced_groups_total", "counter", "group writes without fsync (a cluster's applies)",
         c.unsynced_groups.load());
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
  metric("reel_fanout_pulled_videos_total", "counter", "videos of celebrities, merged at read time",
         f.pulled_videos.load());
  metric("reel_actors_active", "gauge", "entity actors in memory", impl_->dir->active_actors());
  metric("reel_revoked_tokens", "gauge", "revoked tokens not yet expired", impl_->revoked.size());
  auto cache = impl_->db->cache_stats();
  metric("reel_read_cache_hits_total", "counter", "point reads answered from memory", cache.hits);
  metric("reel_read_cache_misses_total", "counter", "point reads that went to RocksDB", cache.misses);
  metric("reel_read_cache_bytes", "gauge",
         "memory held by the read cache's shared level (estimate; per-thread copies not counted)", cache.bytes);
  auto heads = impl_->db->head_cache_stats();
  metric("reel_list_head_cache_hits_total", "counter", "inbox and works reads that began in a cached head", heads.hits);
  metric("reel_list_head_cache_misses_total", "counter", "inbox and works heads read from RocksDB", heads.misses);
  metric("reel_list_head_cache_bytes", "gauge",
         "memory held by cached list heads (estimate; per-thread copies not counted)", heads.bytes);
  metric("reel_rocksdb_estimated_keys", "gauge", "RocksDB estimate of live keys",
         impl_->db->property("rocksdb.estimate-num-keys"));
  auto& gate = impl_->db->gate();
  metric("reel_storage_refusing_writes", "gauge",
         "1 while writes are refused: free space under the reserve, or RocksDB stopped after a write error",
         gate.refusal() == errc::ok ? 0 : 1);
  metric("reel_storage_writes_refused_total", "counter",
         "writes (actor batches, media uploads) refused because the data disk is full", gate.space().refused_writes());
  metric("reel_storage_free_bytes", "gauge", "free space of the data disk this process may use (last reading)",
         gate.space().usable());
  metric("reel_storage_reserve_bytes", "gauge", "free space writes must leave (--min-free-bytes)",
         gate.space().reserve());
  metric("reel_storage_rocksdb_stopped", "gauge", "1 while RocksDB refuses writes after a write error",
         gate.stopped() ? 1 : 0);
  metric("reel_storage_background_errors_total", "counter", "write errors RocksDB reported (flush, WAL, compaction)",
         gate.background_errors());
  metric("reel_storage_resumes_total", "counter", "times writes were resumed after RocksDB stopped them",
         gate.recoveries());
  if (impl_->replicated()) cluster_metrics(out, impl_->cluster);
  return out;
}

std::string node::cluster_status() const {
  if (!impl_->replicated()) return "{}";
  const auto& cluster = impl_->cluster;
  auto me = cluster.membership->self();
  std::string out =
      fmt::format(R"({{"node":{},"incarnation":"{}","controller":{},"readable":{},"partitions":[)", me.node.value,
                  me.incarnation, cluster.membership->is_controller(), cluster.replicator->can_read_all());
  bool first = true;
  for (const auto& s : cluster.replicator->status()) {
    std::string peers = "[";
    for (std::size_t i = 0; i < s.peers.size(); ++i)
      peers += fmt::format(R"({}{{"node":{},"match":{},"applied":{},"lag":{}}})", i ? "," : "",
                           s.peers[i].who.node.value, s.peers[i].match, s.peers[i].applied,
                           s.last_index > s.peers[i].match ? s.last_index - s.peers[i].match : 0);
    peers += "]";
    out += fmt::format(
        R"({}{{"partition":{},"epoch":{},"role":"{}","serving":{},"readable":{},"primary":{},"replicas":{},"learners":{},"last":{},"commit":{},"applied":{},"visible":{},"peers":{}}})",
        first ? "" : ",", s.partition, s.config.epoch, role_name(s.role), s.serving, s.readable,
        member_json(s.config.primary), members_json(s.config.replicas), members_json(s.config.learners), s.last_index,
        s.commit, s.applied, s.visible, peers);
    first = false;
  }
  return out + "]}";
}

}  // namespace reel::actors
