#include "actors/views.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "storage/keys.hpp"

namespace reel::actors {

namespace {

// The other user's id is the last field of a by-time edge key.
std::vector<user_id> scan_edge_list(const storage::store& db, const storage::key& prefix) {
  std::vector<user_id> ids;
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
    ids.emplace_back(storage::read_u64(key, key.size() - 8));
    return true;
  });
  return ids;
}


}  // namespace

std::optional<storage::user_record> load_user(const storage::store& db, user_id id) {
  auto bytes = db.get(storage::keys::user(id));
  if (!bytes) return std::nullopt;
  return storage::decode_user(*bytes);
}

std::optional<user_id> find_user_by_name(const storage::store& db, std::string_view name) {
  auto bytes = db.get(storage::keys::name(name));
  if (!bytes) return std::nullopt;
  return storage::decode_name_claim(*bytes);
}

user_view to_view(storage::user_record r, bool is_follow) {
  return user_view{r.id,
                   std::move(r.name),
                   r.follow_count,
                   r.follower_count,
                   is_follow,
                   std::move(r.avatar),
                   std::move(r.background_image),
                   std::move(r.signature),
                   r.total_favorited,
                   r.work_count,
                   r.favorite_count};
}

std::vector<user_view> user_views(const storage::store& db, const std::vector<user_id>& ids, user_id viewer) {
  std::vector<std::string> record_keys;
  std::vector<std::string> edge_keys;
  record_keys.reserve(ids.size());
  for (auto id : ids) {
    record_keys.push_back(storage::keys::user(id).str());
    if (viewer) edge_keys.push_back(storage::keys::following(viewer, id).str());
  }
  auto records = db.multi_get(record_keys);
  auto follows = viewer ? db.multi_contains(edge_keys) : std::vector<bool>(ids.size(), false);
  std::vector<user_view> views;
  views.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!records[i]) continue;
    auto record = storage::decode_user(*records[i]);
    if (!record) continue;
    views.push_back(to_view(std::move(*record), follows[i] && ids[i] != viewer));
  }
  return views;
}

std::vector<user_id> following_ids(const storage::store& db, user_id owner) {
  return scan_edge_list(db, storage::keys::following_by_time_prefix(owner));
}

std::vector<user_id> follower_ids(const storage::store& db, user_id owner) {
  return scan_edge_list(db, storage::keys::follower_by_time_prefix(owner));
}

std::vector<friend_view> friends(const storage::store& db, user_id owner, user_id viewer) {
  auto followees = following_ids(db, owner);
  std::vector<std::string> back_edges;
  back_edges.reserve(followees.size());
  for (auto f : followees) back_edges.push_back(storage::keys::follower(owner, f).str());
  auto mutual = db.multi_contains(back_edges);
  std::vector<user_id> friend_ids;
  for (std::size_t i = 0; i < followees.size(); ++i)
    if (mutual[i]) friend_ids.push_back(followees[i]);

  std::vector<std::string> room_keys;
  for (auto f : friend_ids) {
    auto [low, high] = std::minmax(viewer, f);
    room_keys.push_back(storage::keys::chat_room(low, high).str());
  }
  auto rooms = db.multi_get(room_keys);
  auto users = user_views(db, friend_ids, viewer);
  std::vector<friend_view> out;
  out.reserve(users.size());
  for (std::size_t i = 0, u = 0; i < friend_ids.size() && u < users.size(); ++i) {
    if (users[u].id != friend_ids[i]) continue;  // record missing: skipped by user_views
    friend_view fv{std::move(users[u++]), "", 0};
    if (rooms[i]) {
      if (auto room = storage::decode_chat_room(*rooms[i]); room && room->message_count > 0) {
        fv.message = room->last_content;
        fv.msg_type = room->last_from == viewer ? 1 : 0;
      }
    }
    out.push_back(std::move(fv));
  }
  return out;
}

std::vector<message_view> chat_after(const storage::store& db, user_id a, user_id b, millis after) {
  std::vector<message_view> out;
  if (after.value == std::numeric_limits<std::int64_t>::max()) return out;
  auto [low, high] = std::minmax(a, b);
  auto prefix = storage::keys::chat_messages_prefix(low, high);
  auto from = storage::keys::chat_messages_from(low, high, millis(std::max<std::int64_t>(after.value, -1) + 1));
  db.scan(from, prefix.prefix_end(), [&](std::string_view, std::string_view value) {
    if (auto m = storage::decode_chat_message(value)) out.push_back({m->id, m->to, m->from, m->content, m->created});
    return true;
  });
  return out;
}

}  // namespace reel::actors
