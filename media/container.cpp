#include "media/container.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace reel::media {

namespace {

std::uint64_t be32(std::string_view b, std::size_t at) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

std::uint64_t be64(std::string_view b, std::size_t at) { return (be32(b, at) << 32) | be32(b, at + 4); }

bool printable_box_type(std::string_view type) {
  for (char c : type)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

bool is_iso_box_type(std::string_view type) {
  // The boxes a real MP4/QuickTime file starts with. Anything else (even a valid but exotic
  // box) is rejected: uploads come from cameras and encoders, which start with these.
  static constexpr std::array<std::string_view, 7> first_boxes = {"ftyp", "moov", "mdat", "wide",
                                                                  "free", "skip", "pnot"};
  for (auto box : first_boxes)
    if (type == box) return true;
  return false;
}

// An EBML variable-length integer at `at`: its value (marker bit removed unless keep_marker,
// as element IDs keep theirs) and its length in bytes. `cut` when the upload ends inside it.
struct vint {
  enum { ok, cut, malformed } status;
  std::uint64_t value = 0;
  std::size_t length = 0;

  bool unknown_size() const { return value == (std::uint64_t{1} << (7 * length)) - 1; }
};

vint read_vint(std::string_view b, std::size_t at, bool keep_marker) {
  if (at >= b.size()) return {vint::cut};
  auto first = static_cast<unsigned char>(b[at]);
  std::size_t length = 1;
  while (length <= 8 && (first & (0x80u >> (length - 1))) == 0) ++length;
  if (length > 8) return {vint::malformed};
  if (at + length > b.size()) return {vint::cut};
  std::uint64_t value = keep_marker ? first : first & ((0x80u >> (length - 1)) - 1);
  for (std::size_t i = 1; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(b[at + i]);
  return {vint::ok, value, length};
}

// An EBML element's header (ID and size) at `at`; data starts at data_at.
struct ebml_element {
  vint id;
  vint size;
  std::size_t data_at = 0;

  bool ok() const { return id.status == vint::ok && size.status == vint::ok; }
  bool cut() const { return id.status == vint::cut || size.status == vint::cut; }
};

ebml_element read_element(std::string_view b, std::size_t at) {
  ebml_element e{read_vint(b, at, true), {vint::cut}};
  if (e.id.status == vint::ok) e.size = read_vint(b, at + e.id.length, false);
  if (e.ok()) e.data_at = at + e.id.length + e.size.length;
  return e;
}

// The DocType inside the EBML header that starts the file ("webm", "matroska"), or
// "matroska" when the header has none (the EBML default).
std::optional<std::string_view> ebml_doctype(std::string_view b) {
  constexpr std::uint64_t doctype_id = 0x4282;
  auto header = read_element(b, 0);
  if (!header.ok()) return std::nullopt;
  std::size_t at = header.data_at;
  std::size_t end = std::min<std::size_t>(b.size(), at + header.size.value);
  while (at < end) {
    auto e = read_element(b, at);
    if (!e.ok() || e.data_at + e.size.value > end) return std::nullopt;
    if (e.id.value == doctype_id) {
      auto text = b.substr(e.data_at, e.size.value);
      return text.substr(0, text.find('\0'));
    }
    at = e.data_at + e.size.value;
  }
  return "matroska";
}

// After the EBML header comes the Segment. With a known size it must fit; a live recording
// (MediaRecorder, ffmpeg to a pipe) leaves it unknown, and then its children (clusters) must.
bool ebml_complete(std::string_view b) {
  auto header = read_element(b, 0);
  if (!header.ok()) return !header.cut();
  std::size_t after_header = header.data_at + header.size.value;
  if (after_header > b.size()) return false;
  auto segment = read_element(b, after_header);
  if (!segment.ok()) return !segment.cut();
  if (!segment.size.unknown_size()) return segment.data_at + segment.size.value <= b.size();
  for (std::size_t at = segment.data_at; at < b.size();) {
    auto child = read_element(b, at);
    if (!child.ok()) return !child.cut();
    if (child.size.unknown_size()) return true;
    if (child.data_at + child.size.value > b.size()) return false;
    at = child.data_at + child.size.value;
  }
  return true;
}

bool iso_boxes_complete(std::string_view bytes) {
  std::uint64_t at = 0;
  const std::uint64_t size = bytes.size();
  while (size - at >= 8) {
    std::uint64_t box = be32(bytes, at);
    if (box == 0) return true;  // "extends to the end of the file"
    if (box == 1) {             // 64-bit size follows the type
      if (size - at < 16) return false;
      box = be64(bytes, at + 8);
    }
    if (box < 8 || !printable_box_type(bytes.substr(at + 4, 4))) return true;  // not a box: FFmpeg decides
    if (box > size - at) return false;
    at += box;
  }
  return true;
}

container sniff_ebml(std::string_view bytes) {
  auto doctype = ebml_doctype(bytes);
  if (doctype == "webm") return container::webm;
  if (doctype == "matroska") return container::matroska;
  return container::unknown;
}

}  // namespace

container sniff_container(std::string_view bytes) {
  if (bytes.size() >= 12 && is_iso_box_type(bytes.substr(4, 4))) {
    bool qt_brand = bytes.substr(4, 4) == "ftyp" && bytes.substr(8, 4) == "qt  ";
    return qt_brand ? container::quicktime : container::mp4;
  }
  if (bytes.size() >= 4 && bytes.substr(0, 4) == "\x1A\x45\xDF\xA3") return sniff_ebml(bytes);
  if (bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "AVI ") return container::avi;
  return container::unknown;
}

std::string_view content_type_of(container c) {
  switch (c) {
    case container::mp4:
      return "video/mp4";
    case container::quicktime:
      return "video/quicktime";
    case container::webm:
      return "video/webm";
    case container::matroska:
      return "video/x-matroska";
    case container::avi:
      return "video/x-msvideo";
    case container::unknown:
      break;
  }
  return {};
}

const char* demuxer_of(container c) {
  switch (c) {
    case container::mp4:
    case container::quicktime:
      return "mov";
    case container::webm:
    case container::matroska:
      return "matroska";
    case container::avi:
      return "avi";
    case container::unknown:
      break;
  }
  return nullptr;
}

bool structure_complete(std::string_view bytes) {
  switch (sniff_container(bytes)) {
    case container::mp4:
    case container::quicktime:
      return iso_boxes_complete(bytes);
    case container::webm:
    case container::matroska:
      return ebml_complete(bytes);
    default:
      return true;
  }
}

}  // namespace reel::media
