#include "http/json_writer.hpp"

#include <emmintrin.h>

#include <charconv>
#include <cstring>

#include "http/utf8.hpp"

namespace reel::http {

namespace {

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }
// Bytes the plain copy may not pass on unexamined: those to escape, and every byte of a
// multi-byte sequence, which must be checked for being UTF-8.
bool needs_attention(unsigned char c) { return needs_escape(c) || c >= 0x80; }

// Whether any of 16 bytes needs attention, with SSE2 (part of x86-64): bytes up to 0x1F are
// those equal to their unsigned minimum with 0x1F; '"' and '\\' are compared directly, and
// the movemask takes every byte's top bit, which is set from 0x80 on.
bool block_needs_attention(__m128i v) {
  auto control = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1F)), v);
  auto quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  auto backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return _mm_movemask_epi8(_mm_or_si128(v, _mm_or_si128(control, _mm_or_si128(quote, backslash)))) != 0;
}
bool block_needs_attention(const char* p) {
  return block_needs_attention(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The same for a part shorter than 16 bytes, from overlapping loads of its first and last 8
// (or 4) bytes, so that no byte outside it is read. Names and titles are mostly this short,
// and checking them byte by byte cost more than all the blocks.
bool short_needs_attention(const char* p, std::size_t n) {
  std::uint64_t first = 0, last = 0;
  if (n >= 8) {
    std::memcpy(&first, p, 8);
    std::memcpy(&last, p + n - 8, 8);
  } else if (n >= 4) {
    std::uint32_t low = 0, high = 0;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + n - 4, 4);
    first = last = low | static_cast<std::uint64_t>(high) << 32;
  } else {
    for (std::size_t i = 0; i < n; ++i)
      if (needs_attention(static_cast<unsigned char>(p[i]))) return true;
    return false;
  }
  return block_needs_attention(_mm_set_epi64x(static_cast<long long>(last), static_cast<long long>(first)));
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
    std::size_t plain_from = 0;  // start of the bytes not yet copied, all of them plain
    std::size_t i = 0;
    while (i + 16 <= s.size() && !block_needs_attention(s.data() + i)) i += 16;
    // The bytes after the last whole block: checked as the part's last 16 (overlapping).
    if (i < s.size() && s.size() - i < 16) {
      bool dirty =
          s.size() >= 16 ? block_needs_attention(s.data() + s.size() - 16) : short_needs_attention(s.data(), s.size());
      if (!dirty) i = s.size();
    }
    while (i < s.size()) {
      if (i + 16 <= s.size() && !block_needs_attention(s.data() + i)) {
        i += 16;
        continue;
      }
      auto c = static_cast<unsigned char>(s[i]);
      if (c < 0x80) {
        if (needs_escape(c)) {
          out_.append(s.data() + plain_from, i - plain_from);
          escape(out_, c);
          plain_from = i + 1;
        }
        ++i;
        continue;
      }
      // Strings may hold bytes that are not UTF-8 (a request path echoed in an error), and
      // JSON must be Unicode text: each ill-formed subpart becomes one U+FFFD.
      auto step = next_utf8(s.substr(i));
      if (!step.valid) {
        out_.append(s.data() + plain_from, i - plain_from);
        out_ += replacement_character;
        plain_from = i + step.length;
      }
      i += step.length;
    }
    out_.append(s.data() + plain_from, s.size() - plain_from);
  }
  out_ += '"';
}

}  // namespace reel::http
