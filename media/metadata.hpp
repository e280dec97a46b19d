// The <hash>.json metadata file: a flat JSON object, written and read without a JSON library.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "media/library.hpp"

namespace reel::media {

// {"hash":"…","content_type":"video/mp4","codec":"h264","width":640,"height":360,
//  "duration_s":10.05,"has_audio":true,"bytes":751722,"cover_bytes":41234}
std::string to_json(const stored_video& video);

// The record written by to_json; nullopt when the text is not such a record (malformed,
// a field missing or of the wrong type). Unknown fields are ignored.
std::optional<stored_video> from_json(std::string_view text);

}  // namespace reel::media
