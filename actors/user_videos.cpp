// The user actor's videos: publishing its own, and its likes of others'.
#include "actors/directory.hpp"
#include "actors/fanout.hpp"
#include "actors/timelines.hpp"
#include "actors/user_state.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

namespace {

// A video lives in its author's partition (record, works, fan-out job in one batch), and
// its id alone must locate it: draw ids until one hashes to that partition (~64 draws).
video_id new_video_id(context& ctx, storage::partition_id partition) {
  for (;;) {
    video_id id(ctx.ids.next());
    if (storage::partition_of(id) == partition) return id;
  }
}

std::optional<millis> favorite_edge(user_self self, context& ctx, video_id video) {
  auto& st = self->state;
  if (auto it = st.favorites.find(video); it != st.favorites.end()) return it->second;
  auto value = ctx.db.get(storage::keys::favorite(st.id, video));
  if (!value) return std::nullopt;
  return storage::decode_follow_edge(*value).value_or(millis(0));
}

// A new video's creation time: now, or just after the author's newest video. Lists order
// videos of one millisecond by id, oldest first, so equal times would show the later of two
// quick publishes below the earlier one.
millis next_created(user_self self, context& ctx) {
  auto& st = self->state;
  if (!st.last_created) {
    st.last_created = millis(0);
    auto prefix = storage::keys::works_prefix(st.id);
    ctx.db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
      st.last_created = storage::keys::from_rev(storage::read_u64(key, key.size() - 16));
      return false;  // the first key is the newest
    });
  }
  auto now = cluster::wall_clock();
  st.last_created = now > *st.last_created ? now : millis(st.last_created->value + 1);
  return *st.last_created;
}

}  // namespace

caf::typed_response_promise<video_id> publish(user_self self, context& ctx, std::string title, std::string hash) {
  auto rp = self->make_response_promise<video_id>();
  auto& st = self->state;
  if (!st.record) {
    rp.deliver(to_caf(no_account()));  // acting as a user that has no account
    return rp;
  }
  auto partition = storage::partition_of(st.id);
  storage::video_record video{new_video_id(ctx, partition), st.id, std::move(title), std::move(hash),
                              next_created(self, ctx)};
  storage::fanout_job job{video.id, st.id, video.created, 0};
  ++st.record->work_count;
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::video(video.id).str(), storage::encode(video));
  batch.Put(storage::keys::works(st.id, video.created, video.id).str(), "");
  batch.Put(storage::keys::timeline(video.id, video.created).str(), storage::encode_inbox_entry(st.id));
  batch.Put(storage::keys::fanout_job(video.id).str(), storage::encode(job));
  batch.Put(storage::keys::user(st.id).str(), storage::encode(*st.record));
  auto on_done = on_durable(
      self, ctx,
      [self, &ctx, rp, job]() mutable {
        // The publish is durable (and in the recent timeline: node.cpp's store observer);
        // fan-out continues on its own and resumes after a crash.
        caf::anon_send(ctx.dir.fanout(), start_atom::value, storage::encode(job));
        rp.deliver(job.video);
      },
      [rp](caf::error e) mutable { rp.deliver(e); });
  persist(self, ctx, st.log, partition, std::move(batch), std::move(on_done));
  return rp;
}

ok_promise like(user_self self, context& ctx, video_id video, bool on) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto& st = self->state;
  if (!st.record) {
    rp.deliver(to_caf(no_account()));  // acting as a user that has no account
    return rp;
  }
  auto before = favorite_edge(self, ctx, video);
  if (before.has_value() == on) {  // idempotent: answer once earlier writes are durable
    st.log.after_pending(reply_when_durable(self, ctx, rp));
    return rp;
  }
  auto since = cluster::wall_clock();
  rocksdb::WriteBatch batch;
  if (on) {
    batch.Put(storage::keys::favorite(st.id, video).str(), storage::encode_follow_edge(since));
    batch.Put(storage::keys::favorite_by_time(st.id, since, video).str(), "");
    st.favorites[video] = since;
  } else {
    batch.Delete(storage::keys::favorite(st.id, video).str());
    batch.Delete(storage::keys::favorite_by_time(st.id, *before, video).str());
    st.favorites[video] = std::nullopt;
  }
  adjust(st.record->favorite_count, on ? 1 : -1);
  storage::outbox_entry effect{op_id(ctx.ids.next()), video.value, storage::like_change{st.id, on, since}};
  persist_with_effect(
      self, ctx, std::move(batch), std::move(effect), [rp]() mutable { rp.deliver(caf::ok_atom::value); },
      [rp](caf::error e) mutable { rp.deliver(e); });
  return rp;
}

bool stage_favorites_report(user_self self, context& ctx, rocksdb::WriteBatch& batch,
                            const storage::favorites_report& report) {
  auto& st = self->state;
  storage::favorites_seen seen;
  if (auto it = st.seen.find(report.video); it != st.seen.end()) {
    seen = it->second;
  } else if (auto value = ctx.db.get(storage::keys::favorites_seen(st.id, report.video))) {
    seen = storage::decode_favorites_seen(*value).value_or(seen);
  }
  if (report.version <= seen.version) return false;  // stale or redelivered
  auto total = static_cast<std::int64_t>(st.record->total_favorited) + static_cast<std::int64_t>(report.count) -
               static_cast<std::int64_t>(seen.count);
  st.record->total_favorited = static_cast<std::uint64_t>(std::max<std::int64_t>(total, 0));
  seen = {report.count, report.version};
  st.seen[report.video] = seen;
  batch.Put(storage::keys::favorites_seen(st.id, report.video).str(), storage::encode(seen));
  return true;
}

}  // namespace reel::actors
