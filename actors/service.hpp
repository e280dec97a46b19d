// The actors' message interface as the HTTP edge sees it: plain C++, no CAF.
//
// Writes return at once; their reply callback runs later on an actor thread with the
// outcome, only after the write is durable. Every write is bounded by the configured
// request timeout: a timeout replies errc::unavailable, never hangs. Reads of committed
// state (lists, feeds, profiles) reply on the caller's thread before returning.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "schema/errors.hpp"
#include "schema/ids.hpp"

namespace reel {

template <class T>
using reply = std::function<void(outcome<T>)>;

// A user as seen by a viewer (API.md "User").
struct user_view {
  user_id id;
  std::string name;
  std::uint64_t follow_count = 0;
  std::uint64_t follower_count = 0;
  bool is_follow = false;  // does the viewer follow this user
  std::string avatar;
  std::string background_image;
  std::string signature;
  std::uint64_t total_favorited = 0;
  std::uint64_t work_count = 0;
  std::uint64_t favorite_count = 0;
};

struct friend_view {
  user_view user;
  std::string message;  // latest message between viewer and friend, "" when none
  int msg_type = 0;     // 0: the viewer received it, 1: the viewer sent it
};

struct message_view {
  message_id id;
  user_id to;
  user_id from;
  std::string content;
  millis create_time;
};

// A video as seen by a viewer (API.md "Video"); URLs are built by the edge from media_hash.
struct video_view {
  video_id id;
  user_view author;
  std::string media_hash;
  std::uint64_t favorite_count = 0;
  std::uint64_t comment_count = 0;
  bool is_favorite = false;
  std::string title;
  millis created;
};

struct comment_view {
  comment_id id;
  user_view user;
  std::string content;
  millis created;
};

struct feed_page {
  std::vector<video_view> videos;  // newest first
  millis next_time;                // the oldest returned video's time, or the cursor when empty
};

enum class feed_kind { automatic, global, following };

struct credentials {
  user_id id;
  std::string password_hash;
};

enum class follow_action { follow, unfollow };

// Acting as a user that has no account: a token whose MAC verifies but whose user does not
// exist (only a holder of the token secret can make one, and nothing may trust it). Such a
// token is as unusable as a forged one, so it gets the same answer: not logged in.
inline error no_account() { return make_error(errc::not_logged_in, "invalid token: no such user"); }

class service {
 public:
  virtual ~service() = default;

  // Claims `name` and creates the user; errc::conflict when the name is taken.
  virtual void register_user(std::string name, std::string password_hash, reply<user_id> done) = 0;
  // errc::not_found when no such user.
  virtual void find_credentials(std::string name, reply<credentials> done) = 0;

  virtual void get_user(user_id target, user_id viewer, reply<user_view> done) = 0;
  virtual void follow(user_id from, user_id to, follow_action action, reply<success> done) = 0;
  virtual void follow_list(user_id owner, user_id viewer, reply<std::vector<user_view>> done) = 0;
  virtual void follower_list(user_id owner, user_id viewer, reply<std::vector<user_view>> done) = 0;
  virtual void friend_list(user_id owner, user_id viewer, reply<std::vector<friend_view>> done) = 0;

  virtual void send_message(user_id from, user_id to, std::string content, reply<success> done) = 0;
  // Messages between the two users in both directions with create_time > after, ascending.
  virtual void chat(user_id viewer, user_id other, millis after, reply<std::vector<message_view>> done) = 0;

  // Videos. publish replies once the video, its works entry and its fan-out job are durable.
  virtual void publish(user_id author, std::string title, std::string media_hash, reply<video_id> done) = 0;
  virtual void publish_list(user_id author, user_id viewer, reply<std::vector<video_view>> done) = 0;
  // Videos strictly older than `before`, at most `limit`, newest first.
  virtual void feed(user_id viewer, millis before, feed_kind kind, std::size_t limit, reply<feed_page> done) = 0;
  virtual void favorite(user_id user, video_id video, bool like, reply<success> done) = 0;
  virtual void favorite_list(user_id owner, user_id viewer, reply<std::vector<video_view>> done) = 0;
  virtual void add_comment(user_id user, video_id video, std::string text, reply<comment_view> done) = 0;
  virtual void delete_comment(user_id user, video_id video, comment_id comment, reply<success> done) = 0;
  virtual void comment_list(video_id video, user_id viewer, reply<std::vector<comment_view>> done) = 0;

  // Cluster mode: fetches a stored video's files from a node that has them, so that this
  // node can serve them (errc::not_found when no node has it; a single node has nothing to
  // fetch from).
  virtual void fetch_media(std::string hash, reply<success> done) = 0;

  // Whether a register or login attempt from `client` (its address) is within the rate
  // limit. On a cluster the node that owns the address counts it (any node's edge asks it),
  // so a client spreading its attempts over the nodes gets the same limit; while that node
  // is unknown (a failover), the attempt passes.
  virtual void admit_attempt(std::string client, reply<bool> done) = 0;

  // Token revocation: durable before the reply; is_revoked reads memory only (no I/O).
  virtual void revoke_token(std::uint64_t token_id, millis expires, reply<success> done) = 0;
  virtual bool is_revoked(std::uint64_t token_id) const = 0;

  // Whether `user` has an account, from committed state on the caller's thread: a presence
  // check in the store's read cache (no I/O once cached, no value copied). errc::unavailable
  // while this node cannot read every partition (cluster: catching up), where "no" might
  // only mean "not yet". The edge asks it for every token it accepts; the service's writes
  // otherwise take their acting user (`from`, `user`, `author`) as existing.
  virtual outcome<bool> has_account(user_id user) const = 0;
};

}  // namespace reel
