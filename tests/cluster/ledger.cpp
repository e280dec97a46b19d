// The acknowledged writes of a load, and the checks of the cluster's state against them.
#include "tests/cluster/ledger.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>

namespace reel::cluster_test {
namespace {

using namespace reel::test;

// Per pair: the state its last acknowledged write set (initially off) and the states the
// unacknowledged writes after it asked for.
struct pair_history {
  bool state = false;
  steady::time_point since{};
  std::set<bool> maybe;
};

void add_pair_facts(const std::map<index_pair, pair_history>& pairs, fact::kind what, expectations& e) {
  for (const auto& [pair, h] : pairs) {
    const bool determined = h.maybe.empty() || (h.maybe.size() == 1 && *h.maybe.begin() == h.state);
    if (!determined) {
      ++e.undetermined_pairs;
      continue;
    }
    e.facts.push_back({what, pair.first, pair.second, h.state, "", 0, h.since});
  }
}

template <class T>
bool contains(const std::vector<T>& items, const T& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::string user_name(const population& p, std::size_t u) {
  return "user" + std::to_string(u) + " (" + std::to_string(p.users[u].user_id) + ")";
}

void check_comments(const cluster_state& s, const population& p, const expectations& e) {
  for (std::size_t v = 0; v < s.videos.size(); ++v) {
    std::set<std::string> seen;
    for (const auto& c : s.videos[v].comments) {
      INFO("video", v, " (", p.videos[v].id, ") read via ", s.via);
      CHECK_MESSAGE(e.attempted.contains(c.content), "comment '", c.content, "' (", c.id, ") was never sent");
      CHECK_MESSAGE(seen.insert(c.content).second, "comment '", c.content, "' is in the list twice");
    }
  }
}

void check_chats(const cluster_state& s, const expectations& e) {
  for (const auto& [room, messages] : s.chats) {
    std::set<std::string> seen;
    for (const auto& m : messages) {
      INFO("chat of user", room.first, " and user", room.second, " read via ", s.via);
      CHECK_MESSAGE(e.attempted.contains(m.content), "message '", m.content, "' (", m.id, ") was never sent");
      CHECK_MESSAGE(seen.insert(m.content).second, "message '", m.content, "' is in the chat twice");
    }
  }
}

bool has_message(const std::vector<message_view>& chat, const std::string& text) {
  return std::any_of(chat.begin(), chat.end(), [&](const message_view& m) { return m.content == text; });
}

// Whether `f` holds in what one node answered; "" when it does, what was read otherwise.
std::string fact_problem(const fact& f, const population& p, const response& r) {
  std::vector<std::uint64_t> ids;
  std::uint64_t wanted = 0;
  switch (f.what) {
    case fact::kind::follows:
      ids = ids_of(user_list_of(r)), wanted = p.users[f.b].user_id;
      break;
    case fact::kind::likes:
      ids = ids_of(video_list_of(r)), wanted = p.videos[f.b].id;
      break;
    case fact::kind::comment:
      ids = ids_of(comment_list_of(r)), wanted = f.id;
      break;
    case fact::kind::message:
      return has_message(message_list_of(r), f.text) ? "" : "the message is missing: " + r.describe();
  }
  return contains(ids, wanted) == f.on ? "" : "read the opposite: " + r.describe();
}

// A user info answer: success and exactly a User.
std::string user_problem(const response& r) {
  const std::string p = problem_ok(r, {"user"});
  return p.empty() ? with_request(r, problem_user(r.json["user"], r.base_url)) : p;
}

}  // namespace

std::string describe(const fact& f) {
  static const char* const verbs[] = {"follows user", "likes video", "has comment", "sent a message to user"};
  std::string out = (f.what == fact::kind::comment ? "video" : "user") + std::to_string(f.a) + " " +
                    (f.on ? "" : "NOT ") + verbs[static_cast<int>(f.what)];
  if (f.what != fact::kind::comment) out += std::to_string(f.b);
  if (!f.text.empty()) out += " '" + f.text + "'";
  if (f.id != 0) out += " id " + std::to_string(f.id);
  return out;
}

expectations expect(const std::vector<op_record>& records) {
  std::vector<const op_record*> in_order;
  for (const auto& r : records) in_order.push_back(&r);
  // One thread acts for a user, so a pair's writes never overlap: send order is their order.
  std::stable_sort(in_order.begin(), in_order.end(), [](auto* x, auto* y) { return x->sent < y->sent; });
  expectations e;
  std::map<index_pair, pair_history> follows, likes;
  for (const op_record* r : in_order) {
    if (!is_write(r->kind)) continue;
    const bool ok = r->result == outcome::acknowledged;
    const index_pair pair{r->actor, r->target};
    if (r->kind == op_kind::comment || r->kind == op_kind::message) {
      e.attempted.insert(r->text);
      const bool comment = r->kind == op_kind::comment;
      if (!comment) e.rooms.insert({std::min(r->actor, r->target), std::max(r->actor, r->target)});
      if (ok)
        e.facts.push_back({comment ? fact::kind::comment : fact::kind::message, comment ? r->target : r->actor,
                           comment ? 0 : r->target, true, r->text, r->created, r->sent});
      continue;
    }
    const bool on = r->kind == op_kind::follow || r->kind == op_kind::like;
    auto& h = (r->kind == op_kind::follow || r->kind == op_kind::unfollow ? follows : likes)[pair];
    if (ok) {
      h = {on, r->sent, {}};
    } else {
      h.maybe.insert(on);
    }
  }
  add_pair_facts(follows, fact::kind::follows, e);
  add_pair_facts(likes, fact::kind::likes, e);
  return e;
}

std::vector<fact> facts_since(const expectations& e, steady::time_point since) {
  std::vector<fact> out;
  for (const auto& f : e.facts) {
    if (f.since >= since) out.push_back(f);
  }
  return out;
}

cluster_state read_state(http_client& via, const population& p, const std::set<index_pair>& rooms) {
  cluster_state s;
  s.via = via.base_url();
  INFO("reading the cluster's state via ", s.via);
  const auto deadline = steady::now() + std::chrono::seconds(30);
  // Each read until it is not refused: a node may refuse for a moment while it hands a
  // partition over or catches up, which is no answer at all, and so not a wrong one.
  const auto read = [&](const std::function<response()>& call, std::string (*shape)(const response&)) {
    response r = call();
    while (problem_error(r, 503, status::unavailable).empty() && steady::now() < deadline) {
      ++s.refusals;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      r = call();
    }
    REQUIRE_NO_PROBLEM(shape(r));
    return r;
  };
  for (const auto& u : p.users) {
    user_state us;
    const response info = read([&] { return api::user_info(via, u.token, u.user_id); }, user_problem);
    us.user = to_user_view(info.json["user"]);
    us.follows =
        ids_of(user_list_of(read([&] { return api::follow_list(via, u.user_id, u.token); }, problem_user_list)));
    us.followers =
        ids_of(user_list_of(read([&] { return api::follower_list(via, u.user_id, u.token); }, problem_user_list)));
    us.favorites =
        ids_of(video_list_of(read([&] { return api::favorite_list(via, u.user_id, u.token); }, problem_video_list)));
    s.users.push_back(std::move(us));
  }
  for (const auto& v : p.videos) {
    video_state vs;
    const auto works = read([&] { return api::publish_list(via, p.users[v.author].user_id); }, problem_video_list);
    for (const auto& w : video_list_of(works)) {
      if (w.id == v.id) vs.video = w;
    }
    REQUIRE_MESSAGE(vs.video.id == v.id, "video ", v.id, " is missing from its author's publish list via ", s.via);
    vs.comments = comment_list_of(read([&] { return api::comment_list(via, v.id); }, problem_comment_list));
    s.videos.push_back(std::move(vs));
  }
  for (const auto& room : rooms) {
    const account& low = p.users[room.first];
    const std::uint64_t high = p.users[room.second].user_id;
    s.chats[room] = message_list_of(read([&] { return api::chat(via, low.token, high); }, problem_message_list));
  }
  return s;
}

void check_no_write_lost(const cluster_state& s, const population& p, const expectations& e) {
  for (const fact& f : e.facts) {
    INFO("acknowledged: ", describe(f), "; read via ", s.via);
    switch (f.what) {
      case fact::kind::follows:
        CHECK(contains(s.users[f.a].follows, p.users[f.b].user_id) == f.on);
        CHECK_MESSAGE(contains(s.users[f.b].followers, p.users[f.a].user_id) == f.on, "(the followee's side)");
        break;
      case fact::kind::likes:
        CHECK(contains(s.users[f.a].favorites, p.videos[f.b].id) == f.on);
        break;
      case fact::kind::comment:
        CHECK(contains(ids_of(s.videos[f.a].comments), f.id));
        break;
      case fact::kind::message: {
        const auto room = s.chats.find({std::min(f.a, f.b), std::max(f.a, f.b)});
        CHECK((room != s.chats.end() && has_message(room->second, f.text)));
        break;
      }
    }
  }
  check_comments(s, p, e);
  check_chats(s, e);
}

void check_counts_match_lists(const cluster_state& s, const population& p) {
  std::map<std::uint64_t, std::int64_t> likers;  // video id -> users whose favorite list holds it
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    const user_state& us = s.users[u];
    INFO(user_name(p, u), " read via ", s.via);
    CHECK(us.user.follow_count == static_cast<std::int64_t>(us.follows.size()));
    CHECK(us.user.follower_count == static_cast<std::int64_t>(us.followers.size()));
    CHECK(us.user.favorite_count == static_cast<std::int64_t>(us.favorites.size()));
    for (auto v : us.favorites) ++likers[v];
  }
  std::map<std::size_t, std::int64_t> received;  // author index -> likes of their videos
  for (std::size_t v = 0; v < s.videos.size(); ++v) {
    const video_state& vs = s.videos[v];
    INFO("video", v, " (", p.videos[v].id, ") read via ", s.via);
    CHECK(vs.video.comment_count == static_cast<std::int64_t>(vs.comments.size()));
    CHECK(vs.video.favorite_count == likers[p.videos[v].id]);
    received[p.videos[v].author] += likers[p.videos[v].id];
  }
  for (std::size_t u = 0; u < s.users.size(); ++u) {
    INFO(user_name(p, u), " read via ", s.via);
    CHECK(s.users[u].user.total_favorited == received[u]);
  }
}

probe_result probe(http_client& via, const population& p, const fact& f) {
  response r;
  switch (f.what) {
    case fact::kind::follows:
      r = api::follow_list(via, p.users[f.a].user_id);
      break;
    case fact::kind::likes:
      r = api::favorite_list(via, p.users[f.a].user_id);
      break;
    case fact::kind::comment:
      r = api::comment_list(via, p.videos[f.a].id);
      break;
    case fact::kind::message:
      r = api::chat(via, p.users[f.a].token, p.users[f.b].user_id);
      break;
  }
  if (r.curl_code == CURLE_COULDNT_CONNECT) return {probe_result::answer::no_answer, r.describe()};
  if (problem_error(r, 503, status::unavailable).empty()) return {probe_result::answer::refused, {}};
  const std::string shape = f.what == fact::kind::follows   ? problem_user_list(r)
                            : f.what == fact::kind::likes   ? problem_video_list(r)
                            : f.what == fact::kind::comment ? problem_comment_list(r)
                                                            : problem_message_list(r);
  if (!shape.empty()) return {probe_result::answer::other, shape};
  std::string stale = fact_problem(f, p, r);
  if (!stale.empty()) return {probe_result::answer::stale, std::move(stale)};
  return {probe_result::answer::fresh, {}};
}

}  // namespace reel::cluster_test
