// The edge actors: turn service calls that write into requests to entity actors, off the
// HTTP threads. A write posts a job to one of a few long-lived gateway actors (round robin);
// every entity request carries the configured timeout. Reads of committed state run on the
// caller's thread: they touch only the store and its read cache, and a hop to a gateway
// actor and back cost two thread wake-ups per request (a sixth of a feed read's CPU).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "actors/directory.hpp"
#include "actors/revocations.hpp"
#include "actors/runtime.hpp"
#include "actors/service.hpp"

namespace reel::actors {

struct gateway_job {
  std::function<void(caf::event_based_actor*)> run;
};

}  // namespace reel::actors

// Local only: a job is a closure and never crosses nodes.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(reel::actors::gateway_job)

namespace reel::actors {

class gateway_service final : public service {
 public:
  gateway_service(caf::actor_system& sys, context& ctx, revocation_list& revoked);
  ~gateway_service() override;

  void register_user(std::string name, std::string password_hash, reply<user_id> done) override;
  void find_credentials(std::string name, reply<credentials> done) override;
  void get_user(user_id target, user_id viewer, reply<user_view> done) override;
  void follow(user_id from, user_id to, follow_action action, reply<success> done) override;
  void follow_list(user_id owner, user_id viewer, reply<std::vector<user_view>> done) override;
  void follower_list(user_id owner, user_id viewer, reply<std::vector<user_view>> done) override;
  void friend_list(user_id owner, user_id viewer, reply<std::vector<friend_view>> done) override;
  void send_message(user_id from, user_id to, std::string content, reply<success> done) override;
  void chat(user_id viewer, user_id other, millis after, reply<std::vector<message_view>> done) override;
  void publish(user_id author, std::string title, std::string media_hash, reply<video_id> done) override;
  void publish_list(user_id author, user_id viewer, reply<std::vector<video_view>> done) override;
  void feed(user_id viewer, millis before, feed_kind kind, std::size_t limit, reply<feed_page> done) override;
  void favorite(user_id user, video_id video, bool like, reply<success> done) override;
  void favorite_list(user_id owner, user_id viewer, reply<std::vector<video_view>> done) override;
  void add_comment(user_id user, video_id video, std::string text, reply<comment_view> done) override;
  void delete_comment(user_id user, video_id video, comment_id comment, reply<success> done) override;
  void comment_list(video_id video, user_id viewer, reply<std::vector<comment_view>> done) override;
  void revoke_token(std::uint64_t token_id, millis expires, reply<success> done) override;
  void fetch_media(std::string hash, reply<success> done) override;
  void admit_attempt(std::string client, reply<bool> done) override;
  bool is_revoked(std::uint64_t token_id) const override;
  outcome<bool> has_account(user_id user) const override;

  void stop();

 private:
  void post(std::function<void(caf::event_based_actor*)> job);

  // Cluster mode: a node whose copy of some partition may be older than the last
  // acknowledged write (catching up, or without its lease) answers nothing from it: the
  // reply says unavailable (the client retries, on any node). Reads run on the local store,
  // and writes check what they touch there first.
  template <class T>
  bool refuse_if_behind(const reply<T>& done) const {
    if (ctx_.routing.can_read_all()) return false;
    done(behind());
    return true;
  }
  static error behind() { return make_error(errc::unavailable, "this node is catching up with the cluster; retry"); }

  context& ctx_;
  revocation_list& revoked_;
  std::vector<caf::actor> gateways_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace reel::actors
