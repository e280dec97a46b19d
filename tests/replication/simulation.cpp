#include "tests/replication/simulation.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "tests/replication/sim_world.hpp"

namespace reel::cluster::replication::sim {

namespace {

// Lease timing (ms of simulated time): a node renews every renew_every; its authority ends
// authority_margin before TTL after it sent its last successful renewal, so that it ends
// before etcd expires the lease even on a clock 1% fast.
constexpr sim_time ttl = 1000;
constexpr sim_time renew_every = 300;
constexpr sim_time authority_margin = 100;
constexpr sim_time tick_every = 5;
constexpr sim_time controller_every = 20;
constexpr partition_number partition = 7;

timing sim_timing() {
  timing t;
  t.heartbeat = instant(40);
  t.retransmit = instant(120);
  t.failure_timeout = instant(500);
  return t;
}

class world {
 public:
  explicit world(const options& o) : opt_(o), rnd_(o.seed) {
    int n = o.nodes > 0 ? o.nodes : static_cast<int>(rnd_.between(3, 5));
    for (int i = 0; i < n; ++i) {
      node x;
      x.id = node_id(static_cast<std::uint16_t>(i + 1));
      x.rate = rnd_.real(0.99, 1.01);
      x.offset = rnd_.between(0, 100000);
      x.storage = next_storage_++;
      nodes_.push_back(std::move(x));
    }
    replication_factor_ = std::min<std::size_t>(3, nodes_.size());
    for (auto& x : nodes_) start_registration(x);
  }

  result run() {
    for (int step = 0; step < opt_.steps && res_.ok; ++step) {
      advance(rnd_.between(1, 4));
      inject_faults();
      maybe_propose();
      check();
    }
    if (res_.ok) heal_and_settle();
    return res_;
  }

 private:
  // --- Time and events ---------------------------------------------------------------------

  void schedule(sim_time at, event e) { events_.push({at, seq_++, std::move(e)}); }

  void advance(sim_time dt) {
    auto until = now_ + dt;
    while (res_.ok) {
      // The next thing due: an event, a persist or apply completion, or a node's timer.
      sim_time next = until + 1;
      if (!events_.empty()) next = std::min(next, events_.top().at);
      for (auto& x : nodes_) {
        if (!x.running(now_)) continue;
        if (!x.persists.empty()) next = std::min(next, x.persists.front().at);
        if (!x.applies.empty()) next = std::min(next, x.applies.front().at);
      }
      if (next > until) break;
      now_ = std::max(now_, next);
      if (!events_.empty() && events_.top().at <= now_) {
        auto s = events_.top();
        events_.pop();
        deliver(s);
        continue;
      }
      for (auto& x : nodes_) complete_io(x);
    }
    now_ = until;
    for (auto& x : nodes_) {
      if (!x.running(now_)) continue;
      complete_io(x);
      if (x.r && now_ >= x.next_tick) {
        x.next_tick = now_ + tick_every;
        x.r->tick(x.local(now_));
        pump(x);
      }
      if (now_ >= x.next_renew) {
        if (x.r)
          renew(x);
        else
          start_registration(x);  // the last attempt's answer was lost
      }
    }
    if (now_ >= next_controller_round_) {
      next_controller_round_ = now_ + controller_every;
      controller_round();
    }
  }

  void deliver(const scheduled& s) {
    std::visit([&](const auto& e) { on(e, s); }, s.e);
  }

  // Events for a paused node wait until it runs again, in order.
  bool defer_if_paused(node& x, const scheduled& s) {
    if (!x.up || x.running(now_)) return false;
    schedule(x.paused_until, s.e);
    return true;
  }

  node& at(node_id id) { return nodes_[id.value - 1]; }

  void on(const ev_message& e, const scheduled& s) {
    auto& x = at(e.to);
    if (defer_if_paused(x, s) || !x.up || !x.r) return;
    x.r->receive(e.m, x.local(now_));
    pump(x);
  }

  void on(const ev_snapshot& e, const scheduled& s) {
    auto& x = at(e.to);
    if (defer_if_paused(x, s) || !x.up || !x.r) return;
    flush_io(x);  // the install is ordered after every earlier write
    if (!x.r->begin_snapshot(e.index, e.epoch, e.target)) return;
    for (std::size_t i = 0; i < e.state.size(); ++i)
      if (i < truth_.size() && truth_[i] != e.state[i])
        return fail("snapshot diverges from the applied history at index " + std::to_string(i + 1));
    x.state = e.state;
    x.durable_applied = e.index;
    x.r->snapshot_installed(e.index, e.epoch, x.local(now_));
    // The durable log keeps what the replica kept.
    x.base_index = x.r->log().base_index();
    x.base_epoch = x.r->log().base_epoch();
    std::erase_if(x.log, [&](const entry& l) { return l.index <= x.base_index || l.index > x.r->log().last_index(); });
    ++res_.snapshots;
    note("node " + std::to_string(x.id.value) + " installed a snapshot at " + std::to_string(e.index));
    pump(x);
  }

  void on(const ev_snapshot_failed& e, const scheduled&) {
    auto& x = at(e.sender);
    if (x.running(now_) && x.r && x.incarnation == e.incarnation) {
      x.r->snapshot_failed(e.peer, x.local(now_));
      pump(x);
    }
  }

  void on(const ev_renew& e, const scheduled& s) {
    auto& x = at(e.node);
    if (!e.reply) {  // at etcd
      expire_leases();
      auto lease = leases_.find(e.incarnation);
      bool ok = lease != leases_.end();
      if (ok) lease->second = now_ + ttl;
      if (now_ < x.etcd_cut_until) return;  // the answer is lost
      schedule(now_ + rnd_.between(1, 10), ev_renew{e.node, e.incarnation, e.sent, true, ok});
      return;
    }
    if (defer_if_paused(x, s) || !x.up || !x.r || x.incarnation != e.incarnation) return;
    if (!e.ok) return reincarnate(x);
    auto until = e.sent + instant(ttl - authority_margin);
    x.r->set_authority(std::max(until, authority_of(x)), x.local(now_));
    authority_[x.id.value] = std::max(until, authority_of(x));
    pump(x);
  }

  void on(const ev_register& e, const scheduled& s) {
    auto& x = at(e.node);
    if (!e.reply) {  // at etcd: a new lease, and the configuration as of now
      auto incarnation = next_lease_++;
      leases_[incarnation] = now_ + ttl;
      lease_members_[incarnation] = member{x.id, incarnation, x.storage};
      if (now_ < x.etcd_cut_until) return;
      ev_register reply = e;
      reply.reply = true;
      reply.incarnation = incarnation;
      reply.config = config_;
      schedule(now_ + rnd_.between(1, 10), reply);
      return;
    }
    if (defer_if_paused(x, s) || !x.up || x.r || e.attempt != x.attempt) return;
    replica_options ro;
    ro.self = member{x.id, e.incarnation, x.storage};
    ro.partition = partition;
    ro.times = sim_timing();
    ro.max_entries_per_message = 16;
    ro.max_entries_in_flight = 64;
    ro.faults = opt_.faults;
    restored_state rs{x.base_index, x.base_epoch, x.log, x.applied()};
    x.r = std::make_unique<replica>(ro, rs);
    x.incarnation = e.incarnation;
    x.next_renew = now_ + renew_every;
    authority_[x.id.value] = e.sent + instant(ttl - authority_margin);
    x.r->set_authority(authority_[x.id.value], x.local(now_));
    x.r->set_config(e.config, x.local(now_));
    pump(x);
  }

  void on(const ev_watch& e, const scheduled& s) {
    auto& x = at(e.node);
    if (defer_if_paused(x, s) || !x.up || !x.r) return;
    if (now_ < x.etcd_cut_until) {
      schedule(x.etcd_cut_until, s.e);
      return;
    }
    x.r->set_config(e.config, x.local(now_));
    pump(x);
  }

  void on(const ev_report& e, const scheduled&) {
    if (now_ >= controller_from_) reports_.push_back(e.r);
  }

  instant authority_of(const node& x) const {
    auto a = authority_.find(x.id.value);
    return a == authority_.end() ? instant(0) : a->second;
  }

  // --- A node's I/O ------------------------------------------------------------------------

  void complete_io(node& x) {
    while (x.running(now_) && !x.persists.empty() && x.persists.front().at <= now_) {
      auto job = std::move(x.persists.front());
      x.persists.pop_front();
      write_log(x, job);
    }
    while (x.running(now_) && !x.applies.empty() && x.applies.front().at <= now_) {
      auto job = std::move(x.applies.front());
      x.applies.pop_front();
      apply(x, job.e);
    }
  }

  void flush_io(node& x) {
    while (!x.persists.empty()) {
      auto job = std::move(x.persists.front());
      x.persists.pop_front();
      write_log(x, job);
    }
    while (!x.applies.empty()) {
      auto job = std::move(x.applies.front());
      x.applies.pop_front();
      apply(x, job.e);
    }
  }

  void write_log(node& x, const persist_job& job) {
    if (job.op.truncate) {
      std::erase_if(x.log, [&](const entry& e) { return e.index > job.op.truncate_after; });
    }
    for (const auto& e : job.op.entries) {
      auto last = x.log.empty() ? x.base_index : x.log.back().index;
      if (e.index != last + 1) return fail("persist op is not contiguous with the durable log");
      x.log.push_back(e);
    }
    x.durable_applied = std::max(x.durable_applied, std::min(job.applied_before, x.applied()));
    if (!job.op.entries.empty() && x.r) {
      x.r->persisted(job.op.entries.back().index, job.op.entries.back().epoch, x.local(now_));
      pump(x);
    }
  }

  void apply(node& x, const entry& e) {
    if (e.index != x.applied() + 1) return fail("node " + std::to_string(x.id.value) + " applied out of order");
    if (e.index <= truth_.size() && truth_[e.index - 1] != e.payload)
      return fail("applied prefixes diverge at index " + std::to_string(e.index) + ": node " +
                  std::to_string(x.id.value) + " applied '" + e.payload + "', another '" + truth_[e.index - 1] + "'");
    if (e.index == truth_.size() + 1) truth_.push_back(e.payload);
    x.state.push_back(e.payload);
    if (x.r) {
      x.r->applied(e.index, x.local(now_));
      pump(x);
    }
  }

  // Carries out what the replica asks for.
  void pump(node& x) {
    if (!x.r) return;
    auto out = x.r->take_ready();
    for (auto& op : out.persist) x.persists.push_back({std::move(op), now_ + rnd_.between(0, 3), x.applied()});
    for (auto& e : out.apply) {
      auto after = x.applies.empty() ? now_ : x.applies.back().at;
      x.applies.push_back({std::move(e), std::max(after, now_ + rnd_.between(0, 2))});
    }
    for (auto& m : out.messages) send(x.id, m.to, std::move(m.msg));
    if (out.visible) acknowledge(x, out.visible);
    if (out.abandon) x.proposals.clear();
    for (auto& r : out.reports) {
      note("node " + std::to_string(x.id.value) + " reports node " + std::to_string(r.subject.node.value) +
           (r.what == report::kind::replica_lost ? " lost" : " caught up") + " in epoch " + std::to_string(r.epoch) +
           " (commit " + std::to_string(x.r->commit_index()) + ", visible " + std::to_string(x.r->visible_index()) +
           ")");
      schedule(now_ + rnd_.between(1, 20), ev_report{r});
    }
    for (auto peer : out.snapshots) send_snapshot(x, peer);
  }

  void send(node_id from, node_id to, message m) {
    if (cut_.count({from.value, to.value}) && cut_[{from.value, to.value}] > now_) return;
    if (rnd_.chance(drop_rate_)) return;
    auto delay = [&] {
      if (rnd_.chance(0.01)) return rnd_.between(200, 1000);
      if (rnd_.chance(0.05)) return rnd_.between(20, 200);
      return rnd_.between(1, 5);
    };
    if (rnd_.chance(dup_rate_)) schedule(now_ + delay(), ev_message{from, to, m});
    schedule(now_ + delay(), ev_message{from, to, std::move(m)});
  }

  void send_snapshot(node& x, const member& target) {
    auto peer = target.node;
    auto [index, epoch] = x.r->snapshot_point();
    if (rnd_.chance(drop_rate_ * 3) ||
        (cut_.count({x.id.value, peer.value}) && cut_[{x.id.value, peer.value}] > now_)) {
      schedule(now_ + 200, ev_snapshot_failed{x.id, x.incarnation, peer});
      return;
    }
    ev_snapshot s{x.id, peer, target, index, epoch, std::vector<std::string>(x.state.begin(), x.state.begin() + index)};
    schedule(now_ + rnd_.between(5, 50), std::move(s));
  }

  void acknowledge(node& x, std::uint64_t visible) {
    for (auto it = x.proposals.begin(); it != x.proposals.end() && it->first <= visible;) {
      if (it->first > truth_.size() || truth_[it->first - 1] != it->second)
        return fail("acknowledged write '" + it->second + "' at index " + std::to_string(it->first) +
                    " is not the entry applied there");
      acked_max_ = std::max(acked_max_, it->first);
      ++res_.acknowledged;
      it = x.proposals.erase(it);
    }
  }

  // --- Leases and the controller ------------------------------------------------------------

  void start_registration(node& x) {
    ++x.attempt;
    x.next_renew = now_ + renew_every;
    if (now_ < x.etcd_cut_until) return;
    ev_register request;
    request.node = x.id;
    request.attempt = x.attempt;
    request.sent = x.local(now_);
    schedule(now_ + rnd_.between(1, 10), request);
  }

  void renew(node& x) {
    x.next_renew = now_ + renew_every;
    if (now_ < x.etcd_cut_until) return;
    schedule(now_ + rnd_.between(1, 10), ev_renew{x.id, x.incarnation, x.local(now_)});
  }

  // The lease is gone: the process keeps its data but starts a new incarnation, which no
  // configuration names yet.
  void reincarnate(node& x) {
    note("node " + std::to_string(x.id.value) + " lost its lease");
    flush_io(x);
    x.r.reset();
    x.proposals.clear();
    x.incarnation = 0;
    start_registration(x);
  }

  void expire_leases() {
    std::erase_if(leases_, [&](const auto& l) { return l.second <= now_; });
  }

  bool live(const member& m) const { return leases_.count(m.incarnation) && !evictions_.count(m.incarnation); }

  // An incarnation's authority has provably ended: its lease expired on its own (the node
  // stopped before etcd expired it), or it was revoked a full TTL ago.
  bool ended(const member& m) const {
    if (leases_.count(m.incarnation)) return false;
    auto evicted = evictions_.find(m.incarnation);
    if (evicted == evictions_.end()) return true;
    return now_ - std::max(evicted->second, controller_from_) >= ttl + 50;
  }

  void controller_round() {
    if (now_ < controller_from_) return;
    expire_leases();
    std::vector<member> alive;
    for (const auto& [incarnation, expires] : leases_)
      if (!evictions_.count(incarnation)) alive.push_back(lease_members_[incarnation]);
    if (config_.epoch == 0) return bootstrap(alive);
    cluster_view view;
    view.live = alive;
    view.ended = [this](const member& m) { return ended(m); };
    view.load = [](node_id) { return std::size_t{0}; };
    view.replication_factor = replication_factor_;
    view.min_replicas = static_cast<std::uint32_t>(std::min<std::size_t>(2, replication_factor_));
    auto positions = [this](const member& m) -> std::optional<log_position> {
      auto& x = at(m.node);
      if (!x.running(now_) || !x.r || x.incarnation != m.incarnation) return std::nullopt;
      return log_position{x.r->log().last_epoch(), x.r->log().last_index()};
    };
    auto d = decide(config_, view, reports_, positions, opt_.controller);
    reports_.clear();
    for (const auto& m : d.evict) {
      note("controller evicts node " + std::to_string(m.node.value));
      evictions_[m.incarnation] = now_;
      leases_.erase(m.incarnation);
    }
    if (d.next) {
      publish(*d.next);
    } else if (rnd_.chance(0.02)) {
      // A planned move of the primary (the controller spreading primaries), to any replica.
      auto to = config_.replicas[rnd_.between(0, static_cast<std::int64_t>(config_.replicas.size()) - 1)];
      if (auto moved = hand_over(config_, view, to)) {
        note("controller hands the primary over to node " + std::to_string(to.node.value));
        publish(*moved);
      }
    }
    std::erase_if(evictions_, [&](const auto& e) {
      member m = lease_members_[e.first];
      return ended(m) && !config_.has_member(m);
    });
  }

  void bootstrap(std::vector<member> alive) {
    if (alive.size() < nodes_.size()) return;
    std::sort(alive.begin(), alive.end());
    alive.resize(replication_factor_);
    publish(initial_configuration(alive, static_cast<std::uint32_t>(std::min<std::size_t>(2, replication_factor_))));
  }

  void publish(const configuration& c) {
    config_ = c;
    ++res_.epochs;
    // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "literal" + string.
    std::string who = "epoch ";
    auto add_node = [&who](const member& m) { who.append(" ").append(std::to_string(m.node.value)); };
    who.append(std::to_string(c.epoch)).append(": primary ").append(std::to_string(c.primary.node.value));
    who += " replicas";
    for (const auto& m : c.replicas) add_node(m);
    who += " learners";
    for (const auto& m : c.learners) add_node(m);
    note(who);
    for (auto& x : nodes_) {
      if (!x.up) continue;
      auto at_node = std::max({x.watch_clock + 1, now_ + rnd_.between(1, 30)});
      x.watch_clock = at_node;
      schedule(at_node, ev_watch{x.id, c});
    }
  }

  // --- Faults and clients ------------------------------------------------------------------

  void inject_faults() {
    auto& x = nodes_[rnd_.between(0, static_cast<std::int64_t>(nodes_.size()) - 1)];
    auto up = std::count_if(nodes_.begin(), nodes_.end(), [](const node& n) { return n.up; });
    if (x.up && up > 1 && rnd_.chance(0.0015))
      crash(x);
    else if (!x.up && rnd_.chance(0.01))
      restart(x, rnd_.chance(0.15) && others_hold_the_data(x));
    else if (x.running(now_) && rnd_.chance(0.001)) {
      x.paused_until = now_ + rnd_.between(100, 2500);
      note("node " + std::to_string(x.id.value) + " paused until " + std::to_string(x.paused_until));
    } else if (rnd_.chance(0.002)) {
      auto& y = nodes_[rnd_.between(0, static_cast<std::int64_t>(nodes_.size()) - 1)];
      auto until = now_ + rnd_.between(50, 1500);
      cut_[{x.id.value, y.id.value}] = until;
      bool both = rnd_.chance(0.5);
      if (both) cut_[{y.id.value, x.id.value}] = until;
      note("link " + std::to_string(x.id.value) + (both ? " <-> " : " -> ") + std::to_string(y.id.value) +
           " cut until " + std::to_string(until));
    } else if (rnd_.chance(0.001)) {
      x.etcd_cut_until = now_ + rnd_.between(100, 2000);
      note("node " + std::to_string(x.id.value) + " cut off from etcd until " + std::to_string(x.etcd_cut_until));
    } else if (rnd_.chance(0.001)) {
      controller_from_ = now_ + rnd_.between(0, 500);  // a new controller, which knows only etcd
      reports_.clear();
      note("controller changes");
    } else if (x.running(now_) && x.r && rnd_.chance(0.01)) {
      // Dropping log entries is a write after the applies in the one WAL: once it is durable
      // they are too. The model syncs them with it.
      x.durable_applied = x.applied();
      auto keep = rnd_.between(0, 10);
      auto upto = x.applied() > static_cast<std::uint64_t>(keep) ? x.applied() - keep : 0;
      x.r->compact(upto);
      auto base = x.r->log().base_index();
      if (base > x.base_index) {
        x.base_epoch = x.r->log().base_epoch();
        std::erase_if(x.log, [&](const entry& e) { return e.index <= base; });
        x.base_index = base;
      }
    }
  }

  // A wiped disk is a permanent failure: it is injected only where it is a single one, on a
  // node that is no replica, or while two other replicas are up (losing every copy of the
  // log is beyond what any replication factor promises).
  bool others_hold_the_data(const node& x) const {
    auto is_replica =
        std::any_of(config_.replicas.begin(), config_.replicas.end(), [&](const member& m) { return m.node == x.id; });
    auto others = std::count_if(config_.replicas.begin(), config_.replicas.end(), [&](const member& m) {
      return m.node != x.id && nodes_[m.node.value - 1].up && nodes_[m.node.value - 1].incarnation == m.incarnation;
    });
    return !is_replica || others >= 2;
  }

  void crash(node& x) {
    note("node " + std::to_string(x.id.value) + " crashes");
    ++res_.crashes;
    x.up = false;
    x.r.reset();
    x.incarnation = 0;
    x.persists.clear();
    x.applies.clear();
    x.proposals.clear();
    x.state.resize(x.durable_applied);  // unsynced applies are lost
    x.paused_until = 0;
  }

  void restart(node& x, bool wiped) {
    note("node " + std::to_string(x.id.value) + (wiped ? " restarts on a wiped disk" : " restarts"));
    x.up = true;
    if (wiped) {
      x.storage = next_storage_++;
      x.base_index = x.base_epoch = x.durable_applied = 0;
      x.log.clear();
      x.state.clear();
    }
    start_registration(x);
  }

  void maybe_propose() {
    if (!rnd_.chance(0.4)) return;
    for (auto& x : nodes_) {
      if (!x.running(now_) || !x.r || !x.r->serving(x.local(now_))) continue;
      auto payload = "w" + std::to_string(++proposal_counter_);
      if (auto index = x.r->propose(payload, x.local(now_))) {
        x.proposals[*index] = payload;
        ++res_.proposed;
      }
      pump(x);
      return;
    }
  }

  // --- Checks ------------------------------------------------------------------------------

  void check() {
    int serving = 0;
    for (auto& x : nodes_) {
      if (!x.running(now_) || !x.r) continue;
      auto local = x.local(now_);
      if (x.r->safety_violations() > 0) return fail("a committed entry was contradicted: " + x.r->first_violation());
      if (x.r->serving(local)) ++serving;
      if (x.r->can_read(local) && x.applied() < acked_max_)
        return fail("stale read: node " + std::to_string(x.id.value) + " may serve reads having applied " +
                    std::to_string(x.applied()) + " but write " + std::to_string(acked_max_) + " was acknowledged");
    }
    if (serving > 1) fail("two primaries take writes at once");
  }

  // Ends every fault, then expects the partition to settle: every replica of the final
  // configuration up and holding every acknowledged write, and a new write acknowledged.
  void heal_and_settle() {
    drop_rate_ = dup_rate_ = 0;
    cut_.clear();
    controller_from_ = std::min(controller_from_, now_);
    for (auto& x : nodes_) {
      x.etcd_cut_until = 0;
      x.paused_until = std::min(x.paused_until, now_);
      if (!x.up) restart(x, false);
    }
    auto acked_before = res_.acknowledged;
    for (sim_time waited = 0; waited < 30000 && res_.ok; waited += 4) {
      advance(4);
      maybe_propose();
      check();
      if (res_.acknowledged > acked_before && settled()) return;
    }
    if (res_.ok) fail("no progress after every fault healed: " + describe_config());
  }

  bool settled() {
    if (config_.replicas.size() != replication_factor_ || !config_.learners.empty()) return false;
    for (const auto& m : config_.replicas) {
      auto& x = at(m.node);
      if (!x.running(now_) || x.incarnation != m.incarnation || x.applied() < acked_max_) return false;
    }
    return true;
  }

  std::string describe_config() const {
    std::ostringstream out;
    out << "epoch " << config_.epoch << ", primary " << config_.primary.node.value << ", replicas";
    for (const auto& m : config_.replicas) out << ' ' << m.node.value;
    out << ", learners";
    for (const auto& m : config_.learners) out << ' ' << m.node.value;
    out << " (primary incarnation " << config_.primary.incarnation << ")";
    for (const auto& x : nodes_) {
      out << "; node " << x.id.value << (x.up ? "" : " down") << " incarnation " << x.incarnation
          << (leases_.count(x.incarnation) ? " leased" : " unleased") << " applied " << x.applied();
      if (x.r)
        out << " role " << static_cast<int>(x.r->current_role()) << " epoch " << x.r->config().epoch << " commit "
            << x.r->commit_index() << " visible " << x.r->visible_index() << " last " << x.r->log().last_index();
    }
    out << "; acknowledged up to " << acked_max_;
    return out.str();
  }

  void note(std::string what) {
    trace_.push_back("t=" + std::to_string(now_) + " " + std::move(what));
    if (trace_.size() > 40) trace_.pop_front();
  }

  void fail(const std::string& why) {
    if (!res_.ok) return;
    res_.ok = false;
    std::ostringstream out;
    out << "seed " << opt_.seed << ", t=" << now_ << " ms: " << why << "\nrecent events:\n";
    for (const auto& t : trace_) out << "  " << t << '\n';
    res_.failure = out.str();
  }

  options opt_;
  random_source rnd_;
  result res_;
  std::vector<node> nodes_;
  std::size_t replication_factor_ = 3;
  sim_time now_ = 0;
  std::uint64_t seq_ = 0;
  event_queue events_;
  double drop_rate_ = 0.03;
  double dup_rate_ = 0.02;
  std::map<std::pair<int, int>, sim_time> cut_;

  // etcd and the controller.
  configuration config_;
  std::map<std::uint64_t, sim_time> leases_;  // incarnation -> expiry
  std::map<std::uint64_t, member> lease_members_;
  std::map<std::uint64_t, sim_time> evictions_;  // revoked incarnations -> when (the controller's memory)
  std::map<std::uint16_t, instant> authority_;
  std::vector<report> reports_;
  sim_time controller_from_ = 0;
  sim_time next_controller_round_ = 0;
  std::uint64_t next_lease_ = 1000;
  std::uint64_t next_storage_ = 1;

  // What clients were told, and what was applied.
  std::vector<std::string> truth_;  // truth_[i - 1]: the entry applied at index i
  std::uint64_t acked_max_ = 0;
  std::uint64_t proposal_counter_ = 0;
  std::deque<std::string> trace_;
};

}  // namespace

result run(const options& o) { return world(o).run(); }

}  // namespace reel::cluster::replication::sim
