// UTF-8 as RFC 3629 and Unicode (table 3-7) define it: what input checks accept, and how
// the JSON writer repairs what is not.
#pragma once

#include <cstddef>
#include <string_view>

namespace reel::http {

struct utf8_step {
  std::size_t length;  // bytes: 1-4 when valid, 1-3 when not
  bool valid;
};

// The sequence at the start of non-empty `s`: a well-formed character, or else the maximal
// subpart of an ill-formed sequence (a lone or unexpected byte, a truncated sequence, an
// overlong form, a surrogate, a value past U+10FFFF), which Unicode's "substitution of
// maximal subparts" and the WHATWG decoder each replace by one U+FFFD.
utf8_step next_utf8(std::string_view s);

bool valid_utf8(std::string_view s);

// U+FFFD REPLACEMENT CHARACTER, encoded.
inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";

}  // namespace reel::http
