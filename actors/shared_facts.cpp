#include "actors/shared_facts.hpp"

#include "actors/celebrities.hpp"
#include "actors/directory.hpp"
#include "actors/revocations.hpp"
#include "cluster/clock.hpp"
#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::actors {

namespace {

struct shared_facts_state {
  write_log log;
  idle_timer idle;
  std::uint64_t term = 0;  // the partition's term when this activation loaded its state (runtime.hpp: persist)
};

using self_ptr = shared_facts_actor::stateful_pointer<shared_facts_state>;
using ok_promise = caf::typed_response_promise<caf::ok_atom>;

ok_promise write(self_ptr self, context& ctx, rocksdb::WriteBatch batch) {
  auto rp = self->make_response_promise<caf::ok_atom>();
  persist(self, ctx, self->state.log, storage::shared_partition, std::move(batch),
          [self, &ctx, rp](bool durable) mutable {
            if (durable) {
              rp.deliver(caf::ok_atom::value);
              return;
            }
            rp.deliver(write_failed(ctx));
            self->quit(caf::exit_reason::user_shutdown);
          });
  return rp;
}

ok_promise revoke(self_ptr self, context& ctx, std::uint64_t token, millis expires) {
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::revoked_token(token).str(), storage::encode_revoked_token(expires));
  // Revocations of tokens that have expired since are forgotten, and their records go with
  // this write: without it they were kept forever.
  for (auto expired : ctx.revoked.take_expired(cluster::wall_clock()))
    batch.Delete(storage::keys::revoked_token(expired).str());
  return write(self, ctx, std::move(batch));
}

ok_promise add_celebrity(self_ptr self, context& ctx, user_id author) {
  if (ctx.celebrities.contains(author)) {
    auto rp = self->make_response_promise<caf::ok_atom>();
    self->state.log.after_pending([rp](bool) mutable { rp.deliver(caf::ok_atom::value); });
    return rp;
  }
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::celebrity(author).str(), "");
  return write(self, ctx, std::move(batch));
}

shared_facts_actor::behavior_type shared_facts_behavior(self_ptr self, context* ctx) {
  self->state.term = ctx->routing.term(storage::shared_partition);
  schedule_idle_check(self, *ctx);
  return {
      [=](durable_atom, std::uint64_t seq, bool durable) { self->state.log.complete(seq, durable); },
      [=](caf::tick_atom) {
        on_idle_tick(self, *ctx, !self->state.log.idle(), [&] { ctx->dir.retire_shared_facts(self->address()); });
      },
      [=](revoke_atom, std::uint64_t token, millis expires) {
        self->state.idle.touch();
        return revoke(self, *ctx, token, expires);
      },
      [=](celebrity_atom, user_id author) {
        self->state.idle.touch();
        return add_celebrity(self, *ctx, author);
      },
  };
}

}  // namespace

shared_facts_actor spawn_shared_facts(caf::actor_system& sys, context& ctx) {
  return sys.spawn(shared_facts_behavior, &ctx);
}

}  // namespace reel::actors
