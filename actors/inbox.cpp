#include "actors/inbox.hpp"

#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "actors/celebrities.hpp"
#include "actors/directory.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

struct inbox_state {
  // Entries per owner (InboxMeta, loaded on first use). Pushes check for an existing entry,
  // so a page redone after a crash does not count twice.
  std::unordered_map<user_id, std::uint64_t> counts;
  // Per trimmed owner, the newest key its last trim deleted: every key from there to the end
  // of the owner's range is deleted (or about to be), so the next trim's reverse seek starts
  // below it. Without it, each trim of a full inbox stepped back over the tombstones of all
  // earlier trims (80% of the CPU after 15 s of publishing on Reed98).
  std::unordered_map<user_id, std::string> trimmed_from;
  write_log log;
  idle_timer idle;
  std::uint64_t term = 0;  // the partition's term when this activation loaded its state (runtime.hpp: persist)
  // Cluster mode: pushes are queued and written together, one write at a time, each
  // `push_linger` after the previous one was durable (or after the first push of an idle
  // shard), or as soon as that one is durable once `push_batch_owners` owners wait. A
  // partition's log entry costs a record, messages and an applied index on every replica,
  // and one publish pushes to ~25 partitions on Reed98 (~1.6 owners each): one entry per
  // push made entries, not records, the cluster's cost. Single-node mode writes each push
  // at once (group commit merges them anyway). Pushes are the fan-out's, after the publish
  // was acknowledged: the wait delays feeds, not replies.
  using ok_promise = caf::typed_response_promise<caf::ok_atom>;
  struct queued_push {
    video_id video;
    user_id author;
    millis created;
    std::vector<user_id> owners;
    ok_promise reply;
  };
  std::size_t push_writes = 0;  // push writes not yet durable
  bool lingering = false;       // a linger_atom is on its way
  std::vector<queued_push> queued;
};

// A feed gets a new video up to this (and one write) later: API.md allows fan-out "a
// moment later". On Reed98 at 300 publishes/s, 50 ms instead of 10 took the cluster from
// 11.4 log entries per publish to 5.5, and publish's p50 from ~11 to ~7 ms.
constexpr auto push_linger = std::chrono::milliseconds(50);
// A big fan-out brings this many owners per page and partition (4,096 followers over 64
// partitions): those go at once, as the fan-out's pages would wait for the linger otherwise.
constexpr std::size_t push_batch_owners = 64;

using self_ptr = inbox_actor::stateful_pointer<inbox_state>;
using ok_promise = inbox_state::ok_promise;
void write_queued(self_ptr self, context& ctx, storage::partition_id shard);

// With no push write on its way: writes the queued pushes if enough owners wait, else
// starts their wait (unless it is on already or nothing is queued).
void write_or_linger(self_ptr self, context& ctx, storage::partition_id shard) {
  auto& st = self->state;
  std::size_t owners = 0;
  for (const auto& p : st.queued) owners += p.owners.size();
  if (owners >= push_batch_owners) return write_queued(self, ctx, shard);
  if (st.lingering || st.queued.empty()) return;
  st.lingering = true;
  self->delayed_send(self, push_linger, linger_atom::value);
}

std::uint64_t& count_of(self_ptr self, context& ctx, user_id owner) {
  auto [it, fresh] = self->state.counts.try_emplace(owner, 0);
  if (fresh) {
    if (auto v = ctx.db.get(storage::keys::inbox_meta(owner))) it->second = storage::decode_inbox_meta(*v).value_or(0);
  }
  return it->second;
}

// Loads the counts of the owners not yet in memory, in one read.
void load_counts(self_ptr self, context& ctx, const std::vector<user_id>& owners) {
  std::vector<user_id> fresh;
  std::vector<std::string> keys;
  for (auto owner : owners) {
    if (self->state.counts.count(owner)) continue;
    fresh.push_back(owner);
    keys.push_back(storage::keys::inbox_meta(owner).str());
  }
  auto values = ctx.db.multi_get(keys);
  for (std::size_t i = 0; i < fresh.size(); ++i)
    self->state.counts.emplace(fresh[i], values[i] ? storage::decode_inbox_meta(*values[i]).value_or(0) : 0);
}

// Deletes the oldest entries of `owner` beyond inbox_cap. Runs after the writes that
// overfilled the inbox are durable, so it sees them; the oldest keys are the last of the
// owner's range (newest first), found by a reverse seek that starts below what earlier
// trims deleted.
void trim(self_ptr self, context& ctx, user_id owner, rocksdb::WriteBatch& batch) {
  auto& count = count_of(self, ctx, owner);
  if (count <= ctx.cfg.inbox_cap) return;
  auto prefix = storage::keys::inbox_prefix(owner);
  auto floor = self->state.trimmed_from.find(owner);
  auto upper = floor != self->state.trimmed_from.end() ? floor->second : prefix.prefix_end();
  auto oldest = ctx.db.last_keys(prefix, upper, count - ctx.cfg.inbox_cap);  // oldest first
  for (const auto& key : oldest) batch.Delete(key);
  if (!oldest.empty()) self->state.trimmed_from[owner] = oldest.back();
  count -= oldest.size();
  batch.Put(storage::keys::inbox_meta(owner).str(), storage::encode_inbox_meta(count));
}

// An entry older than what a trim deleted (a backfilled or late video) would sit beyond the
// next trim's start: that trim starts from the end of the range again. Left alone: such an
// entry staged before a trim of its owner and durable only after it can stay beyond that
// trim's start until a restart (the count stays exact; one old entry is kept instead of a
// newer one).
void note_added(self_ptr self, user_id owner, const std::string& key) {
  auto floor = self->state.trimmed_from.find(owner);
  if (floor != self->state.trimmed_from.end() && key >= floor->second) self->state.trimmed_from.erase(floor);
}

// Commits `batch` (with the touched owners' counts), replies, then trims overfull inboxes.
// A push write (`pushes`) then lets the pushes queued meanwhile go.
void commit(self_ptr self, context& ctx, storage::partition_id shard, rocksdb::WriteBatch batch,
            const std::vector<user_id>& touched, std::vector<ok_promise> replies, bool pushes = false) {
  std::vector<user_id> overfull;
  for (auto owner : touched) {
    auto count = count_of(self, ctx, owner);
    batch.Put(storage::keys::inbox_meta(owner).str(), storage::encode_inbox_meta(count));
    if (count > ctx.cfg.inbox_cap) overfull.push_back(owner);
  }
  if (pushes) ++self->state.push_writes;
  persist(self, ctx, self->state.log, shard, std::move(batch),
          [self, &ctx, shard, overfull, replies, pushes](bool durable) mutable {
            if (!durable) {
              for (auto& rp : replies) rp.deliver(write_failed(ctx));
              for (auto& p : self->state.queued) p.reply.deliver(write_failed(ctx));
              self->quit(caf::exit_reason::user_shutdown);
              return;
            }
            for (auto& rp : replies) rp.deliver(caf::ok_atom::value);
            if (!overfull.empty()) {
              rocksdb::WriteBatch trims;
              for (auto owner : overfull) trim(self, ctx, owner, trims);
              persist(self, ctx, self->state.log, shard, std::move(trims), [](bool) {});
            }
            if (pushes && --self->state.push_writes == 0) write_or_linger(self, ctx, shard);
          });
}

// Writes pushes as one batch and answers them once it is durable; an entry already stored
// (a redone page) or twice among them is added and counted once.
void write_pushes(self_ptr self, context& ctx, storage::partition_id shard,
                  std::vector<inbox_state::queued_push> pushes) {
  std::vector<user_id> owners;
  std::vector<std::string> keys;
  std::vector<std::size_t> from;     // the push of each owner
  std::vector<std::string> entries;  // each push's inbox entry
  for (std::size_t k = 0; k < pushes.size(); ++k) {
    entries.push_back(storage::encode_inbox_entry(pushes[k].author));
    for (auto owner : pushes[k].owners) {
      owners.push_back(owner);
      keys.push_back(storage::keys::inbox(owner, pushes[k].created, pushes[k].video).str());
      from.push_back(k);
    }
  }
  load_counts(self, ctx, owners);
  auto existing = ctx.db.multi_contains(keys);
  rocksdb::WriteBatch batch;
  std::unordered_set<std::string_view> added;
  std::vector<user_id> touched;
  std::unordered_set<user_id> seen;
  for (std::size_t i = 0; i < owners.size(); ++i) {
    if (seen.insert(owners[i]).second) touched.push_back(owners[i]);
    if (existing[i] || !added.insert(keys[i]).second) continue;
    batch.Put(keys[i], entries[from[i]]);
    note_added(self, owners[i], keys[i]);
    ++self->state.counts[owners[i]];
  }
  std::vector<ok_promise> replies;
  replies.reserve(pushes.size());
  for (auto& p : pushes) replies.push_back(std::move(p.reply));
  commit(self, ctx, shard, std::move(batch), touched, std::move(replies), true);
}

void write_queued(self_ptr self, context& ctx, storage::partition_id shard) {
  auto pushes = std::exchange(self->state.queued, {});
  if (!pushes.empty()) write_pushes(self, ctx, shard, std::move(pushes));
}

ok_promise push(self_ptr self, context& ctx, storage::partition_id shard, video_id video, user_id author,
                millis created, std::vector<user_id> owners) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  inbox_state::queued_push p{video, author, created, std::move(owners), rp};
  if (!ctx.replicated) {
    std::vector<inbox_state::queued_push> one;
    one.push_back(std::move(p));
    write_pushes(self, ctx, shard, std::move(one));
    return rp;
  }
  self->state.queued.push_back(std::move(p));
  if (self->state.push_writes == 0) write_or_linger(self, ctx, shard);
  return rp;
}

ok_promise backfill(self_ptr self, context& ctx, storage::partition_id shard, user_id owner, user_id author) {
  write_queued(self, ctx, shard);  // pushes that came first are written first
  auto rp = self->make_response_promise<caf::ok_atom>();
  rocksdb::WriteBatch batch;
  if (!ctx.celebrities.contains(author)) {  // a celebrity's works are merged at read time
    auto entry = storage::encode_inbox_entry(author);
    auto prefix = storage::keys::works_prefix(author);
    std::size_t copied = 0;
    std::size_t added = 0;
    ctx.db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
      auto created = storage::keys::from_rev(storage::read_u64(key, key.size() - 16));
      auto inbox_key = storage::keys::inbox(owner, created, video_id(storage::read_u64(key, key.size() - 8)));
      if (!ctx.db.contains(inbox_key)) {
        batch.Put(inbox_key.str(), entry);
        note_added(self, owner, inbox_key.str());
        ++added;
      }
      return ++copied < ctx.cfg.backfill_videos;
    });
    count_of(self, ctx, owner) += added;
  }
  commit(self, ctx, shard, std::move(batch), {owner}, {rp});
  return rp;
}

ok_promise hide(self_ptr self, context& ctx, storage::partition_id shard, user_id owner, user_id author) {
  write_queued(self, ctx, shard);  // pushes that came first are written first
  auto rp = self->make_response_promise<caf::ok_atom>();
  rocksdb::WriteBatch batch;
  auto prefix = storage::keys::inbox_prefix(owner);
  std::uint64_t removed = 0;
  ctx.db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view value) {
    if (storage::decode_inbox_entry(value) == author) {
      batch.Delete(rocksdb::Slice(key.data(), key.size()));
      ++removed;
    }
    return true;
  });
  auto& count = count_of(self, ctx, owner);
  count = count > removed ? count - removed : 0;
  commit(self, ctx, shard, std::move(batch), {owner}, {rp});
  return rp;
}

inbox_actor::behavior_type inbox_behavior(self_ptr self, context* ctx, storage::partition_id shard) {
  self->state.term = ctx->routing.term(shard);
  schedule_idle_check(self, *ctx);
  return {
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
      [=](caf::tick_atom) {
        bool busy = !self->state.log.idle() || !self->state.queued.empty() || self->state.lingering;
        on_idle_tick(self, *ctx, busy, [&] { ctx->dir.retire_inbox_shard(shard, self->address()); });
      },
      [=](linger_atom) {
        // (A wait that a full batch cut short still arrives: the pushes queued since go early.)
        self->state.lingering = false;
        if (self->state.push_writes == 0) write_queued(self, *ctx, shard);  // else its durability starts the next wait
      },
      [=](push_atom, video_id video, user_id author, millis created, std::vector<user_id>& owners) {
        self->state.idle.touch();
        return push(self, *ctx, shard, video, author, created, std::move(owners));
      },
      [=](backfill_atom, user_id owner, user_id author) {
        self->state.idle.touch();
        return backfill(self, *ctx, shard, owner, author);
      },
      [=](hide_atom, user_id owner, user_id author) {
        self->state.idle.touch();
        return hide(self, *ctx, shard, owner, author);
      },
  };
}

}  // namespace

inbox_actor spawn_inbox_shard(caf::actor_system& sys, context& ctx, storage::partition_id shard) {
  return sys.spawn(inbox_behavior, &ctx, shard);
}

}  // namespace reel::actors
