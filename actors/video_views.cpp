#include "actors/video_views.hpp"

#include <unordered_map>

#include "actors/views.hpp"
#include "storage/keys.hpp"

namespace reel::actors {

namespace {

// The video id is the last field of works and favorite-by-time keys.
std::vector<video_id> scan_video_list(const storage::store& db, const storage::key& prefix) {
  std::vector<video_id> ids;
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view key, std::string_view) {
    ids.emplace_back(storage::read_u64(key, key.size() - 8));
    return true;
  });
  return ids;
}

// One view per distinct author, relative to the viewer, with the number of the videos by
// that author (so that the last of them can take the view instead of copying it).
struct author_view {
  user_view view;
  std::size_t videos = 0;
};
std::unordered_map<user_id, author_view> author_views(const storage::store& db,
                                                      const std::vector<storage::video_record>& videos,
                                                      user_id viewer) {
  std::vector<user_id> authors;
  std::unordered_map<user_id, author_view> out;
  for (const auto& v : videos) {
    auto [it, fresh] = out.try_emplace(v.author);
    if (fresh) authors.push_back(v.author);
    ++it->second.videos;
  }
  for (auto& view : user_views(db, authors, viewer)) out[view.id].view = std::move(view);
  return out;
}

}  // namespace

std::optional<storage::video_record> load_video(const storage::store& db, video_id id) {
  auto bytes = db.get(storage::keys::video(id));
  if (!bytes) return std::nullopt;
  return storage::decode_video(*bytes);
}

std::vector<video_view> video_views(const storage::store& db, const std::vector<video_id>& ids, user_id viewer) {
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (auto id : ids) keys.push_back(storage::keys::video(id).str());
  std::vector<storage::video_record> videos;
  for (auto& bytes : db.multi_get(keys)) {
    if (!bytes) continue;
    if (auto v = storage::decode_video(*bytes)) videos.push_back(std::move(*v));
  }
  std::vector<bool> liked(videos.size(), false);
  if (viewer) {
    std::vector<std::string> like_keys;
    for (const auto& v : videos) like_keys.push_back(storage::keys::favorite(viewer, v.id).str());
    liked = db.multi_contains(like_keys);
  }
  auto authors = author_views(db, videos, viewer);
  std::vector<video_view> out;
  out.reserve(videos.size());
  for (std::size_t i = 0; i < videos.size(); ++i) {
    auto& v = videos[i];
    auto author = authors.find(v.author);
    if (author == authors.end() || !author->second.view.id) continue;  // author record unreadable
    auto& a = author->second;
    out.push_back(video_view{v.id, --a.videos == 0 ? std::move(a.view) : a.view, std::move(v.media_hash),
                             v.favorite_count, v.comment_count, liked[i], std::move(v.title), v.created});
  }
  return out;
}

std::vector<video_id> works_ids(const storage::store& db, user_id author) {
  return scan_video_list(db, storage::keys::works_prefix(author));
}

std::vector<video_id> favorite_ids(const storage::store& db, user_id user) {
  return scan_video_list(db, storage::keys::favorite_by_time_prefix(user));
}

std::vector<comment_view> comment_views(const storage::store& db, video_id video, user_id viewer) {
  std::vector<storage::comment_record> comments;
  auto prefix = storage::keys::comments_prefix(video);
  db.scan(prefix, prefix.prefix_end(), [&](std::string_view, std::string_view value) {
    if (auto c = storage::decode_comment(value)) comments.push_back(std::move(*c));
    return true;
  });
  std::vector<user_id> ids;
  for (const auto& c : comments) ids.push_back(c.user);
  std::unordered_map<user_id, user_view> users;
  for (auto& u : user_views(db, ids, viewer)) users[u.id] = std::move(u);
  std::vector<comment_view> out;
  for (auto& c : comments) {
    auto u = users.find(c.user);
    if (u == users.end()) continue;
    out.push_back(comment_view{c.id, u->second, std::move(c.content), c.created});
  }
  return out;
}

}  // namespace reel::actors
