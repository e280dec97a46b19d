#include "cluster/membership/membership.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>

#include "cluster/membership/controller.hpp"

namespace reel::cluster::membership {

namespace {

using clock = std::chrono::steady_clock;

// A renewal's confirmation counts from when it was sent, less this for the clocks of etcd's
// leader and this node running at slightly different rates: 5% of the shortest TTL (2 s),
// a hundred times what NTP lets a clock's rate drift (500 ppm).
constexpr auto authority_margin = std::chrono::milliseconds(100);

void sync_path(const std::filesystem::path& p, int flags) {
  int fd = ::open(p.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("cannot open " + p.string());
  ::fsync(fd);
  ::close(fd);
}

std::uint64_t parse_number(const std::string& text) {
  std::size_t used = 0;
  auto n = std::stoull(text, &used);
  if (used != text.size()) throw std::runtime_error("not a number: " + text);
  return n;
}

}  // namespace

std::uint64_t load_or_create_storage_id(const std::filesystem::path& data_dir) {
  auto file = data_dir / "storage.id";
  if (std::ifstream in(file); in) {
    std::string text;
    in >> text;
    return parse_number(text);
  }
  std::filesystem::create_directories(data_dir);
  std::uint64_t id = 0;
  while (id == 0) randombytes_buf(&id, sizeof id);
  auto temporary = data_dir / "storage.id.tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << id << '\n';
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  sync_path(temporary, O_RDONLY);
  std::filesystem::rename(temporary, file);
  sync_path(data_dir, O_RDONLY | O_DIRECTORY);
  return id;
}

membership::membership(cluster_settings settings, std::uint64_t storage, membership_hooks hooks)
    : settings_(std::move(settings)),
      keys_{"/reel/" + settings_.cluster},
      storage_(storage),
      hooks_(std::move(hooks)) {}

membership::~membership() { stop(); }

std::uint16_t membership::claim_number() {
  etcd_client client(settings_.etcd);
  for (int attempt = 0; attempt < 32; ++attempt) {
    if (auto mine = client.get(keys_.number(settings_.node_name))) {
      number_ = static_cast<std::uint16_t>(parse_number(mine->value));
      return number_;
    }
    std::set<std::uint64_t> used;
    for (const auto& kv : client.range_prefix(keys_.numbers()).kvs) used.insert(parse_number(kv.value));
    std::uint16_t n = 0;
    while (n < 16 && used.count(n)) ++n;
    if (n == 16) throw std::runtime_error("this cluster already has 16 node names (ids hold 4 bits of node number)");
    // Both keys at once: a number is never given to two names.
    if (client.write_all_if_unchanged({{keys_.number(settings_.node_name), std::to_string(n), 0, 0},
                                       {keys_.owner(n), settings_.node_name, 0, 0}})) {
      number_ = n;
      return n;
    }
  }
  throw std::runtime_error("could not claim a node number in etcd");
}

std::string membership::token_secret(const std::string& candidate) {
  etcd_client client(settings_.etcd);
  if (client.create(keys_.token_key(), candidate)) return candidate;
  auto stored = client.get(keys_.token_key());
  if (!stored) throw std::runtime_error("the cluster's token secret vanished from etcd");
  return stored->value;
}

void membership::start(std::uint16_t cluster_port) {
  cluster_port_ = cluster_port;
  etcd_client client(settings_.etcd);
  register_incarnation(client);
  keeper_ = std::thread([this] { keep_lease(); });
  watcher_ = std::thread([this] { watch(); });
  controller_settings cs{settings_.etcd, keys_, settings_.lease_ttl, settings_.bootstrap_nodes};
  controller_ = std::make_unique<controller>(cs, [this] { return self(); });
}

void membership::stop() {
  if (stop_.exchange(true)) return;
  if (controller_) controller_->stop();
  if (keeper_.joinable()) keeper_.join();
  if (watcher_.joinable()) watcher_.join();
  // The node has stopped serving: giving the lease back lets the controller move its
  // partitions at once instead of waiting for the lease to expire.
  try {
    etcd_client client(settings_.etcd, std::chrono::milliseconds(500));
    if (auto me = self(); me.incarnation != 0) client.revoke_lease(static_cast<std::int64_t>(me.incarnation));
  } catch (const etcd_error&) {
  }
}

replication::member membership::self() const {
  std::lock_guard lock(mutex_);
  return self_;
}

bool membership::is_controller() const { return controller_ && controller_->elected(); }

void membership::report(const replication::report& r) {
  std::lock_guard lock(mutex_);
  reports_.push_back(r);
}

// A new incarnation: a lease, this node's record under it, then the whole map, read after
// the lease was granted, so that no configuration written before is missed.
void membership::register_incarnation(etcd_client& client) {
  auto sent = clock::now();
  auto lease = client.grant_lease(settings_.lease_ttl.count());
  replication::member me{replication::node_id(number_), static_cast<std::uint64_t>(lease), storage_};
  node_record record{settings_.node_name, me, settings_.advertise_host, cluster_port_, settings_.http_url};
  client.put(keys_.node(me.incarnation), encode(record), lease);
  {
    std::lock_guard lock(mutex_);
    self_ = me;
  }
  std::fprintf(stderr, "reeld: node %u registered as incarnation %llu\n", number_,
               static_cast<unsigned long long>(me.incarnation));
  hooks_.incarnation(me);
  read_everything(client);
  hooks_.authority(sent + settings_.lease_ttl - authority_margin);
}

void membership::read_everything(etcd_client& client) {
  auto all = client.range_prefix(keys_.prefix + "/");
  std::map<std::uint64_t, node_record> live;
  for (const auto& kv : all.kvs) {
    if (auto p = keys_.partition_of_map_key(kv.key)) {
      if (auto c = decode_configuration(kv.value)) hooks_.configuration(*p, *c);
    } else if (kv.key.rfind(keys_.nodes(), 0) == 0) {
      if (auto n = decode_node(kv.value)) live[n->who.incarnation] = *n;
    }
  }
  {
    std::lock_guard lock(mutex_);
    live_ = std::move(live);
    if (watch_from_ == 0) watch_from_ = all.revision + 1;
  }
  publish_nodes();
}

// Renews every TTL/20 (100 ms at the smallest TTL), and 50 ms after a failure. Renewals stop
// while etcd elects a leader, and authority lasts TTL - margin from the last renewal sent, so
// the death of etcd's leader goes unnoticed only if the election ends, and a renewal lands,
// within TTL - margin - this period (1.8 s at TTL 2; renewing every TTL/4 lost every node's
// authority in one of ten leader kills, every TTL/8 under CPU contention in CI).
void membership::keep_lease() {
  const auto every = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.lease_ttl) / 20;
  // A member without a leader holds a renewal until it has one (or this times out): the
  // renewal then lands as soon as the new leader is up, or goes to the next member.
  etcd_client client(settings_.etcd, std::chrono::milliseconds(250));
  constexpr auto retry = std::chrono::milliseconds(50);
  auto next = clock::now() + every;
  while (!stop_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (clock::now() < next) continue;
    next = clock::now() + retry;  // until this renewal succeeds
    try {
      auto sent = clock::now();
      auto result = client.keepalive(static_cast<std::int64_t>(self().incarnation));
      if (result.alive)
        hooks_.authority(sent + settings_.lease_ttl - authority_margin);
      else
        register_incarnation(client);  // the lease is gone: this life of the node is over
      next = sent + every;
      write_reports(client);
    } catch (const etcd_error& e) {
      if (renewals_failed_++ % 20 == 0) std::fprintf(stderr, "reeld: lease renewal failed: %s\n", e.what());
    }
  }
}

void membership::write_reports(etcd_client& client) {
  std::vector<replication::report> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(reports_);
  }
  auto lease = static_cast<std::int64_t>(self().incarnation);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    try {
      client.put(keys_.report(pending[i]), encode(pending[i]), lease);
    } catch (const etcd_error&) {
      std::lock_guard lock(mutex_);  // kept for the next renewal
      reports_.insert(reports_.end(), pending.begin() + static_cast<std::ptrdiff_t>(i), pending.end());
      throw;
    }
  }
}

void membership::watch() {
  etcd_client client(settings_.etcd);
  std::int64_t from;
  {
    std::lock_guard lock(mutex_);
    from = watch_from_;
  }
  while (!stop_) {
    try {
      from = client.watch_prefix(
          keys_.prefix + "/", from,
          [this](const std::vector<watch_event>& events, std::int64_t) {
            on_events(events);
            return !stop_.load();
          },
          stop_);
    } catch (const etcd_error& e) {
      // etcd unreachable, or the revision compacted away: read everything again.
      std::fprintf(stderr, "reeld: watching etcd: %s\n", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      try {
        {
          std::lock_guard lock(mutex_);
          watch_from_ = 0;
        }
        read_everything(client);
        std::lock_guard lock(mutex_);
        from = watch_from_;
      } catch (const etcd_error&) {
      }
    }
  }
}

void membership::on_events(const std::vector<watch_event>& events) {
  bool nodes_changed = false;
  for (const auto& e : events) {
    if (auto p = keys_.partition_of_map_key(e.kv.key)) {
      if (e.kind == watch_event::type::put)
        if (auto c = decode_configuration(e.kv.value)) hooks_.configuration(*p, *c);
    } else if (e.kv.key.rfind(keys_.nodes(), 0) == 0) {
      nodes_changed = true;
      std::lock_guard lock(mutex_);
      if (e.kind == watch_event::type::put) {
        if (auto n = decode_node(e.kv.value)) live_[n->who.incarnation] = *n;
      } else {
        try {
          live_.erase(parse_number(e.kv.key.substr(keys_.nodes().size())));
        } catch (const std::exception&) {
        }
      }
    }
  }
  if (nodes_changed) publish_nodes();
}

void membership::publish_nodes() {
  std::vector<node_record> live;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [incarnation, record] : live_) live.push_back(record);
  }
  hooks_.nodes(live);
}

}  // namespace reel::cluster::membership
