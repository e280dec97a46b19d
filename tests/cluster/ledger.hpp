// What a load's records prove the cluster must hold afterwards, the cluster's state as one
// node answers it, and the checks between the two: no acknowledged write lost, counts equal
// to their lists, and reads of a node coming back that are refused or fresh, never stale.
//
// A refused (503) or failed write may still have happened: only acknowledged ones are
// certain. So a pair's final state is known only when every write attempted on it after
// its last acknowledged one asked for the same state (or when nothing was attempted).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/api/douyin.hpp"
#include "tests/cluster/load.hpp"

namespace reel::cluster_test {

using index_pair = std::pair<std::size_t, std::size_t>;

// One fact an acknowledged write established; `since` is when that write was sent.
struct fact {
  enum class kind { follows, likes, comment, message } what = kind::follows;
  std::size_t a = 0;  // follower, liker, commenter's video index, or message sender
  std::size_t b = 0;  // followee, video index, or message recipient
  bool on = true;     // follows / likes: the state it must be in
  std::string text;   // comment or message content
  std::uint64_t id = 0;
  steady::time_point since;
};
std::string describe(const fact& f);

struct expectations {
  std::vector<fact> facts;
  std::set<std::string> attempted;  // every comment and message text sent, whatever the answer
  std::set<index_pair> rooms;       // (lower, higher) user indexes with a message attempted
  std::size_t undetermined_pairs = 0;
};
expectations expect(const std::vector<op_record>& records);
// The facts of acknowledged writes sent at or after `since`.
std::vector<fact> facts_since(const expectations& e, steady::time_point since);

struct user_state {
  reel::test::user_view user;
  std::vector<std::uint64_t> follows, followers, favorites;
};
struct video_state {
  reel::test::video_view video;  // as the author's publish list shows it
  std::vector<reel::test::comment_view> comments;
};
struct cluster_state {
  std::string via;           // the base URL it was read through
  std::size_t refusals = 0;  // reads refused (503, status 10) and asked again
  std::vector<user_state> users;
  std::vector<video_state> videos;
  std::map<index_pair, std::vector<reel::test::message_view>> chats;  // by room, as the lower user sees it
};
// Reads every user, video and room of `p` through `via`, asking again what is refused
// (bounded), and REQUIREs the exact shape of each answer.
cluster_state read_state(reel::test::http_client& via, const population& p, const std::set<index_pair>& rooms);

// Each fact holds in `s`, and no comment or message exists that nobody sent (or twice).
void check_no_write_lost(const cluster_state& s, const population& p, const expectations& e);
// follow_count, follower_count and favorite_count of every user, and comment_count and
// favorite_count of every video, equal the lists they count.
void check_counts_match_lists(const cluster_state& s, const population& p);

// One read of `f` through a node that may be behind.
struct probe_result {
  enum class answer { fresh, refused, stale, no_answer, other } what = answer::other;
  std::string detail;
};
probe_result probe(reel::test::http_client& via, const population& p, const fact& f);

}  // namespace reel::cluster_test
