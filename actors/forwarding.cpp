#include "actors/forwarding.hpp"

#include <functional>
#include <map>
#include <memory>

#include "actors/directory.hpp"
#include "actors/media_copy.hpp"
#include "actors/peer_requests.hpp"

namespace reel::actors {

namespace {

struct forwarder_state {
  idle_timer idle;
  peer_requests relayed;  // requests relayed to other nodes' routers, not yet answered
};

// Sends a request on: to the actor here when this node is the partition's primary, else to
// the primary's router.
template <class Promise, class ToLocal, class ToRouter>
Promise route(Promise rp, const context& ctx, storage::partition_id p, ToLocal to_local, ToRouter to_router) {
  auto o = ctx.routing.owner_of(p);
  if (o.at == cluster::owner::where::here) {
    to_local(rp);
    return rp;
  }
  if (o.at == cluster::owner::where::elsewhere) {
    if (auto router = ctx.peer_router(o.node)) {
      to_router(rp, router);
      return rp;
    }
  }
  rp.deliver(caf_error(errc::unavailable, "the owner of the data is unavailable; retry"));
  return rp;
}

// Asks `router` and hands its answer to `rp`; the caller hears "unavailable" as soon as the
// connection to the router's node is lost.
template <class Self, class... Ts, class... Xs>
void relay(Self* self, const context& ctx, caf::typed_response_promise<Ts...> rp, const caf::actor& router, Xs... xs) {
  self->state.relayed.template ask<Ts...>(
      self, router, ctx.cfg.request_timeout,
      [rp](Ts&... answer) mutable {
        if (rp.pending()) rp.deliver(std::move(answer)...);
      },
      [rp](caf::error& e) mutable {
        if (rp.pending()) rp.deliver(std::move(e));
      },
      xs...);
}

// Handlers every forwarder has: commit completions never come, the idle timer passivates it
// (not while relayed requests wait), a lost router fails what was relayed to it.
template <class Self>
auto forwarder_basics(Self* self, const context& ctx, retire_fn retire) {
  schedule_idle_check(self, ctx);
  self->set_down_handler([self](caf::down_msg& down) { self->state.relayed.lost(down.source); });
  return std::make_tuple([](durable_atom, std::uint64_t, bool) {},
                         [self, &ctx, retire](caf::tick_atom) {
                           on_idle_tick(self, ctx, !self->state.relayed.idle(), [&] { retire(self->address()); });
                         });
}

using ok_promise = caf::typed_response_promise<caf::ok_atom>;

}  // namespace

user_actor spawn_user_forwarder(caf::actor_system& sys, context& ctx, user_id id, retire_fn retire) {
  auto p = storage::partition_of(id);
  return sys.spawn([&ctx, id, p,
                    retire](user_actor::stateful_pointer<forwarder_state> self) -> user_actor::behavior_type {
    auto [durable, tick] = forwarder_basics(self, ctx, retire);
    auto to = [&ctx, id](auto... xs) { return [=, &ctx](auto& rp) { rp.delegate(ctx.dir.local_user(id), xs...); }; };
    auto via = [self, &ctx, id](auto... xs) {
      return [=, &ctx](auto& rp, const caf::actor& router) {
        relay(self, ctx, rp, router, to_user_atom::value, id, xs...);
      };
    };
    return {
        durable,
        tick,
        [=, &ctx](follow_atom a, user_id target, bool on) {
          self->state.idle.touch();
          return route(self->make_response_promise<caf::ok_atom>(), ctx, p, to(a, target, on), via(a, target, on));
        },
        [=, &ctx](like_atom a, video_id video, bool on) {
          self->state.idle.touch();
          return route(self->make_response_promise<caf::ok_atom>(), ctx, p, to(a, video, on), via(a, video, on));
        },
        [=, &ctx](publish_atom a, std::string& title, std::string& hash) {
          self->state.idle.touch();
          return route(self->make_response_promise<video_id>(), ctx, p, to(a, title, hash), via(a, title, hash));
        },
        [=, &ctx](apply_atom a, std::vector<std::string>& effects) {
          self->state.idle.touch();
          return route(self->make_response_promise<caf::ok_atom>(), ctx, p, to(a, effects), via(a, effects));
        },
    };
  });
}

video_actor spawn_video_forwarder(caf::actor_system& sys, context& ctx, video_id id, retire_fn retire) {
  auto p = storage::partition_of(id);
  return sys.spawn([&ctx, id, p,
                    retire](video_actor::stateful_pointer<forwarder_state> self) -> video_actor::behavior_type {
    auto [durable, tick] = forwarder_basics(self, ctx, retire);
    auto to = [&ctx, id](auto... xs) { return [=, &ctx](auto& rp) { rp.delegate(ctx.dir.local_video(id), xs...); }; };
    auto via = [self, &ctx, id](auto... xs) {
      return [=, &ctx](auto& rp, const caf::actor& router) {
        relay(self, ctx, rp, router, to_video_atom::value, id, xs...);
      };
    };
    return {
        durable,
        tick,
        [=, &ctx](comment_atom a, user_id user, std::string& text) {
          self->state.idle.touch();
          return route(self->make_response_promise<comment_id, millis>(), ctx, p, to(a, user, text),
                       via(a, user, text));
        },
        [=, &ctx](uncomment_atom a, user_id user, comment_id comment) {
          self->state.idle.touch();
          return route(self->make_response_promise<caf::ok_atom>(), ctx, p, to(a, user, comment),
                       via(a, user, comment));
        },
        [=, &ctx](apply_atom a, std::vector<std::string>& effects) {
          self->state.idle.touch();
          return route(self->make_response_promise<caf::ok_atom>(), ctx, p, to(a, effects), via(a, effects));
        },
    };
  });
}

inbox_actor spawn_inbox_forwarder(caf::actor_system& sys, context& ctx, storage::partition_id shard, retire_fn retire) {
  return sys.spawn(
      [&ctx, shard, retire](inbox_actor::stateful_pointer<forwarder_state> self) -> inbox_actor::behavior_type {
        auto [durable, tick] = forwarder_basics(self, ctx, retire);
        auto to = [&ctx, shard](auto... xs) {
          return [=, &ctx](auto& rp) { rp.delegate(ctx.dir.local_inbox_shard(shard), xs...); };
        };
        auto via = [self, &ctx, shard](auto... xs) {
          return [=, &ctx](auto& rp, const caf::actor& router) {
            relay(self, ctx, rp, router, to_inbox_atom::value, shard, xs...);
          };
        };
        return {
            durable,
            tick,
            [](linger_atom) {},  // only a shard sends it, to itself
            [=, &ctx](push_atom a, video_id video, user_id author, millis created, std::vector<user_id>& owners) {
              self->state.idle.touch();
              return route(self->make_response_promise<caf::ok_atom>(), ctx, shard,
                           to(a, video, author, created, owners), via(a, video, author, created, owners));
            },
            [=, &ctx](backfill_atom a, user_id owner, user_id author) {
              self->state.idle.touch();
              return route(self->make_response_promise<caf::ok_atom>(), ctx, shard, to(a, owner, author),
                           via(a, owner, author));
            },
            [=, &ctx](hide_atom a, user_id owner, user_id author) {
              self->state.idle.touch();
              return route(self->make_response_promise<caf::ok_atom>(), ctx, shard, to(a, owner, author),
                           via(a, owner, author));
            },
        };
      });
}

chat_room_actor spawn_chat_room_forwarder(caf::actor_system& sys, context& ctx, user_id low, user_id high,
                                          retire_fn retire) {
  auto p = storage::keys::chat_partition(low, high);
  return sys.spawn([&ctx, low, high, p,
                    retire](chat_room_actor::stateful_pointer<forwarder_state> self) -> chat_room_actor::behavior_type {
    auto [durable, tick] = forwarder_basics(self, ctx, retire);
    return {
        durable,
        tick,
        [=, &ctx](message_atom a, user_id from, user_id to, std::string& content) {
          self->state.idle.touch();
          return route(
              self->make_response_promise<caf::ok_atom>(), ctx, p,
              [&](auto& rp) { rp.delegate(ctx.dir.local_chat_room(low, high), a, from, to, content); },
              [&](auto& rp, const caf::actor& router) {
                relay(self, ctx, rp, router, to_room_atom::value, low, high, a, from, to, std::move(content));
              });
        },
    };
  });
}

name_index_actor spawn_name_index_forwarder(caf::actor_system& sys, context& ctx, storage::partition_id shard,
                                            retire_fn retire) {
  return sys.spawn([&ctx, shard, retire](
                       name_index_actor::stateful_pointer<forwarder_state> self) -> name_index_actor::behavior_type {
    auto [durable, tick] = forwarder_basics(self, ctx, retire);
    return {
        durable,
        tick,
        [=, &ctx](claim_atom a, std::string& name, std::string& hash) {
          self->state.idle.touch();
          return route(
              self->make_response_promise<user_id>(), ctx, shard,
              [&](auto& rp) { rp.delegate(ctx.dir.local_name_index(shard), a, name, hash); },
              [&](auto& rp, const caf::actor& router) {
                relay(self, ctx, rp, router, to_names_atom::value, shard, a, std::move(name), std::move(hash));
              });
        },
    };
  });
}

shared_facts_actor spawn_shared_facts_forwarder(caf::actor_system& sys, context& ctx, retire_fn retire) {
  constexpr auto p = storage::shared_partition;
  return sys.spawn(
      [&ctx, retire](shared_facts_actor::stateful_pointer<forwarder_state> self) -> shared_facts_actor::behavior_type {
        auto [durable, tick] = forwarder_basics(self, ctx, retire);
        auto to = [&ctx](auto... xs) {
          return [=, &ctx](auto& rp) { rp.delegate(ctx.dir.local_shared_facts(), xs...); };
        };
        auto via = [self, &ctx](auto... xs) {
          return [=, &ctx](auto& rp, const caf::actor& router) {
            relay(self, ctx, rp, router, to_shared_atom::value, xs...);
          };
        };
        return {
            durable,
            tick,
            [=, &ctx](revoke_atom a, std::uint64_t token, millis expires) {
              self->state.idle.touch();
              return route(self->make_response_promise<caf::ok_atom>(), ctx, p, to(a, token, expires),
                           via(a, token, expires));
            },
            [=, &ctx](celebrity_atom a, user_id author) {
              self->state.idle.touch();
              return route(self->make_response_promise<caf::ok_atom>(), ctx, p, to(a, author), via(a, author));
            },
        };
      });
}

// --- The router ----------------------------------------------------------------------------

namespace {

caf::error moved() { return caf_error(errc::unavailable, "the partition's primary moved; retry"); }

bool here(const context& ctx, storage::partition_id p) {
  return ctx.routing.owner_of(p).at == cluster::owner::where::here;
}

}  // namespace

caf::actor spawn_router(caf::actor_system& sys, context& ctx) {
  return sys.spawn([&ctx](caf::event_based_actor* self) -> caf::behavior {
    auto user = [&ctx, self](user_id id, auto... xs) -> caf::result<caf::message> {
      if (!here(ctx, storage::partition_of(id))) return moved();
      return self->delegate(caf::actor_cast<caf::actor>(ctx.dir.local_user(id)), xs...);
    };
    auto video = [&ctx, self](video_id id, auto... xs) -> caf::result<caf::message> {
      if (!here(ctx, storage::partition_of(id))) return moved();
      return self->delegate(caf::actor_cast<caf::actor>(ctx.dir.local_video(id)), xs...);
    };
    auto inbox = [&ctx, self](std::uint16_t shard, auto... xs) -> caf::result<caf::message> {
      if (!here(ctx, shard)) return moved();
      return self->delegate(caf::actor_cast<caf::actor>(ctx.dir.local_inbox_shard(shard)), xs...);
    };
    caf::message_handler entities{
        [=](to_user_atom, user_id id, follow_atom a, user_id t, bool on) { return user(id, a, t, on); },
        [=](to_user_atom, user_id id, like_atom a, video_id v, bool on) { return user(id, a, v, on); },
        [=](to_user_atom, user_id id, publish_atom a, std::string& title, std::string& hash) {
          return user(id, a, std::move(title), std::move(hash));
        },
        [=](to_user_atom, user_id id, apply_atom a, std::vector<std::string>& effects) {
          return user(id, a, std::move(effects));
        },
        [=](to_video_atom, video_id id, comment_atom a, user_id u, std::string& text) {
          return video(id, a, u, std::move(text));
        },
        [=](to_video_atom, video_id id, uncomment_atom a, user_id u, comment_id c) { return video(id, a, u, c); },
        [=](to_video_atom, video_id id, apply_atom a, std::vector<std::string>& effects) {
          return video(id, a, std::move(effects));
        },
        [=](to_inbox_atom, std::uint16_t shard, push_atom a, video_id v, user_id author, millis created,
            std::vector<user_id>& owners) { return inbox(shard, a, v, author, created, std::move(owners)); },
        // A fan-out page's pushes to every inbox partition whose primary is here, grouped by
        // the sender per node (fanout.cpp): one request each way per node pair and page
        // instead of one per partition. Refused whole if one of them moved: the page is
        // redone (pushes are idempotent).
        [=, &ctx](push_atom a, video_id v, user_id author, millis created,
                  const std::vector<user_id>& owners) -> caf::response_promise {
          auto rp = self->make_response_promise();
          std::map<storage::partition_id, std::vector<user_id>> shards;
          for (auto owner : owners) shards[storage::partition_of(owner)].push_back(owner);
          for (const auto& entry : shards) {
            if (!here(ctx, entry.first)) {
              rp.deliver(moved());
              return rp;
            }
          }
          if (shards.empty()) {
            rp.deliver(caf::ok_atom::value);
            return rp;
          }
          auto left = std::make_shared<std::size_t>(shards.size());
          for (auto& [shard, ids] : shards)
            self->request(ctx.dir.local_inbox_shard(shard), ctx.cfg.request_timeout, a, v, author, created,
                          std::move(ids))
                .then(
                    [rp, left](caf::ok_atom ok) mutable {
                      if (--*left == 0 && rp.pending()) rp.deliver(ok);
                    },
                    [rp](caf::error& e) mutable {
                      if (rp.pending()) rp.deliver(std::move(e));
                    });
          return rp;
        },
        [=](to_inbox_atom, std::uint16_t shard, backfill_atom a, user_id owner, user_id author) {
          return inbox(shard, a, owner, author);
        },
        [=](to_inbox_atom, std::uint16_t shard, hide_atom a, user_id owner, user_id author) {
          return inbox(shard, a, owner, author);
        },
        [=, &ctx](to_room_atom, user_id low, user_id high, message_atom a, user_id from, user_id to,
                  std::string& content) -> caf::result<caf::message> {
          if (!here(ctx, storage::keys::chat_partition(low, high))) return moved();
          return self->delegate(caf::actor_cast<caf::actor>(ctx.dir.local_chat_room(low, high)), a, from, to,
                                std::move(content));
        },
        [&ctx](admit_atom, const std::string& client) { return ctx.admit(client); },
        [=, &ctx](to_shared_atom, revoke_atom a, std::uint64_t token, millis expires) -> caf::result<caf::message> {
          if (!here(ctx, storage::shared_partition)) return moved();
          return self->delegate(caf::actor_cast<caf::actor>(ctx.dir.local_shared_facts()), a, token, expires);
        },
        [=, &ctx](to_shared_atom, celebrity_atom a, user_id author) -> caf::result<caf::message> {
          if (!here(ctx, storage::shared_partition)) return moved();
          return self->delegate(caf::actor_cast<caf::actor>(ctx.dir.local_shared_facts()), a, author);
        },
        [=, &ctx](to_names_atom, std::uint16_t shard, claim_atom a, std::string& name,
                  std::string& hash) -> caf::result<caf::message> {
          if (!here(ctx, shard)) return moved();
          return self->delegate(caf::actor_cast<caf::actor>(ctx.dir.local_name_index(shard)), a, std::move(name),
                                std::move(hash));
        },
    };
    return caf::behavior{entities.or_else(media_handlers(ctx))};
  });
}

}  // namespace reel::actors
