#include "cluster/replication/reconfiguration.hpp"

#include <algorithm>

namespace reel::cluster::replication {

namespace {

bool contains(const std::vector<member>& set, const member& m) {
  return std::find(set.begin(), set.end(), m) != set.end();
}

bool holds_node(const configuration& c, node_id n) {
  auto same = [n](const member& m) { return m.node == n; };
  return std::any_of(c.replicas.begin(), c.replicas.end(), same) ||
         std::any_of(c.learners.begin(), c.learners.end(), same);
}

class decider {
 public:
  decider(const configuration& current, const cluster_view& view, const controller_faults& faults)
      : current_(current), view_(view), faults_(faults) {}

  bool live(const member& m) const { return contains(view_.live, m); }

  // A later incarnation of `old` on the same disk: its durable log is the old one's.
  std::optional<member> reincarnation(const member& old) const {
    for (const auto& m : view_.live)
      if (m.node == old.node && m.incarnation != old.incarnation &&
          (m.storage == old.storage || faults_.keep_wiped_replica))
        return m;
    return std::nullopt;
  }

  configuration next() const {
    auto c = current_;
    ++c.epoch;
    c.min_replicas = view_.min_replicas;
    return c;
  }

  // A dead replica can be dropped once its authority ended and it has no re-incarnation on
  // the same storage to stand in for it.
  bool droppable(const member& r) const { return !live(r) && view_.ended(r) && !reincarnation(r); }

  // The node is back on another storage: the disk this member stood for is gone for good.
  bool storage_lost(const member& r) const {
    return std::any_of(view_.live.begin(), view_.live.end(),
                       [&](const member& m) { return m.node == r.node && m.storage != r.storage; });
  }

  // Drops droppable replicas, but never below min_replicas while their disk may come back:
  // such a configuration commits nothing anyway, and a dead replica kept there still names
  // a disk that holds every committed entry (its re-incarnation can stand in for it).
  void drop_droppable(configuration& c) const {
    for (auto it = c.replicas.begin(); it != c.replicas.end();) {
      bool drop = *it != c.primary && droppable(*it) && (c.replicas.size() > c.min_replicas || storage_lost(*it));
      if (drop)
        it = c.replicas.erase(it);
      else
        ++it;
    }
  }

  // Replaces dead replicas by their re-incarnations (same storage: same durable log).
  bool stand_in(configuration& c) const {
    bool changed = false;
    for (auto& r : c.replicas) {
      if (r == c.primary || live(r) || !view_.ended(r)) continue;
      if (auto again = reincarnation(r)) {
        r = *again;
        changed = true;
      }
    }
    return changed;
  }

  // The replicas a new primary inherits, the primary first: live ones stay, dead ones are
  // replaced by their re-incarnation, and those whose authority may still hold stay (writes
  // wait for them until it ends).
  std::vector<member> surviving_replicas(const member& primary) const {
    std::vector<member> out{primary};
    for (const auto& r : current_.replicas) {
      if (r.node == primary.node) continue;
      if (auto again = view_.ended(r) && !live(r) ? reincarnation(r) : std::nullopt)
        out.push_back(*again);
      else
        out.push_back(r);
    }
    return out;
  }

  std::optional<configuration> failover(const position_query& positions) const {
    if (!view_.ended(current_.primary)) return std::nullopt;  // it may still act: wait
    std::vector<member> candidates;
    for (const auto& r : current_.replicas) {
      if (r != current_.primary && live(r))
        candidates.push_back(r);
      else if (view_.ended(r))
        if (auto again = reincarnation(r)) candidates.push_back(*again);
    }
    if (faults_.elect_learner)
      for (const auto& l : current_.learners)
        if (live(l)) candidates.push_back(l);
    std::optional<member> best;
    log_position best_position;
    for (const auto& m : candidates) {
      auto p = positions(m);
      if (!p) continue;
      bool better = !best || (faults_.elect_shortest_log ? *p < best_position : *p > best_position) ||
                    (*p == best_position && view_.load(m.node) < view_.load(best->node));
      if (better) {
        best = m;
        best_position = *p;
      }
    }
    if (!best) return std::nullopt;  // nobody who may lead answered: ask again later
    auto c = next();
    c.primary = *best;
    c.replicas = surviving_replicas(*best);
    drop_droppable(c);
    std::erase_if(c.learners, [&](const member& l) { return !live(l) || l == *best; });
    return c;
  }

  // Dead members: replicas replaced by their re-incarnation or dropped once ended (never
  // below min_replicas), learners dropped at once (they serve nothing).
  std::optional<configuration> drop_dead() const {
    auto c = next();
    bool changed = stand_in(c);
    auto before = c.replicas.size() + c.learners.size();
    drop_droppable(c);
    std::erase_if(c.learners, [&](const member& l) { return !live(l); });
    changed = changed || c.replicas.size() + c.learners.size() != before;
    if (!changed) return std::nullopt;
    return c;
  }

  std::optional<configuration> promote(const std::vector<report>& reports) const {
    for (const auto& r : reports) {
      if (r.what != report::kind::learner_caught_up || r.epoch != current_.epoch) continue;
      if (!current_.has_learner(r.subject) || !live(r.subject)) continue;
      auto c = next();
      std::erase(c.learners, r.subject);
      c.replicas.push_back(r.subject);
      drop_droppable(c);  // it may take the place of a dead replica kept for min_replicas
      return c;
    }
    return std::nullopt;
  }

  std::optional<configuration> add_learner() const {
    if (current_.replicas.size() + current_.learners.size() >= view_.replication_factor) return std::nullopt;
    std::optional<member> pick;
    for (const auto& m : view_.live) {
      if (holds_node(current_, m.node)) continue;
      if (!pick || view_.load(m.node) < view_.load(pick->node)) pick = m;
    }
    if (!pick) return std::nullopt;
    auto c = next();
    c.learners.push_back(*pick);
    return c;
  }

 private:
  const configuration& current_;
  const cluster_view& view_;
  const controller_faults& faults_;
};

}  // namespace

decision decide(const configuration& current, const cluster_view& view, const std::vector<report>& reports,
                const position_query& positions, const controller_faults& faults) {
  decision d;
  if (current.epoch == 0) return d;
  decider decide(current, view, faults);
  for (const auto& r : reports) {
    if (r.what != report::kind::replica_lost || r.epoch != current.epoch || !current.has_member(r.subject)) continue;
    if (r.subject == current.primary || !decide.live(r.subject)) continue;
    if (std::find(d.evict.begin(), d.evict.end(), r.subject) == d.evict.end()) d.evict.push_back(r.subject);
  }
  if (faults.drop_before_fenced && !d.evict.empty()) {
    auto c = current;
    ++c.epoch;
    for (const auto& m : d.evict) {
      std::erase(c.replicas, m);
      std::erase(c.learners, m);
    }
    d.next = c;
    return d;
  }
  if (!decide.live(current.primary)) {
    d.next = decide.failover(positions);
    return d;
  }
  if ((d.next = decide.drop_dead())) return d;
  if ((d.next = decide.promote(reports))) return d;
  d.next = decide.add_learner();
  return d;
}

std::optional<configuration> hand_over(const configuration& current, const cluster_view& view, const member& to) {
  auto live = [&](const member& m) { return contains(view.live, m); };
  if (current.epoch == 0 || !current.learners.empty() || to == current.primary || !current.has_replica(to))
    return std::nullopt;
  if (!std::all_of(current.replicas.begin(), current.replicas.end(), live)) return std::nullopt;
  auto c = current;
  ++c.epoch;
  c.primary = to;
  // The new primary first, as every configuration lists it.
  std::erase(c.replicas, to);
  c.replicas.insert(c.replicas.begin(), to);
  return c;
}

configuration initial_configuration(const std::vector<member>& replicas, std::uint32_t min_replicas) {
  configuration c;
  c.epoch = 1;
  c.primary = replicas.front();
  c.replicas = replicas;
  c.min_replicas = min_replicas;
  return c;
}

}  // namespace reel::cluster::replication
