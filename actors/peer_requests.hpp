// Requests to other nodes' routers that fail as soon as the connection to the node is lost.
// A killed node's connection closes at once and its proxies die, but CAF 0.17 never answers
// a request already sent through one: without this, its callers would wait for the request
// timeout. The owner keeps a peer_requests in its state and calls `lost` from its down
// handler.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "actors/runtime.hpp"

namespace reel::actors {

class peer_requests {
 public:
  // Sends `xs` to `router`; exactly one of on_answer(Ts&...) and on_error(caf::error&) runs,
  // on the actor `self`.
  template <class... Ts, class Self, class OnAnswer, class OnError, class... Xs>
  void ask(Self* self, const caf::actor& router, std::chrono::milliseconds timeout, OnAnswer on_answer,
           OnError on_error, Xs&&... xs) {
    auto id = next_++;
    pending_.emplace(id, std::make_pair(router.address(), [on_error]() mutable {
                       auto e = caf_error(errc::unavailable, "the node that owns the data went away; retry");
                       on_error(e);
                     }));
    if (watched_.insert(router.address()).second) self->monitor(router);
    self->request(router, timeout, std::forward<Xs>(xs)...)
        .then(
            [this, id, on_answer](Ts&... answer) mutable {
              if (pending_.erase(id)) on_answer(answer...);
            },
            [this, id, on_error](caf::error& e) mutable {
              if (pending_.erase(id)) on_error(e);
            });
  }

  // The down handler's part: fails every request still waiting for `router`.
  void lost(const caf::actor_addr& router) {
    watched_.erase(router);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second.first != router) {
        ++it;
        continue;
      }
      auto fail = std::move(it->second.second);
      it = pending_.erase(it);
      fail();
    }
  }

  bool idle() const { return pending_.empty(); }

 private:
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, std::pair<caf::actor_addr, std::function<void()>>> pending_;
  std::set<caf::actor_addr> watched_;  // routers monitored
};

}  // namespace reel::actors
