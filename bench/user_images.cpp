// What users' default images cost reeld: drawing and encoding one avatar and one background
// PNG (media/user_images.hpp), as the image routes do on every request, and rendering a feed
// page of 30 videos with their authors, the hot path to which every user object's two image
// URLs add bytes. Linked with reeld's allocator. Prints the median of `--rounds` rounds of
// `--count` calls each.
// Usage: user_images_bench [--count N] [--rounds R]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "http/json.hpp"
#include "media/user_images.hpp"

namespace {

// Median over rounds of the mean µs per call of `call(i)`, i counting calls across rounds.
template <class Call>
double median_us(int rounds, int count, Call call) {
  std::vector<double> per_call;
  int i = 0;
  for (int r = 0; r < rounds; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int n = 0; n < count; ++n) call(i++);
    per_call.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() /
                       count);
  }
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

reel::feed_page feed_page_of_30(std::uint64_t first_id) {
  reel::feed_page page;
  for (std::uint64_t i = 0; i < 30; ++i) {
    reel::video_view v;
    v.id = reel::video_id(first_id + 1000 + i);
    v.author.id = reel::user_id(first_id + i);
    v.author.name = "author-" + std::to_string(i);
    v.author.signature = "Hi, I'm author-" + std::to_string(i) + " on Reel.";
    v.media_hash = std::string(64, 'a');
    v.title = "a video title of ordinary length";
    page.videos.push_back(std::move(v));
  }
  page.next_time = reel::millis(1700000000000);
  return page;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 2000, rounds = 5;
  CLI::App cli{"user_images_bench: the cost of users' default images and of their URLs in a feed page"};
  cli.add_option("--count", count, "calls per round")->check(CLI::PositiveNumber);
  cli.add_option("--rounds", rounds, "rounds (the median is printed)")->check(CLI::PositiveNumber);
  CLI11_PARSE(cli, argc, argv);

  constexpr std::uint64_t first_user = 1700000000000;  // ids of the generator's magnitude
  std::size_t bytes = 0;
  for (auto [which, name] : {std::pair{reel::media::user_image::avatar, "avatar"},
                             std::pair{reel::media::user_image::background, "background"}}) {
    const double us =
        median_us(rounds, count, [&](int i) { bytes = reel::media::user_image_png(first_user + i, which).size(); });
    std::printf("%-10s PNG: %7.1f us per image (%zu bytes)\n", name, us, bytes);
  }
  const auto page = feed_page_of_30(first_user);
  const std::string public_url = "http://127.0.0.1:8080";
  const double us = median_us(rounds, count, [&](int) { bytes = reel::http::json::feed(page, public_url).size(); });
  std::printf("feed page of 30 videos: %7.1f us to render (%zu bytes)\n", us, bytes);
}
