// Recognising an upload's container from its first bytes, before FFmpeg sees them.
#pragma once

#include <string_view>

namespace reel::media {

enum class container { unknown, mp4, quicktime, webm, matroska, avi };

// The demuxers FFmpeg may use for uploads (AVFormatContext::format_whitelist).
inline constexpr const char* accepted_demuxers = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi";

// The container named by the magic bytes: an ISO-BMFF/QuickTime box type at offset 4
// (quicktime only when the ftyp major brand is "qt  "), the EBML header of Matroska/WebM
// (told apart by its DocType), or RIFF....AVI .
container sniff_container(std::string_view bytes);

// The FFmpeg demuxer for a container ("mov", "matroska", "avi"); nullptr for unknown. The
// magic bytes choose it: FFmpeg does not probe across container families.
const char* demuxer_of(container c);

// The MIME type served for a container ("video/mp4", ...); empty for unknown.
std::string_view content_type_of(container c);

// False when the container's own size fields say the upload was cut short: an MP4 top-level
// box, the Matroska Segment or (in a live recording of unknown size) one of its clusters
// claims more bytes than there are. True for AVI, and for malformed sizes FFmpeg must judge.
bool structure_complete(std::string_view bytes);

}  // namespace reel::media
