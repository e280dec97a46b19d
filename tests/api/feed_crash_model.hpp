// What the clients of the video crash test know: every publish, like, comment and follow
// action they attempted, whether it was acknowledged, and the check of the server's state
// after a restart against it. Each user is driven by one load thread (thread t owns users
// t, t + thread_count, ...), so the expected final state of everything a user does is known.
#pragma once

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "douyin.hpp"

namespace reel::test::crash {

constexpr std::size_t user_count = 12;
constexpr std::size_t thread_count = 4;
// The celebrity: followed by every other user from the start (edges the load never
// touches) and following nobody.
constexpr std::size_t star = user_count - 1;
// Users other than the star follow and unfollow only the next follow_span users among
// 0 .. star-1, so nobody but the star ever has more than follow_span followers.
constexpr std::size_t follow_span = 4;

inline std::size_t follow_target(std::size_t u, std::size_t k) { return (u + 1 + k) % star; }

struct edge_state {
  bool following = false;     // after the last acknowledged action (or as last observed)
  bool uncertain = false;     // the last action got no acknowledgement
  std::uint64_t version = 0;  // bumped by every attempted action
};

struct like_state {
  bool liked = false;
  bool uncertain = false;
};

struct publish_attempt {
  std::size_t author = 0;
  std::string title;        // unique: identifies the video
  bool acked = false;       // acknowledged, or found stored after a restart
  bool ever_acked = false;  // the server acknowledged it
  std::uint64_t id = 0;     // once known
  // Followers whose follow was acknowledged (and not touched since) before the publish
  // was sent, with the version of their edge then.
  std::vector<std::pair<std::size_t, std::uint64_t>> followers;
};

struct comment_attempt {
  std::size_t author = 0;
  std::uint64_t video_id = 0;
  std::string content;  // unique: identifies the comment
  bool acked = false;
  std::uint64_t id = 0;
  bool deleted = false;           // a delete was acknowledged
  bool delete_uncertain = false;  // a delete got no acknowledgement
};

struct known_video {
  std::uint64_t id = 0;
  std::size_t author = 0;
};

class model {
 public:
  std::vector<account> users;
  // [user][video id]: written only by the thread owning the user.
  std::vector<std::map<std::uint64_t, like_state>> likes;

  // Once users are registered.
  void prepare();
  void start_cycle();

  // Thread-safe, called by the thread owning the acting user.
  std::optional<known_video> pick_video(std::mt19937& rng);
  publish_attempt& begin_publish(std::size_t author, const std::string& title);
  // Marks it acknowledged and looks its id up in the author's publish list.
  void publish_acked(http_client& c, publish_attempt& p);
  void like_acked(std::size_t user, std::uint64_t video, bool liked);
  comment_attempt& begin_comment(std::size_t author, std::uint64_t video, const std::string& content);
  void comment_acked(comment_attempt& k, const response& added);
  void delete_acked(comment_attempt& k);
  comment_attempt* pick_own_comment(std::size_t author, std::mt19937& rng);
  void begin_follow_action(std::size_t from, std::size_t to);
  void follow_acked(std::size_t from, std::size_t to, bool following);

  std::string describe_acked() const;
  bool has_acked_of_every_kind() const;

  // After the restart, with no load running: compares the server with what the clients
  // know, returns the problems, and takes what it observed as the state the next cycle
  // starts from.
  std::vector<std::string> verify(http_client& c);
  // How many (follower, video) pairs the last verify() expected in home timelines.
  std::size_t home_expectations() const { return home_expectations_; }

 private:
  struct observed;
  void verify_publishes(http_client& c, observed& seen, std::vector<std::string>& problems);
  void verify_global_feed(http_client& c, observed& seen, std::vector<std::string>& problems);
  void verify_likes(http_client& c, observed& seen, std::vector<std::string>& problems);
  void verify_comments(http_client& c, observed& seen, std::vector<std::string>& problems);
  void verify_follows(http_client& c, observed& seen, std::vector<std::string>& problems);
  void verify_home_timelines(http_client& c, observed& seen, std::vector<std::string>& problems);

  std::mutex mutex_;
  std::vector<std::vector<edge_state>> edges_;  // [follower][followee]
  std::deque<publish_attempt> publishes_;       // a deque: references stay valid on growth
  std::deque<comment_attempt> comments_;
  std::vector<std::vector<comment_attempt*>> comments_by_user_;
  std::vector<known_video> videos_;
  std::atomic<std::size_t> acked_publishes_{0};
  std::atomic<std::size_t> acked_likes_{0};
  std::atomic<std::size_t> acked_comments_{0};
  std::atomic<std::size_t> acked_deletes_{0};
  std::atomic<std::size_t> acked_follows_{0};
  std::size_t home_expectations_ = 0;
};

}  // namespace reel::test::crash
