#include "actors/fanout.hpp"

#include <deque>
#include <map>
#include <unordered_map>

#include "actors/celebrities.hpp"
#include "actors/directory.hpp"
#include "actors/peer_requests.hpp"
#include "actors/views.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

constexpr auto retry_delay = std::chrono::milliseconds(200);

// Pages pushed at once: while one page's batches wait for their fsync, the inbox shards
// already build the next one's, and group commit merges them (one page at a time left
// both cores idle during every fsync).
constexpr std::size_t pages_in_flight = 6;

// Push requests in flight over all jobs. Thousands of small jobs (a publish burst) each
// pushing at once flooded the inbox shards' mailboxes past the request timeout, and the
// timed-out pages were redone: the backlog grew instead of draining. Jobs that would exceed
// it wait their turn, oldest first.
constexpr std::size_t push_window = 1024;

// A page of followers whose pushes are under way.
struct page {
  std::uint64_t last = 0;   // the last follower id of the page: the cursor once it is done
  std::size_t waiting = 0;  // pushes not yet answered
  bool failed = false;
};

// A running job: its stored record plus the pages in flight. `next` is where the next page
// starts (ahead of the stored cursor by the pages in flight); `attempt` changes when the
// job restarts from its stored cursor, so answers for the abandoned pages are ignored.
struct running_job {
  storage::fanout_job stored;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::uint64_t entries = 0;  // pushed by this run of the job
  std::uint64_t next = 0;
  bool scanned_all = false;
  std::uint64_t attempt = 0;
  std::uint64_t next_page = 0;
  std::map<std::uint64_t, page> pages;  // by page number, oldest first
  bool waiting = false;                 // in fanout_state::waiting for room in the push window
};

struct fanout_state {
  std::unordered_map<video_id, running_job> jobs;
  std::size_t pushes_in_flight = 0;
  std::deque<video_id> waiting;  // jobs with pages to push once the window has room
  peer_requests peers;           // pages' pushes to other nodes' routers
  write_log log;
};

using self_ptr = fanout_actor::stateful_pointer<fanout_state>;

void pump(self_ptr self, context& ctx, fanout_probe& probe, video_id video);
void resume_waiting(self_ptr self, context& ctx, fanout_probe& probe);

// Deletes the finished job. A celebrity's job first adds the author to the celebrity set
// (the shared partition, written by its primary: in a cluster every node replicates that
// set), so that a crash in between only redoes the job, which finds the author pulled.
void finish(self_ptr self, context& ctx, fanout_probe& probe, video_id video, bool pulled, bool joined = false) {
  auto author = self->state.jobs.at(video).stored.author;
  if (pulled && !joined && !ctx.celebrities.contains(author)) {
    self->request(ctx.dir.shared_facts(), ctx.cfg.request_timeout, celebrity_atom::value, author)
        .then([self, &ctx, &probe, video](caf::ok_atom) { finish(self, ctx, probe, video, true, true); },
              [self, video](caf::error&) { self->delayed_send(self, retry_delay, retry_atom::value, video); });
    return;
  }
  rocksdb::WriteBatch batch;
  batch.Delete(storage::keys::fanout_job(video).str());
  persist(self, ctx, self->state.log, storage::partition_of(video), std::move(batch),
          [self, &probe, video, pulled](bool durable) {
            if (!durable) return (void)self->delayed_send(self, retry_delay, retry_atom::value, video);
            auto& job = self->state.jobs.at(video);
            if (pulled) {
              ++probe.pulled_videos;
            } else {
              auto took = std::chrono::steady_clock::now() - job.started;
              probe.last_job_entries = job.entries;
              probe.last_job_us = std::chrono::duration_cast<std::chrono::microseconds>(took).count();
            }
            self->state.jobs.erase(video);
            --probe.pending_jobs;
            ++probe.completed_jobs;
          });
}

// Stores the advanced cursor without waiting for it: it only has to be durable eventually
// (commits apply in order, and a page redone after a crash changes nothing).
void store_cursor(self_ptr self, context& ctx, running_job& job, std::uint64_t cursor) {
  job.stored.cursor = cursor;
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::fanout_job(job.stored.video).str(), storage::encode(job.stored));
  persist(self, ctx, self->state.log, storage::partition_of(job.stored.video), std::move(batch), [](bool) {});
}

bool is_celebrity(context& ctx, user_id author) {
  if (ctx.celebrities.contains(author)) return true;
  auto record = load_user(ctx.db, author);
  return record && record->follower_count >= ctx.cfg.celebrity_threshold;
}

// The next page of followers after `after`, grouped by the partition owning each inbox.
std::map<storage::partition_id, std::vector<user_id>> next_page(context& ctx, user_id author, std::uint64_t after,
                                                                std::size_t& count, std::uint64_t& last) {
  std::map<storage::partition_id, std::vector<user_id>> groups;
  auto prefix = storage::keys::follower_prefix(author);
  auto from = storage::keys::follower(author, user_id(after + 1));
  ctx.db.scan(from, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
    user_id follower(storage::read_u64(key, key.size() - 8));
    groups[storage::partition_of(follower)].push_back(follower);
    last = follower.value;
    return ++count < ctx.cfg.fanout_page;
  });
  return groups;
}

// Where a page's pushes go: the inbox shard of each partition served here (or unavailable),
// and one request per other node with the owners of all partitions it is the primary of,
// to its router (forwarding.cpp). One request per partition cost ~20 messages each way per
// publish on Reed98 between three nodes, two thirds of the cluster's messages.
struct push_target {
  storage::partition_id partition = 0;
  caf::actor router;  // null: the partition's inbox shard through the directory
  std::vector<user_id> owners;
};

std::vector<push_target> push_targets(context& ctx, std::map<storage::partition_id, std::vector<user_id>> groups) {
  std::vector<push_target> targets;
  std::map<std::uint16_t, std::size_t> by_node;  // index in targets
  for (auto& [partition, owners] : groups) {
    auto o = ctx.routing.owner_of(partition);
    caf::actor router;
    if (o.at == cluster::owner::where::elsewhere) router = ctx.peer_router(o.node);
    if (!router) {
      targets.push_back({partition, {}, std::move(owners)});
      continue;
    }
    auto [at, fresh] = by_node.try_emplace(o.node, targets.size());
    if (fresh) targets.push_back({partition, std::move(router), {}});
    auto& all = targets[at->second].owners;
    all.insert(all.end(), owners.begin(), owners.end());
  }
  return targets;
}

// A push of page `number` was answered. Done pages advance the cursor in page order; a
// failed one restarts the job from the stored cursor after a delay.
void on_pushed(self_ptr self, context& ctx, fanout_probe& probe, video_id video, std::uint64_t attempt,
               std::uint64_t number, bool ok) {
  auto found = self->state.jobs.find(video);
  if (found == self->state.jobs.end() || found->second.attempt != attempt) return;  // abandoned page
  auto& job = found->second;
  auto& p = job.pages.at(number);
  p.failed |= !ok;
  --p.waiting;
  while (!job.pages.empty() && job.pages.begin()->second.waiting == 0) {
    auto done = job.pages.begin()->second;
    if (done.failed) {
      ++job.attempt;  // the pages in flight are redone: pushes are idempotent
      job.pages.clear();
      job.next = job.stored.cursor;
      job.scanned_all = false;
      self->delayed_send(self, retry_delay, retry_atom::value, video);
      return;
    }
    job.pages.erase(job.pages.begin());
    // The last page's cursor is not stored: finishing deletes the job (a crash before that
    // is durable redoes the job, which changes nothing). Most jobs are one page.
    if (!job.scanned_all || !job.pages.empty()) store_cursor(self, ctx, job, done.last);
  }
  pump(self, ctx, probe, video);
}

// Keeps up to pages_in_flight pages of the job pushing; finishes it when all are done.
void pump(self_ptr self, context& ctx, fanout_probe& probe, video_id video) {
  auto& job = self->state.jobs.at(video);
  if (job.stored.cursor == 0 && job.pages.empty() && !job.scanned_all && is_celebrity(ctx, job.stored.author))
    return finish(self, ctx, probe, video, true);
  auto& st = self->state;
  while (!job.scanned_all && job.pages.size() < pages_in_flight && st.pushes_in_flight < push_window) {
    std::size_t count = 0;
    std::uint64_t last = job.next;
    auto groups = next_page(ctx, job.stored.author, job.next, count, last);
    job.scanned_all = count < ctx.cfg.fanout_page;
    if (groups.empty()) break;
    job.next = last;
    auto number = job.next_page++;
    auto targets = push_targets(ctx, std::move(groups));
    job.pages[number] = page{last, targets.size(), false};
    for (auto& t : targets) {
      auto pushed = t.owners.size();
      ++st.pushes_in_flight;
      auto on_ok = [=, &ctx, &probe, attempt = job.attempt](caf::ok_atom) {
        --self->state.pushes_in_flight;
        probe.inbox_entries += pushed;
        if (auto j = self->state.jobs.find(video); j != self->state.jobs.end()) j->second.entries += pushed;
        on_pushed(self, ctx, probe, video, attempt, number, true);
        resume_waiting(self, ctx, probe);
      };
      auto on_error = [=, &ctx, &probe, attempt = job.attempt](caf::error&) {
        --self->state.pushes_in_flight;
        on_pushed(self, ctx, probe, video, attempt, number, false);
        resume_waiting(self, ctx, probe);
      };
      if (t.router)
        st.peers.ask<caf::ok_atom>(self, t.router, ctx.cfg.request_timeout, on_ok, on_error, push_atom::value, video,
                                   job.stored.author, job.stored.created, std::move(t.owners));
      else
        self->request(ctx.dir.inbox_shard(t.partition), ctx.cfg.request_timeout, push_atom::value, video,
                      job.stored.author, job.stored.created, std::move(t.owners))
            .then(on_ok, on_error);
    }
  }
  if (job.scanned_all && job.pages.empty()) return finish(self, ctx, probe, video, false);
  if (!job.scanned_all && job.pages.size() < pages_in_flight && !job.waiting) {
    job.waiting = true;  // the window is full
    st.waiting.push_back(video);
  }
}

// Lets waiting jobs push, oldest first, while the window has room.
void resume_waiting(self_ptr self, context& ctx, fanout_probe& probe) {
  auto& st = self->state;
  while (st.pushes_in_flight < push_window && !st.waiting.empty()) {
    auto video = st.waiting.front();
    st.waiting.pop_front();
    auto job = st.jobs.find(video);
    if (job == st.jobs.end() || !job->second.waiting) continue;
    job->second.waiting = false;
    pump(self, ctx, probe, video);
  }
}

void start(self_ptr self, context& ctx, fanout_probe& probe, const std::string& bytes) {
  auto job = storage::decode_fanout_job(bytes);
  if (!job || self->state.jobs.count(job->video)) return;
  running_job run;
  run.stored = *job;
  run.next = job->cursor;
  self->state.jobs.emplace(job->video, std::move(run));
  ++probe.pending_jobs;
  pump(self, ctx, probe, job->video);
}

// Starts every job stored in partition `p` (a running one is not started twice).
void resume(self_ptr self, context& ctx, fanout_probe& probe, storage::partition_id p) {
  auto prefix = storage::keys::fanout_job_prefix(p);
  ctx.db.scan(prefix, prefix.prefix_end(), [&](std::string_view, std::string_view value) {
    start(self, ctx, probe, std::string(value));
    return true;
  });
}

fanout_actor::behavior_type fanout_behavior(self_ptr self, context* ctx, fanout_probe* probe) {
  self->set_down_handler([self](caf::down_msg& down) { self->state.peers.lost(down.source); });
  return {
      [=](start_atom, const std::string& job) { start(self, *ctx, *probe, job); },
      [=](replay_atom) {
        for (storage::partition_id p = 0; p < storage::partition_count; ++p) resume(self, *ctx, *probe, p);
        probe->replayed = true;
      },
      [=](replay_atom, storage::partition_id p) { resume(self, *ctx, *probe, p); },
      [=](forget_atom, storage::partition_id p) {
        auto& jobs = self->state.jobs;
        for (auto it = jobs.begin(); it != jobs.end();) {
          if (storage::partition_of(it->first) != p) {
            ++it;
            continue;
          }
          --probe->pending_jobs;
          it = jobs.erase(it);  // answers for its pages in flight find no job and are ignored
        }
      },
      [=](retry_atom, video_id video) {
        if (self->state.jobs.count(video)) pump(self, *ctx, *probe, video);
      },
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
  };
}

}  // namespace

fanout_actor spawn_fanout(caf::actor_system& sys, context& ctx, fanout_probe& probe) {
  return sys.spawn(fanout_behavior, &ctx, &probe);
}

}  // namespace reel::actors
