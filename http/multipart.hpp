// multipart/form-data (RFC 7578 over RFC 2046) parsed in one pass over a body held in memory.
//
// Parts do not copy their data: `multipart_part::data` views the body passed to
// parse_multipart, which the caller keeps alive for as long as it uses the parts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reel::http {

// RFC 2046 caps a boundary at 70 characters.
inline constexpr std::size_t max_boundary_size = 70;

// Parts (and urlencoded fields) one body may hold. No call of the API takes more than a
// handful; without a cap a 64 MiB upload of empty parts took ~9x its size in part records.
inline constexpr std::size_t max_form_fields = 256;

// Whether `content_type`'s media type (before any `;` parameters) equals `type`, ignoring case.
bool media_type_is(std::string_view content_type, std::string_view type);

// The `boundary` parameter of a Content-Type, quoted or not; nullopt when absent, empty,
// longer than 70 characters or holding control characters.
std::optional<std::string> boundary_of(std::string_view content_type);

struct multipart_part {
  std::string name;
  std::optional<std::string> filename;  // absent: a text field; present (maybe ""): a file
  std::string content_type;             // as sent, "" when the part has no Content-Type
  std::string_view data;                // views the parsed body
};

struct multipart_result {
  std::vector<multipart_part> parts;  // in body order, duplicates kept; empty on error
  std::string error;                  // "" on success, else why the body was rejected

  bool ok() const { return error.empty(); }
};

multipart_result parse_multipart(std::string_view body, std::string_view boundary);

}  // namespace reel::http
