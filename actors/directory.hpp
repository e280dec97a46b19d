// Where the node's entity actors are: activates an entity on its first message and
// forgets it when it passivates. Entity code asks the directory for a handle by key and
// never knows whether the actor was running.
//
// A message sent to a handle that retires at the same moment is bounced with
// request_receiver_down; callers retry through the directory, which then spawns a fresh
// activation (see gateway.cpp).
#pragma once

#include <mutex>
#include <unordered_map>

#include "actors/chat_room.hpp"
#include "actors/fanout.hpp"
#include "actors/inbox.hpp"
#include "actors/name_index.hpp"
#include "actors/outbox.hpp"
#include "actors/runtime.hpp"
#include "actors/user.hpp"
#include "actors/video.hpp"

namespace reel::actors {

class directory {
 public:
  explicit directory(caf::actor_system& sys) : sys_(sys) {}
  void bind(context& ctx, outbox_relay_actor relay, fanout_actor fanout);

  user_actor user(user_id id);
  video_actor video(video_id id);
  inbox_actor inbox_shard(storage::partition_id shard);
  chat_room_actor chat_room(user_id a, user_id b);  // order of a and b does not matter
  name_index_actor name_index(storage::partition_id shard);
  outbox_relay_actor relay() const { return relay_; }
  fanout_actor fanout() const { return fanout_; }

  // Passivation: forget the entry if it still is `self`.
  void retire_user(user_id id, const caf::actor_addr& self);
  void retire_video(video_id id, const caf::actor_addr& self);
  void retire_inbox_shard(storage::partition_id shard, const caf::actor_addr& self);
  void retire_chat_room(user_id low, user_id high, const caf::actor_addr& self);
  void retire_name_index(storage::partition_id shard, const caf::actor_addr& self);

  std::size_t active_actors() const;
  // Sends every active entity an exit message (shutdown).
  void stop_all();

 private:
  struct pair_hash {
    std::size_t operator()(const std::pair<user_id, user_id>& p) const {
      return std::hash<user_id>{}(p.first) * 31 + std::hash<user_id>{}(p.second);
    }
  };

  template <class Key, class Handle, class Hash, class Spawn>
  Handle find_or_spawn(std::unordered_map<Key, Handle, Hash>& table, const Key& key, Spawn spawn);
  template <class Key, class Handle, class Hash>
  void retire(std::unordered_map<Key, Handle, Hash>& table, const Key& key, const caf::actor_addr& self);

  caf::actor_system& sys_;
  context* ctx_ = nullptr;
  outbox_relay_actor relay_;
  fanout_actor fanout_;
  mutable std::mutex mutex_;
  std::unordered_map<user_id, user_actor> users_;
  std::unordered_map<video_id, video_actor> videos_;
  std::unordered_map<storage::partition_id, inbox_actor> inboxes_;
  std::unordered_map<std::pair<user_id, user_id>, chat_room_actor, pair_hash> rooms_;
  std::unordered_map<storage::partition_id, name_index_actor> names_;
};

// After an outbox entry is durable: hands it to the relay, then runs `then` once its target
// applied it, or after the request timeout (the entry stays in the outbox and will be
// applied; the operation that wrote it has succeeded). Self's state counts relay_requests
// so that the actor does not passivate while it waits.
template <class Self>
void hand_to_relay(Self* self, context& ctx, storage::partition_id partition, std::string entry,
                   std::function<void()> then) {
  ++self->state.relay_requests;
  self->request(ctx.dir.relay(), ctx.cfg.request_timeout, deliver_atom::value, partition, std::move(entry))
      .then(
          [self, then](caf::ok_atom) {
            --self->state.relay_requests;
            then();
          },
          [self, then](caf::error&) {
            --self->state.relay_requests;
            then();
          });
}

}  // namespace reel::actors
