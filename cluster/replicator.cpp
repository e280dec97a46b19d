#include "cluster/replicator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <limits>

#include "storage/group_merge.hpp"
#include "storage/records.hpp"

namespace reel::cluster {

namespace {

using clock = std::chrono::steady_clock;
using replication::instant;

instant to_instant(clock::time_point t) { return std::chrono::duration_cast<instant>(t.time_since_epoch()); }
instant now_instant() { return to_instant(clock::now()); }

// Owner packed in one word: bit 31 known, bit 30 here, low 16 bits the primary's node.
constexpr std::uint32_t known_bit = 1u << 31;
constexpr std::uint32_t here_bit = 1u << 30;

std::uint32_t encode_owner(const owner& o) {
  switch (o.at) {
    case owner::where::here:
      return known_bit | here_bit;
    case owner::where::elsewhere:
      return known_bit | o.node;
    case owner::where::unavailable:
      return 0;
  }
  return 0;
}

owner decode_owner(std::uint32_t word) {
  if (!(word & known_bit)) return {owner::where::unavailable, 0};
  if (word & here_bit) return {owner::where::here, 0};
  return {owner::where::elsewhere, static_cast<std::uint16_t>(word & 0xFFFF)};
}

// Checks that every record of a batch belongs to one partition: a batch that strays would
// be replicated with the wrong partition's log.
class partition_check : public rocksdb::WriteBatch::Handler {
 public:
  explicit partition_check(storage::partition_id p) : p_(p) {}
  rocksdb::Status PutCF(std::uint32_t, const rocksdb::Slice& key, const rocksdb::Slice&) override { return check(key); }
  rocksdb::Status DeleteCF(std::uint32_t, const rocksdb::Slice& key) override { return check(key); }
  rocksdb::Status SingleDeleteCF(std::uint32_t, const rocksdb::Slice& key) override { return check(key); }
  rocksdb::Status DeleteRangeCF(std::uint32_t, const rocksdb::Slice& begin, const rocksdb::Slice& end) override {
    auto s = check(begin);
    return s.ok() ? check(end) : s;
  }
  rocksdb::Status MergeCF(std::uint32_t, const rocksdb::Slice& key, const rocksdb::Slice&) override {
    return check(key);
  }

 private:
  rocksdb::Status check(const rocksdb::Slice& key) const {
    if (key.size() < 2 || ((static_cast<unsigned char>(key[0]) << 8) | static_cast<unsigned char>(key[1])) != p_)
      return rocksdb::Status::InvalidArgument("a key of another partition");
    return rocksdb::Status::OK();
  }
  storage::partition_id p_;
};

bool within(storage::partition_id p, const std::string& rep) {
  if (rep.empty()) return true;  // a barrier
  try {
    rocksdb::WriteBatch batch(rep);
    partition_check check(p);
    return batch.Iterate(&check).ok();
  } catch (const std::exception&) {
    return false;
  }
}

bool log_key(std::string_view key) {
  auto t = static_cast<storage::table>(key[2]);
  return t == storage::table::log_entry || t == storage::table::log_base;
}

// Deletes a partition's state: every record of its key range but the log.
void wipe_state(rocksdb::WriteBatch& batch, storage::partition_id p) {
  using storage::key;
  using storage::table;
  batch.DeleteRange(key(p, static_cast<table>(0)).str(), key(p, table::log_entry).str());
  batch.DeleteRange(key(p, static_cast<table>(static_cast<std::uint8_t>(table::log_base) + 1)).str(),
                    storage::prefix_end(key(p, static_cast<table>(0)).str().substr(0, 2)));
}

// Empties a partition altogether: its state, its log, its applied index. What an install
// that could not finish leaves (a snapshot must then come again).
void wipe_partition(rocksdb::WriteBatch& batch, storage::partition_id p) {
  wipe_state(batch, p);
  batch.DeleteRange(storage::keys::log_prefix(p).str(), storage::keys::log_prefix(p).prefix_end());
  batch.Delete(storage::keys::log_base(p).str());
  batch.Delete(storage::keys::partition_meta(p).str());
  batch.Delete(storage::keys::installing(p).str());
}

replication::restored_state restore(storage::store& db, storage::partition_id p) {
  if (db.contains(storage::keys::installing(p))) {
    std::fprintf(stderr, "reeld: partition %u: a snapshot install was interrupted; emptied, it will come again\n", p);
    rocksdb::WriteBatch wipe;
    wipe_partition(wipe, p);
    db.write_durable(wipe);
  }
  replication::restored_state r;
  if (auto base = db.get(storage::keys::log_base(p))) {
    if (auto point = storage::decode_log_base(*base)) {
      r.base_index = point->index;
      r.base_epoch = point->epoch;
    }
  }
  auto prefix = storage::keys::log_prefix(p);
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view value) {
    auto index = storage::read_u64(key, storage::key_header_bytes);
    auto record = storage::decode_log_entry(value);
    if (!record || index != r.base_index + r.entries.size() + 1) {
      std::fprintf(stderr, "reeld: partition %u: log entry %llu unreadable or out of order; log cut there\n", p,
                   static_cast<unsigned long long>(index));
      return false;
    }
    r.entries.push_back({index, record->epoch, std::move(record->payload)});
    return true;
  });
  if (auto meta = db.get(storage::keys::partition_meta(p)))
    r.applied = storage::decode_partition_meta(*meta).value_or(0);
  return r;
}

constexpr std::size_t chunk_bytes = 1 << 20;
// Writes staged for one log entry beyond this are proposed at once (an entry must fit a
// replication message comfortably).
constexpr std::size_t max_staged_bytes = 1 << 20;

}  // namespace

replicator::replicator(storage::store& db, storage::committer& commits, peer_link& link, replicator_options options,
                       replicator_hooks hooks)
    : db_(db), commits_(commits), link_(link), options_(std::move(options)), hooks_(std::move(hooks)) {
  self_ = options_.self;
  build_replicas();
  thread_ = std::thread([this] { run(); });
}

replicator::~replicator() { stop(); }

void replicator::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  for (auto& s : slots_) settle_proposals(s, 0, true);
}

void replicator::build_replicas() {
  for (storage::partition_id p = 0; p < replicated_partitions; ++p) {
    replication::replica_options o;
    o.self = options_.self;
    o.partition = p;
    o.times = options_.times;
    slots_[p].replica = std::make_unique<replication::replica>(o, restore(db_, p));
    slots_[p].primary = false;
  }
}

// --- Inputs ------------------------------------------------------------------------------------

void replicator::push(event e) {
  std::lock_guard lock(mutex_);
  if (stopping_) {
    if (auto* p = std::get_if<ev_propose>(&e)) p->done(false);
    return;
  }
  if (events_.empty()) wake_.notify_one();  // the loop takes every queued event when it wakes
  events_.push_back(std::move(e));
}

void replicator::submit(storage::partition_id partition, rocksdb::WriteBatch batch, callback done, std::uint64_t term) {
  probe_.proposals.fetch_add(1, std::memory_order_relaxed);
  push(ev_propose{partition, batch.Data(), std::move(done), term});
}

void replicator::deliver(replication::node_id from, std::vector<replication::append_request> requests,
                         std::vector<replication::append_response> responses) {
  probe_.messages_received.fetch_add(1, std::memory_order_relaxed);
  push(ev_messages{from, std::move(requests), std::move(responses)});
}

void replicator::set_config(storage::partition_id p, replication::configuration config) {
  push(ev_config{p, std::move(config)});
}

void replicator::set_authority(clock::time_point until) { push(ev_authority{to_instant(until)}); }

void replicator::peer_unreachable(replication::node_id node) { push(ev_peer_down{node}); }

void replicator::reincarnate(replication::member self) { push(ev_reincarnate{self}); }

void replicator::receive_snapshot(replication::node_id from, snapshot_chunk chunk, chunk_ack ack) {
  push(ev_chunk{from, std::move(chunk), std::move(ack)});
}

replication::member replicator::self() const {
  std::lock_guard lock(status_mutex_);
  return self_;
}

// --- The loop ----------------------------------------------------------------------------------

void replicator::run() {
  std::vector<event> batch;
  auto next_tick = clock::now();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_tick, [this] { return stopping_ || !events_.empty(); });
      if (stopping_) return;
      batch.swap(events_);
    }
    auto now = now_instant();
    for (auto& e : batch) handle(e, now);
    batch.clear();
    if (clock::now() >= next_tick) {
      next_tick = clock::now() + options_.tick;
      if (!rebuilding_) {
        for (auto& s : slots_) s.replica->tick(now);
        check_installs(now);
      }
    }
    if (!rebuilding_)
      for (storage::partition_id p = 0; p < replicated_partitions; ++p) drain(p, now);
    flush_messages();
    publish(now);
  }
}

void replicator::handle(event& e, instant now) {
  std::visit([&](auto& x) { on(x, now); }, e);
}

void replicator::on(ev_propose& e, instant) {
  if (e.p >= replicated_partitions || rebuilding_ || !within(e.p, e.batch)) {
    if (e.p < replicated_partitions && !rebuilding_)
      std::fprintf(stderr, "reeld: a batch for partition %u holds keys of another partition; refused\n", e.p);
    probe_.proposals_failed.fetch_add(1, std::memory_order_relaxed);
    return e.done(false);
  }
  // A writer whose state predates this node's latest start as primary must reload it.
  if (e.term != 0 && e.term != routes_[e.p].term.load(std::memory_order_relaxed)) {
    probe_.proposals_failed.fetch_add(1, std::memory_order_relaxed);
    return e.done(false);
  }
  auto& s = slots_[e.p];
  storage::append_records(s.staged, e.batch);
  s.staged_callbacks.push_back(std::move(e.done));
  if (s.staged.size() >= max_staged_bytes) propose_staged(s, now_instant());
}

// The staged writes become one log entry (the replica refuses it where this node is not a
// serving primary, and each writer hears so).
void replicator::propose_staged(slot& s, instant now) {
  if (s.staged_callbacks.empty()) return;
  probe_.entries_proposed.fetch_add(1, std::memory_order_relaxed);
  auto index = s.replica->propose(std::move(s.staged), now);
  s.staged.clear();
  auto callbacks = std::move(s.staged_callbacks);
  s.staged_callbacks.clear();
  if (!index) {
    probe_.proposals_failed.fetch_add(callbacks.size(), std::memory_order_relaxed);
    for (auto& done : callbacks) done(false);
    return;
  }
  s.proposals.emplace(*index, std::move(callbacks));
}

void replicator::on(ev_messages& e, instant now) {
  if (rebuilding_) return;  // the peers resend
  for (auto& r : e.requests)
    if (r.partition < replicated_partitions) slots_[r.partition].replica->receive(std::move(r), now);
  for (auto& r : e.responses)
    if (r.partition < replicated_partitions) slots_[r.partition].replica->receive(r, now);
}

void replicator::on(ev_persisted& e, instant now) {
  if (e.generation != generation_ || rebuilding_) return;
  if (!e.ok) {
    std::fprintf(stderr, "reeld: partition %u: the log could not be written; its writes stall\n", e.p);
    return;
  }
  slots_[e.p].replica->persisted(e.index, e.epoch, now);
}

void replicator::on(ev_applied& e, instant now) {
  if (e.generation != generation_ || rebuilding_) return;
  if (!e.ok) {
    std::fprintf(stderr, "reeld: partition %u: entry %llu could not be applied; its writes stall\n", e.p,
                 static_cast<unsigned long long>(e.index));
    return;
  }
  slots_[e.p].replica->applied(e.index, now);
}

void replicator::on(ev_config& e, instant now) {
  if (e.p >= replicated_partitions) return;
  configs_[e.p] = e.config;
  if (!rebuilding_) slots_[e.p].replica->set_config(e.config, now);
}

void replicator::on(ev_authority& e, instant now) {
  authority_ = e.until;
  if (rebuilding_) return;
  for (auto& s : slots_) s.replica->set_authority(e.until, now);
}

void replicator::on(ev_peer_down& e, instant now) {
  if (rebuilding_) return;
  for (auto& s : slots_) s.replica->peer_unreachable(e.node, now);
}

void replicator::on(ev_reincarnate& e, instant) {
  for (storage::partition_id p = 0; p < replicated_partitions; ++p) {
    if (installs_[p]) abandon_install(p);
    sending_[p].clear();
    settle_proposals(slots_[p], 0, true);
    if (slots_[p].primary && hooks_.stopped_primary) hooks_.stopped_primary(p);
    slots_[p].primary = false;
  }
  options_.self = e.self;
  {
    std::lock_guard lock(status_mutex_);
    self_ = e.self;
  }
  ++generation_;
  rebuilding_ = true;
  outgoing_.clear();
  // The committer applies batches in order: once this empty one is durable, so is every
  // write of the old incarnation, and the log can be read back.
  auto generation = generation_;
  commits_.submit(storage::node_partition, rocksdb::WriteBatch(),
                  [this, generation](bool) { push(ev_rebuild{generation}); });
}

void replicator::on(ev_rebuild& e, instant now) {
  if (e.generation != generation_) return;
  build_replicas();
  rebuilding_ = false;
  for (storage::partition_id p = 0; p < replicated_partitions; ++p) {
    slots_[p].replica->set_authority(authority_, now);
    if (configs_[p]) slots_[p].replica->set_config(*configs_[p], now);
  }
}

// --- Outputs -----------------------------------------------------------------------------------

void replicator::drain(storage::partition_id p, instant now) {
  auto& s = slots_[p];
  propose_staged(s, now);
  auto out = s.replica->take_ready();
  if (!out.persist.empty()) persist(p, out.persist);
  if (!out.apply.empty()) apply(p, out.apply);
  for (auto& m : out.messages) {
    auto& box = outgoing_[m.to.value];
    if (auto* r = std::get_if<replication::append_request>(&m.msg))
      box.first.push_back(std::move(*r));
    else
      box.second.push_back(std::get<replication::append_response>(m.msg));
  }
  if (out.abandon) settle_proposals(s, 0, true);
  if (out.visible) settle_proposals(s, out.visible, false);
  for (const auto& r : out.reports)
    if (hooks_.report) hooks_.report(r);
  for (const auto& target : out.snapshots) send_snapshot(p, target, now);
  compact(p);
  bool primary = s.replica->current_role() == replication::replica::role::primary;
  if (primary && !s.primary && s.replica->serving(now)) {
    s.primary = true;
    routes_[p].term.fetch_add(1, std::memory_order_release);
    probe_.became_primary.fetch_add(1, std::memory_order_relaxed);
    if (hooks_.became_primary) hooks_.became_primary(p);
  } else if (!primary && s.primary) {
    s.primary = false;
    if (hooks_.stopped_primary) hooks_.stopped_primary(p);
  }
}

void replicator::persist(storage::partition_id p, std::vector<replication::persist_op>& ops) {
  for (auto& op : ops) {
    rocksdb::WriteBatch batch;
    if (op.truncate) {
      batch.DeleteRange(storage::keys::log_entry(p, op.truncate_after + 1).str(),
                        storage::keys::log_prefix(p).prefix_end());
    }
    for (const auto& e : op.entries)
      batch.Put(storage::keys::log_entry(p, e.index).str(), storage::encode_log_entry(e.epoch, e.payload));
    if (op.entries.empty()) {
      commits_.submit(p, std::move(batch), [](bool) {});
      continue;
    }
    auto index = op.entries.back().index, epoch = op.entries.back().epoch;
    auto generation = generation_;
    commits_.submit(p, std::move(batch), [this, p, generation, index, epoch](bool ok) {
      push(ev_persisted{p, generation, index, epoch, ok});
    });
  }
}

// The entries apply as one write with the applied index of the last: one record of the
// index per drain instead of one per entry.
void replicator::apply(storage::partition_id p, std::vector<replication::entry>& entries) {
  std::string merged;
  std::uint64_t last = 0;
  for (auto& e : entries) {
    if (!within(p, e.payload)) {
      std::fprintf(stderr, "reeld: partition %u: entry %llu is not a batch of this partition; applying stops\n", p,
                   static_cast<unsigned long long>(e.index));
      break;
    }
    if (merged.empty())
      merged = std::move(e.payload);
    else
      storage::append_records(merged, e.payload);
    last = e.index;
    probe_.committed_entries.fetch_add(1, std::memory_order_relaxed);
  }
  if (last == 0) return;
  rocksdb::WriteBatch batch = merged.empty() ? rocksdb::WriteBatch() : rocksdb::WriteBatch(std::move(merged));
  batch.Put(storage::keys::partition_meta(p).str(), storage::encode_partition_meta(last));
  auto generation = generation_;
  commits_.submit(
      p, std::move(batch),
      [this, p, generation, last](bool ok) {
        push(ev_applied{p, generation, last, ok});
      },
      false);
}

void replicator::settle_proposals(slot& s, std::uint64_t visible, bool abandon) {
  if (abandon) {
    probe_.proposals_failed.fetch_add(s.staged_callbacks.size(), std::memory_order_relaxed);
    for (auto& done : s.staged_callbacks) done(false);
    s.staged_callbacks.clear();
    s.staged.clear();
  }
  for (auto it = s.proposals.begin(); it != s.proposals.end() && (abandon || it->first <= visible);) {
    if (abandon) probe_.proposals_failed.fetch_add(it->second.size(), std::memory_order_relaxed);
    for (auto& done : it->second) done(!abandon);
    it = s.proposals.erase(it);
  }
}

void replicator::flush_messages() {
  for (auto& [node, box] : outgoing_) {
    if (box.first.empty() && box.second.empty()) continue;
    probe_.messages_sent.fetch_add(1, std::memory_order_relaxed);
    link_.send(replication::node_id(node), std::move(box.first), std::move(box.second));
  }
  outgoing_.clear();
}

void replicator::publish(instant now) {
  std::int64_t all = std::numeric_limits<std::int64_t>::max();
  for (storage::partition_id p = 0; p < replicated_partitions; ++p) {
    const auto& r = *slots_[p].replica;
    owner o{owner::where::unavailable, 0};
    const auto& c = r.config();
    if (!rebuilding_ && c.epoch != 0) {
      if (r.serving(now))
        o = {owner::where::here, 0};
      else if (c.primary != options_.self)
        o = {owner::where::elsewhere, c.primary.node.value};
    }
    routes_[p].owner.store(encode_owner(o), std::memory_order_release);
    auto until = !rebuilding_ && r.can_read(now) ? authority_.count() : 0;
    routes_[p].read_until.store(until, std::memory_order_release);
    all = std::min<std::int64_t>(all, until);
  }
  all_read_until_.store(all, std::memory_order_release);
  if (clock::now() < next_status_) return;
  next_status_ = clock::now() + std::chrono::milliseconds(100);
  std::vector<partition_status> status;
  for (storage::partition_id p = 0; p < replicated_partitions; ++p) {
    const auto& r = *slots_[p].replica;
    status.push_back({p, r.config(), r.current_role(), r.serving(now), r.can_read(now), r.log().last_index(),
                      r.commit_index(), r.applied_index(), r.visible_index(), r.peers()});
  }
  std::lock_guard lock(status_mutex_);
  status_ = std::move(status);
}

// --- Compaction and snapshots --------------------------------------------------------------

// Drops log entries far enough behind the applied point. The deletion is a write after the
// applies of those entries in the one WAL, so whenever it is durable they are too.
void replicator::compact(storage::partition_id p) {
  auto& r = *slots_[p].replica;
  const auto& log = r.log();
  auto held = log.last_index() - log.base_index();
  std::uint64_t target = 0;
  if (log.payload_bytes() > options_.log_max_bytes)
    target = r.applied_index();
  else if (held > 2 * options_.log_retention && r.applied_index() > options_.log_retention)
    target = r.applied_index() - options_.log_retention;
  if (target <= log.base_index()) return;
  auto epoch = *log.epoch_at(target);
  r.compact(target);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(storage::keys::log_entry(p, 0).str(), storage::keys::log_entry(p, target + 1).str());
  batch.Put(storage::keys::log_base(p).str(), storage::encode_log_base({target, epoch}));
  commits_.submit(
      p, std::move(batch), [](bool) {}, false);
  probe_.compactions.fetch_add(1, std::memory_order_relaxed);
}

// A snapshot of the partition as RocksDB holds it now: its point is the applied index
// stored with it (applies run ahead of what the replica confirmed; re-applying the entries
// after it is idempotent), which the log still holds (compaction stops at the confirmed).
void replicator::send_snapshot(storage::partition_id p, const replication::member& target, instant now) {
  auto& r = *slots_[p].replica;
  if (sending_[p].count(target.node.value)) return;
  auto view = db_.freeze();
  auto meta = view->get(storage::keys::partition_meta(p));
  std::uint64_t index = meta ? storage::decode_partition_meta(*meta).value_or(0) : 0;
  auto epoch = r.log().epoch_at(index);
  if (!epoch) return r.snapshot_failed(target.node, now);
  sending_[p].insert(target.node.value);
  probe_.snapshots_sent.fetch_add(1, std::memory_order_relaxed);
  auto range = storage::key(p, static_cast<storage::table>(0)).str().substr(0, 2);
  auto from = std::make_shared<std::string>(range);
  auto upper = storage::prefix_end(range);
  auto seq = std::make_shared<std::uint64_t>(0);
  chunk_source source = [view, from, upper, seq, p, target, index, epoch = *epoch]() -> std::optional<snapshot_chunk> {
    snapshot_chunk c{p, target, index, epoch, (*seq)++, {}, {}, false};
    for (auto& [k, v] : view->next(*from, upper, chunk_bytes, [](std::string_view k) { return !log_key(k); })) {
      c.keys.push_back(std::move(k));
      c.values.push_back(std::move(v));
    }
    c.last = *from == upper;
    return c;
  };
  auto generation = generation_;
  link_.send_snapshot(target.node, std::move(source), [this, p, generation, node = target.node](bool ok) {
    push(ev_sent{p, generation, node, ok});
  });
}

void replicator::on(ev_sent& e, instant now) {
  if (e.generation != generation_) return;
  sending_[e.p].erase(e.node.value);
  if (!e.ok) slots_[e.p].replica->snapshot_failed(e.node, now);
}

// Installing: the first chunk empties the partition's state and marks the install (a
// restart in between empties the partition, log included); the last one sets the applied
// index, and once it is durable the replica adopts the snapshot's point and the log keeps
// only what the replica kept.
void replicator::on(ev_chunk& e, instant now) {
  auto& c = e.chunk;
  if (c.partition >= replicated_partitions || rebuilding_ || c.keys.size() != c.values.size()) return e.ack(false);
  auto p = c.partition;
  auto& s = slots_[p];
  auto& current = installs_[p];
  rocksdb::WriteBatch batch;
  if (c.seq == 0) {
    if (current) abandon_install(p);
    if (!s.replica->begin_snapshot(c.index, c.epoch, c.target)) return e.ack(false);
    current = install{e.from, c.index, c.epoch, 0, now};
    wipe_state(batch, p);
    batch.Put(storage::keys::installing(p).str(), "");
  } else if (!current || current->from != e.from || current->index != c.index || current->next_seq != c.seq) {
    return e.ack(false);
  }
  current->next_seq = c.seq + 1;
  current->last_chunk = now;
  for (std::size_t i = 0; i < c.keys.size(); ++i) {
    const auto& k = c.keys[i];
    bool ours = k.size() >= storage::key_header_bytes && !log_key(k) &&
                ((static_cast<unsigned char>(k[0]) << 8) | static_cast<unsigned char>(k[1])) == p;
    if (!ours) {
      abandon_install(p);
      return e.ack(false);
    }
    batch.Put(k, c.values[i]);
  }
  if (!c.last) return commits_.submit(p, std::move(batch), [ack = std::move(e.ack)](bool ok) { ack(ok); });
  batch.Put(storage::keys::partition_meta(p).str(), storage::encode_partition_meta(c.index));
  auto generation = generation_;
  commits_.submit(p, std::move(batch),
                  [this, p, generation, index = c.index, epoch = c.epoch, ack = std::move(e.ack)](bool ok) {
                    if (!ok) return ack(false);
                    push(ev_installed{p, generation, index, epoch, ack});
                  });
}

void replicator::on(ev_installed& e, instant now) {
  auto& current = installs_[e.p];
  if (e.generation != generation_ || !current || current->index != e.index) return e.ack(false);
  auto& r = *slots_[e.p].replica;
  r.snapshot_installed(e.index, e.epoch, now);
  current.reset();
  probe_.snapshots_installed.fetch_add(1, std::memory_order_relaxed);
  auto p = e.p;
  const auto& log = r.log();
  rocksdb::WriteBatch batch;
  batch.DeleteRange(storage::keys::log_entry(p, 0).str(), storage::keys::log_entry(p, log.base_index() + 1).str());
  batch.DeleteRange(storage::keys::log_entry(p, log.last_index() + 1).str(), storage::keys::log_prefix(p).prefix_end());
  batch.Put(storage::keys::log_base(p).str(), storage::encode_log_base({log.base_index(), log.base_epoch()}));
  batch.Delete(storage::keys::installing(p).str());
  commits_.submit(p, std::move(batch), [ack = std::move(e.ack)](bool ok) { ack(ok); });
}

// The state is half installed: the partition holds nothing usable until a snapshot comes
// again.
void replicator::abandon_install(storage::partition_id p) {
  installs_[p].reset();
  slots_[p].replica->snapshot_aborted();
  rocksdb::WriteBatch wipe;
  wipe_partition(wipe, p);
  commits_.submit(p, std::move(wipe), [](bool) {});
}

void replicator::check_installs(instant now) {
  for (storage::partition_id p = 0; p < replicated_partitions; ++p) {
    if (installs_[p] && now - installs_[p]->last_chunk > options_.install_timeout) {
      std::fprintf(stderr, "reeld: partition %u: snapshot install stalled; abandoned\n", p);
      abandon_install(p);
    }
  }
}

// --- Routing -----------------------------------------------------------------------------------

owner replicator::owner_of(storage::partition_id p) const {
  if (p >= replicated_partitions) return {owner::where::unavailable, 0};
  return decode_owner(routes_[p].owner.load(std::memory_order_acquire));
}

bool replicator::can_read(storage::partition_id p) const {
  if (p >= replicated_partitions) return false;
  return now_instant().count() < routes_[p].read_until.load(std::memory_order_acquire);
}

bool replicator::can_read_all() const {
  return now_instant().count() < all_read_until_.load(std::memory_order_acquire);
}

std::uint64_t replicator::term(storage::partition_id p) const {
  return p < replicated_partitions ? routes_[p].term.load(std::memory_order_acquire) : 0;
}

std::vector<std::uint16_t> replicator::other_members(storage::partition_id p) const {
  std::vector<std::uint16_t> out;
  std::lock_guard lock(status_mutex_);
  if (p >= status_.size()) return out;
  const auto& c = status_[p].config;
  for (const auto* set : {&c.replicas, &c.learners})
    for (const auto& m : *set)
      if (m.node != self_.node) out.push_back(m.node.value);
  return out;
}

// The snapshot is refreshed every 100 ms; whether a partition is readable, and so served, is
// checked again now (a node that woke from a pause answered with its view from before it).
std::vector<partition_status> replicator::status() const {
  std::vector<partition_status> out;
  {
    std::lock_guard lock(status_mutex_);
    out = status_;
  }
  for (auto& s : out) {
    s.readable = s.readable && can_read(s.partition);
    s.serving = s.serving && can_read(s.partition);
  }
  return out;
}

}  // namespace reel::cluster
