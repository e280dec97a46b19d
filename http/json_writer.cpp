#include "http/json_writer.hpp"

#include <charconv>
#include <cstring>

namespace reel::http {

namespace {

bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Whether any of 8 bytes needs escaping, a word at a time: (v - 0x01..) & ~v & 0x80.. is
// non-zero exactly when some byte of v is zero, and with 0x20.. instead of 0x01.. when some
// byte is below 0x20 (bytes from 0x80 up never count). '"' and '\\' are found as zero bytes
// of v xor a word of them.
bool word_needs_escape(const char* p) {
  constexpr std::uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
  std::uint64_t v;
  std::memcpy(&v, p, sizeof v);
  auto zero_byte = [&](std::uint64_t x) { return (x - ones) & ~x & highs; };
  auto control = (v - ones * 0x20) & ~v & highs;
  return (control | zero_byte(v ^ (ones * '"')) | zero_byte(v ^ (ones * '\\'))) != 0;
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
    while (i + 8 <= s.size() && !word_needs_escape(s.data() + i)) i += 8;
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
