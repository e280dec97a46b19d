#include "actors/video.hpp"

#include <optional>
#include <unordered_map>

#include "actors/directory.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

struct video_state {
  video_id id;
  std::optional<storage::video_record> record;  // nullopt: no such video
  std::unordered_map<user_id, bool> likers;     // like states written but maybe not yet durable
  write_log log;
  idle_timer idle;
  std::uint64_t term = 0;  // the partition's term when this activation loaded its state (runtime.hpp: persist)
  int relay_requests = 0;
};

using self_ptr = video_actor::stateful_pointer<video_state>;

bool liked_by(self_ptr self, context& ctx, user_id user) {
  if (auto it = self->state.likers.find(user); it != self->state.likers.end()) return it->second;
  return ctx.db.contains(storage::keys::liker(self->state.id, user));
}

template <class Promise>
write_log::continuation when_durable(self_ptr self, const context& ctx, Promise rp,
                                     std::function<void(Promise&)> then) {
  return [self, &ctx, rp, then](bool durable) mutable {
    if (self->state.log.idle()) self->state.likers.clear();
    if (durable) return then(rp);
    rp.deliver(write_failed(ctx));
    self->quit(caf::exit_reason::user_shutdown);  // memory is ahead of storage: reload
  };
}

caf::typed_response_promise<comment_id, millis> add_comment(self_ptr self, context& ctx, user_id user,
                                                            std::string text) {
  auto rp = self->make_response_promise<comment_id, millis>();
  auto& st = self->state;
  if (!st.record) {
    rp.deliver(caf_error(errc::not_found, "video not found"));
    return rp;
  }
  storage::comment_record c{comment_id(ctx.ids.next()), user, std::move(text), cluster::wall_clock()};
  ++st.record->comment_count;
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::comment(st.id, c.created, c.id).str(), storage::encode(c));
  batch.Put(storage::keys::comment_by_id(st.id, c.id).str(), storage::encode_follow_edge(c.created));
  batch.Put(storage::keys::video(st.id).str(), storage::encode(*st.record));
  using promise = decltype(rp);
  persist(self, ctx, st.log, storage::partition_of(st.id), std::move(batch),
          when_durable<promise>(self, ctx, rp, [id = c.id, at = c.created](promise& rp) { rp.deliver(id, at); }));
  return rp;
}

caf::typed_response_promise<caf::ok_atom> delete_comment(self_ptr self, context& ctx, user_id requester,
                                                         comment_id comment) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto& st = self->state;
  auto created_bytes = st.record ? ctx.db.get(storage::keys::comment_by_id(st.id, comment)) : std::nullopt;
  auto created = created_bytes ? storage::decode_follow_edge(*created_bytes) : std::nullopt;
  auto key = created ? storage::keys::comment(st.id, *created, comment) : storage::keys::video(st.id);
  auto record_bytes = created ? ctx.db.get(key) : std::nullopt;
  auto record = record_bytes ? storage::decode_comment(*record_bytes) : std::nullopt;
  if (!record) {
    rp.deliver(caf_error(errc::not_found, st.record ? "comment not found" : "video not found"));
    return rp;
  }
  if (requester != record->user && requester != st.record->author) {
    rp.deliver(caf_error(errc::forbidden, "only the comment's author or the video's author may delete it"));
    return rp;
  }
  if (st.record->comment_count > 0) --st.record->comment_count;
  rocksdb::WriteBatch batch;
  batch.Delete(key.str());
  batch.Delete(storage::keys::comment_by_id(st.id, comment).str());
  batch.Put(storage::keys::video(st.id).str(), storage::encode(*st.record));
  using promise = decltype(rp);
  persist(self, ctx, st.log, storage::partition_of(st.id), std::move(batch),
          when_durable<promise>(self, ctx, rp, [](promise& rp) { rp.deliver(caf::ok_atom::value); }));
  return rp;
}

// Stages one like change; true when the like state changed.
bool stage_like(self_ptr self, context& ctx, rocksdb::WriteBatch& batch, const storage::like_change& change) {
  auto& st = self->state;
  if (liked_by(self, ctx, change.user) == change.liked) return false;
  if (change.liked) {
    batch.Put(storage::keys::liker(st.id, change.user).str(), storage::encode_follow_edge(change.since));
    ++st.record->favorite_count;
  } else {
    batch.Delete(storage::keys::liker(st.id, change.user).str());
    if (st.record->favorite_count > 0) --st.record->favorite_count;
  }
  st.likers[change.user] = change.liked;
  return true;
}

caf::typed_response_promise<caf::ok_atom> apply(self_ptr self, context& ctx, const std::vector<std::string>& effects) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto& st = self->state;
  using promise = decltype(rp);
  auto reply = when_durable<promise>(self, ctx, rp, [](promise& rp) { rp.deliver(caf::ok_atom::value); });
  rocksdb::WriteBatch batch;
  bool changed = false;
  for (const auto& bytes : effects) {
    auto entry = storage::decode_outbox_entry(bytes);
    auto* like = entry ? std::get_if<storage::like_change>(&entry->effect) : nullptr;
    if (!like) {
      rp.deliver(caf_error(errc::internal, "malformed outbox entry"));
      return rp;
    }
    if (st.record) changed = stage_like(self, ctx, batch, *like) || changed;
  }
  if (!changed) {
    st.log.after_pending(std::move(reply));
    return rp;
  }
  // The author's total_favorited follows through the outbox, as an absolute count.
  ++st.record->like_version;
  auto partition = storage::partition_of(st.id);
  storage::outbox_entry report{op_id(ctx.ids.next()), st.record->author.value,
                               storage::favorites_report{st.id, st.record->favorite_count, st.record->like_version}};
  auto encoded = storage::encode(report);
  batch.Put(storage::keys::outbox(partition, report.op).str(), encoded);
  batch.Put(storage::keys::video(st.id).str(), storage::encode(*st.record));
  persist(self, ctx, st.log, partition, std::move(batch),
          when_durable<promise>(self, ctx, rp, [self, &ctx, partition, encoded](promise& rp) {
            hand_to_relay(self, ctx, partition, encoded, [rp]() mutable { rp.deliver(caf::ok_atom::value); });
          }));
  return rp;
}

video_actor::behavior_type video_behavior(self_ptr self, context* ctx, video_id id) {
  self->state.id = id;
  self->state.term = ctx->routing.term(storage::partition_of(id));  // before the state is read
  if (auto bytes = ctx->db.get(storage::keys::video(id))) self->state.record = storage::decode_video(*bytes);
  schedule_idle_check(self, *ctx);
  return {
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
      [=](caf::tick_atom) {
        bool busy = !self->state.log.idle() || self->state.relay_requests > 0;
        on_idle_tick(self, *ctx, busy, [&] { ctx->dir.retire_video(id, self->address()); });
      },
      [=](comment_atom, user_id user, std::string& text) {
        self->state.idle.touch();
        return add_comment(self, *ctx, user, std::move(text));
      },
      [=](uncomment_atom, user_id user, comment_id comment) {
        self->state.idle.touch();
        return delete_comment(self, *ctx, user, comment);
      },
      [=](apply_atom, const std::vector<std::string>& effects) {
        self->state.idle.touch();
        return apply(self, *ctx, effects);
      },
  };
}

}  // namespace

video_actor spawn_video(caf::actor_system& sys, context& ctx, video_id id) {
  return sys.spawn(video_behavior, &ctx, id);
}

}  // namespace reel::actors
