// Request parameters as the Douyin API conventions define them (API.md "Conventions"):
// query string first, then an urlencoded body, then multipart text parts; first occurrence wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/multipart.hpp"

namespace reel::http {

using param_list = std::vector<std::pair<std::string, std::string>>;

// Strict decoding: nullopt when a `%` is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);

// `a=1&b=x+y&c=%41&d&&e=`: empty segments skipped, a key without `=` gets "".
// Lenient on purpose (as the WHATWG URL standard): a malformed `%` escape is kept as its raw
// text instead of dropping the pair, so a stray `%` in a title does not lose the title.
param_list parse_urlencoded(std::string_view text);
// The same, reading at most max_form_fields fields; sets `too_many` when more were there.
param_list parse_urlencoded(std::string_view text, bool& too_many);

// Plain decimal with optional sign, or a float spelling of an exact integer ("1.680703713e+09",
// "1e3", "12.0") because some clients round-trip ids through float64. Computed on the decimal
// digits, never through a double, so every integer that fits int64 is exact.
// nullopt for fractions, blanks, hex, nan/inf, trailing junk and values outside int64.
std::optional<std::int64_t> parse_int(std::string_view text);

class params {
 public:
  // `query` is the request target's query without `?` (a leading `?` is skipped).
  // Text values are copied; file parts view `body`, which must outlive every use of file().
  static params parse(std::string_view query, std::string_view content_type, std::string_view body);

  std::optional<std::string> get(std::string_view name) const;

  // The first multipart part called `name` that carries a filename; nullptr when none.
  const multipart_part* file(std::string_view name) const;

  // The body claimed to be multipart/form-data but could not be parsed; its parts are then
  // ignored while the query string still applies.
  bool multipart_error() const { return !multipart_error_.empty(); }
  const std::string& multipart_error_text() const { return multipart_error_; }
  // The query or an urlencoded body held more than max_form_fields fields: the request is
  // refused as a whole (the fields past the cap were not read).
  bool too_many_fields() const { return too_many_fields_; }

 private:
  param_list query_;
  param_list form_;        // urlencoded body
  param_list text_parts_;  // multipart parts without filename
  std::vector<multipart_part> files_;
  std::string multipart_error_;
  bool too_many_fields_ = false;
};

}  // namespace reel::http
