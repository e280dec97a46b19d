// The user actor's follow edges: its own following side, and the follower side it receives
// through the outbox.
#include "actors/directory.hpp"
#include "actors/inbox.hpp"
#include "actors/user_state.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

std::optional<millis> follow_edge(user_self self, context& ctx, edge_direction dir, user_id other) {
  auto& pending = dir == edge_direction::following ? self->state.following : self->state.followers;
  if (auto it = pending.find(other); it != pending.end()) return it->second;
  return read_edge(ctx.db, dir, self->state.id, other);
}

namespace {

// A follow copies the followee's recent works into the follower's home timeline; an
// unfollow removes them. Both go through the follower's inbox shard, which owns the inbox.
void update_inbox(user_self self, context& ctx, user_id target, bool on, std::function<void()> then) {
  auto shard = ctx.dir.inbox_shard(storage::partition_of(self->state.id));
  ++self->state.relay_requests;
  auto finish = [self, then] {
    --self->state.relay_requests;
    then();
  };
  auto send = [&](auto atom) {
    self->request(shard, ctx.cfg.request_timeout, atom, self->state.id, target)
        .then([finish](caf::ok_atom) { finish(); }, [finish](caf::error&) { finish(); });
  };
  if (on) send(backfill_atom::value);
  else send(hide_atom::value);
}

}  // namespace

ok_promise follow(user_self self, context& ctx, user_id target, bool on) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto& st = self->state;
  if (!st.record) {
    rp.deliver(to_caf(no_account()));  // acting as a user that has no account
    return rp;
  }
  auto before = follow_edge(self, ctx, edge_direction::following, target);
  if (before.has_value() == on) {  // nothing to change; answer once earlier writes are durable
    st.log.after_pending(reply_when_durable(self, ctx, rp));
    return rp;
  }
  auto since = cluster::wall_clock();
  auto after = on ? std::optional<millis>(since) : std::nullopt;
  rocksdb::WriteBatch batch;
  adjust(st.record->follow_count, stage_edge(batch, edge_direction::following, st.id, target, before, after));
  st.following[target] = after;
  // The followee's side travels through the outbox, written atomically with this change.
  storage::outbox_entry effect{op_id(ctx.ids.next()), target.value,
                               storage::follower_change{st.id, on, before.value_or(since)}};
  persist_with_effect(
      self, ctx, std::move(batch), std::move(effect),
      [self, &ctx, target, on, rp]() mutable {
        update_inbox(self, ctx, target, on, [rp]() mutable { rp.deliver(caf::ok_atom::value); });
      },
      [rp](caf::error e) mutable { rp.deliver(e); });
  return rp;
}

bool stage_follower_change(user_self self, context& ctx, rocksdb::WriteBatch& batch,
                           const storage::follower_change& change) {
  auto& st = self->state;
  auto before = follow_edge(self, ctx, edge_direction::follower, change.follower);
  auto after = change.following ? std::optional<millis>(before.value_or(change.since)) : std::nullopt;
  int delta = stage_edge(batch, edge_direction::follower, st.id, change.follower, before, after);
  if (delta == 0) return false;
  adjust(st.record->follower_count, delta);
  st.followers[change.follower] = after;
  return true;
}

}  // namespace reel::actors
