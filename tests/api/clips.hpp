// Video files for the upload tests: generated once per test run with the ffmpeg CLI into a
// temporary directory (read into memory, then the directory is removed), plus the
// real-world fixture of the repository.
#pragma once

#include <string>
#include <vector>

namespace reel::test {

struct clip {
  std::string name;    // for failure messages
  std::string bytes;   // the file
  std::string sha256;  // lowercase hex of `bytes`
};

struct clip_set {
  // Valid, 1 s, 160x120: H.264 (libx264) and MPEG-4 Part 2 in mp4, with and without AAC.
  clip h264_aac;
  clip h264_silent;
  clip mpeg4_aac;
  clip mpeg4_silent;
  clip short_h264;  // valid, 0.5 s: fits --max-video-seconds 1
  clip long_h264;   // valid, 3 s: over --max-video-seconds 1
  clip large_h264;  // valid, 1 s of lossless noise, over 1 MiB (other routes' body limit)
  clip truncated;   // H.264 + AAC written with +faststart, cut to its first 60 %
  clip audio_only;  // AAC in an .m4a (mp4) container
  clip empty;       // zero bytes
  clip garbage;     // pseudo-random bytes
  clip real_world;  // REEL_FIXTURES_DIR/cc_ink_stamp_animation_cc0.mp4 (H.264 + AAC)
};

// The clips, generated on the first call (thread-safe). Throws when ffmpeg fails.
const clip_set& clips();
// 24 small valid H.264 clips (1 s, 160x120) with pairwise different bytes, each a
// different colour; generated on the first call.
const std::vector<clip>& distinct_clips();

}  // namespace reel::test
