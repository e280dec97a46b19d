// Drives an in-process node (actors/node.hpp) through its service interface for the unit
// tests: every call waits for its reply with a 10 s bound and FAILs the test on timeout.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actors/node.hpp"
#include "actors/service.hpp"

namespace reel::unit {

inline constexpr auto wait_limit = std::chrono::seconds(10);

// Polls `done` until it holds or 10 s pass. Used only where the node offers no event to
// wait on (ready(), metrics text).
template <class Pred>
bool eventually(Pred done) {
  auto deadline = std::chrono::steady_clock::now() + wait_limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A node on `dir`, ready to serve (its outbox replay applied).
inline std::unique_ptr<actors::node> start_node(const std::filesystem::path& dir, actors::settings cfg = {}) {
  auto n = std::make_unique<actors::node>(actors::node_options{dir, cfg});
  if (!eventually([&] { return n->ready(); })) FAIL("node not ready within 10 s");
  return n;
}

// Calls `start(reply)` and waits for the reply; FAILs after 10 s.
template <class T, class Start>
outcome<T> await(Start start) {
  auto promise = std::make_shared<std::promise<outcome<T>>>();
  auto future = promise->get_future();
  start([promise](outcome<T> result) { promise->set_value(std::move(result)); });
  if (future.wait_for(wait_limit) != std::future_status::ready) FAIL("no reply within 10 s");
  return future.get();
}

using counts_t = std::pair<std::uint64_t, std::uint64_t>;  // (follow_count, follower_count)

// The service calls, one line each in the tests.
struct client {
  service& api;

  outcome<user_id> register_user(const std::string& name) {
    return await<user_id>([&](auto done) { api.register_user(name, "hash-of-" + name, done); });
  }
  user_id must_register(const std::string& name) {
    auto r = register_user(name);
    REQUIRE(r.ok());
    return r.value();
  }
  outcome<credentials> find_credentials(const std::string& name) {
    return await<credentials>([&](auto done) { api.find_credentials(name, done); });
  }
  outcome<user_view> get_user(user_id target, user_id viewer = user_id()) {
    return await<user_view>([&](auto done) { api.get_user(target, viewer, done); });
  }
  outcome<success> follow(user_id from, user_id to, follow_action action = follow_action::follow) {
    return await<success>([&](auto done) { api.follow(from, to, action, done); });
  }
  outcome<success> unfollow(user_id from, user_id to) { return follow(from, to, follow_action::unfollow); }
  outcome<std::vector<user_view>> follow_list(user_id owner, user_id viewer = user_id()) {
    return await<std::vector<user_view>>([&](auto done) { api.follow_list(owner, viewer, done); });
  }
  outcome<std::vector<user_view>> follower_list(user_id owner, user_id viewer = user_id()) {
    return await<std::vector<user_view>>([&](auto done) { api.follower_list(owner, viewer, done); });
  }
  outcome<std::vector<friend_view>> friend_list(user_id owner, user_id viewer) {
    return await<std::vector<friend_view>>([&](auto done) { api.friend_list(owner, viewer, done); });
  }
  outcome<success> send(user_id from, user_id to, const std::string& content) {
    return await<success>([&](auto done) { api.send_message(from, to, content, done); });
  }
  outcome<std::vector<message_view>> chat(user_id viewer, user_id other, millis after = millis(0)) {
    return await<std::vector<message_view>>([&](auto done) { api.chat(viewer, other, after, done); });
  }
  outcome<success> revoke(std::uint64_t token, millis expires) {
    return await<success>([&](auto done) { api.revoke_token(token, expires, done); });
  }
  outcome<video_id> publish(user_id author, const std::string& title) {
    return await<video_id>([&](auto done) { api.publish(author, title, "hash-of-" + title, done); });
  }
  outcome<success> favorite(user_id user, video_id video, bool like = true) {
    return await<success>([&](auto done) { api.favorite(user, video, like, done); });
  }
  outcome<comment_view> add_comment(user_id user, video_id video, const std::string& text) {
    return await<comment_view>([&](auto done) { api.add_comment(user, video, text, done); });
  }
  outcome<std::vector<comment_view>> comment_list(video_id video) {
    return await<std::vector<comment_view>>([&](auto done) { api.comment_list(video, user_id(), done); });
  }
  outcome<std::vector<video_view>> publish_list(user_id author) {
    return await<std::vector<video_view>>([&](auto done) { api.publish_list(author, user_id(), done); });
  }

  // (follow_count, follower_count) of `u`.
  counts_t counts(user_id u) {
    auto v = get_user(u);
    REQUIRE(v.ok());
    return {v->follow_count, v->follower_count};
  }
  std::vector<user_id> following(user_id u) { return ids(follow_list(u)); }
  std::vector<user_id> followers(user_id u) { return ids(follower_list(u)); }

  static std::vector<user_id> ids(outcome<std::vector<user_view>> views) {
    REQUIRE(views.ok());
    std::vector<user_id> out;
    for (const auto& v : views.value()) out.push_back(v.id);
    return out;
  }
};

// The value of a reply that must have succeeded.
template <class T>
T must(outcome<T> result) {
  if (!result.ok()) FAIL("call failed: " << std::string(result.err().text()));
  return std::move(result.value());
}

inline std::uint64_t active_actors(const actors::node& n) {
  auto text = n.metrics();
  const std::string name = "\nreel_actors_active ";
  auto at = text.find(name);
  REQUIRE(at != std::string::npos);
  return std::stoull(text.substr(at + name.size()));
}

}  // namespace reel::unit
