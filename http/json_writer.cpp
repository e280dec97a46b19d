#include "http/json_writer.hpp"

#include <emmintrin.h>

#include <charconv>

namespace reel::http {

namespace {

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether any of 16 bytes needs escaping, with SSE2 (part of x86-64): bytes up to 0x1F are
// those equal to their unsigned minimum with 0x1F; '"' and '\\' are compared directly.
bool block_needs_escape(const char* p) {
  auto v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  auto control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
  auto quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  auto backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return _mm_movemask_epi8(_mm_or_si128(control, _mm_or_si128(quote, backslash))) != 0;
}

void escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      static constexpr char hex[] = "0123456789ABCDEF";
      out += "\\u00";
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
}

template <class Int>
void append_number(std::string& out, Int v) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, end);
}

}  // namespace

void json_writer::u64(std::uint64_t v) {
  separate();
  append_number(out_, v);
}

void json_writer::i64(std::int64_t v) {
  separate();
  append_number(out_, v);
}

void json_writer::quoted(std::initializer_list<std::string_view> parts) {
  out_ += '"';
  for (auto s : parts) {
    std::size_t plain_from = 0;
    std::size_t i = 0;
    while (i + 16 <= s.size() && !block_needs_escape(s.data() + i)) i += 16;
    for (; i < s.size(); ++i) {
      auto c = static_cast<unsigned char>(s[i]);
      if (!needs_escape(c)) continue;
      out_.append(s.data() + plain_from, i - plain_from);
      escape(out_, c);
      plain_from = i + 1;
    }
    out_.append(s.data() + plain_from, s.size() - plain_from);
  }
  out_ += '"';
}

}  // namespace reel::http
