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
#include "actors/name_index.hpp"
#include "actors/outbox.hpp"
#include "actors/runtime.hpp"
#include "actors/user.hpp"

namespace reel::actors {

class directory {
 public:
  explicit directory(caf::actor_system& sys) : sys_(sys) {}
  void bind(context& ctx, outbox_relay_actor relay);

  user_actor user(user_id id);
  chat_room_actor chat_room(user_id a, user_id b);  // order of a and b does not matter
  name_index_actor name_index(storage::partition_id shard);
  outbox_relay_actor relay() const { return relay_; }

  // Passivation: forget the entry if it still is `self`.
  void retire_user(user_id id, const caf::actor_addr& self);
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
  mutable std::mutex mutex_;
  std::unordered_map<user_id, user_actor> users_;
  std::unordered_map<std::pair<user_id, user_id>, chat_room_actor, pair_hash> rooms_;
  std::unordered_map<storage::partition_id, name_index_actor> names_;
};

}  // namespace reel::actors
