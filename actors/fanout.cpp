#include "actors/fanout.hpp"

#include <map>
#include <unordered_map>

#include "actors/celebrities.hpp"
#include "actors/directory.hpp"
#include "actors/views.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

constexpr auto retry_delay = std::chrono::milliseconds(200);

struct fanout_state {
  std::unordered_map<video_id, storage::fanout_job> jobs;  // running
  write_log log;
};

using self_ptr = fanout_actor::stateful_pointer<fanout_state>;

void step(self_ptr self, context& ctx, fanout_probe& probe, video_id video);

void finish(self_ptr self, context& ctx, fanout_probe& probe, video_id video, bool pulled) {
  rocksdb::WriteBatch batch;
  batch.Delete(storage::keys::fanout_job(video).str());
  auto author = self->state.jobs.at(video).author;
  if (pulled) batch.Put(storage::keys::celebrity(author).str(), "");
  persist(self, ctx, self->state.log, storage::partition_of(video), std::move(batch),
          [self, &ctx, &probe, video, author, pulled](bool durable) {
            if (!durable) return (void)self->delayed_send(self, retry_delay, retry_atom::value, video);
            if (pulled) {
              ctx.celebrities.add(author);
              ++probe.pulled_videos;
            }
            self->state.jobs.erase(video);
            --probe.pending_jobs;
            ++probe.completed_jobs;
          });
}

// Stores the advanced cursor and runs the next page at once: the cursor only has to be
// durable eventually (commits apply in order, and a page redone after a crash changes
// nothing), so the next page need not wait for its fsync.
void advance(self_ptr self, context& ctx, fanout_probe& probe, video_id video, std::uint64_t cursor) {
  auto& job = self->state.jobs.at(video);
  job.cursor = cursor;
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::fanout_job(video).str(), storage::encode(job));
  persist(self, ctx, self->state.log, storage::partition_of(video), std::move(batch), [](bool) {});
  step(self, ctx, probe, video);
}

bool is_celebrity(context& ctx, user_id author) {
  if (ctx.celebrities.contains(author)) return true;
  auto record = load_user(ctx.db, author);
  return record && record->follower_count >= ctx.cfg.celebrity_threshold;
}

// The next page of followers after the cursor, grouped by the partition owning each inbox.
std::map<storage::partition_id, std::vector<user_id>> next_page(context& ctx, const storage::fanout_job& job,
                                                               std::size_t& count, std::uint64_t& last) {
  std::map<storage::partition_id, std::vector<user_id>> groups;
  auto prefix = storage::keys::follower_prefix(job.author);
  auto from = storage::keys::follower(job.author, user_id(job.cursor + 1));
  ctx.db.scan(from, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
    user_id follower(storage::read_u64(key, key.size() - 8));
    groups[storage::partition_of(follower)].push_back(follower);
    last = follower.value;
    return ++count < ctx.cfg.fanout_page;
  });
  return groups;
}

void step(self_ptr self, context& ctx, fanout_probe& probe, video_id video) {
  const auto job = self->state.jobs.at(video);
  if (job.cursor == 0 && is_celebrity(ctx, job.author)) return finish(self, ctx, probe, video, true);
  std::size_t count = 0;
  std::uint64_t last = job.cursor;
  auto groups = next_page(ctx, job, count, last);
  if (groups.empty()) return finish(self, ctx, probe, video, false);
  auto remaining = std::make_shared<std::size_t>(groups.size());
  auto failed = std::make_shared<bool>(false);
  bool last_page = count < ctx.cfg.fanout_page;
  for (auto& [partition, owners] : groups) {
    auto pushed = owners.size();
    self->request(ctx.dir.inbox_shard(partition), ctx.cfg.request_timeout, push_atom::value, video, job.author,
                  job.created, std::move(owners))
        .then(
            [=, &ctx, &probe](caf::ok_atom) {
              probe.inbox_entries += pushed;
              if (--*remaining > 0) return;
              if (*failed) return (void)self->delayed_send(self, retry_delay, retry_atom::value, video);
              if (last_page) finish(self, ctx, probe, video, false);
              else advance(self, ctx, probe, video, last);
            },
            [=](caf::error&) {
              *failed = true;  // the page is redone: pushes are idempotent
              if (--*remaining == 0) self->delayed_send(self, retry_delay, retry_atom::value, video);
            });
  }
}

void start(self_ptr self, context& ctx, fanout_probe& probe, const std::string& bytes) {
  auto job = storage::decode_fanout_job(bytes);
  if (!job || self->state.jobs.count(job->video)) return;
  self->state.jobs.emplace(job->video, *job);
  ++probe.pending_jobs;
  step(self, ctx, probe, job->video);
}

fanout_actor::behavior_type fanout_behavior(self_ptr self, context* ctx, fanout_probe* probe) {
  return {
      [=](start_atom, const std::string& job) { start(self, *ctx, *probe, job); },
      [=](replay_atom) {
        for (storage::partition_id p = 0; p < storage::partition_count; ++p) {
          auto prefix = storage::keys::fanout_job_prefix(p);
          ctx->db.scan(prefix, prefix.prefix_end(), [&](std::string_view, std::string_view value) {
            start(self, *ctx, *probe, std::string(value));
            return true;
          });
        }
        probe->replayed = true;
      },
      [=](retry_atom, video_id video) {
        if (self->state.jobs.count(video)) step(self, *ctx, *probe, video);
      },
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
  };
}

}  // namespace

fanout_actor spawn_fanout(caf::actor_system& sys, context& ctx, fanout_probe& probe) {
  return sys.spawn(fanout_behavior, &ctx, &probe);
}

}  // namespace reel::actors
