// The client-side model of the video crash test and its check against the server.
#include "feed_crash_model.hpp"

#include <algorithm>
#include <set>

#include "feeds.hpp"

namespace reel::test::crash {

// What the server shows after the restart.
struct model::observed {
  std::map<std::uint64_t, std::size_t> user_index;  // user id -> index
  std::vector<user_view> infos;                     // [user], as the user sees itself
  std::vector<std::vector<video_view>> works;       // [user] publish list, newest first
  std::map<std::uint64_t, video_view> videos;       // every published video, seen without a token
  std::map<std::uint64_t, std::size_t> author_of;   // video id -> user index
  std::map<std::uint64_t, std::int64_t> likers;     // video id -> favorite lists holding it
  std::vector<std::set<std::size_t>> follows;       // [user] followees
};

void model::prepare() {
  edges_.assign(user_count, std::vector<edge_state>(user_count));
  likes.assign(user_count, {});
  comments_by_user_.assign(user_count, {});
}

void model::start_cycle() {
  for (auto* counter : {&acked_publishes_, &acked_likes_, &acked_comments_, &acked_deletes_, &acked_follows_}) {
    *counter = 0;
  }
}

std::optional<known_video> model::pick_video(std::mt19937& rng) {
  std::lock_guard lock(mutex_);
  if (videos_.empty()) return std::nullopt;
  return videos_[rng() % videos_.size()];
}

publish_attempt& model::begin_publish(std::size_t author, const std::string& title) {
  std::lock_guard lock(mutex_);
  publish_attempt& p = publishes_.emplace_back();
  p.author = author;
  p.title = title;
  for (std::size_t f = 0; f < user_count; ++f) {
    const edge_state& e = edges_[f][author];
    if (f != author && e.following && !e.uncertain) p.followers.emplace_back(f, e.version);
  }
  return p;
}

void model::publish_acked(http_client& c, publish_attempt& p) {
  p.acked = true;
  p.ever_acked = true;
  ++acked_publishes_;
  for (const auto& v : video_list_of(api::publish_list(c, users[p.author].user_id))) {
    if (v.title != p.title) continue;
    p.id = v.id;
    std::lock_guard lock(mutex_);
    videos_.push_back({v.id, p.author});
    return;
  }
}

void model::like_acked(std::size_t user, std::uint64_t video, bool liked) {
  likes[user][video] = {liked, false};
  ++acked_likes_;
}

comment_attempt& model::begin_comment(std::size_t author, std::uint64_t video, const std::string& content) {
  std::lock_guard lock(mutex_);
  comment_attempt& k = comments_.emplace_back();
  k.author = author;
  k.video_id = video;
  k.content = content;
  comments_by_user_[author].push_back(&k);
  return k;
}

void model::comment_acked(comment_attempt& k, const response& added) {
  k.acked = true;
  ++acked_comments_;
  if (added.json_ok && added.json.IsObject() && added.json.HasMember("comment")) {
    k.id = to_comment_view(added.json["comment"]).id;
  }
}

void model::delete_acked(comment_attempt& k) {
  k.deleted = true;
  k.delete_uncertain = false;
  ++acked_deletes_;
}

comment_attempt* model::pick_own_comment(std::size_t author, std::mt19937& rng) {
  std::vector<comment_attempt*> live;
  {
    std::lock_guard lock(mutex_);
    for (comment_attempt* k : comments_by_user_[author]) {
      if (k->acked && k->id != 0 && !k->deleted && !k->delete_uncertain) live.push_back(k);
    }
  }
  return live.empty() ? nullptr : live[rng() % live.size()];
}

void model::begin_follow_action(std::size_t from, std::size_t to) {
  std::lock_guard lock(mutex_);
  edge_state& e = edges_[from][to];
  ++e.version;
  e.uncertain = true;
}

void model::follow_acked(std::size_t from, std::size_t to, bool following) {
  std::lock_guard lock(mutex_);
  edge_state& e = edges_[from][to];
  e.following = following;
  e.uncertain = false;
  ++acked_follows_;
}

std::string model::describe_acked() const {
  return std::to_string(acked_publishes_) + " publishes, " + std::to_string(acked_likes_) + " like actions, " +
         std::to_string(acked_comments_) + " comments, " + std::to_string(acked_deletes_) + " comment deletes, " +
         std::to_string(acked_follows_) + " follow actions acknowledged";
}

bool model::has_acked_of_every_kind() const {
  return acked_publishes_ > 0 && acked_likes_ > 0 && acked_comments_ > 0 && acked_follows_ > 0;
}

std::vector<std::string> model::verify(http_client& c) {
  std::vector<std::string> problems;
  observed seen;
  for (std::size_t u = 0; u < user_count; ++u) {
    seen.user_index[users[u].user_id] = u;
    seen.infos.push_back(fetch_user(c, users[u].token, users[u].user_id));
  }
  verify_publishes(c, seen, problems);
  verify_global_feed(c, seen, problems);
  verify_likes(c, seen, problems);
  verify_comments(c, seen, problems);
  verify_follows(c, seen, problems);
  verify_home_timelines(c, seen, problems);
  std::lock_guard lock(mutex_);
  videos_.clear();
  for (const auto& [id, author] : seen.author_of) videos_.push_back({id, author});
  return problems;
}

void model::verify_publishes(http_client& c, observed& seen, std::vector<std::string>& problems) {
  std::map<std::pair<std::size_t, std::string>, publish_attempt*> attempts;
  for (auto& p : publishes_) attempts[{p.author, p.title}] = &p;
  std::set<std::pair<std::size_t, std::string>> present;
  for (std::size_t u = 0; u < user_count; ++u) {
    const std::string who = "user " + std::to_string(u);
    seen.works.push_back(fetch_publish_list(c, users[u].user_id));
    const auto& works = seen.works.back();
    if (seen.infos[u].work_count != static_cast<std::int64_t>(works.size())) {
      problems.push_back(who + ": work_count " + std::to_string(seen.infos[u].work_count) + " but " +
                         std::to_string(works.size()) + " videos in the publish list");
    }
    for (const auto& v : works) {
      if (!present.insert({u, v.title}).second) problems.push_back(who + ": '" + v.title + "' published twice");
      if (attempts.count({u, v.title}) == 0) problems.push_back(who + ": '" + v.title + "' was never published");
      if (v.author.id != users[u].user_id) problems.push_back(who + ": '" + v.title + "' has another author");
      seen.videos[v.id] = v;
      seen.author_of[v.id] = u;
    }
  }
  for (auto& p : publishes_) {
    const bool there = present.count({p.author, p.title}) != 0;
    if (p.acked && !there) problems.push_back("acknowledged publish '" + p.title + "' lost");
    p.acked = there;  // present after recovery: from now on it must stay
    p.id = 0;
    if (there) {
      for (const auto& v : seen.works[p.author]) {
        if (v.title == p.title) p.id = v.id;
      }
    }
  }
}

void model::verify_global_feed(http_client& c, observed& seen, std::vector<std::string>& problems) {
  const whole_feed global = read_whole_feed(c, "");
  for (const auto& p : global.problems) problems.push_back("global feed: " + p);
  std::set<std::uint64_t> ids;
  for (const auto& v : global.videos) {
    ids.insert(v.id);
    if (seen.videos.count(v.id) == 0) problems.push_back("global feed: video " + v.title + " is in no publish list");
  }
  for (const auto& [id, v] : seen.videos) {
    if (ids.count(id) == 0) problems.push_back("global feed: video '" + v.title + "' missing");
  }
}

void model::verify_likes(http_client& c, observed& seen, std::vector<std::string>& problems) {
  for (std::size_t u = 0; u < user_count; ++u) {
    const std::string who = "user " + std::to_string(u);
    const auto favorites = fetch_favorite_list(c, users[u].user_id);
    if (seen.infos[u].favorite_count != static_cast<std::int64_t>(favorites.size())) {
      problems.push_back(who + ": favorite_count " + std::to_string(seen.infos[u].favorite_count) + " but " +
                         std::to_string(favorites.size()) + " in the favorite list");
    }
    std::set<std::uint64_t> liked;
    for (const auto& v : favorites) {
      if (!liked.insert(v.id).second) problems.push_back(who + ": video '" + v.title + "' liked twice");
      if (seen.videos.count(v.id) == 0) problems.push_back(who + ": liked video " + v.title + " is unknown");
      if (likes[u].count(v.id) == 0) problems.push_back(who + ": video '" + v.title + "' was never liked");
      ++seen.likers[v.id];
    }
    for (auto& [video, state] : likes[u]) {
      const bool there = liked.count(video) != 0;
      if (!state.uncertain && there != state.liked) {
        problems.push_back(who + (state.liked ? ": acknowledged like of " : ": acknowledged unlike of ") +
                           std::to_string(video) + " lost");
      }
      state = {there, false};
    }
  }
  for (const auto& [id, v] : seen.videos) {
    if (v.favorite_count != seen.likers[id]) {
      problems.push_back("video '" + v.title + "': favorite_count " + std::to_string(v.favorite_count) + " but " +
                         std::to_string(seen.likers[id]) + " users like it");
    }
  }
  for (std::size_t u = 0; u < user_count; ++u) {
    std::int64_t received = 0;
    for (const auto& v : seen.works[u]) received += seen.likers[v.id];
    if (seen.infos[u].total_favorited != received) {
      problems.push_back("user " + std::to_string(u) + ": total_favorited " +
                         std::to_string(seen.infos[u].total_favorited) + " but its videos have " +
                         std::to_string(received) + " likes");
    }
  }
}

void model::verify_comments(http_client& c, observed& seen, std::vector<std::string>& problems) {
  std::map<std::string, comment_attempt*> by_content;
  for (auto& k : comments_) by_content[k.content] = &k;
  std::map<std::string, std::uint64_t> present;  // content -> comment id
  for (const auto& [id, v] : seen.videos) {
    const auto list = fetch_comment_list(c, id);
    if (v.comment_count != static_cast<std::int64_t>(list.size())) {
      problems.push_back("video '" + v.title + "': comment_count " + std::to_string(v.comment_count) + " but " +
                         std::to_string(list.size()) + " comments");
    }
    for (const auto& k : list) {
      if (!present.emplace(k.content, k.id).second) problems.push_back("comment '" + k.content + "' seen twice");
      auto it = by_content.find(k.content);
      if (it == by_content.end()) {
        problems.push_back("comment '" + k.content + "' was never sent");
      } else if (it->second->video_id != id || users[it->second->author].user_id != k.user.id) {
        problems.push_back("comment '" + k.content + "' is on the wrong video or by the wrong user");
      }
    }
  }
  for (auto& k : comments_) {
    auto it = present.find(k.content);
    const bool there = it != present.end();
    if (k.acked && !k.deleted && !k.delete_uncertain && !there) {
      problems.push_back("acknowledged comment '" + k.content + "' lost");
    }
    if (k.deleted && there) problems.push_back("acknowledged delete of comment '" + k.content + "' lost");
    // From now on: present comments are live, absent ones are gone for good.
    k.acked = there || k.acked;
    k.deleted = !there;
    k.delete_uncertain = false;
    if (there) k.id = it->second;
  }
}

void model::verify_follows(http_client& c, observed& seen, std::vector<std::string>& problems) {
  seen.follows.assign(user_count, {});
  for (std::size_t f = 0; f < user_count; ++f) {
    const auto list = fetch_follow_list(c, users[f].user_id);
    for (const auto& u : list) {
      auto it = seen.user_index.find(u.id);
      if (it != seen.user_index.end()) seen.follows[f].insert(it->second);
    }
    if (seen.infos[f].follow_count != static_cast<std::int64_t>(list.size())) {
      problems.push_back("user " + std::to_string(f) + ": follow_count differs from its follow list");
    }
    std::lock_guard lock(mutex_);
    for (std::size_t t = 0; t < user_count; ++t) {
      edge_state& e = edges_[f][t];
      const bool there = seen.follows[f].count(t) != 0;
      if (!e.uncertain && there != e.following) {
        problems.push_back("edge " + std::to_string(f) + "->" + std::to_string(t) + ": acknowledged " +
                           (e.following ? "follow" : "unfollow") + " lost");
      }
      e.following = there;
      e.uncertain = false;
    }
  }
}

void model::verify_home_timelines(http_client& c, observed& seen, std::vector<std::string>& problems) {
  home_expectations_ = 0;
  for (std::size_t f = 0; f < user_count; ++f) {
    const std::string who = "home of user " + std::to_string(f);
    const whole_feed home = read_whole_feed(c, users[f].token, "following");
    for (const auto& p : home.problems) problems.push_back(who + ": " + p);
    std::set<std::uint64_t> ids;
    std::map<std::size_t, std::vector<std::uint64_t>> by_author;  // in the order served
    for (const auto& v : home.videos) {
      ids.insert(v.id);
      auto author = seen.author_of.find(v.id);
      if (author == seen.author_of.end()) {
        problems.push_back(who + ": video " + v.title + " is in no publish list");
        continue;
      }
      by_author[author->second].push_back(v.id);
      if (author->second != f && seen.follows[f].count(author->second) == 0) {
        problems.push_back(who + ": video '" + v.title + "' of an author not followed");
      }
    }
    for (const auto& p : publishes_) {
      if (!p.acked) continue;
      bool expected = p.author == f;
      for (const auto& [follower, version] : p.followers) {
        const edge_state& e = edges_[follower][p.author];
        if (follower == f && e.version == version && e.following) expected = true;
      }
      home_expectations_ += expected ? 1 : 0;
      if (expected && ids.count(p.id) == 0) {
        problems.push_back(who + ": lacks '" + p.title + "' of user " + std::to_string(p.author) +
                           (p.ever_acked ? "" : " (stored, though its publish got no answer)"));
      }
    }
    // Each author's videos keep the order of the author's publish list.
    for (const auto& [author, served] : by_author) {
      std::vector<std::uint64_t> in_list_order;
      for (const auto& v : seen.works[author]) {
        if (std::find(served.begin(), served.end(), v.id) != served.end()) in_list_order.push_back(v.id);
      }
      if (in_list_order != served) {
        problems.push_back(who + ": videos of user " + std::to_string(author) + " out of order");
      }
    }
  }
}

}  // namespace reel::test::crash
