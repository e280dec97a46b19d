// Where the node's entity actors are: activates an entity on its first message and
// forgets it when it passivates. Entity code asks the directory for a handle by key and
// never knows whether the actor was running, or (cluster mode) whether it runs here: on a
// cluster the handle is a forwarder (actors/forwarding.hpp) that routes each request to the
// partition's primary.
//
// A message sent to a handle that retires at the same moment is bounced with
// request_receiver_down; callers retry through the directory, which then spawns a fresh
// activation (see gateway.cpp).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "actors/chat_room.hpp"
#include "actors/fanout.hpp"
#include "actors/inbox.hpp"
#include "actors/name_index.hpp"
#include "actors/outbox.hpp"
#include "actors/runtime.hpp"
#include "actors/shared_facts.hpp"
#include "actors/user.hpp"
#include "actors/video.hpp"

namespace reel::actors {

using room_key = std::pair<user_id, user_id>;  // (low, high)

struct room_key_hash {
  std::size_t operator()(const room_key& p) const {
    return std::hash<user_id>{}(p.first) * 31 + std::hash<user_id>{}(p.second);
  }
};

// The activations of one kind of actor, by key.
template <class Key, class Handle, class Hash = std::hash<Key>>
class activations {
 public:
  activations() = default;
  activations(const activations&) = delete;
  activations& operator=(const activations&) = delete;
  // An actor may end after the directory (its exit functors run as CAF cleans it up, after
  // await_all_actors_done has counted it): from then on they find `life_` over and do nothing.
  ~activations() {
    std::lock_guard lock(life_->mutex);
    life_->over = true;
  }

  // An activation that stops for any reason (a failed write makes it quit: its memory is
  // ahead of storage; an exception ends it) leaves the table, so that the next message
  // activates a fresh one instead of meeting the dead one ever after.
  template <class Spawn>
  Handle find_or_spawn(std::mutex& m, const Key& key, Spawn spawn) {
    Handle handle;
    {
      std::lock_guard lock(m);
      auto it = table_.find(key);
      if (it != table_.end()) return it->second;
      handle = spawn();
      table_.emplace(key, handle);
    }
    // Outside the lock: on an actor that already stopped the functor runs at once.
    handle->attach_functor([life = life_, this, &m, key, addr = handle.address()] {
      std::lock_guard alive(life->mutex);
      if (!life->over) retire(m, key, addr);
    });
    return handle;
  }
  // Forgets the entry if it still is `self`.
  void retire(std::mutex& m, const Key& key, const caf::actor_addr& self) {
    std::lock_guard lock(m);
    auto it = table_.find(key);
    if (it != table_.end() && it->second.address() == self) table_.erase(it);
  }
  // Stops and forgets every activation whose key `matches` (caller holds the mutex).
  template <class Match>
  void stop_if(Match matches) {
    for (auto it = table_.begin(); it != table_.end();) {
      if (!matches(it->first)) {
        ++it;
        continue;
      }
      caf::anon_send_exit(it->second, caf::exit_reason::user_shutdown);
      it = table_.erase(it);
    }
  }
  std::size_t size() const { return table_.size(); }

 private:
  std::unordered_map<Key, Handle, Hash> table_;
  struct life {
    std::mutex mutex;
    bool over = false;
  };
  std::shared_ptr<life> life_ = std::make_shared<life>();
};

class directory {
 public:
  explicit directory(caf::actor_system& sys) : sys_(sys) {}
  void bind(context& ctx, outbox_relay_actor relay, fanout_actor fanout);

  // Handles for any entity: the actor itself, or (cluster mode) a forwarder.
  user_actor user(user_id id);
  video_actor video(video_id id);
  inbox_actor inbox_shard(storage::partition_id shard);
  chat_room_actor chat_room(user_id a, user_id b);  // order of a and b does not matter
  name_index_actor name_index(storage::partition_id shard);
  shared_facts_actor shared_facts();
  outbox_relay_actor relay() const { return relay_; }
  fanout_actor fanout() const { return fanout_; }

  // The actors themselves, on this node (the router and forwarders of a primary).
  user_actor local_user(user_id id);
  video_actor local_video(video_id id);
  inbox_actor local_inbox_shard(storage::partition_id shard);
  chat_room_actor local_chat_room(user_id low, user_id high);
  name_index_actor local_name_index(storage::partition_id shard);
  shared_facts_actor local_shared_facts();

  // Passivation: forget the entry if it still is `self`.
  void retire_user(user_id id, const caf::actor_addr& self);
  void retire_video(video_id id, const caf::actor_addr& self);
  void retire_inbox_shard(storage::partition_id shard, const caf::actor_addr& self);
  void retire_chat_room(user_id low, user_id high, const caf::actor_addr& self);
  void retire_name_index(storage::partition_id shard, const caf::actor_addr& self);
  void retire_shared_facts(const caf::actor_addr& self);

  // The partition's primary changed (cluster mode): stops its entities here, whose memory
  // may be older than what another primary wrote since; the next request activates them
  // again from storage.
  void stop_partition(storage::partition_id p);

  std::size_t active_actors() const;
  // Sends every active entity an exit message (shutdown).
  void stop_all();

 private:
  caf::actor_system& sys_;
  context* ctx_ = nullptr;
  outbox_relay_actor relay_;
  fanout_actor fanout_;
  mutable std::mutex mutex_;
  activations<user_id, user_actor> users_;
  activations<video_id, video_actor> videos_;
  activations<storage::partition_id, inbox_actor> inboxes_;
  activations<room_key, chat_room_actor, room_key_hash> rooms_;
  activations<storage::partition_id, name_index_actor> names_;
  activations<storage::partition_id, shared_facts_actor> shared_;  // one, under shared_partition
  // Forwarders (cluster mode), which passivate like entities.
  activations<user_id, user_actor> user_forwarders_;
  activations<video_id, video_actor> video_forwarders_;
  activations<storage::partition_id, inbox_actor> inbox_forwarders_;
  activations<room_key, chat_room_actor, room_key_hash> room_forwarders_;
  activations<storage::partition_id, name_index_actor> name_forwarders_;
  activations<storage::partition_id, shared_facts_actor> shared_forwarders_;
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
