// How gateway actors ask entity actors: with the configured timeout, retrying once through
// the directory when the activation retired in between. Private to the gateway files.
#pragma once

#include <functional>

#include "actors/runtime.hpp"
#include "actors/service.hpp"

namespace reel::actors {

// Requests the entity that `resolve` names. When its activation retired between lookup and
// delivery (request_receiver_down), asks the directory again once: that spawns a fresh one.
template <class Resolve, class OnValue, class... Ts>
void ask(caf::event_based_actor* self, const context& ctx, Resolve resolve, OnValue on_value,
         std::function<void(error)> on_error, int attempts, Ts... xs) {
  self->request(resolve(), ctx.cfg.request_timeout, xs...)
      .then(on_value, [=, &ctx](caf::error& e) {
        if (e == caf::sec::request_receiver_down && attempts > 1) {
          ask(self, ctx, resolve, on_value, on_error, attempts - 1, xs...);
          return;
        }
        on_error(from_caf(e));
      });
}

template <class T>
std::function<void(error)> fail_with(reply<T> done) {
  return [done](error e) { done(std::move(e)); };
}

}  // namespace reel::actors
