#include "actors/chat_room.hpp"

#include <algorithm>

#include "actors/directory.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

struct chat_room_state {
  storage::chat_room_record room;
  write_log log;
  idle_timer idle;
  std::uint64_t term = 0;  // the partition's term when this activation loaded its state (runtime.hpp: persist)
};

using self_ptr = chat_room_actor::stateful_pointer<chat_room_state>;

caf::typed_response_promise<caf::ok_atom> append(self_ptr self, context& ctx, user_id from, user_id to,
                                                 std::string content) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  auto& room = self->state.room;
  auto time = std::max(cluster::wall_clock(), millis(room.last_time.value + 1));
  storage::chat_message_record message{message_id(ctx.ids.next()), from, to, std::move(content), time};
  room.last_message = message.id;
  room.last_from = from;
  room.last_content = message.content;
  room.last_time = time;
  ++room.message_count;
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::chat_message(room.low, room.high, time, message.id).str(), storage::encode(message));
  batch.Put(storage::keys::chat_room(room.low, room.high).str(), storage::encode(room));
  persist(self, ctx, self->state.log, storage::keys::chat_partition(room.low, room.high), std::move(batch),
          [self, &ctx, rp](bool durable) mutable {
            if (durable) {
              rp.deliver(caf::ok_atom::value);
              return;
            }
            rp.deliver(write_failed(ctx));
            self->quit(caf::exit_reason::user_shutdown);  // memory is ahead of storage: reload
          });
  return rp;
}

chat_room_actor::behavior_type chat_room_behavior(self_ptr self, context* ctx, user_id low, user_id high) {
  self->state.term = ctx->routing.term(storage::keys::chat_partition(low, high));  // before the state is read
  auto& room = self->state.room;
  if (auto bytes = ctx->db.get(storage::keys::chat_room(low, high))) {
    if (auto stored = storage::decode_chat_room(*bytes)) room = *stored;
  }
  room.low = low;
  room.high = high;
  schedule_idle_check(self, *ctx);
  return {
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
      [=](caf::tick_atom) {
        bool busy = !self->state.log.idle();
        on_idle_tick(self, *ctx, busy, [&] { ctx->dir.retire_chat_room(low, high, self->address()); });
      },
      [=](message_atom, user_id from, user_id to, std::string& content) {
        self->state.idle.touch();
        return append(self, *ctx, from, to, std::move(content));
      },
  };
}

}  // namespace

chat_room_actor spawn_chat_room(caf::actor_system& sys, context& ctx, user_id low, user_id high) {
  return sys.spawn(chat_room_behavior, &ctx, low, high);
}

}  // namespace reel::actors
