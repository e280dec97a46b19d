#include "actors/directory.hpp"

#include <algorithm>

#include "actors/forwarding.hpp"

namespace reel::actors {

void directory::bind(context& ctx, outbox_relay_actor relay, fanout_actor fanout) {
  ctx_ = &ctx;
  relay_ = std::move(relay);
  fanout_ = std::move(fanout);
}

// --- Any entity --------------------------------------------------------------------------------

user_actor directory::user(user_id id) {
  if (!ctx_->replicated) return local_user(id);
  return user_forwarders_.find_or_spawn(mutex_, id, [&] {
    return spawn_user_forwarder(sys_, *ctx_, id,
                                [this, id](const caf::actor_addr& a) { user_forwarders_.retire(mutex_, id, a); });
  });
}

video_actor directory::video(video_id id) {
  if (!ctx_->replicated) return local_video(id);
  return video_forwarders_.find_or_spawn(mutex_, id, [&] {
    return spawn_video_forwarder(sys_, *ctx_, id,
                                 [this, id](const caf::actor_addr& a) { video_forwarders_.retire(mutex_, id, a); });
  });
}

inbox_actor directory::inbox_shard(storage::partition_id shard) {
  if (!ctx_->replicated) return local_inbox_shard(shard);
  return inbox_forwarders_.find_or_spawn(mutex_, shard, [&] {
    return spawn_inbox_forwarder(
        sys_, *ctx_, shard, [this, shard](const caf::actor_addr& a) { inbox_forwarders_.retire(mutex_, shard, a); });
  });
}

chat_room_actor directory::chat_room(user_id a, user_id b) {
  auto [low, high] = std::minmax(a, b);
  if (!ctx_->replicated) return local_chat_room(low, high);
  room_key key{low, high};
  return room_forwarders_.find_or_spawn(mutex_, key, [&] {
    return spawn_chat_room_forwarder(
        sys_, *ctx_, low, high, [this, key](const caf::actor_addr& x) { room_forwarders_.retire(mutex_, key, x); });
  });
}

name_index_actor directory::name_index(storage::partition_id shard) {
  if (!ctx_->replicated) return local_name_index(shard);
  return name_forwarders_.find_or_spawn(mutex_, shard, [&] {
    return spawn_name_index_forwarder(
        sys_, *ctx_, shard, [this, shard](const caf::actor_addr& a) { name_forwarders_.retire(mutex_, shard, a); });
  });
}

shared_facts_actor directory::shared_facts() {
  if (!ctx_->replicated) return local_shared_facts();
  return shared_forwarders_.find_or_spawn(mutex_, storage::shared_partition, [&] {
    return spawn_shared_facts_forwarder(sys_, *ctx_, [this](const caf::actor_addr& a) {
      shared_forwarders_.retire(mutex_, storage::shared_partition, a);
    });
  });
}

// --- Actors on this node -----------------------------------------------------------------------

user_actor directory::local_user(user_id id) {
  return users_.find_or_spawn(mutex_, id, [&] { return spawn_user(sys_, *ctx_, id); });
}

video_actor directory::local_video(video_id id) {
  return videos_.find_or_spawn(mutex_, id, [&] { return spawn_video(sys_, *ctx_, id); });
}

inbox_actor directory::local_inbox_shard(storage::partition_id shard) {
  return inboxes_.find_or_spawn(mutex_, shard, [&] { return spawn_inbox_shard(sys_, *ctx_, shard); });
}

chat_room_actor directory::local_chat_room(user_id low, user_id high) {
  return rooms_.find_or_spawn(mutex_, room_key{low, high}, [&] { return spawn_chat_room(sys_, *ctx_, low, high); });
}

name_index_actor directory::local_name_index(storage::partition_id shard) {
  return names_.find_or_spawn(mutex_, shard, [&] { return spawn_name_index(sys_, *ctx_, shard); });
}

shared_facts_actor directory::local_shared_facts() {
  return shared_.find_or_spawn(mutex_, storage::shared_partition, [&] { return spawn_shared_facts(sys_, *ctx_); });
}

void directory::retire_shared_facts(const caf::actor_addr& self) {
  shared_.retire(mutex_, storage::shared_partition, self);
}

void directory::retire_user(user_id id, const caf::actor_addr& self) { users_.retire(mutex_, id, self); }

void directory::retire_video(video_id id, const caf::actor_addr& self) { videos_.retire(mutex_, id, self); }

void directory::retire_inbox_shard(storage::partition_id shard, const caf::actor_addr& self) {
  inboxes_.retire(mutex_, shard, self);
}

void directory::retire_chat_room(user_id low, user_id high, const caf::actor_addr& self) {
  rooms_.retire(mutex_, room_key{low, high}, self);
}

void directory::retire_name_index(storage::partition_id shard, const caf::actor_addr& self) {
  names_.retire(mutex_, shard, self);
}

void directory::stop_partition(storage::partition_id p) {
  std::lock_guard lock(mutex_);
  users_.stop_if([p](user_id id) { return storage::partition_of(id) == p; });
  videos_.stop_if([p](video_id id) { return storage::partition_of(id) == p; });
  inboxes_.stop_if([p](storage::partition_id shard) { return shard == p; });
  rooms_.stop_if([p](const room_key& k) { return storage::keys::chat_partition(k.first, k.second) == p; });
  names_.stop_if([p](storage::partition_id shard) { return shard == p; });
  shared_.stop_if([p](storage::partition_id shard) { return shard == p; });
}

std::size_t directory::active_actors() const {
  std::lock_guard lock(mutex_);
  return users_.size() + videos_.size() + inboxes_.size() + rooms_.size() + names_.size() + shared_.size();
}

void directory::stop_all() {
  std::lock_guard lock(mutex_);
  auto all = [](const auto&) { return true; };
  users_.stop_if(all);
  videos_.stop_if(all);
  inboxes_.stop_if(all);
  rooms_.stop_if(all);
  names_.stop_if(all);
  shared_.stop_if(all);
  shared_forwarders_.stop_if(all);
  user_forwarders_.stop_if(all);
  video_forwarders_.stop_if(all);
  inbox_forwarders_.stop_if(all);
  room_forwarders_.stop_if(all);
  name_forwarders_.stop_if(all);
  caf::anon_send_exit(relay_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(fanout_, caf::exit_reason::user_shutdown);
}

}  // namespace reel::actors
