// Cover selection and encoding (media/cover.hpp) on synthetic frames: blank frames lose to
// detailed ones, and the JPEG keeps the displayed aspect ratio within the size bound.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "media/cover.hpp"
#include "test_media_support.hpp"

using namespace reel::media;
using reel::unit::black_frame;
using reel::unit::decode_jpeg;
using reel::unit::make_yuv_frame;
using reel::unit::striped_frame;

TEST_CASE("looks_blank: near black or near uniform frames are blank") {
  CHECK(looks_blank({0, 0}));
  CHECK(looks_blank({10, 60}));  // dark, even with contrast
  CHECK(looks_blank({128, 3}));  // grey card
  CHECK(looks_blank({250, 1}));  // white card
  CHECK_FALSE(looks_blank({100, 40}));
  CHECK_FALSE(looks_blank({16, 8}));  // the thresholds themselves pass
}

TEST_CASE("better_cover: a non-blank frame wins, then the one with more contrast") {
  CHECK(better_cover({100, 9}, {5, 80}));  // non-blank beats a dark high-contrast frame
  CHECK_FALSE(better_cover({5, 80}, {100, 9}));
  CHECK(better_cover({100, 50}, {100, 20}));
  CHECK_FALSE(better_cover({100, 20}, {100, 50}));
  CHECK(better_cover({5, 6}, {2, 1}));              // among blank frames, contrast still decides
  CHECK_FALSE(better_cover({100, 20}, {100, 20}));  // ties keep the earlier frame
}

TEST_CASE("measure_luma reads limited-range video as full range") {
  reel::media::av::sws_ptr scratch;
  auto black = measure_luma(*black_frame(320, 240), scratch);
  REQUIRE(black);
  CHECK(black->mean < 2);
  CHECK(black->stddev < 1);

  auto grey = measure_luma(*make_yuv_frame(320, 240, [](int, int) { return 126; }), scratch);
  REQUIRE(grey);
  CHECK(grey->mean == doctest::Approx(128).epsilon(0.03));
  CHECK(grey->stddev < 1);

  auto stripes = measure_luma(*striped_frame(640, 360), scratch);  // another size: the scaler is rebuilt
  REQUIRE(stripes);
  CHECK(stripes->stddev > 60);
  CHECK_FALSE(looks_blank(*stripes));
}

TEST_CASE("cover_picker skips a black opening and samples every fifth frame") {
  cover_picker picker;
  CHECK(picker.best() == nullptr);
  for (int i = 0; i < 10; ++i) picker.offer(*black_frame(320, 240));
  REQUIRE(picker.best() != nullptr);  // a black frame is better than no cover at all
  CHECK(looks_blank(picker.best_stats()));

  for (int i = 0; i < 10; ++i) picker.offer(*striped_frame(320, 240));
  REQUIRE(picker.best() != nullptr);
  CHECK_FALSE(looks_blank(picker.best_stats()));
  CHECK(picker.best_stats().stddev > 60);

  cover_picker sampled;
  sampled.offer(*black_frame(320, 240));                                // frame 0: sampled
  for (int i = 1; i < 5; ++i) sampled.offer(*striped_frame(320, 240));  // frames 1-4: skipped
  CHECK(looks_blank(sampled.best_stats()));
  sampled.offer(*striped_frame(320, 240));  // frame 5: sampled
  CHECK_FALSE(looks_blank(sampled.best_stats()));
}

TEST_CASE("encode_jpeg bounds the longest edge, keeps the aspect ratio and even sizes") {
  struct expectation {
    int width, height, max_edge;
    AVRational sar;
    int cover_width, cover_height;
  };
  const expectation cases[] = {
      {1920, 1080, 720, {1, 1}, 720, 404},  // 405 rounded down to even
      {1080, 1920, 720, {1, 1}, 404, 720},  // portrait
      {320, 240, 720, {1, 1}, 320, 240},    // never scaled up
      {720, 576, 720, {16, 11}, 720, 396},  // anamorphic PAL 16:9: displayed 1047x576
      {1280, 720, 160, {0, 1}, 160, 90},    // unknown sample aspect ratio counts as square
  };
  for (const auto& c : cases) {
    CAPTURE(c.width);
    CAPTURE(c.height);
    auto frame = striped_frame(c.width, c.height);
    frame->sample_aspect_ratio = c.sar;
    std::string jpeg = encode_jpeg(*frame, c.max_edge);
    REQUIRE(jpeg.size() > 4);
    CHECK(jpeg.substr(0, 2) == "\xFF\xD8");
    CHECK(jpeg.substr(jpeg.size() - 2) == "\xFF\xD9");
    auto picture = decode_jpeg(jpeg);
    REQUIRE(picture);
    CHECK(picture->width == c.cover_width);
    CHECK(picture->height == c.cover_height);
  }
}

TEST_CASE("encode_jpeg keeps brightness (limited-range video becomes full-range JPEG)") {
  auto grey = make_yuv_frame(320, 240, [](int, int) { return 126; });
  auto picture = decode_jpeg(encode_jpeg(*grey, 720));
  REQUIRE(picture);
  CHECK(picture->luma.mean == doctest::Approx(128).epsilon(0.03));

  auto black = decode_jpeg(encode_jpeg(*black_frame(320, 240), 720));
  REQUIRE(black);
  CHECK(black->luma.mean < 3);
}

TEST_CASE("encode_jpeg refuses frames it cannot encode") {
  auto frame = striped_frame(64, 64);
  CHECK(encode_jpeg(*frame, 1).empty());  // no 2x2 picture fits
  auto empty = reel::media::av::make_frame();
  CHECK(encode_jpeg(*empty, 720).empty());
}
