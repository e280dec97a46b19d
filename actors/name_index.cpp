#include "actors/name_index.hpp"

#include <unordered_set>

#include "actors/directory.hpp"
#include "cluster/clock.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

struct name_index_state {
  std::unordered_set<std::string> pending;  // claimed but maybe not yet durable
  write_log log;
  idle_timer idle;
  std::uint64_t term = 0;  // the partition's term when this activation loaded its state (runtime.hpp: persist)
  int relay_requests = 0;
};

using self_ptr = name_index_actor::stateful_pointer<name_index_state>;

caf::typed_response_promise<user_id> claim(self_ptr self, context& ctx, storage::partition_id shard, std::string name,
                                           std::string hash) {
  auto rp = self->make_response_promise<user_id>();
  auto& st = self->state;
  auto name_key = storage::keys::name(name);
  if (st.pending.count(name) || ctx.db.contains(name_key)) {
    rp.deliver(caf_error(errc::conflict, "username already taken"));
    return rp;
  }
  user_id id(ctx.ids.next());
  storage::outbox_entry create{op_id(ctx.ids.next()), id.value,
                               storage::create_user{name, std::move(hash), cluster::wall_clock()}};
  auto encoded = storage::encode(create);
  rocksdb::WriteBatch batch;
  batch.Put(name_key.str(), storage::encode_name_claim(id));
  batch.Put(storage::keys::outbox(shard, create.op).str(), encoded);
  st.pending.insert(name);
  persist(self, ctx, st.log, shard, std::move(batch), [self, &ctx, rp, shard, id, encoded](bool durable) mutable {
    if (self->state.log.idle()) self->state.pending.clear();
    if (!durable) {
      rp.deliver(write_failed(ctx));
      self->quit(caf::exit_reason::user_shutdown);
      return;
    }
    ++self->state.relay_requests;
    // The reply waits for the user record so that the new token works at once; on timeout
    // the record is still created from the durable outbox.
    self->request(ctx.dir.relay(), ctx.cfg.request_timeout, deliver_atom::value, shard, encoded)
        .then(
            [self, rp, id](caf::ok_atom) mutable {
              --self->state.relay_requests;
              rp.deliver(id);
            },
            [self, rp, id](caf::error&) mutable {
              --self->state.relay_requests;
              rp.deliver(id);
            });
  });
  return rp;
}

name_index_actor::behavior_type name_index_behavior(self_ptr self, context* ctx, storage::partition_id shard) {
  self->state.term = ctx->routing.term(shard);
  schedule_idle_check(self, *ctx);
  return {
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
      [=](caf::tick_atom) {
        bool busy = !self->state.log.idle() || self->state.relay_requests > 0;
        on_idle_tick(self, *ctx, busy, [&] { ctx->dir.retire_name_index(shard, self->address()); });
      },
      [=](claim_atom, std::string& name, std::string& hash) {
        self->state.idle.touch();
        return claim(self, *ctx, shard, std::move(name), std::move(hash));
      },
  };
}

}  // namespace

name_index_actor spawn_name_index(caf::actor_system& sys, context& ctx, storage::partition_id shard) {
  return sys.spawn(name_index_behavior, &ctx, shard);
}

}  // namespace reel::actors
