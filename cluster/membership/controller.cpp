#include "cluster/membership/controller.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

namespace reel::cluster::membership {

namespace {

using clock = std::chrono::steady_clock;
using replication::configuration;
using replication::member;

constexpr auto round_every = std::chrono::milliseconds(100);
constexpr auto campaign_every = std::chrono::milliseconds(300);

std::optional<std::uint64_t> number_after(const std::string& key, const std::string& base) {
  if (key.size() <= base.size() || key.compare(0, base.size(), base) != 0) return std::nullopt;
  try {
    std::size_t used = 0;
    auto n = std::stoull(key.substr(base.size()), &used);
    if (used != key.size() - base.size()) return std::nullopt;
    return n;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

bool holds(const configuration& c, std::uint64_t incarnation) {
  auto same = [incarnation](const member& m) { return m.incarnation == incarnation; };
  return std::any_of(c.replicas.begin(), c.replicas.end(), same) ||
         std::any_of(c.learners.begin(), c.learners.end(), same);
}

}  // namespace

// The cluster as one range read shows it.
struct controller::state {
  std::map<std::uint16_t, std::pair<configuration, std::int64_t>> map;  // configuration, mod revision
  std::vector<member> nodes;                                            // registered incarnations
  std::map<std::uint16_t, std::vector<std::pair<std::string, replication::report>>> reports;  // by partition
  std::map<std::uint64_t, std::int64_t> evictions;  // incarnation -> record's mod revision
  std::size_t names = 0;                            // node names ever registered
  std::optional<key_value> election;

  state(const range_result& all, const keys& layout) {
    for (const auto& kv : all.kvs) {
      if (auto p = layout.partition_of_map_key(kv.key)) {
        if (auto c = decode_configuration(kv.value)) map[*p] = {*c, kv.mod_revision};
      } else if (kv.key.rfind(layout.nodes(), 0) == 0) {
        if (auto n = decode_node(kv.value)) nodes.push_back(n->who);
      } else if (kv.key.rfind(layout.reports(), 0) == 0) {
        if (auto r = decode_report(kv.value)) reports[r->partition].emplace_back(kv.key, *r);
      } else if (auto inc = number_after(kv.key, layout.evictions())) {
        evictions[*inc] = kv.mod_revision;
      } else if (kv.key.rfind(layout.numbers(), 0) == 0) {
        ++names;
      } else if (kv.key == layout.controller()) {
        election = kv;
      }
    }
  }
};

controller::controller(controller_settings settings, std::function<member()> self)
    : settings_(std::move(settings)), self_(std::move(self)) {
  thread_ = std::thread([this] { run(); });
}

controller::~controller() { stop(); }

void controller::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void controller::run() {
  etcd_client client(settings_.etcd);
  while (!stop_) {
    auto me = self_();
    try {
      if (!elected_ || elected_as_ != me.incarnation) elected_ = campaign(client, me);
      if (elected_) round(client, me);
    } catch (const etcd_error& e) {
      std::fprintf(stderr, "reeld: controller: %s\n", e.what());
    }
    std::this_thread::sleep_for(elected_ ? round_every : campaign_every);
  }
}

// The election key lives under this node's lease: it goes when the lease does.
bool controller::campaign(etcd_client& client, const member& me) {
  if (me.incarnation == 0) return false;
  auto key = settings_.layout.controller();
  auto value = std::to_string(me.node.value) + " " + std::to_string(me.incarnation);
  if (!client.create(key, value, static_cast<std::int64_t>(me.incarnation))) {
    auto current = client.get(key);
    if (!current || current->lease != static_cast<std::int64_t>(me.incarnation)) return false;
  }
  auto current = client.get(key);
  if (!current || current->lease != static_cast<std::int64_t>(me.incarnation)) return false;
  election_revision_ = current->mod_revision;
  elected_as_ = me.incarnation;
  evictions_seen_.clear();  // a new controller knows nothing of when earlier ones revoked leases
  std::fprintf(stderr, "reeld: node %u is the controller\n", me.node.value);
  return true;
}

void controller::round(etcd_client& client, const member& me) {
  const auto& layout = settings_.layout;
  state s(client.range_prefix(layout.prefix + "/"), layout);
  if (!s.election || s.election->lease != static_cast<std::int64_t>(me.incarnation)) {
    elected_ = false;
    return;
  }
  election_revision_ = s.election->mod_revision;
  auto now = clock::now();
  for (const auto& [incarnation, revision] : s.evictions) evictions_seen_.try_emplace(incarnation, now);
  std::set<std::uint64_t> registered;
  for (const auto& m : s.nodes) registered.insert(m.incarnation);
  std::vector<member> live;
  for (const auto& m : s.nodes)
    if (!s.evictions.count(m.incarnation)) live.push_back(m);
  std::sort(live.begin(), live.end());
  // An incarnation's authority ended when its lease expired by itself (it stopped acting
  // before etcd expired it), or a full TTL after this controller saw it evicted.
  auto fence = settings_.lease_ttl + std::chrono::milliseconds(500);
  auto ended = [&](const member& m) {
    if (registered.count(m.incarnation)) return false;
    if (!s.evictions.count(m.incarnation)) return true;
    return now - evictions_seen_[m.incarnation] >= fence;
  };
  auto size = std::max(s.names, live.size());
  // Every node replicates every partition: a node answers reads from its own RocksDB (a
  // feed page reads records of many partitions), which holds only the partitions it
  // replicates, and reads from other nodes are not built. DESIGN.md's min(3, nodes) is the
  // same for the three-node cluster; beyond three nodes, writes wait for every node.
  auto rf = size;
  auto min_replicas = static_cast<std::uint32_t>(std::min<std::size_t>(2, size));

  auto guarded = [&](const std::string& key, std::optional<std::string> value, std::int64_t revision) {
    std::vector<etcd_client::guarded_write> writes{
        {key, std::move(value), revision, 0},
        {layout.controller(), s.election->value, election_revision_, static_cast<std::int64_t>(me.incarnation)}};
    bool ok = client.write_all_if_unchanged(writes);
    if (auto e = client.get(layout.controller()); e && e->lease == static_cast<std::int64_t>(me.incarnation))
      election_revision_ = e->mod_revision;
    else
      elected_ = false;
    return ok;
  };

  if (s.map.size() < settings_.partitions) {
    // The first placement: replicas and primaries spread round-robin over the live nodes.
    if (live.empty() || live.size() < settings_.bootstrap_nodes) return;
    for (std::uint16_t p = 0; p < settings_.partitions && elected_; ++p) {
      if (s.map.count(p)) continue;
      std::size_t count = std::min(rf, live.size());
      std::vector<member> replicas;
      for (std::size_t i = 0; i < count; ++i) replicas.push_back(live[(p + i) % live.size()]);
      guarded(layout.map(p), encode(replication::initial_configuration(replicas, min_replicas)), 0);
    }
    return;
  }

  // Primaries weigh most (a primary runs the partition's actors), then memberships; kept up
  // to date as this round changes configurations, so that one node's partitions, failing
  // over together, spread over the survivors.
  std::map<std::uint16_t, std::size_t> primaries, members;
  auto count = [&](const configuration& c, int delta) {
    primaries[c.primary.node.value] += delta;
    for (const auto* set : {&c.replicas, &c.learners})
      for (const auto& m : *set) members[m.node.value] += delta;
  };
  for (const auto& [p, entry] : s.map) count(entry.first, 1);
  replication::cluster_view view;
  view.live = live;
  view.ended = ended;
  view.load = [&](replication::node_id n) { return primaries[n.value] * 100 + members[n.value]; };
  view.min_replicas = min_replicas;
  // Every replica holds every committed entry, so any live one may lead: without asking them
  // their log ends, the least loaded one does (the simulation shows even the shortest log is safe).
  auto positions = [](const member&) -> std::optional<replication::log_position> {
    return replication::log_position{};
  };
  bool changed = false;
  for (auto& [p, entry] : s.map) {
    if (!elected_) return;
    view.replication_factor = rf;
    std::vector<replication::report> reports;
    for (const auto& [key, r] : s.reports[p]) reports.push_back(r);
    auto d = replication::decide(entry.first, view, reports, positions);
    for (const auto& m : d.evict) {
      if (s.evictions.count(m.incarnation)) continue;
      std::fprintf(stderr, "reeld: controller evicts node %u (incarnation %llu): reported lost\n", m.node.value,
                   static_cast<unsigned long long>(m.incarnation));
      guarded(layout.eviction(m.incarnation), std::to_string(m.node.value), 0);
      evictions_seen_[m.incarnation] = clock::now();
      client.revoke_lease(static_cast<std::int64_t>(m.incarnation));
      s.evictions[m.incarnation] = 0;
    }
    if (!d.next) continue;
    if (!guarded(layout.map(p), encode(*d.next), entry.second)) continue;
    for (const auto& [key, r] : s.reports[p]) client.delete_key(key);
    count(entry.first, -1);
    count(*d.next, 1);
    entry.first = *d.next;
    changed = true;
  }
  if (!changed && elected_) balance(s, view, primaries, guarded);
  // Eviction records are kept while their member may still be named by a configuration.
  for (const auto& [incarnation, revision] : s.evictions) {
    member m{replication::node_id(0), incarnation, 0};
    bool named =
        std::any_of(s.map.begin(), s.map.end(), [&](const auto& e) { return holds(e.second.first, incarnation); });
    if (!named && ended(m)) {
      client.delete_key(layout.eviction(incarnation));
      evictions_seen_.erase(incarnation);
    }
  }
}

void controller::balance(const state& s, const replication::cluster_view& view,
                         std::map<std::uint16_t, std::size_t>& primaries, const guarded_write& write) {
  auto live = [&](const member& m) { return std::find(view.live.begin(), view.live.end(), m) != view.live.end(); };
  if (view.live.empty()) return;
  for (const auto& [p, entry] : s.map)
    if (!live(entry.first.primary)) return;  // a failover is under way: let it finish
  std::uint16_t busiest = view.live.front().node.value;
  for (const auto& m : view.live)
    if (primaries[m.node.value] > primaries[busiest]) busiest = m.node.value;
  for (const auto& [p, entry] : s.map) {
    const auto& c = entry.first;
    if (c.primary.node.value != busiest) continue;
    const member* to = nullptr;
    for (const auto& r : c.replicas)
      if (r != c.primary && live(r) && (!to || primaries[r.node.value] < primaries[to->node.value])) to = &r;
    if (!to || primaries[to->node.value] + 2 > primaries[busiest]) continue;  // it would not even out
    auto next = replication::hand_over(c, view, *to);
    if (!next || !write(settings_.layout.map(p), encode(*next), entry.second)) return;
    std::fprintf(stderr, "reeld: controller moves partition %u's primary from node %u to node %u\n", p, busiest,
                 to->node.value);
    --primaries[busiest];
    ++primaries[to->node.value];
    return;
  }
}

}  // namespace reel::cluster::membership
