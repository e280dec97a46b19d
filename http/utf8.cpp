#include "http/utf8.hpp"

namespace reel::http {

utf8_step next_utf8(std::string_view s) {
  auto c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return {1, true};
  // The continuation bytes are 80..BF, except right after E0 (no overlong 3-byte forms),
  // ED (no surrogates), F0 (no overlong 4-byte forms) and F4 (nothing past U+10FFFF).
  std::size_t continuations = 0;
  unsigned char low = 0x80, high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    continuations = 1;
  } else if (c >= 0xE0 && c <= 0xEF) {
    continuations = 2;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    continuations = 3;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return {1, false};  // a continuation byte without a lead, C0/C1 (overlong), F5..FF
  }
  for (std::size_t k = 1; k <= continuations; ++k) {
    if (k == s.size()) return {k, false};
    auto next = static_cast<unsigned char>(s[k]);
    if (next < low || next > high) return {k, false};
    low = 0x80;
    high = 0xBF;
  }
  return {continuations + 1, true};
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto step = next_utf8(s.substr(i));
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

}  // namespace reel::http
