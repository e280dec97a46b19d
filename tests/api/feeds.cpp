// Paging through timelines and waiting for fan-out, for the video and feed tests.
#include "feeds.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

namespace reel::test {
namespace {

using namespace std::chrono_literals;

constexpr auto poll_interval = 20ms;
constexpr std::string_view fanout_gauge = "reel_fanout_pending_jobs";

// Values of every sample of `name` in a Prometheus text exposition (labels ignored).
std::vector<double> samples_of(const std::string& text, std::string_view name) {
  std::vector<double> values;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    std::size_t at = name.size();
    if (line[at] == '{') {
      at = line.find('}', at);
      if (at == std::string::npos) continue;
      ++at;
    }
    if (at >= line.size() || line[at] != ' ') continue;  // another metric with this prefix
    try {
      values.push_back(std::stod(line.substr(at + 1)));
    } catch (...) {
      values.push_back(-1);
    }
  }
  return values;
}

}  // namespace

whole_feed read_whole_feed(http_client& c, const std::string& token, const std::string& feed_type, int max_pages) {
  whole_feed out;
  std::set<std::uint64_t> seen;
  std::optional<std::int64_t> cursor;
  for (;;) {
    if (out.pages >= max_pages) {
      out.problems.push_back("no empty page after " + std::to_string(max_pages) + " pages");
      return out;
    }
    response r = api::feed(c, token, cursor, feed_type);
    ++out.pages;
    const std::string shape = problem_feed(r);
    if (!shape.empty()) {
      out.problems.push_back(shape);
      return out;
    }
    const std::int64_t next_time = *r.int_member("next_time");
    const auto page = video_list_of(r);
    const std::string at = " (page " + std::to_string(out.pages) + ": " + r.request + ")";
    if (page.empty()) {
      if (cursor && next_time != *cursor) {
        out.problems.push_back("empty page's next_time " + std::to_string(next_time) + " is not the cursor " +
                               std::to_string(*cursor) + at);
      }
      return out;
    }
    if (cursor && next_time >= *cursor) {
      out.problems.push_back("next_time " + std::to_string(next_time) + " is not below the cursor " +
                             std::to_string(*cursor) + at);
      return out;  // paging on could loop
    }
    for (const auto& v : page) {
      if (!seen.insert(v.id).second) {
        out.problems.push_back("video " + std::to_string(v.id) + " '" + v.title + "' served twice" + at);
      }
      out.videos.push_back(v);
    }
    cursor = next_time;
  }
}

std::string await_fanout_idle(http_client& c, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string last;
  for (;;) {
    response r = api::metrics(c);
    if (r.transport_ok() && r.http_status == 200) {
      const auto values = samples_of(r.body, fanout_gauge);
      if (!values.empty() && std::all_of(values.begin(), values.end(), [](double v) { return v == 0; })) return {};
      last = values.empty() ? "no reel_fanout_pending_jobs sample in GET /metrics"
                            : "reel_fanout_pending_jobs " + std::to_string(values.front());
    } else {
      last = r.describe();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return "fan-out not idle after " + std::to_string(limit.count()) + " ms: " + last;
    }
    std::this_thread::sleep_for(poll_interval);
  }
}

whole_feed await_feed(http_client& c, const std::string& token, const std::string& feed_type,
                      const std::function<bool(const std::vector<video_view>&)>& done,
                      std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    whole_feed feed = read_whole_feed(c, token, feed_type);
    if (done(feed.videos) || std::chrono::steady_clock::now() > deadline) return feed;
    std::this_thread::sleep_for(poll_interval);
  }
}

bool has_title(const std::vector<video_view>& videos, const std::string& title) {
  return std::any_of(videos.begin(), videos.end(), [&](const video_view& v) { return v.title == title; });
}

response get_absolute(http_client& c, const std::string& url, here where) {
  INFO("called from ", where.file_name(), ":", where.line());
  const std::string& base = c.base_url();
  REQUIRE_MESSAGE(url.rfind(base + "/", 0) == 0, "URL '", url, "' does not start with the public URL ", base);
  return c.get(url.substr(base.size()));
}

}  // namespace reel::test
