// The whole Douyin flow against a 3-node cluster: every request goes to a seeded random node,
// every answer is checked with the API tests' exact shape checkers, and every write is read
// back at once (no retry, no sleep) through a node other than the one that took it.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <thread>
#include <tuple>

#include "tests/api/douyin.hpp"
#include "tests/cluster/cluster_harness.hpp"

#ifndef REEL_FIXTURES_DIR
#error "REEL_FIXTURES_DIR (directory of the shared test fixtures) must be defined"
#endif

using namespace reel::test;
using reel::cluster_test::cluster;

namespace {

using id_list = std::vector<std::uint64_t>;
using title_list = std::vector<std::string>;

std::string fixture_video() {
  const auto path = std::filesystem::path(REEL_FIXTURES_DIR) / "cc_ink_stamp_animation_cc0.mp4";
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// One keep-alive client per node. `pick` chooses the node of a request; `other_than`
// chooses the node of a read-back, never the one that took the write.
class router {
 public:
  explicit router(cluster& c) : cluster_(c) {
    for (std::size_t i = 0; i < c.size(); ++i) clients_.push_back(std::make_unique<http_client>(c.base_url(i)));
  }
  std::size_t pick() { return cluster_.random_node(); }
  std::size_t other_than(std::size_t writer) { return cluster_.random_node_except(writer); }
  http_client& at(std::size_t node) { return *clients_.at(node); }
  std::size_t size() const { return clients_.size(); }

 private:
  cluster& cluster_;
  std::vector<std::unique_ptr<http_client>> clients_;
};

// Every id the cluster handed out, by what it names: all must be distinct and below 2^53.
class id_book {
 public:
  void add(const std::string& what, std::uint64_t id) { ids_.emplace_back(what, id); }
  void check() const {
    std::map<std::uint64_t, std::string> seen;
    for (const auto& [what, id] : ids_) {
      INFO(what, " has id ", id);
      CHECK(id > 0);
      CHECK(id < (std::uint64_t{1} << 53));
      const auto [at, fresh] = seen.emplace(id, what);
      CHECK_MESSAGE(fresh, what, " reuses the id of ", at->second);
    }
  }
  std::size_t size() const { return ids_.size(); }

 private:
  std::vector<std::pair<std::string, std::uint64_t>> ids_;
};

struct counts {
  std::int64_t follow, follower;
  bool operator==(const counts&) const = default;
};

struct like_counts {
  std::int64_t video, liker_favorites, author_total;
  bool operator==(const like_counts&) const = default;
};

// Where a write went and where it is read back, for failure messages.
std::string hops(std::size_t writer, std::size_t reader) {
  return "write on node" + std::to_string(writer) + ", read on node" + std::to_string(reader);
}

// The video `id` in `author`'s publish list as `viewer` sees it on node `at`.
video_view video_in_works(http_client& at, const account& author, std::uint64_t id, const std::string& viewer = "") {
  for (const auto& v : fetch_publish_list(at, author.user_id, viewer)) {
    if (v.id == id) return v;
  }
  FAIL("video ", id, " is not in the publish list of ", author.name, " on ", at.base_url());
  return {};
}

// The shared state of the flow: the cluster, its router, the users and what they made.
struct flow {
  explicit flow(std::size_t size = 3) : nodes(size) {}

  cluster nodes;
  router net{nodes};
  id_book ids;
  std::string video_bytes = fixture_video();
  account a, b, c, d;  // a and b become friends; c follows b; d follows a
  std::string a_second_token;
  video_view vb, vc;  // b's and c's videos

  // Reads `who`'s follow/follower counts on a node other than `writer`.
  counts counts_of(std::size_t writer, const account& who) {
    const std::size_t r = net.other_than(writer);
    INFO(hops(writer, r));
    const user_view u = fetch_user(net.at(r), who.token, who.user_id);
    return {u.follow_count, u.follower_count};
  }
  // vb's likes, the liker's favorite_count and b's total_favorited, each read elsewhere.
  like_counts likes_of(std::size_t writer, const account& liker) {
    const std::size_t r1 = net.other_than(writer), r2 = net.other_than(writer), r3 = net.other_than(writer);
    INFO("write on node", writer, ", reads on node", r1, ", node", r2, ", node", r3);
    return {video_in_works(net.at(r1), b, vb.id).favorite_count,
            fetch_user(net.at(r2), liker.token, liker.user_id).favorite_count,
            fetch_user(net.at(r3), b.token, b.user_id).total_favorited};
  }
};

}  // namespace

namespace doctest {
template <>
struct StringMaker<counts> {
  static String convert(const counts& c) {
    return ("{follow " + std::to_string(c.follow) + ", follower " + std::to_string(c.follower) + "}").c_str();
  }
};
template <>
struct StringMaker<like_counts> {
  static String convert(const like_counts& c) {
    return ("{video " + std::to_string(c.video) + ", liker favorites " + std::to_string(c.liker_favorites) +
            ", author total " + std::to_string(c.author_total) + "}")
        .c_str();
  }
};
}  // namespace doctest

namespace {

void accounts(flow& f) {
  for (account* who : {&f.a, &f.b, &f.c, &f.d}) {
    const std::size_t w = f.net.pick();
    *who = register_fresh(f.net.at(w), "cl");
    f.ids.add("user " + who->name, who->user_id);
    const std::size_t r = f.net.other_than(w);
    INFO("register ", who->name, ": ", hops(w, r));
    const user_view u = fetch_user(f.net.at(r), who->token, who->user_id);
    CHECK(u.id == who->user_id);
    CHECK(u.name == who->name);
    CHECK(counts{u.follow_count, u.follower_count} == counts{0, 0});
    CHECK(u.work_count == 0);
    CHECK(u.favorite_count == 0);
    CHECK(u.total_favorited == 0);
    CHECK_FALSE(u.is_follow);
    CHECK_FALSE(u.signature.empty());
    // The name is taken cluster-wide at once.
    CHECK_AUTH_ERROR(api::user_register(f.net.at(f.net.other_than(w)), who->name, "another-pw-2"), 200,
                     status::conflict);
  }
  // Login through one node; its token is good on another; a wrong password fails anywhere.
  const std::size_t w = f.net.pick();
  response login = api::user_login(f.net.at(w), f.a.name, f.a.password);
  REQUIRE_API_OK(login, "user_id", "token");
  CHECK(login.int_member("user_id") == std::optional<std::int64_t>(static_cast<std::int64_t>(f.a.user_id)));
  f.a_second_token = login.string_member("token");
  CHECK(f.a_second_token != f.a.token);
  const std::size_t r = f.net.other_than(w);
  INFO("login: ", hops(w, r));
  response own = api::user_info(f.net.at(r), f.a_second_token);  // no user_id: the token's user
  REQUIRE_API_OK(own, "user");
  CHECK_NO_PROBLEM(problem_user(own.json["user"], own.base_url));
  CHECK(to_user_view(own.json["user"]).id == f.a.user_id);
  CHECK(fetch_user(f.net.at(f.net.pick()), f.a.token, f.b.user_id).name == f.b.name);
  CHECK_AUTH_ERROR(api::user_login(f.net.at(f.net.pick()), f.a.name, "not-the-password"), 200, status::not_logged_in);
}

void relations(flow& f) {
  auto [a, b, c, d] = std::tie(f.a, f.b, f.c, f.d);  // references to f's accounts
  std::size_t w = f.net.pick();
  must_follow(f.net.at(w), a, b.user_id);
  CHECK(f.counts_of(w, a) == counts{1, 0});
  CHECK(f.counts_of(w, b) == counts{0, 1});
  std::size_t r = f.net.other_than(w);
  CHECK(fetch_user(f.net.at(r), a.token, b.user_id).is_follow);
  CHECK(ids_of(fetch_follow_list(f.net.at(f.net.other_than(w)), a.user_id)) == id_list{b.user_id});
  CHECK(ids_of(fetch_follower_list(f.net.at(f.net.other_than(w)), b.user_id)) == id_list{a.user_id});
  CHECK(fetch_friend_list(f.net.at(f.net.other_than(w)), a.token).empty());

  w = f.net.pick();
  must_follow(f.net.at(w), a, b.user_id);  // again: no change
  CHECK(f.counts_of(w, b) == counts{0, 1});

  next_millisecond();
  w = f.net.pick();
  must_follow(f.net.at(w), b, a.user_id);  // a and b are friends now
  CHECK(f.counts_of(w, a) == counts{1, 1});
  auto friends = fetch_friend_list(f.net.at(f.net.other_than(w)), a.token);
  REQUIRE(ids_of(friends) == id_list{b.user_id});
  CHECK(friends[0].is_follow);
  CHECK(friends[0].message.empty());
  CHECK(ids_of(fetch_friend_list(f.net.at(f.net.other_than(w)), b.token)) == id_list{a.user_id});

  next_millisecond();
  must_follow(f.net.at(f.net.pick()), c, b.user_id);
  next_millisecond();
  must_follow(f.net.at(f.net.pick()), d, a.user_id);
  w = f.net.pick();
  must_follow(f.net.at(w), a, c.user_id);
  CHECK(f.counts_of(w, a) == counts{2, 2});
  CHECK(f.counts_of(w, c) == counts{1, 1});
  CHECK(ids_of(fetch_follow_list(f.net.at(f.net.other_than(w)), a.user_id)) == id_list{c.user_id, b.user_id});

  w = f.net.pick();
  must_unfollow(f.net.at(w), a, c.user_id);
  CHECK(f.counts_of(w, a) == counts{1, 2});
  CHECK(f.counts_of(w, c) == counts{1, 0});
  CHECK(fetch_follower_list(f.net.at(f.net.other_than(w)), c.user_id).empty());
  CHECK(ids_of(fetch_follow_list(f.net.at(f.net.other_than(w)), a.user_id)) == id_list{b.user_id});
  const auto followers = fetch_follower_list(f.net.at(f.net.pick()), b.user_id, a.token);
  CHECK(ids_of(followers) == id_list{c.user_id, a.user_id});
  CHECK(ids_of(fetch_follower_list(f.net.at(f.net.pick()), a.user_id)) == id_list{d.user_id, b.user_id});
  CHECK(ids_of(fetch_friend_list(f.net.at(f.net.pick()), a.token)) == id_list{b.user_id});
  CHECK(fetch_friend_list(f.net.at(f.net.pick()), d.token).empty());
  CHECK_API_ERROR(api::follow(f.net.at(f.net.pick()), a.token, a.user_id), 200, status::forbidden);
}

// Sends `text` from `from` to `to` and returns what `to` gets when polling with `cursor`,
// read on another node: exactly the new message.
message_view send_and_poll(flow& f, const account& from, const account& to, const std::string& text,
                           std::int64_t cursor) {
  next_millisecond();
  const std::size_t w = f.net.pick();
  must_send(f.net.at(w), from, to.user_id, text);
  const std::size_t r = f.net.other_than(w);
  INFO("message '", text, "': ", hops(w, r), ", pre_msg_time ", cursor);
  const auto fresh = fetch_chat(f.net.at(r), to.token, from.user_id, cursor);
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0].content == text);
  CHECK(fresh[0].from_user_id == from.user_id);
  CHECK(fresh[0].to_user_id == to.user_id);
  CHECK(fresh[0].create_time > cursor);
  f.ids.add("message '" + text + "'", fresh[0].id);
  // The latest message shows in both friend lists, msgType relative to the viewer.
  const std::size_t r1 = f.net.other_than(w), r2 = f.net.other_than(w);
  INFO("friend lists read on node", r1, " and node", r2);
  const auto of_sender = fetch_friend_list(f.net.at(r1), from.token);
  REQUIRE(of_sender.size() == 1);
  CHECK(of_sender[0].message == text);
  CHECK(of_sender[0].msg_type == 1);
  const auto of_recipient = fetch_friend_list(f.net.at(r2), to.token);
  REQUIRE(of_recipient.size() == 1);
  CHECK(of_recipient[0].message == text);
  CHECK(of_recipient[0].msg_type == 0);
  return fresh[0];
}

void messages(flow& f) {
  // Each recipient polls from the create_time of the last message it knows.
  const message_view m1 = send_and_poll(f, f.a, f.b, "hello b \xf0\x9f\x98\x80", 0);
  const message_view m2 = send_and_poll(f, f.b, f.a, "hi a & = + %", m1.create_time);
  const message_view m3 = send_and_poll(f, f.a, f.b, "third", m2.create_time);
  CHECK(m2.create_time > m1.create_time);
  CHECK(m3.create_time > m2.create_time);
  CHECK(fetch_chat(f.net.at(f.net.pick()), f.b.token, f.a.user_id, m3.create_time).empty());
  std::vector<std::uint64_t> since_m1;
  for (const auto& m : fetch_chat(f.net.at(f.net.pick()), f.b.token, f.a.user_id, m1.create_time))
    since_m1.push_back(m.id);
  CHECK(since_m1 == id_list{m2.id, m3.id});
  for (const account* viewer : {&f.a, &f.b}) {
    const account& peer = viewer == &f.a ? f.b : f.a;
    const auto all = fetch_chat(f.net.at(f.net.pick()), viewer->token, peer.user_id);
    std::vector<std::uint64_t> ids;
    for (const auto& m : all) ids.push_back(m.id);
    CHECK(ids == id_list{m1.id, m2.id, m3.id});
  }
  // A message outside the friendship: chat works, the friend lists keep the latest with b.
  next_millisecond();
  const std::size_t w = f.net.pick();
  must_send(f.net.at(w), f.d, f.a.user_id, "from d");
  const auto with_d = fetch_chat(f.net.at(f.net.other_than(w)), f.a.token, f.d.user_id);
  REQUIRE(with_d.size() == 1);
  CHECK(with_d[0].content == "from d");
  f.ids.add("message 'from d'", with_d[0].id);
  const auto friends = fetch_friend_list(f.net.at(f.net.other_than(w)), f.a.token);
  REQUIRE(ids_of(friends) == id_list{f.b.user_id});
  CHECK(friends[0].message == "third");
}

// Publishes `title` by `author` through a random node and reads it back elsewhere.
video_view publish_checked(flow& f, const account& author, const std::string& title, std::int64_t works) {
  next_millisecond();
  const std::size_t w = f.net.pick();
  REQUIRE_API_OK(api::publish(f.net.at(w), author.token, f.video_bytes, title));
  const std::size_t r = f.net.other_than(w);
  INFO("publish '", title, "': ", hops(w, r));
  const auto works_list = fetch_publish_list(f.net.at(r), author.user_id, author.token);
  REQUIRE(titles_of(works_list) == title_list{title});
  const video_view v = works_list[0];
  f.ids.add("video '" + title + "'", v.id);
  CHECK(v.author.id == author.user_id);
  CHECK(v.author.work_count == works);
  CHECK(v.favorite_count == 0);
  CHECK(v.comment_count == 0);
  CHECK_FALSE(v.is_favorite);
  CHECK(fetch_user(f.net.at(f.net.other_than(w)), author.token, author.user_id).work_count == works);
  const auto global = fetch_feed(f.net.at(f.net.other_than(w)), "");
  REQUIRE_FALSE(global.videos.empty());
  CHECK(global.videos[0].id == v.id);
  return v;
}

// Fan-out into home timelines may complete a moment after publish (API.md, behaviour 1 and
// 5): the following feed is polled, bounded, through random nodes until it holds `expected`.
std::vector<std::string> await_following(flow& f, const account& viewer, const title_list& expected) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    auto titles = titles_of(fetch_feed(f.net.at(f.net.pick()), viewer.token, std::nullopt, "following").videos);
    if (titles == expected || std::chrono::steady_clock::now() > deadline) return titles;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void videos(flow& f) {
  f.vb = publish_checked(f, f.b, "b's clip", 1);
  f.vc = publish_checked(f, f.c, "c's clip", 1);
  const title_list both = {"c's clip", "b's clip"};
  CHECK(titles_of(fetch_feed(f.net.at(f.net.pick()), "").videos) == both);
  CHECK(titles_of(fetch_feed(f.net.at(f.net.pick()), f.a.token, std::nullopt, "global").videos) == both);
  // a follows b only; c follows b and sees its own; d's home timeline is empty: global feed.
  CHECK(await_following(f, f.a, {"b's clip"}) == title_list{"b's clip"});
  CHECK(await_following(f, f.c, both) == both);
  const auto home_of_a = fetch_feed(f.net.at(f.net.pick()), f.a.token).videos;
  REQUIRE(titles_of(home_of_a) == title_list{"b's clip"});
  CHECK(home_of_a[0].author.is_follow);
  CHECK(titles_of(fetch_feed(f.net.at(f.net.pick()), f.d.token).videos) == both);
  CHECK(fetch_feed(f.net.at(f.net.pick()), f.d.token, std::nullopt, "following").videos.empty());
}

void favorites(flow& f) {
  std::size_t w = f.net.pick();
  must_like(f.net.at(w), f.a, f.vb.id);
  CHECK(f.likes_of(w, f.a) == like_counts{1, 1, 1});
  std::size_t r = f.net.other_than(w);
  INFO(hops(w, r));
  auto liked = fetch_favorite_list(f.net.at(r), f.a.user_id, f.a.token);
  REQUIRE(ids_of(liked) == id_list{f.vb.id});
  CHECK(liked[0].is_favorite);
  CHECK(liked[0].favorite_count == 1);
  CHECK(video_in_works(f.net.at(f.net.other_than(w)), f.b, f.vb.id, f.a.token).is_favorite);

  w = f.net.pick();
  must_like(f.net.at(w), f.a, f.vb.id);  // again: no change
  CHECK(f.likes_of(w, f.a) == like_counts{1, 1, 1});
  w = f.net.pick();
  must_like(f.net.at(w), f.c, f.vb.id);
  CHECK(f.likes_of(w, f.c) == like_counts{2, 1, 2});
  w = f.net.pick();
  must_like(f.net.at(w), f.d, f.vc.id);
  CHECK(fetch_user(f.net.at(f.net.other_than(w)), f.c.token, f.c.user_id).total_favorited == 1);
  const auto feed = fetch_feed(f.net.at(f.net.other_than(w)), "").videos;
  REQUIRE(ids_of(feed) == id_list{f.vc.id, f.vb.id});
  CHECK(feed[0].favorite_count == 1);
  CHECK(feed[1].favorite_count == 2);

  w = f.net.pick();
  must_unlike(f.net.at(w), f.a, f.vb.id);
  CHECK(f.likes_of(w, f.a) == like_counts{1, 0, 1});
  CHECK(fetch_favorite_list(f.net.at(f.net.other_than(w)), f.a.user_id).empty());
  w = f.net.pick();
  must_unlike(f.net.at(w), f.a, f.vb.id);  // again: no change
  CHECK(f.likes_of(w, f.a) == like_counts{1, 0, 1});
  CHECK(ids_of(fetch_favorite_list(f.net.at(f.net.pick()), f.c.user_id)) == id_list{f.vb.id});
}

// vb's comment list and comment_count, both read on nodes other than `writer`.
void check_comments(flow& f, std::size_t writer, const id_list& expected) {
  const std::size_t r1 = f.net.other_than(writer), r2 = f.net.other_than(writer);
  INFO("write on node", writer, ", reads on node", r1, " and node", r2);
  CHECK(ids_of(fetch_comment_list(f.net.at(r1), f.vb.id)) == expected);
  CHECK(video_in_works(f.net.at(r2), f.b, f.vb.id).comment_count == static_cast<std::int64_t>(expected.size()));
}

void comments(flow& f) {
  std::size_t w = f.net.pick();
  response added = api::comment_add(f.net.at(w), f.a.token, f.vb.id, "nice one \xc3\xa9");
  REQUIRE_NO_PROBLEM(problem_comment_added(added));
  const comment_view ka = to_comment_view(added.json["comment"]);
  f.ids.add("comment by a", ka.id);
  CHECK(ka.user.id == f.a.user_id);
  CHECK(ka.content == "nice one \xc3\xa9");
  check_comments(f, w, {ka.id});

  next_millisecond();
  w = f.net.pick();
  const comment_view kc = must_comment(f.net.at(w), f.c, f.vb.id, "second");
  f.ids.add("comment by c", kc.id);
  check_comments(f, w, {kc.id, ka.id});
  const auto seen_by_a = fetch_comment_list(f.net.at(f.net.other_than(w)), f.vb.id, f.a.token);
  REQUIRE(seen_by_a.size() == 2);
  CHECK(seen_by_a[1].content == ka.content);
  CHECK(seen_by_a[1].create_date == ka.create_date);

  // d is neither the comment's author nor the video's.
  w = f.net.pick();
  CHECK_API_ERROR(api::comment_delete(f.net.at(w), f.d.token, f.vb.id, kc.id), 200, status::forbidden);
  check_comments(f, w, {kc.id, ka.id});
  w = f.net.pick();
  REQUIRE_API_OK(api::comment_delete(f.net.at(w), f.a.token, f.vb.id, ka.id));
  check_comments(f, w, {kc.id});
  w = f.net.pick();
  REQUIRE_API_OK(api::comment_delete(f.net.at(w), f.b.token, f.vb.id, kc.id));  // the video's author
  check_comments(f, w, {});
}

void logout(flow& f) {
  const std::size_t w = f.net.pick();
  response out = api::logout(f.net.at(w), f.a.token);
  REQUIRE(out.transport_ok());
  CHECK(out.http_status == 200);
  CHECK(out.status_code() == std::optional<std::int64_t>(0));
  CHECK(out.status_msg() == "success");
  for (std::size_t i = 0; i < f.net.size(); ++i) {
    INFO("logout on node", w, ", revoked token used on node", i);
    CHECK_API_ERROR(api::user_info(f.net.at(i), f.a.token, f.a.user_id), 200, status::not_logged_in);
    CHECK_API_ERROR(api::follow(f.net.at(i), f.a.token, f.c.user_id), 200, status::not_logged_in);
    CHECK_API_ERROR(api::friend_list(f.net.at(i), f.a.token), 200, status::not_logged_in);
  }
  // Nothing the revoked token tried happened; a's other token still works everywhere.
  CHECK(f.counts_of(w, f.c) == counts{1, 0});
  for (std::size_t i = 0; i < f.net.size(); ++i) {
    INFO("a's second token on node", i);
    CHECK(fetch_user(f.net.at(i), f.a_second_token, f.a.user_id).name == f.a.name);
  }
}

void whole_flow(std::size_t size) {
  flow f(size);
  INFO(size, " nodes, seed ", f.nodes.seed(), " (REEL_CLUSTER_SEED), folder ", f.nodes.folder().string(), "\n",
       f.nodes.log_tails(15));
  accounts(f);
  relations(f);
  messages(f);
  videos(f);
  favorites(f);
  comments(f);
  logout(f);
  CHECK(f.ids.size() == 4 + 4 + 2 + 2);
  f.ids.check();
}

}  // namespace

TEST_CASE("the Douyin flow through random nodes reads every write back on another node") { whole_flow(3); }

// Beyond three nodes too: every node replicates every partition (cluster/README.md), so
// every node still answers every read from its own disk.
TEST_CASE("on four nodes the Douyin flow reads every write back on another node") { whole_flow(4); }

// API.md and DESIGN.md: any node serves any media (copied to the author's partition's nodes
// before the publish is acknowledged, fetched from a peer by any other node).
TEST_CASE("play_url and cover_url of a video are served by every node") {
  cluster nodes;
  router net(nodes);
  const std::string bytes = fixture_video();
  INFO("seed ", nodes.seed(), " (REEL_CLUSTER_SEED), folder ", nodes.folder().string());
  const account author = register_fresh(net.at(net.pick()), "media");
  const std::size_t upload = net.pick();
  REQUIRE_API_OK(api::publish(net.at(upload), author.token, bytes, "served everywhere"));

  // Nodes other than the upload's first, then the upload's own.
  std::vector<std::size_t> order;
  for (std::size_t i = 1; i <= net.size(); ++i) order.push_back((upload + i) % net.size());
  for (const std::size_t i : order) {
    http_client& at = net.at(i);
    const auto works = fetch_publish_list(at, author.user_id);
    REQUIRE(works.size() == 1);
    const video_view& v = works[0];
    INFO("uploaded on node", upload, ", play_url ", v.play_url, " and cover_url ", v.cover_url,
         " read and fetched on node", i, "\n", nodes.log_tail(i, 15));
    const std::string media = at.base_url() + "/reel/v1/media/";
    REQUIRE(v.play_url.rfind(media, 0) == 0);
    CHECK(v.cover_url == v.play_url + "/cover.jpg");

    const response play = at.get(v.play_url.substr(at.base_url().size()));
    REQUIRE(play.transport_ok());
    CHECK_MESSAGE(play.http_status == 200, play.describe());
    CHECK_MESSAGE(play.body.size() == bytes.size(), "play_url serves ", play.body.size(), " bytes, not ", bytes.size());
    const bool same_bytes = play.body == bytes;  // not CHECK(a == b): it would print 750 kB
    CHECK_MESSAGE(same_bytes, "play_url does not serve the uploaded bytes");

    const response cover = at.get(v.cover_url.substr(at.base_url().size()));
    REQUIRE(cover.transport_ok());
    CHECK_MESSAGE(cover.http_status == 200, cover.describe());
    CHECK(cover.content_type.rfind("image/jpeg", 0) == 0);
    const bool jpeg = cover.body.size() > 2 && static_cast<unsigned char>(cover.body[0]) == 0xFF &&
                      static_cast<unsigned char>(cover.body[1]) == 0xD8;
    CHECK_MESSAGE(jpeg, "the cover (", cover.body.size(), " bytes) does not start with the JPEG SOI marker FF D8");
  }
}
