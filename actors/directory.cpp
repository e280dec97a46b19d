#include "actors/directory.hpp"

#include <algorithm>

namespace reel::actors {

void directory::bind(context& ctx, outbox_relay_actor relay, fanout_actor fanout) {
  ctx_ = &ctx;
  relay_ = std::move(relay);
  fanout_ = std::move(fanout);
}

template <class Key, class Handle, class Hash, class Spawn>
Handle directory::find_or_spawn(std::unordered_map<Key, Handle, Hash>& table, const Key& key, Spawn spawn) {
  std::lock_guard lock(mutex_);
  auto it = table.find(key);
  if (it != table.end()) return it->second;
  auto handle = spawn();
  table.emplace(key, handle);
  return handle;
}

template <class Key, class Handle, class Hash>
void directory::retire(std::unordered_map<Key, Handle, Hash>& table, const Key& key, const caf::actor_addr& self) {
  std::lock_guard lock(mutex_);
  auto it = table.find(key);
  if (it != table.end() && it->second.address() == self) table.erase(it);
}

user_actor directory::user(user_id id) {
  return find_or_spawn(users_, id, [&] { return spawn_user(sys_, *ctx_, id); });
}

video_actor directory::video(video_id id) {
  return find_or_spawn(videos_, id, [&] { return spawn_video(sys_, *ctx_, id); });
}

inbox_actor directory::inbox_shard(storage::partition_id shard) {
  return find_or_spawn(inboxes_, shard, [&] { return spawn_inbox_shard(sys_, *ctx_, shard); });
}

chat_room_actor directory::chat_room(user_id a, user_id b) {
  auto key = std::minmax(a, b);
  return find_or_spawn(rooms_, std::pair(key.first, key.second),
                       [&] { return spawn_chat_room(sys_, *ctx_, key.first, key.second); });
}

name_index_actor directory::name_index(storage::partition_id shard) {
  return find_or_spawn(names_, shard, [&] { return spawn_name_index(sys_, *ctx_, shard); });
}

void directory::retire_user(user_id id, const caf::actor_addr& self) { retire(users_, id, self); }

void directory::retire_video(video_id id, const caf::actor_addr& self) { retire(videos_, id, self); }

void directory::retire_inbox_shard(storage::partition_id shard, const caf::actor_addr& self) {
  retire(inboxes_, shard, self);
}

void directory::retire_chat_room(user_id low, user_id high, const caf::actor_addr& self) {
  retire(rooms_, std::pair(low, high), self);
}

void directory::retire_name_index(storage::partition_id shard, const caf::actor_addr& self) {
  retire(names_, shard, self);
}

std::size_t directory::active_actors() const {
  std::lock_guard lock(mutex_);
  return users_.size() + videos_.size() + inboxes_.size() + rooms_.size() + names_.size();
}

void directory::stop_all() {
  std::lock_guard lock(mutex_);
  auto stop = [](auto& table) {
    for (auto& [key, handle] : table) caf::anon_send_exit(handle, caf::exit_reason::user_shutdown);
    table.clear();
  };
  stop(users_);
  stop(videos_);
  stop(inboxes_);
  stop(rooms_);
  stop(names_);
  caf::anon_send_exit(relay_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(fanout_, caf::exit_reason::user_shutdown);
}

}  // namespace reel::actors
