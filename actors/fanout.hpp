// The node's fan-out worker: pushes each published video into its author's followers'
// inboxes, a page of followers at a time, one push per partition per page (in a cluster,
// one per other node for all the partitions it is the primary of). A job's cursor
// (the last follower id done) is stored after every page, so a crash resumes where it
// stopped; pushes are idempotent, so a page redone after a crash changes nothing.
// Authors with at least `celebrity_threshold` followers are not pushed: they join the
// celebrity set and followers merge their works at read time.
#pragma once

#include <atomic>
#include <string>

#include "actors/runtime.hpp"
#include "schema/ids.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

using fanout_actor = caf::typed_actor<
    // A durable job (encoded FanoutJob) to run; duplicates of a running job are ignored.
    caf::reacts_to<start_atom, std::string>,
    // Starts every job stored in the node's partitions (after a restart).
    caf::reacts_to<replay_atom>,
    // Cluster mode: this node became the partition's primary: resume its stored jobs.
    caf::reacts_to<replay_atom, storage::partition_id>,
    // Cluster mode: it is no longer the primary: drop the partition's jobs (the new primary
    // resumes them from their stored cursors; pushes are idempotent).
    caf::reacts_to<forget_atom, storage::partition_id>,
    caf::reacts_to<retry_atom, video_id>,
    caf::reacts_to<durable_atom, std::uint64_t, bool>>;

struct fanout_probe {
  std::atomic<bool> replayed{false};  // the jobs stored before the start are loaded (and counted)
  std::atomic<std::int64_t> pending_jobs{0};
  std::atomic<std::uint64_t> inbox_entries{0};   // pushed, including redone pages
  std::atomic<std::uint64_t> pulled_videos{0};   // published by celebrities: merged at read time
  std::atomic<std::uint64_t> completed_jobs{0};
  // The most recently finished pushed job: inbox entries written, and microseconds from its
  // start (just after the publish was durable) until its last page was durable.
  std::atomic<std::uint64_t> last_job_entries{0};
  std::atomic<std::uint64_t> last_job_us{0};
};

fanout_actor spawn_fanout(caf::actor_system& sys, context& ctx, fanout_probe& probe);

}  // namespace reel::actors
