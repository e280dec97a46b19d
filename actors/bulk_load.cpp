#include "actors/bulk_load.hpp"

#include <algorithm>
#include <unordered_set>

#include "actors/relations.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

constexpr std::size_t batch_records = 20'000;

// Buffers writes and flushes them in large unsynced batches; the last flush is synced.
class writer {
 public:
  explicit writer(storage::store& db) : db_(db) {}
  rocksdb::WriteBatch& batch() {
    if (batch_.Count() >= batch_records) flush(false);
    return batch_;
  }
  void flush(bool durable) {
    if (durable) db_.write_durable(batch_);
    else db_.write_buffered(batch_);
    batch_.Clear();
  }

 private:
  storage::store& db_;
  rocksdb::WriteBatch batch_;
};

std::vector<std::pair<std::uint32_t, std::uint32_t>> distinct_follows(const bulk_plan& plan) {
  auto edges = plan.follows;
  std::erase_if(edges, [&](auto e) { return e.first == e.second || e.first >= plan.names.size() || e.second >= plan.names.size(); });
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  return edges;
}

void write_users(writer& out, const bulk_plan& plan, bulk_result& r, const std::vector<std::uint64_t>& following,
                 const std::vector<std::uint64_t>& followers, millis now) {
  for (std::size_t i = 0; i < plan.names.size(); ++i) {
    auto u = storage::new_user(r.users[i], plan.names[i], plan.password_hash, now);
    u.follow_count = following[i];
    u.follower_count = followers[i];
    u.work_count = plan.videos_per_user;
    out.batch().Put(storage::keys::user(u.id).str(), storage::encode(u));
    out.batch().Put(storage::keys::name(u.name).str(), storage::encode_name_claim(u.id));
  }
}

video_id video_in_partition(cluster::id_generator& ids, storage::partition_id p) {
  for (;;) {
    video_id id(ids.next());
    if (storage::partition_of(id) == p) return id;
  }
}

struct inbox_item {
  millis created;
  video_id video;
  user_id author;
};

// Each follower's inbox as a finished fan-out leaves it: the newest inbox_cap videos of the
// authors they follow, celebrities excepted (merged at read time).
std::size_t write_inboxes(writer& out, const bulk_plan& plan, const bulk_result& r,
                          const std::vector<std::vector<inbox_item>>& works,
                          const std::vector<std::pair<std::uint32_t, std::uint32_t>>& edges,
                          const std::vector<std::uint64_t>& followers, const bulk_progress& progress) {
  std::vector<std::vector<inbox_item>> inbox(plan.names.size());
  for (auto [follower, followee] : edges) {
    if (followers[followee] >= plan.celebrity_threshold) continue;
    auto& items = inbox[follower];
    items.insert(items.end(), works[followee].begin(), works[followee].end());
  }
  std::size_t written = 0;
  for (std::size_t u = 0; u < inbox.size(); ++u) {
    auto& items = inbox[u];
    std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.created > b.created; });
    if (items.size() > plan.inbox_cap) items.resize(plan.inbox_cap);
    for (const auto& item : items)
      out.batch().Put(storage::keys::inbox(r.users[u], item.created, item.video).str(),
                      storage::encode_inbox_entry(item.author));
    out.batch().Put(storage::keys::inbox_meta(r.users[u]).str(), storage::encode_inbox_meta(items.size()));
    written += items.size();
    if (u % 10'000 == 0) progress("inboxes", u, inbox.size());
  }
  return written;
}

}  // namespace

bulk_result bulk_load(storage::store& db, cluster::id_generator& ids, const bulk_plan& plan,
                      const bulk_progress& progress) {
  bulk_result r;
  writer out(db);
  auto now = cluster::wall_clock();
  for (std::size_t i = 0; i < plan.names.size(); ++i) r.users.emplace_back(ids.next());
  auto edges = distinct_follows(plan);
  std::vector<std::uint64_t> following(plan.names.size()), followers(plan.names.size());
  for (auto [a, b] : edges) {
    ++following[a];
    ++followers[b];
  }
  write_users(out, plan, r, following, followers, now);
  progress("users", plan.names.size(), plan.names.size());

  for (std::size_t i = 0; i < edges.size(); ++i) {
    auto [a, b] = edges[i];
    millis since(now.value - static_cast<std::int64_t>(edges.size() - i));  // distinct, in load order
    stage_edge(out.batch(), edge_direction::following, r.users[a], r.users[b], std::nullopt, since);
    stage_edge(out.batch(), edge_direction::follower, r.users[b], r.users[a], std::nullopt, since);
    if (i % 100'000 == 0) progress("follows", i, edges.size());
  }
  r.follows = edges.size();
  progress("follows", edges.size(), edges.size());

  std::vector<std::vector<inbox_item>> works(plan.names.size());
  std::int64_t clock = now.value - static_cast<std::int64_t>(plan.names.size() * plan.videos_per_user);
  for (std::size_t k = 0; k < plan.videos_per_user; ++k) {
    for (std::size_t u = 0; u < plan.names.size(); ++u) {
      storage::video_record v{video_in_partition(ids, storage::partition_of(r.users[u])), r.users[u],
                              "video " + std::to_string(k) + " of " + plan.names[u], plan.media_hash, millis(clock++)};
      out.batch().Put(storage::keys::video(v.id).str(), storage::encode(v));
      out.batch().Put(storage::keys::works(v.author, v.created, v.id).str(), "");
      out.batch().Put(storage::keys::timeline(v.id, v.created).str(), storage::encode_inbox_entry(v.author));
      works[u].push_back({v.created, v.id, v.author});
      r.videos.push_back(v.id);
    }
    progress("videos", (k + 1) * plan.names.size(), plan.videos_per_user * plan.names.size());
  }
  r.inbox_entries = write_inboxes(out, plan, r, works, edges, followers, progress);
  for (std::size_t u = 0; u < plan.names.size(); ++u) {
    if (followers[u] < plan.celebrity_threshold) continue;
    out.batch().Put(storage::keys::celebrity(r.users[u]).str(), "");
    ++r.celebrities;
  }
  out.flush(true);
  progress("flush", 0, 1);
  db.flush();
  progress("done", 1, 1);
  return r;
}

}  // namespace reel::actors
