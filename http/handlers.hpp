// The handlers of each route (API.md "Endpoints"), as plain functions of the edge.
#pragma once

#include "http/args.hpp"
#include "http/edge.hpp"
#include "http/json.hpp"

namespace reel::http {

// Accounts (accounts.cpp)
void handle_register(edge& e, const request& r, responder_ptr out);
void handle_login(edge& e, const request& r, responder_ptr out);
void handle_user(edge& e, const request& r, responder_ptr out);
void handle_logout(edge& e, const request& r, responder_ptr out);

// Relations (relations.cpp)
void handle_relation_action(edge& e, const request& r, responder_ptr out);
void handle_follow_list(edge& e, const request& r, responder_ptr out);
void handle_follower_list(edge& e, const request& r, responder_ptr out);
void handle_friend_list(edge& e, const request& r, responder_ptr out);

// Messages (messages.cpp)
void handle_message_action(edge& e, const request& r, responder_ptr out);
void handle_chat(edge& e, const request& r, responder_ptr out);

// Videos (videos.cpp)
void handle_publish(edge& e, const request& r, responder_ptr out);
void handle_publish_list(edge& e, const request& r, responder_ptr out);
void handle_feed(edge& e, const request& r, responder_ptr out);

// Likes and comments (interactions.cpp)
void handle_favorite_action(edge& e, const request& r, responder_ptr out);
void handle_favorite_list(edge& e, const request& r, responder_ptr out);
void handle_comment_action(edge& e, const request& r, responder_ptr out);
void handle_comment_list(edge& e, const request& r, responder_ptr out);

// Operations (operations.cpp)
void handle_ping(edge& e, const request& r, responder_ptr out);
void handle_healthz(edge& e, const request& r, responder_ptr out);
void handle_readyz(edge& e, const request& r, responder_ptr out);
void handle_metrics(edge& e, const request& r, responder_ptr out);
void handle_cluster(edge& e, const request& r, responder_ptr out);

// A write this node cannot take now (the data disk is full), answered before any work is
// spent on it (Argon2, FFmpeg, actor messages); the write path would refuse it as well.
// Handlers ask after checking the request, so a bad one still hears what is wrong with it.
inline std::optional<error> refused_write(const edge& e) {
  auto why = e.admit_write();
  if (why == errc::ok) return std::nullopt;
  if (why == errc::storage_full)
    return make_error(why, "the data disk is full: writes are refused until space is freed");
  return make_error(why, "writes are refused for now; retry");
}

// A service reply that renders its value with `render` on success.
template <class T, class Render>
reply<T> render_to(responder_ptr out, Render render) {
  return [out = std::move(out), render](outcome<T> result) {
    if (!result) return send_error(out, result.err());
    send_json(out, make_error(errc::ok), render(result.value()));
  };
}

}  // namespace reel::http
