#include "actors/user.hpp"

#include "actors/directory.hpp"
#include "actors/user_state.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

namespace {

bool stage_create(user_self self, const storage::create_user& create) {
  auto& st = self->state;
  if (st.record) return false;  // redelivery
  st.record = storage::new_user(st.id, create.name, create.password_hash, create.created);
  return true;
}

// Stages one outbox effect addressed to this user; nullopt if it is malformed.
std::optional<bool> stage_effect(user_self self, context& ctx, rocksdb::WriteBatch& batch, const std::string& bytes) {
  auto entry = storage::decode_outbox_entry(bytes);
  if (!entry) return std::nullopt;
  if (auto* create = std::get_if<storage::create_user>(&entry->effect)) return stage_create(self, *create);
  if (!self->state.record) return false;  // effects for a user that never existed have nothing to change
  if (auto* change = std::get_if<storage::follower_change>(&entry->effect))
    return stage_follower_change(self, ctx, batch, *change);
  if (auto* report = std::get_if<storage::favorites_report>(&entry->effect))
    return stage_favorites_report(self, ctx, batch, *report);
  return std::nullopt;
}

ok_promise apply(user_self self, context& ctx, const std::vector<std::string>& effects) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  rocksdb::WriteBatch batch;
  bool changed = false;
  for (const auto& bytes : effects) {
    auto staged = stage_effect(self, ctx, batch, bytes);
    if (!staged) {
      rp.deliver(caf_error(errc::internal, "malformed outbox entry"));
      return rp;
    }
    changed = changed || *staged;
  }
  if (!changed) {
    self->state.log.after_pending(reply_when_durable(self, ctx, rp));
    return rp;
  }
  auto& st = self->state;
  batch.Put(storage::keys::user(st.id).str(), storage::encode(*st.record));
  persist(self, ctx, st.log, storage::partition_of(st.id), std::move(batch), reply_when_durable(self, ctx, rp));
  return rp;
}

user_actor::behavior_type user_behavior(user_self self, context* ctx, user_id id) {
  self->state.id = id;
  self->state.term = ctx->routing.term(storage::partition_of(id));  // before the state is read
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
      [=](like_atom, video_id video, bool on) {
        self->state.idle.touch();
        return like(self, *ctx, video, on);
      },
      [=](publish_atom, std::string& title, std::string& hash) {
        self->state.idle.touch();
        return publish(self, *ctx, std::move(title), std::move(hash));
      },
      [=](apply_atom, const std::vector<std::string>& effects) {
        self->state.idle.touch();
        return apply(self, *ctx, effects);
      },
  };
}

}  // namespace

write_log::continuation on_durable(user_self self, const context& ctx, std::function<void()> then,
                                   std::function<void(caf::error)> fail) {
  return [self, &ctx, then = std::move(then), fail = std::move(fail)](bool durable) {
    if (!durable) {
      fail(write_failed(ctx));
      self->quit(caf::exit_reason::user_shutdown);
      return;
    }
    auto& st = self->state;
    if (st.log.idle()) {
      st.following.clear();
      st.followers.clear();
      st.favorites.clear();
      st.seen.clear();
    }
    then();
  };
}

write_log::continuation reply_when_durable(user_self self, const context& ctx, ok_promise rp) {
  return on_durable(
      self, ctx, [rp]() mutable { rp.deliver(caf::ok_atom::value); }, [rp](caf::error e) mutable { rp.deliver(e); });
}

void persist_with_effect(user_self self, context& ctx, rocksdb::WriteBatch batch, storage::outbox_entry effect,
                         std::function<void()> then, std::function<void(caf::error)> fail) {
  auto& st = self->state;
  auto partition = storage::partition_of(st.id);
  auto encoded = storage::encode(effect);
  batch.Put(storage::keys::outbox(partition, effect.op).str(), encoded);
  batch.Put(storage::keys::user(st.id).str(), storage::encode(*st.record));
  persist(self, ctx, st.log, partition, std::move(batch),
          on_durable(
              self, ctx,
              [self, &ctx, partition, encoded, then = std::move(then)] {
                hand_to_relay(self, ctx, partition, encoded, then);
              },
              std::move(fail)));
}

user_actor spawn_user(caf::actor_system& sys, context& ctx, user_id id) { return sys.spawn(user_behavior, &ctx, id); }

}  // namespace reel::actors
