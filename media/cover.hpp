// The cover of a video: a representative frame from its first seconds, as a bounded JPEG.
#pragma once

#include <optional>
#include <string>

#include "media/avio.hpp"

namespace reel::media {

// Brightness and contrast of a frame's luma, full range 0..255.
struct luma_stats {
  double mean = 0;
  double stddev = 0;
};

// A frame that is near black (fades, black leaders) or near uniform (blank title cards)
// makes a poor cover.
bool looks_blank(const luma_stats& s);

// True when a frame with stats `a` makes a better cover than one with `b`: a frame that does
// not look blank beats one that does, then the one with more contrast (more detail) wins.
bool better_cover(const luma_stats& a, const luma_stats& b);

// Luma statistics of a decoded frame, measured on a small grey thumbnail; nullopt when
// swscale cannot read the frame's pixel format.
std::optional<luma_stats> measure_luma(const AVFrame& frame, av::sws_ptr& scratch);

// Offered the decoded frames of a video's first seconds in order, keeps (a reference to)
// the best-looking one among every `sample_every`-th frame.
class cover_picker {
 public:
  static constexpr int sample_every = 5;

  void offer(const AVFrame& frame);
  const AVFrame* best() const { return best_.get(); }
  const luma_stats& best_stats() const { return best_stats_; }

 private:
  int offered_ = 0;
  av::sws_ptr scratch_;
  av::frame_ptr best_;
  luma_stats best_stats_;
};

// `frame` as a JPEG (mjpeg encoder, quality q=4) scaled so its longest displayed edge
// (sample aspect ratio applied) is at most `max_edge` pixels, with even dimensions.
// Empty when scaling or encoding fails.
std::string encode_jpeg(const AVFrame& frame, int max_edge);

}  // namespace reel::media
