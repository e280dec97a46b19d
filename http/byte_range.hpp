// Range requests and the validators that gate them (RFC 9110 sections 13.1 and 14), as pure
// functions of header text: no I/O, no Pistache.
#pragma once

#include <cstdint>
#include <string_view>

namespace reel::http {

// Bytes first..last of a representation, both inclusive (last >= first).
struct byte_span {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t length() const { return last - first + 1; }
};

enum class range_kind {
  none,           // no Range header: 200 with the whole representation
  ignored,        // not a range we serve: 200 with the whole representation
  satisfiable,    // 206 with `span`
  unsatisfiable,  // 416 with "Content-Range: bytes */<size>"
};

struct range_request {
  range_kind kind = range_kind::none;
  byte_span span;  // meaningful when kind == satisfiable; last < size
};

// The Range header `header` (its value; empty when absent) against a representation of
// `size` bytes. Accepted forms, the unit case-insensitive, whitespace allowed around '=',
// the elements and the commas:
//   bytes=a-b  a..min(b, size-1); unsatisfiable when a >= size
//   bytes=a-   a..size-1;         unsatisfiable when a >= size
//   bytes=-n   the last min(n, size) bytes; unsatisfiable when n == 0 or size == 0
// Numbers too large for 64 bits saturate, which gives them their meaning: a first byte past
// any file, a last byte or suffix that covers the whole file.
// Ignored (answered with the whole representation, which RFC 9110 14.2 always allows):
// other units, malformed syntax, a > b (an invalid range-spec, 14.1.1), and any list of more
// than one range: players ask for one range at a time, and multipart/byteranges responses
// are not worth their complexity here.
range_request parse_range(std::string_view header, std::uint64_t size);

// If-None-Match (13.1.2): true when `header` is "*" or lists an entity-tag that matches
// `etag` (a quoted strong tag such as "\"abc\"") by weak comparison, so "W/\"abc\"" matches.
bool none_match_fails(std::string_view header, std::string_view etag);

// If-Range (13.1.5): true when a Range request may be served as a range: no If-Range header,
// or one that is exactly `etag` (strong comparison). A date or another tag means the client's
// copy may be stale, so it gets the whole representation instead.
bool if_range_allows(std::string_view header, std::string_view etag);

}  // namespace reel::http
