// Deciding whether uploaded bytes are an acceptable video, and making its cover on the way.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "media/library.hpp"

namespace reel::media {

struct validated {
  video_info info;
  std::string cover_jpeg;
};

// Checks, in order: not empty; magic bytes of an accepted container (and, for MP4, no
// top-level box cut short); FFmpeg opens it with the demuxer whitelist; a video stream
// exists (else audio_only / not_a_video); the declared duration is within the limit; then
// every packet is read: a read error, a corrupt or out-of-bounds packet, fewer video packets
// than the stream's frame count, or (Matroska, AVI) content ending well before the declared
// duration means truncated, and content running past the limit means too_long. The video
// frames of the first seconds are decoded to prove the stream decodes and to pick the cover.
std::variant<validated, media_error> validate(std::string_view bytes, const limits& lim);

}  // namespace reel::media
