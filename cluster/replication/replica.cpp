#include "cluster/replication/replica.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace reel::cluster::replication {

namespace {

constexpr instant long_ago{std::numeric_limits<std::int64_t>::min() / 4};

// Adds `e` to the last persist op when it can follow it (ops are applied in order, and an
// op's truncation happens before its appends), else starts a new op.
void queue_persist(ready& r, entry e) {
  if (r.persist.empty()) r.persist.emplace_back();
  r.persist.back().entries.push_back(std::move(e));
}

}  // namespace

replica::replica(replica_options options, restored_state restored)
    : options_(std::move(options)), log_(restored.base_index, restored.base_epoch, std::move(restored.entries)) {
  durable_ = log_.last_index();
  // Only committed entries are ever applied, so what was applied is committed.
  applied_ = apply_emitted_ = commit_ = std::clamp(restored.applied, log_.base_index(), log_.last_index());
}

// --- Configurations ----------------------------------------------------------------------------

void replica::set_config(const configuration& config, instant now) {
  now_ = now;
  adopt(config, now);
}

void replica::set_authority(instant until, instant now) {
  now_ = now;
  authority_until_ = until;
  advance_visible(now);
}

void replica::adopt(const configuration& config, instant now) {
  if (config.epoch <= config_.epoch) return;
  const bool was_primary = role_ == role::primary;
  // It goes on leading only from one epoch to the very next: a skipped epoch may have had
  // another primary (a handover there and back), whom the peers followed, rewriting what
  // this one knows of their logs.
  const bool continuing = was_primary && config.primary == options_.self && config.epoch == config_.epoch + 1;
  config_ = config;
  stale_ = false;
  if (config.primary == options_.self)
    role_ = role::primary;
  else if (config.has_replica(options_.self))
    role_ = role::backup;
  else if (config.has_learner(options_.self))
    role_ = role::learner;
  else
    role_ = role::none;
  if (was_primary && !continuing) step_down();
  if (role_ != role::primary) return;
  if (continuing) {
    sync_peers(now);
    advance_commit();  // the replicas may have changed (one removed, a learner promoted)
    advance_visible(now);
    replicate_due_ = true;
  } else {
    become_primary(now);
  }
}

void replica::become_primary(instant now) {
  peers_.clear();
  pending_promotion_.clear();
  sync_peers(now);
  visible_ = 0;
  fenced_ = false;
  // The barrier: once it is visible, everything this primary inherited is committed and
  // applied on every replica, and only then does it serve.
  entry barrier{log_.last_index() + 1, config_.epoch, {}};
  barrier_ = barrier.index;
  log_.append(barrier);
  queue_persist(ready_, std::move(barrier));
  replicate_due_ = true;
}

// Progress for every member but this one, keeping what is known of those that stay.
void replica::sync_peers(instant now) {
  std::unordered_map<node_id, progress> next;
  auto add = [&](const member& m) {
    if (m == options_.self) return;
    auto found = peers_.find(m.node);
    if (found != peers_.end() && found->second.who == m) {
      next.emplace(m.node, found->second);
      return;
    }
    // New to this primary: probe at the log's end to learn where the peer's log agrees.
    progress p;
    p.who = m;
    p.next = log_.last_index() + 1;
    p.probing = true;
    p.last_heard = p.last_advanced = now;
    p.last_sent = long_ago;
    next.emplace(m.node, p);
  };
  for (const auto& m : config_.replicas) add(m);
  for (const auto& m : config_.learners) add(m);
  peers_ = std::move(next);
  std::erase_if(pending_promotion_, [&](node_id n) {
    auto p = peers_.find(n);
    return p == peers_.end() || !config_.has_learner(p->second.who);
  });
}

void replica::step_down() {
  ready_.abandon = true;
  peers_.clear();
  pending_promotion_.clear();
  barrier_ = 0;
  replicate_due_ = commit_due_ = false;
}

// --- Writes ------------------------------------------------------------------------------------

bool replica::serving(instant now) const {
  if (role_ != role::primary || stale_ || !authority(now) || barrier_ == 0) return false;
  return visible_ >= barrier_ || options_.faults.serve_before_barrier;
}

bool replica::can_read(instant now) const {
  if (!authority(now) || installing_) return false;
  if (serving(now)) return true;
  // A backup promoted to primary keeps reading while its barrier spreads: as a replica of
  // the previous configuration it applied every write acknowledged there, and none is
  // acknowledged in between without it. Otherwise a failover stopped reads of the
  // partition for as long as writes.
  if (role_ == role::backup || (role_ == role::primary && !stale_)) return read_floor_ && applied_ >= *read_floor_;
  return false;
}

std::optional<std::uint64_t> replica::propose(std::string payload, instant now) {
  now_ = now;
  if (!serving(now) || config_.replicas.size() < config_.min_replicas) return std::nullopt;
  entry e{log_.last_index() + 1, config_.epoch, std::move(payload)};
  log_.append(e);
  auto index = e.index;
  queue_persist(ready_, std::move(e));
  replicate_due_ = true;
  return index;
}

std::vector<replica::peer_view> replica::peers() const {
  std::vector<peer_view> out;
  for (const auto& [node, p] : peers_) out.push_back({p.who, p.match, p.applied});
  return out;
}

std::pair<std::uint64_t, std::uint64_t> replica::snapshot_point() const {
  return {applied_, log_.epoch_at(applied_).value_or(0)};
}

// --- Messages ----------------------------------------------------------------------------------

void replica::receive(const message& m, instant now) {
  now_ = now;
  if (const auto* request = std::get_if<append_request>(&m))
    on_request(*request, now);
  else
    on_response(std::get<append_response>(m), now);
}

void replica::on_request(const append_request& r, instant now) {
  if (installing_) return;
  if (r.config.epoch < config_.epoch) {
    append_response stale{options_.partition, options_.self.node, config_.epoch, append_response::verdict::stale};
    ready_.messages.push_back({r.from, stale});
    return;
  }
  adopt(r.config, now);
  if (r.config.primary.node != r.from || (role_ != role::backup && role_ != role::learner)) return;
  if (!read_floor_ && r.settled) read_floor_ = r.commit;

  const auto prev = r.prev_index;
  if (prev > log_.last_index()) return respond(append_response::verdict::mismatch, log_.last_index() + 1, 0);
  if (prev >= log_.base_index() && !options_.faults.ignore_epoch_check) {
    auto held = *log_.epoch_at(prev);
    if (held != r.prev_epoch) {
      if (prev <= commit_)
        violation("prev entry " + std::to_string(prev) + " of epoch " + std::to_string(held) +
                  " is committed but the primary's has epoch " + std::to_string(r.prev_epoch));
      return respond(append_response::verdict::mismatch, *log_.first_index_of_epoch(held), held);
    }
  }
  // Below the base everything is committed, so it agrees with every primary's log.
  bool queued = append_entries(r);
  auto c = std::min(r.commit, confirmed_);
  if (c > commit_) commit_ = c;
  emit_apply();
  if (!queued) response_due_ = true;  // else once the new entries are durable (persisted())
}

// Appends what the log lacks, truncating an uncommitted suffix that conflicts; returns
// whether anything must be persisted before acknowledging.
bool replica::append_entries(const append_request& r) {
  persist_op op;
  std::uint64_t reach = r.prev_index;
  for (const auto& e : r.entries) {
    if (e.index <= log_.base_index()) {
      reach = e.index;
      continue;
    }
    if (e.index <= log_.last_index()) {
      if (*log_.epoch_at(e.index) == e.epoch) {
        reach = e.index;
        continue;
      }
      if (e.index <= commit_) {  // never drop a committed entry
        violation("entry " + std::to_string(e.index) + " of epoch " + std::to_string(*log_.epoch_at(e.index)) +
                  " is committed but the primary sent epoch " + std::to_string(e.epoch));
        break;
      }
      log_.truncate_after(e.index - 1);
      durable_ = std::min(durable_, e.index - 1);
      op.truncate = true;
      op.truncate_after = e.index - 1;
    }
    if (e.index != log_.last_index() + 1) break;
    log_.append(e);
    op.entries.push_back(e);
    reach = e.index;
  }
  if (confirmed_epoch_ != config_.epoch) {
    confirmed_epoch_ = config_.epoch;
    confirmed_ = reach;
  } else {
    confirmed_ = std::max(confirmed_, reach);
  }
  if (!op.truncate && op.entries.empty()) return false;
  if (op.truncate || ready_.persist.empty())
    ready_.persist.push_back(std::move(op));
  else
    for (auto& e : op.entries) queue_persist(ready_, std::move(e));
  return true;
}

void replica::respond(append_response::verdict v, std::uint64_t conflict_index, std::uint64_t conflict_epoch) {
  append_response r{options_.partition, options_.self.node, config_.epoch, v};
  r.conflict_index = conflict_index;
  r.conflict_epoch = conflict_epoch;
  r.applied = applied_;
  ready_.messages.push_back({config_.primary.node, r});
}

void replica::on_response(const append_response& r, instant now) {
  if (role_ != role::primary) return;
  if (r.epoch > config_.epoch) {  // deposed: a newer configuration exists
    if (!stale_) {
      stale_ = true;
      ready_.abandon = true;
    }
    return;
  }
  if (r.epoch < config_.epoch) return;
  auto found = peers_.find(r.from);
  if (found == peers_.end()) return;
  auto& p = found->second;
  p.last_heard = now;
  if (r.result == append_response::verdict::stale) return;  // it adopted our epoch since; resends cover it
  if (r.result == append_response::verdict::mismatch) return on_mismatch(p, r, now);
  auto match = std::min(r.match, log_.last_index());
  if (match > p.match) {
    p.match = match;
    p.last_advanced = now;
  }
  p.applied = std::max(p.applied, r.applied);
  p.probing = false;
  if (p.snapshot && p.match >= log_.base_index()) p.snapshot = false;
  if (p.next <= p.match) p.next = p.match + 1;
  check_learner(p, now);
  advance_commit();
  advance_visible(now);
  if (p.next <= log_.last_index()) send_entries(p, now, false);
}

// Where the peer's log stops agreeing: after the last entry this log holds of the peer's
// conflicting epoch, else where that epoch starts in the peer's log.
void replica::on_mismatch(progress& p, const append_response& r, instant now) {
  if (p.snapshot) return;
  std::uint64_t next = r.conflict_index;
  if (r.conflict_epoch != 0) {
    auto last = log_.last_index_up_to_epoch(r.conflict_epoch);
    if (last && log_.epoch_at(*last) == r.conflict_epoch) next = *last + 1;
  }
  p.next = std::clamp(next, p.match + 1, log_.last_index() + 1);
  p.probing = true;
  send_entries(p, now, true);
}

// Ships entries the peer has not been sent (or, probing, resends from `next` without
// running ahead), within the in-flight window; asks for a snapshot when they are compacted.
void replica::send_entries(progress& p, instant now, bool force) {
  if (stale_ || p.snapshot) return;
  if (p.next <= log_.base_index()) {
    if (now < p.snapshot_retry_at) return;
    p.snapshot = true;
    p.probing = false;
    ready_.snapshots.push_back(p.who);
    return;
  }
  if (p.probing) {
    if (!force) return;  // one probe at a time; tick() retransmits it
  } else if (p.next > log_.last_index() || p.next - p.match - 1 >= options_.max_entries_in_flight) {
    return;
  }
  auto req = request_after(p.next - 1);
  if (p.next <= log_.last_index())
    req.entries = log_.slice(p.next, options_.max_entries_per_message, options_.max_bytes_per_message);
  if (!p.probing) p.next = req.entries.back().index + 1;
  p.last_sent = now;
  ready_.messages.push_back({p.who.node, std::move(req)});
}

// An empty append at the point the peer is known to hold: a heartbeat, or news of the
// commit point. Never from `next`, which may be ahead of what the peer has received.
void replica::send_notice(progress& p, instant now) {
  if (stale_ || p.snapshot) return;
  p.last_sent = now;
  ready_.messages.push_back({p.who.node, request_after(std::max(p.match, log_.base_index()))});
}

append_request replica::request_after(std::uint64_t prev) const {
  append_request req;
  req.partition = options_.partition;
  req.from = options_.self.node;
  req.config = config_;
  req.prev_index = prev;
  req.prev_epoch = *log_.epoch_at(prev);
  req.commit = commit_;
  req.settled = barrier_ != 0 && commit_ >= barrier_;
  return req;
}

void replica::broadcast(instant now, bool notice) {
  for (auto& [node, p] : peers_) {
    if (p.probing) {
      if (p.last_sent == long_ago) send_entries(p, now, true);  // a peer new to this primary
    } else if (p.next <= log_.last_index()) {
      send_entries(p, now, false);
    } else if (notice) {
      send_notice(p, now);
    }
  }
}

// --- Commit and visibility -------------------------------------------------------------------

// Matches of the primary, every replica, and the learners counted ahead of promotion.
std::vector<std::uint64_t> replica::quorum_values(bool applied) const {
  std::vector<std::uint64_t> values{applied ? applied_ : durable_};
  auto value_of = [&](node_id n) {
    auto p = peers_.find(n);
    if (p == peers_.end()) return std::uint64_t{0};
    return applied ? p->second.applied : p->second.match;
  };
  for (const auto& m : config_.replicas)
    if (m != options_.self) values.push_back(value_of(m.node));
  for (auto n : pending_promotion_) values.push_back(value_of(n));
  return values;
}

void replica::advance_commit() {
  if (role_ != role::primary) return;
  auto matches = quorum_values(false);
  // An acknowledged write is on at least min_replicas disks: with fewer replicas (and
  // learners counted ahead of promotion) nothing commits, not even a barrier.
  if (matches.size() < config_.min_replicas) return;
  std::uint64_t c;
  if (options_.faults.commit_on_majority) {
    std::sort(matches.begin(), matches.end(), std::greater<>());
    c = matches[matches.size() / 2];
  } else {
    c = *std::min_element(matches.begin(), matches.end());
  }
  if (c <= commit_) return;
  commit_ = c;
  commit_due_ = true;
  emit_apply();
}

void replica::advance_visible(instant now) {
  if (role_ != role::primary || stale_) return;
  if (!authority(now)) {
    if (!fenced_) {
      fenced_ = true;
      ready_.abandon = true;  // nothing more is acknowledged without authority
    }
    return;
  }
  fenced_ = false;
  std::uint64_t v = commit_;
  if (!options_.faults.visible_on_commit) {
    auto applied = quorum_values(true);
    v = std::min(v, *std::min_element(applied.begin(), applied.end()));
  }
  if (v <= visible_) return;
  visible_ = v;
  ready_.visible = v;
}

void replica::emit_apply() {
  auto upto = options_.faults.apply_uncommitted ? durable_ : std::min(commit_, durable_);
  while (apply_emitted_ < upto) {
    ++apply_emitted_;
    ready_.apply.push_back(log_.at(apply_emitted_));
  }
}

// A learner near the commit point is counted for commits from now on, so that it cannot
// fall behind again; once it holds and has applied everything, the controller is asked to
// promote it (and asked again while it has not).
void replica::check_learner(progress& p, instant now) {
  // Not only while serving: a primary left alone commits nothing until a learner counts.
  if (!config_.has_learner(p.who) || stale_ || !authority(now)) return;
  if (p.match + options_.max_entries_in_flight >= commit_) pending_promotion_.insert(p.who.node);
  if (!pending_promotion_.count(p.who.node)) return;
  // Having applied the barrier, it holds everything acknowledged in earlier epochs too,
  // which this primary's visible_ does not cover.
  bool caught_up = commit_ >= barrier_ && p.match >= commit_ && p.applied >= std::max(visible_, barrier_);
  if (!caught_up || (p.promotion_reported && now - p.last_promotion_report < options_.times.failure_timeout)) return;
  p.promotion_reported = true;
  p.last_promotion_report = now;
  ready_.reports.push_back({report::kind::learner_caught_up, options_.partition, p.who, config_.epoch});
}

// Reports peers that stopped answering. A pause of this node (a long gap between ticks)
// is not the peers' fault: their silence is counted from its end.
void replica::check_peers(instant now) {
  const auto gap = now - last_tick_;
  last_tick_ = now;
  if (gap > options_.times.failure_timeout / 4)
    for (auto& [node, p] : peers_) p.last_heard = std::max(p.last_heard, now);
  if (stale_ || !authority(now)) return;
  for (auto& [node, p] : peers_) {
    if (now - p.last_heard < options_.times.failure_timeout) {
      p.reported = false;
      continue;
    }
    if (p.reported && now - p.last_report < options_.times.failure_timeout) continue;
    p.reported = true;
    p.last_report = now;
    ready_.reports.push_back({report::kind::replica_lost, options_.partition, p.who, config_.epoch});
  }
  for (auto n : pending_promotion_) check_learner(peers_.at(n), now);
}

void replica::tick(instant now) {
  now_ = now;
  if (role_ != role::primary) return;
  // Heartbeats go out in the first tick of each heartbeat period, to peers this replica
  // sent nothing for half a period: a node's replicas share its clock, so an idle node's 65
  // go to each peer as one message per period. Counted from each last send, they fell due
  // at scattered ticks and went as ~10 messages per period and peer.
  const auto period = options_.times.heartbeat.count();
  const bool beat = now.count() / period != last_tick_.count() / period;  // check_peers() below moves last_tick_
  for (auto& [node, p] : peers_) {
    if (p.snapshot) continue;
    if (p.match < log_.last_index() && now - p.last_advanced >= options_.times.retransmit) {
      p.next = p.match + 1;  // requests or answers were lost: resend from what it holds
      p.probing = true;
      p.last_advanced = now;
      send_entries(p, now, true);
    } else if (beat && now - p.last_sent >= options_.times.heartbeat / 2) {
      send_notice(p, now);
    }
  }
  check_peers(now);
  advance_visible(now);
}

void replica::peer_unreachable(node_id node, instant now) {
  now_ = now;
  auto p = peers_.find(node);
  if (p != peers_.end()) p->second.last_heard = std::min(p->second.last_heard, now - options_.times.failure_timeout);
}

// --- Completions -------------------------------------------------------------------------------

void replica::persisted(std::uint64_t index, std::uint64_t epoch, instant now) {
  now_ = now;
  auto held = log_.epoch_at(index);
  if (!held || *held != epoch || index <= durable_) return;  // replaced by a truncation since
  durable_ = index;
  if (role_ == role::primary) {
    advance_commit();
    advance_visible(now);
  } else {
    response_due_ = true;
    emit_apply();
  }
}

void replica::applied(std::uint64_t index, instant now) {
  now_ = now;
  if (index <= applied_) return;
  applied_ = std::min(index, apply_emitted_);
  if (role_ == role::primary)
    advance_visible(now);
  else
    response_due_ = true;
}

void replica::compact(std::uint64_t index) {
  index = std::min({index, applied_, log_.last_index()});
  if (index > log_.base_index()) log_.compact(index);
}

bool replica::begin_snapshot(std::uint64_t index, std::uint64_t epoch, const member& target) {
  // A snapshot meant for an earlier incarnation of this node is not for this one.
  if (target != options_.self || (role_ != role::backup && role_ != role::learner) || index <= applied_) return false;
  installing_ = true;
  return true;
}

void replica::snapshot_installed(std::uint64_t index, std::uint64_t epoch, instant now) {
  now_ = now;
  installing_ = false;
  if (index <= log_.last_index() && log_.epoch_at(index) == epoch && index >= log_.base_index()) {
    // The log agrees with the snapshot point: keep what follows, it may be committed.
    log_.compact(index);
    durable_ = std::max(durable_, index);
  } else {
    log_.reset(index, epoch);
    durable_ = index;
  }
  commit_ = std::max(commit_, index);
  applied_ = apply_emitted_ = index;
  // A snapshot holds only committed entries, on which every primary's log agrees.
  confirmed_epoch_ = config_.epoch;
  confirmed_ = index;
  response_due_ = true;
  emit_apply();
}

void replica::snapshot_aborted() {
  // The caller could not finish replacing the state: it holds nothing usable.
  installing_ = false;
  log_.reset(0, 0);
  durable_ = commit_ = applied_ = apply_emitted_ = 0;
  confirmed_ = 0;
}

void replica::snapshot_failed(node_id node, instant now) {
  auto p = peers_.find(node);
  if (p == peers_.end()) return;
  p->second.snapshot = false;
  p->second.snapshot_retry_at = now + options_.times.retransmit;
}

void replica::violation(std::string what) {
  if (violations_++ == 0)
    first_violation_ = "partition " + std::to_string(options_.partition) + ", node " +
                       std::to_string(options_.self.node.value) + ", commit " + std::to_string(commit_) + ": " + what;
}

// --- Output ------------------------------------------------------------------------------------

ready replica::take_ready() {
  if (role_ == role::primary && (replicate_due_ || commit_due_)) broadcast(now_, commit_due_);
  replicate_due_ = commit_due_ = false;
  if ((role_ == role::backup || role_ == role::learner) && response_due_ && !installing_) {
    append_response r{options_.partition, options_.self.node, config_.epoch, append_response::verdict::accepted};
    r.match = confirmed_epoch_ == config_.epoch ? std::min(confirmed_, durable_) : 0;
    r.applied = applied_;
    ready_.messages.push_back({config_.primary.node, r});
  }
  response_due_ = false;
  return std::exchange(ready_, {});
}

}  // namespace reel::cluster::replication
