// Whole timelines, fan-out waits and media fetches for the video and feed tests.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "douyin.hpp"

namespace reel::test {

// A timeline read page by page until its end (an empty page).
struct whole_feed {
  std::vector<video_view> videos;     // in the order served
  std::vector<std::string> problems;  // broken paging rules; empty when all held
  int pages = 0;
};

// Pages through GET /douyin/feed/ (token and feed_type sent when not empty), starting
// without latest_time and then with each answer's next_time, until an empty page or
// `max_pages`. Records as problems: a bad page shape, a non-empty page whose next_time is
// not below the cursor, an empty page whose next_time is not the cursor, a video served
// twice, and running out of pages.
whole_feed read_whole_feed(http_client& c, const std::string& token, const std::string& feed_type = "",
                           int max_pages = 200);

// Polls GET /metrics every 20 ms for up to `limit` until every `reel_fanout_pending_jobs`
// sample is 0. Returns "" then, otherwise what was seen last.
std::string await_fanout_idle(http_client& c, std::chrono::milliseconds limit = std::chrono::seconds(10));

// Reads the whole timeline every 20 ms for up to `limit` until `done` holds for it, and
// returns the last reading (fan-out to inboxes may complete a moment after publish).
whole_feed await_feed(http_client& c, const std::string& token, const std::string& feed_type,
                      const std::function<bool(const std::vector<video_view>&)>& done,
                      std::chrono::milliseconds limit = std::chrono::seconds(10));

// True when `videos` holds a video with this title.
bool has_title(const std::vector<video_view>& videos, const std::string& title);

// GET of an absolute URL served by the client's server: REQUIREs that `url` starts with
// the client's base URL and fetches the rest.
response get_absolute(http_client& c, const std::string& url, here where = here::current());

}  // namespace reel::test
