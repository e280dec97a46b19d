#include "actors/user.hpp"

#include <optional>
#include <unordered_map>

#include "actors/directory.hpp"
#include "actors/relations.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

using edge_overlay = std::unordered_map<user_id, std::optional<millis>>;

struct user_state {
  user_id id;
  std::optional<storage::user_record> record;  // nullopt: the user does not exist (yet)
  // Edge states written but maybe not yet durable; storage is current once the log is idle.
  edge_overlay following;
  edge_overlay followers;
  write_log log;
  idle_timer idle;
  int relay_requests = 0;
};

using self_ptr = user_actor::stateful_pointer<user_state>;

std::optional<millis> edge(self_ptr self, context& ctx, edge_direction dir, user_id other) {
  auto& overlay = dir == edge_direction::following ? self->state.following : self->state.followers;
  if (auto it = overlay.find(other); it != overlay.end()) return it->second;
  return read_edge(ctx.db, dir, self->state.id, other);
}

void adjust(std::uint64_t& count, int delta) {
  // Counts are derived from edges that were just checked; never let a bug wrap around.
  if (delta < 0 && count == 0) return;
  count += delta;
}

std::string default_signature(const std::string& name) { return "Hi, I'm " + name + " on Reel."; }

// Stages one outbox effect addressed to this user; returns false if it is malformed.
bool stage_effect(self_ptr self, context& ctx, rocksdb::WriteBatch& batch, const std::string& bytes, bool& changed) {
  auto entry = storage::decode_outbox_entry(bytes);
  if (!entry) return false;
  auto& st = self->state;
  if (auto* create = std::get_if<storage::create_user>(&entry->effect)) {
    if (st.record) return true;  // redelivery
    st.record = storage::user_record{st.id, create->name, create->password_hash, default_signature(create->name)};
    st.record->created = create->created;
    changed = true;
    return true;
  }
  auto& change = std::get<storage::follower_change>(entry->effect);
  if (!st.record) return true;  // effects for a user that never existed have no edge to keep
  auto before = edge(self, ctx, edge_direction::follower, change.follower);
  auto after = change.following ? std::optional<millis>(before.value_or(change.since)) : std::nullopt;
  int delta = stage_edge(batch, edge_direction::follower, st.id, change.follower, before, after);
  if (delta != 0) {
    adjust(st.record->follower_count, delta);
    st.followers[change.follower] = after;
    changed = true;
  }
  return true;
}

// Runs once this write is durable; a failed write leaves memory ahead of storage, so the
// actor stops and the next message reloads it from disk.
template <class Then>
write_log::continuation on_durable(self_ptr self, caf::typed_response_promise<caf::ok_atom> rp, Then then) {
  return [self, rp, then](bool durable) mutable {
    if (!durable) {
      rp.deliver(caf_error(errc::internal, "write failed"));
      self->quit(caf::exit_reason::user_shutdown);
      return;
    }
    if (self->state.log.idle()) {
      self->state.following.clear();
      self->state.followers.clear();
    }
    then(rp);
  };
}

caf::typed_response_promise<caf::ok_atom> follow(self_ptr self, context& ctx, user_id target, bool follow) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto& st = self->state;
  if (!st.record) {
    rp.deliver(caf_error(errc::not_found, "user not found"));
    return rp;
  }
  auto before = edge(self, ctx, edge_direction::following, target);
  if (before.has_value() == follow) {  // nothing to change; answer once earlier writes are durable
    st.log.after_pending(on_durable(self, rp, [](auto& rp) { rp.deliver(caf::ok_atom::value); }));
    return rp;
  }
  auto since = cluster::wall_clock();
  auto after = follow ? std::optional<millis>(since) : std::nullopt;
  rocksdb::WriteBatch batch;
  adjust(st.record->follow_count, stage_edge(batch, edge_direction::following, st.id, target, before, after));
  st.following[target] = after;
  batch.Put(storage::keys::user(st.id).str(), storage::encode(*st.record));
  // The followee's side travels through the outbox, written atomically with this change.
  auto partition = storage::partition_of(st.id);
  storage::outbox_entry effect{op_id(ctx.ids.next()), target,
                               storage::follower_change{st.id, follow, before.value_or(since)}};
  auto encoded = storage::encode(effect);
  batch.Put(storage::keys::outbox(partition, effect.op).str(), encoded);
  persist(self, ctx, st.log, partition, std::move(batch), on_durable(self, rp, [self, &ctx, partition, encoded](auto& rp) {
    ++self->state.relay_requests;
    // Reply when the followee applied it; after a timeout the effect is still durable in
    // the outbox and will be applied, so the follow itself has succeeded.
    self->request(ctx.dir.relay(), ctx.cfg.request_timeout, deliver_atom::value, partition, encoded)
        .then([self, rp](caf::ok_atom) mutable { --self->state.relay_requests; rp.deliver(caf::ok_atom::value); },
              [self, rp](caf::error&) mutable { --self->state.relay_requests; rp.deliver(caf::ok_atom::value); });
  }));
  return rp;
}

caf::typed_response_promise<caf::ok_atom> apply(self_ptr self, context& ctx, const std::vector<std::string>& effects) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  rocksdb::WriteBatch batch;
  bool changed = false;
  for (const auto& bytes : effects) {
    if (!stage_effect(self, ctx, batch, bytes, changed)) {
      rp.deliver(caf_error(errc::internal, "malformed outbox entry"));
      return rp;
    }
  }
  auto reply = on_durable(self, rp, [](auto& rp) { rp.deliver(caf::ok_atom::value); });
  if (!changed) {
    self->state.log.after_pending(std::move(reply));
    return rp;
  }
  auto& st = self->state;
  batch.Put(storage::keys::user(st.id).str(), storage::encode(*st.record));
  persist(self, ctx, st.log, storage::partition_of(st.id), std::move(batch), std::move(reply));
  return rp;
}

user_actor::behavior_type user_behavior(self_ptr self, context* ctx, user_id id) {
  self->state.id = id;
  if (auto bytes = ctx->db.get(storage::keys::user(id))) self->state.record = storage::decode_user(*bytes);
  schedule_idle_check(self, *ctx);
  return {
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
      [=](caf::tick_atom) {
        bool busy = !self->state.log.idle() || self->state.relay_requests > 0;
        on_idle_tick(self, *ctx, busy, [&] { ctx->dir.retire_user(id, self->address()); });
      },
      [=](follow_atom, user_id target, bool on) {
        self->state.idle.touch();
        return follow(self, *ctx, target, on);
      },
      [=](apply_atom, const std::vector<std::string>& effects) {
        self->state.idle.touch();
        return apply(self, *ctx, effects);
      },
  };
}

}  // namespace

user_actor spawn_user(caf::actor_system& sys, context& ctx, user_id id) { return sys.spawn(user_behavior, &ctx, id); }

}  // namespace reel::actors
