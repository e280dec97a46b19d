// The feed: global and home timelines, feed_type, 30 per page with a strict millisecond
// cursor, fan-out to followers' inboxes (capped), backfill on follow, hiding on unfollow,
// and celebrity authors merged at read time.
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "clips.hpp"
#include "feeds.hpp"

using namespace reel::test;

namespace {

using title_list = std::vector<std::string>;

title_list slice(const title_list& all, std::size_t from, std::size_t to) {
  to = std::min(to, all.size());
  from = std::min(from, to);
  return {all.begin() + static_cast<std::ptrdiff_t>(from), all.begin() + static_cast<std::ptrdiff_t>(to)};
}

title_list titles_on(http_client& c, const std::string& token, const std::string& feed_type = "") {
  return titles_of(fetch_feed(c, token, std::nullopt, feed_type).videos);
}

std::string first_of(const std::vector<std::string>& problems) { return problems.empty() ? "" : problems.front(); }

// The whole timeline's titles; CHECKs that paging broke no rule.
title_list whole_titles(const whole_feed& feed) {
  CHECK_MESSAGE(feed.problems.empty(), "paging: ", first_of(feed.problems));
  return titles_of(feed.videos);
}

auto holds_title(const std::string& title) {
  return [title](const std::vector<video_view>& videos) { return has_title(videos, title); };
}

auto holds_count(std::size_t n) {
  return [n](const std::vector<video_view>& videos) { return videos.size() == n; };
}

// Publishes `title` by `author` after the clock has moved on (distinct video times).
void publish_next(http_client& c, const account& author, const std::string& title) {
  next_millisecond();
  REQUIRE_API_OK(api::publish(c, author.token, clips().h264_silent.bytes, title));
}

}  // namespace

TEST_CASE("the feed pages through the global timeline 30 at a time with a strict cursor") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const std::int64_t start = now_ms();
  title_list expected;  // newest first
  for (int i = 0; i < 65; ++i) {
    const std::string title = "g" + std::to_string(i);
    publish_next(c, i % 2 == 0 ? a : b, title);
    expected.insert(expected.begin(), title);
  }
  const std::int64_t end = now_ms();

  const feed_page p1 = fetch_feed(c, "");
  CHECK(titles_of(p1.videos) == slice(expected, 0, 30));
  CHECK(p1.next_time >= start);
  CHECK(p1.next_time <= end);
  const feed_page p2 = fetch_feed(c, "", p1.next_time);
  CHECK(titles_of(p2.videos) == slice(expected, 30, 60));
  const feed_page p3 = fetch_feed(c, "", p2.next_time);
  CHECK(titles_of(p3.videos) == slice(expected, 60, 65));
  CHECK(p1.next_time > p2.next_time);
  CHECK(p2.next_time > p3.next_time);
  CHECK(p3.next_time >= start);
  const feed_page p4 = fetch_feed(c, "", p3.next_time);
  CHECK(p4.videos.empty());
  CHECK(p4.next_time == p3.next_time);

  // next_time is exactly the oldest returned video's time: a cursor one millisecond later
  // serves that video again.
  CHECK(titles_of(fetch_feed(c, "", p1.next_time + 1).videos) == slice(expected, 29, 59));
  // 0 means now; a cursor before every video gives an empty page that echoes the cursor.
  CHECK(titles_of(fetch_feed(c, "", 0).videos) == slice(expected, 0, 30));
  const feed_page early = fetch_feed(c, "", start - 5000);
  CHECK(early.videos.empty());
  CHECK(early.next_time == start - 5000);

  const whole_feed whole = read_whole_feed(c, "");
  CHECK(whole_titles(whole) == expected);
  CHECK(whole.pages == 4);
}

TEST_CASE("a latest_time below 10^12 is taken as seconds") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  publish_next(c, a, "before-1");
  publish_next(c, a, "before-2");
  // The cursor has to fall between the two pairs: wait (at most a second) for the next
  // whole second of the wall clock, which the server shares.
  const std::int64_t second = now_ms() / 1000 + 1;
  for (int i = 0; i < 1100 && now_ms() < second * 1000; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  REQUIRE(now_ms() >= second * 1000);
  publish_next(c, a, "after-1");
  publish_next(c, a, "after-2");

  const title_list before = {"before-2", "before-1"};
  CHECK(titles_of(fetch_feed(c, "", second).videos) == before);
  CHECK(titles_of(fetch_feed(c, "", second * 1000).videos) == before);
  char exponent[32];
  std::snprintf(exponent, sizeof exponent, "%.9e", static_cast<double>(second));  // e.g. 1.732270000e+09
  CHECK(titles_of(video_list_of(api::feed(c, {{"latest_time", exponent}}))) == before);
  CHECK(titles_of(fetch_feed(c, "", second + 3600).videos) == title_list{"after-2", "after-1", "before-2", "before-1"});
}

TEST_CASE("an empty feed still carries next_time") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const std::int64_t before = now_ms();
  const feed_page now = fetch_feed(c, "");
  const std::int64_t after = now_ms();
  CHECK(now.videos.empty());
  // The cursor of a request without latest_time is "now".
  CHECK(now.next_time >= before - 1000);
  CHECK(now.next_time <= after + 1000);
  const feed_page given = fetch_feed(c, "", 1700000000123);
  CHECK(given.videos.empty());
  CHECK(given.next_time == 1700000000123);
  const account a = register_fresh(c);
  CHECK(fetch_feed(c, a.token).videos.empty());
  CHECK(fetch_feed(c, a.token, std::nullopt, "following").videos.empty());
}

TEST_CASE("the default feed is the home timeline once it is non-empty - feed_type forces either") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);  // followed by v
  const account b = register_fresh(c);  // followed by nobody
  const account v = register_fresh(c);
  const account w = register_fresh(c);  // follows nobody, publishes nothing

  publish_next(c, b, "b1");
  CHECK(titles_on(c, v.token) == title_list{"b1"});  // empty home: the global timeline
  CHECK(titles_on(c, v.token, "following").empty());
  must_follow(c, v, a.user_id);
  CHECK(titles_on(c, v.token) == title_list{"b1"});  // a has no videos yet

  publish_next(c, a, "a1");
  CHECK(whole_titles(await_feed(c, v.token, "following", holds_title("a1"))) == title_list{"a1"});
  CHECK(titles_on(c, v.token) == title_list{"a1"});
  CHECK(titles_on(c, v.token, "global") == title_list{"a1", "b1"});
  CHECK(titles_on(c, "") == title_list{"a1", "b1"});
  CHECK(titles_on(c, w.token) == title_list{"a1", "b1"});
  CHECK(titles_on(c, w.token, "following").empty());

  // One's own videos are part of one's home timeline.
  publish_next(c, v, "v1");
  CHECK(whole_titles(await_feed(c, v.token, "following", holds_title("v1"))) == title_list{"v1", "a1"});
  CHECK(titles_on(c, v.token) == title_list{"v1", "a1"});
  CHECK(whole_titles(await_feed(c, a.token, "", holds_title("a1"))) == title_list{"a1"});
  CHECK(titles_on(c, a.token, "global") == title_list{"v1", "a1", "b1"});
  CHECK(titles_on(c, "") == title_list{"v1", "a1", "b1"});
}

TEST_CASE("videos in the feed are relative to the viewer and carry exact counts") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account v = register_fresh(c);  // follows a, likes the video
  const account m = register_fresh(c);  // comments
  must_follow(c, v, a.user_id);
  publish_next(c, a, "x");
  const std::uint64_t x = fetch_feed(c, "").videos.at(0).id;
  must_like(c, v, x);
  must_comment(c, m, x, "nice");
  CHECK(whole_titles(await_feed(c, v.token, "following", holds_title("x"))) == title_list{"x"});

  for (const char* feed_type : {"", "global"}) {
    INFO("feed_type '", feed_type, "'");
    struct expectation {
      const account* viewer;
      bool favorite;
      bool follow;
    };
    const account nobody;
    for (const auto& e : {expectation{&v, true, true}, expectation{&m, false, false}, expectation{&a, false, false},
                          expectation{&nobody, false, false}}) {
      INFO("viewer '", e.viewer->name, "'");
      const auto videos = fetch_feed(c, e.viewer->token, std::nullopt, feed_type).videos;
      REQUIRE(videos.size() == 1);
      const video_view& seen = videos[0];
      CHECK(seen.id == x);
      CHECK(seen.is_favorite == e.favorite);
      CHECK(seen.author.is_follow == e.follow);
      CHECK(seen.favorite_count == 1);
      CHECK(seen.comment_count == 1);
      CHECK(seen.author.id == a.user_id);
      CHECK(seen.author.follower_count == 1);
      CHECK(seen.author.work_count == 1);
      CHECK(seen.author.total_favorited == 1);
    }
  }
}

TEST_CASE("fan-out delivers a new video to the home timeline of every follower") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account f1 = register_fresh(c);
  const account f2 = register_fresh(c);
  const account n = register_fresh(c);  // not a follower, with a video of its own
  must_follow(c, f1, a.user_id);
  must_follow(c, f2, a.user_id);
  publish_next(c, n, "n's own");
  publish_next(c, a, "fresh");

  CHECK_NO_PROBLEM(await_fanout_idle(c));
  for (const account* f : {&f1, &f2}) {
    INFO("follower ", f->name);
    CHECK(whole_titles(await_feed(c, f->token, "following", holds_title("fresh"))) == title_list{"fresh"});
    CHECK(titles_on(c, f->token) == title_list{"fresh"});
  }
  CHECK(whole_titles(read_whole_feed(c, n.token, "following")) == title_list{"n's own"});
  CHECK(titles_on(c, n.token) == title_list{"n's own"});
}

TEST_CASE("fan-out in many small pages, several in flight, reaches every follower once") {
  reeld_process srv({"--fanout-page", "2"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  std::vector<account> followers;
  for (int i = 0; i < 11; ++i) {  // 6 pages, the last one half full
    followers.push_back(register_fresh(c));
    must_follow(c, followers.back(), a.user_id);
  }
  publish_next(c, a, "first");
  publish_next(c, a, "second");
  CHECK_NO_PROBLEM(await_fanout_idle(c));
  for (const auto& f : followers) {
    INFO("follower ", f.name);
    CHECK(whole_titles(await_feed(c, f.token, "following", holds_count(2))) == title_list{"second", "first"});
  }
}

TEST_CASE("following backfills the newest 30 works and unfollowing hides them") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account f = register_fresh(c);
  title_list works;  // newest first
  for (int i = 0; i < 35; ++i) {
    publish_next(c, a, "w" + std::to_string(i));
    works.insert(works.begin(), "w" + std::to_string(i));
  }
  const title_list newest = slice(works, 0, 30);
  auto has_newest = [&](const std::vector<video_view>& videos) {
    return titles_of(videos).size() >= 30 && slice(titles_of(videos), 0, 30) == newest;
  };

  must_follow(c, f, a.user_id);
  const whole_feed home = await_feed(c, f.token, "following", has_newest);
  CHECK(slice(whole_titles(home), 0, 30) == newest);
  CHECK(titles_on(c, f.token) == newest);

  must_unfollow(c, f, a.user_id);
  CHECK(whole_titles(await_feed(c, f.token, "following", holds_count(0))).empty());
  CHECK(titles_on(c, f.token) == newest);  // empty home again: the global timeline

  must_follow(c, f, a.user_id);
  CHECK(slice(whole_titles(await_feed(c, f.token, "following", has_newest)), 0, 30) == newest);
}

TEST_CASE("inboxes keep only the newest --inbox-cap videos") {
  reeld_process srv({"--inbox-cap", "5"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account f = register_fresh(c);
  must_follow(c, f, a.user_id);
  title_list works;
  // More than cap + any slack a lazy trim might allow (the home timeline shows the cap).
  for (int i = 0; i < 20; ++i) {
    publish_next(c, a, "cap" + std::to_string(i));
    works.insert(works.begin(), "cap" + std::to_string(i));
  }
  CHECK_NO_PROBLEM(await_fanout_idle(c));
  auto newest_five = [&](const std::vector<video_view>& videos) { return titles_of(videos) == slice(works, 0, 5); };
  CHECK(whole_titles(await_feed(c, f.token, "following", newest_five)) == slice(works, 0, 5));
  CHECK(whole_titles(read_whole_feed(c, "")) == works);
}

TEST_CASE("an inbox trimmed before keeps the newest when older videos arrive later") {
  reeld_process srv({"--inbox-cap", "5"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account a = register_fresh(c);
  const account b = register_fresh(c);
  const account f = register_fresh(c);
  for (int i = 0; i < 3; ++i) publish_next(c, b, "old" + std::to_string(i));
  title_list newest;
  for (int i = 0; i < 10; ++i) {
    publish_next(c, a, "new" + std::to_string(i));
    newest.insert(newest.begin(), "new" + std::to_string(i));
  }
  newest = slice(newest, 0, 5);
  must_follow(c, f, a.user_id);  // backfills 10, trimmed to the newest 5
  auto exactly_newest = [&](const std::vector<video_view>& videos) { return titles_of(videos) == newest; };
  CHECK(whole_titles(await_feed(c, f.token, "following", exactly_newest)) == newest);
  // The follow answers once b's 3 videos, older than everything trimmed, are in f's inbox;
  // the trim that follows must remove those 3, not a's newest.
  must_follow(c, f, b.user_id);
  CHECK(whole_titles(await_feed(c, f.token, "following", exactly_newest)) == newest);
}

TEST_CASE("celebrity videos are merged into followers' home timelines in order and completely") {
  reeld_process srv({"--celebrity-threshold", "2"});
  INFO("reeld log tail:\n", srv.log_tail());
  http_client c(srv.base_url());
  const account star = register_fresh(c, "star");    // 3 followers: not pushed
  const account plain = register_fresh(c, "plain");  // 1 follower: pushed
  const account f = register_fresh(c, "f");          // follows both, publishes one of its own
  const account g = register_fresh(c, "g");
  const account h = register_fresh(c, "h");
  const account outsider = register_fresh(c, "out");
  for (const account* fan : {&f, &g, &h}) must_follow(c, *fan, star.user_id);
  must_follow(c, f, plain.user_id);

  title_list of_f;     // newest first: star's 35, plain's 10 and f's own, interleaved
  title_list of_star;  // newest first
  for (int i = 0; i < 46; ++i) {
    const account* author = i == 20 ? &f : (i % 4 == 1 && i < 40) ? &plain : &star;
    const std::string title = author->name + "-" + std::to_string(i);
    publish_next(c, *author, title);
    of_f.insert(of_f.begin(), title);
    if (author == &star) of_star.insert(of_star.begin(), title);
  }
  REQUIRE(of_star.size() == 35);

  CHECK_NO_PROBLEM(await_fanout_idle(c));
  const whole_feed home = await_feed(c, f.token, "following", holds_count(of_f.size()));
  CHECK(whole_titles(home) == of_f);
  CHECK(home.pages == 3);  // 30, 16, then the empty end
  CHECK(whole_titles(await_feed(c, g.token, "following", holds_count(of_star.size()))) == of_star);
  CHECK(titles_on(c, h.token) == slice(of_star, 0, 30));  // home is not empty: merged at read time
  CHECK(whole_titles(read_whole_feed(c, outsider.token, "following")).empty());
  CHECK(fetch_user(c, f.token, star.user_id).follower_count == 3);

  // Unfollowing the celebrity takes its videos out of f's home timeline.
  must_unfollow(c, f, star.user_id);
  title_list without_star;
  for (const auto& title : of_f) {
    if (title.rfind(star.name + "-", 0) != 0) without_star.push_back(title);
  }
  CHECK(whole_titles(await_feed(c, f.token, "following", holds_count(without_star.size()))) == without_star);
}

TEST_CASE("videos published concurrently are each served exactly once across pages") {
  reeld_process srv;
  INFO("reeld log tail:\n", srv.log_tail());
  constexpr int authors = 4;
  constexpr int per_author = 25;
  std::vector<account> users;
  http_client c(srv.base_url());
  for (int i = 0; i < authors; ++i) users.push_back(register_fresh(c, "par"));
  const account f = register_fresh(c, "fan");
  for (const auto& u : users) must_follow(c, f, u.user_id);

  const std::string& video = clips().h264_silent.bytes;  // generated here, not in a thread
  std::mutex mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  for (int t = 0; t < authors; ++t) {
    threads.emplace_back([&, t] {
      http_client own(srv.base_url());
      for (int i = 0; i < per_author; ++i) {
        const response r = api::publish(own, users[t].token, video, "p" + std::to_string(t) + "-" + std::to_string(i));
        const std::string p = problem_ok(r, {});
        if (!p.empty()) {
          std::lock_guard lock(mutex);
          failures.push_back(p);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE_MESSAGE(failures.empty(), failures.size(), " publishes failed, first: ", first_of(failures));

  auto check_complete = [&](const whole_feed& feed) {
    const title_list titles = whole_titles(feed);
    CHECK(titles.size() == static_cast<std::size_t>(authors * per_author));
    CHECK(std::set<std::string>(titles.begin(), titles.end()).size() == titles.size());
    for (int t = 0; t < authors; ++t) {
      // Each author's own videos appear newest first.
      title_list own;
      for (const auto& title : titles) {
        if (title.rfind("p" + std::to_string(t) + "-", 0) == 0) own.push_back(title);
      }
      title_list expected;
      for (int i = per_author - 1; i >= 0; --i) expected.push_back("p" + std::to_string(t) + "-" + std::to_string(i));
      CHECK(own == expected);
    }
  };
  check_complete(read_whole_feed(c, ""));
  CHECK_NO_PROBLEM(await_fanout_idle(c));
  check_complete(await_feed(c, f.token, "following", holds_count(authors * per_author)));
}
