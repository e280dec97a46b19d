#include "http/params.hpp"

#include <algorithm>
#include <limits>

namespace reel::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The byte of the `%XY` escape at `pos`, or -1 when it is malformed.
int escaped_byte(std::string_view s, std::size_t pos) {
  if (pos + 2 >= s.size()) return -1;
  int high = hex_value(s[pos + 1]);
  int low = hex_value(s[pos + 2]);
  return (high < 0 || low < 0) ? -1 : high * 16 + low;
}

// Decodes `s`; a malformed escape either aborts (strict) or stays as raw text (lenient).
std::optional<std::string> decode(std::string_view s, bool plus_is_space, bool strict) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else if (int byte = escaped_byte(s, i); byte >= 0) {
      out += static_cast<char>(byte);
      i += 2;
    } else if (strict) {
      return std::nullopt;
    } else {
      out += c;
    }
  }
  return out;
}

const std::string* first_value(const param_list& list, std::string_view name) {
  auto it = std::ranges::find_if(list, [&](const auto& kv) { return kv.first == name; });
  return it == list.end() ? nullptr : &it->second;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal number split into its significant digits and a power of ten:
// value = digits * 10^exponent, with `digits` free of leading zeros.
struct decimal {
  bool negative = false;
  std::string digits;
  std::int64_t exponent = 0;
};

// Exponents beyond this make any non-zero value overflow, so larger ones are clamped,
// which keeps the arithmetic below free of overflow whatever the input length.
constexpr std::int64_t exponent_clamp = 1'000'000'000;

std::size_t read_digits(std::string_view s, std::size_t pos, std::string* into) {
  std::size_t start = pos;
  while (pos < s.size() && is_digit(s[pos])) ++pos;
  if (into) into->append(s.substr(start, pos - start));
  return pos - start;
}

std::optional<std::int64_t> read_exponent(std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  if (s.empty() || !std::ranges::all_of(s, is_digit)) return std::nullopt;
  std::int64_t value = 0;
  for (char c : s) value = std::min(exponent_clamp, value * 10 + (c - '0'));
  return negative ? -value : value;
}

// [+-] digits [. digits] [(e|E) [+-] digits], at least one mantissa digit.
std::optional<decimal> read_decimal(std::string_view s) {
  decimal d;
  std::size_t pos = 0;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) d.negative = s[pos++] == '-';
  std::size_t whole = read_digits(s, pos, &d.digits);
  pos += whole;
  std::size_t fraction = 0;
  if (pos < s.size() && s[pos] == '.') {
    fraction = read_digits(s, pos + 1, &d.digits);
    pos += 1 + fraction;
  }
  if (whole + fraction == 0) return std::nullopt;
  d.exponent = -static_cast<std::int64_t>(std::min<std::size_t>(fraction, exponent_clamp));
  if (pos < s.size()) {
    if (s[pos] != 'e' && s[pos] != 'E') return std::nullopt;
    auto exponent = read_exponent(s.substr(pos + 1));
    if (!exponent) return std::nullopt;
    d.exponent += *exponent;
  }
  d.digits.erase(0, std::min(d.digits.find_first_not_of('0'), d.digits.size()));
  return d;
}

// digits * 10^exponent as an int64, if that is an integer in range.
std::optional<std::int64_t> to_int64(decimal d) {
  while (!d.digits.empty() && d.digits.back() == '0') {
    d.digits.pop_back();
    ++d.exponent;
  }
  if (d.digits.empty()) return 0;
  if (d.exponent < 0) return std::nullopt;  // the last significant digit is below the units
  if (static_cast<std::int64_t>(d.digits.size()) + d.exponent > 19) return std::nullopt;
  d.digits.append(static_cast<std::size_t>(d.exponent), '0');
  // 19 digits fit in uint64 (max ~1.8e19), so accumulation cannot wrap.
  std::uint64_t magnitude = 0;
  for (char c : d.digits) magnitude = magnitude * 10 + static_cast<std::uint64_t>(c - '0');
  constexpr auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  if (magnitude > max + (d.negative ? 1 : 0)) return std::nullopt;
  if (!d.negative) return static_cast<std::int64_t>(magnitude);
  // Negate in unsigned arithmetic: -(2^63) has no positive int64 counterpart.
  return static_cast<std::int64_t>(~magnitude + 1);
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  return decode(s, plus_is_space, true);
}

param_list parse_urlencoded(std::string_view text, bool& too_many) {
  param_list out;
  while (!text.empty()) {
    if (out.size() == max_form_fields) {
      too_many = true;
      break;
    }
    auto amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text.remove_prefix(amp == text.npos ? text.size() : amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == pair.npos ? std::string_view() : pair.substr(eq + 1);
    out.emplace_back(*decode(key, true, false), *decode(value, true, false));
  }
  return out;
}

param_list parse_urlencoded(std::string_view text) {
  bool too_many = false;
  return parse_urlencoded(text, too_many);
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  auto d = read_decimal(text);
  if (!d) return std::nullopt;
  return to_int64(std::move(*d));
}

params params::parse(std::string_view query, std::string_view content_type, std::string_view body) {
  params p;
  if (query.starts_with('?')) query.remove_prefix(1);
  p.query_ = parse_urlencoded(query, p.too_many_fields_);
  if (media_type_is(content_type, "application/x-www-form-urlencoded")) {
    p.form_ = parse_urlencoded(body, p.too_many_fields_);
  } else if (media_type_is(content_type, "multipart/form-data")) {
    auto boundary = boundary_of(content_type);
    auto result = boundary ? parse_multipart(body, *boundary) : multipart_result{{}, "missing boundary"};
    p.multipart_error_ = std::move(result.error);
    for (auto& part : result.parts) {
      if (part.filename) {
        p.files_.push_back(std::move(part));
      } else {
        p.text_parts_.emplace_back(std::move(part.name), std::string(part.data));
      }
    }
  }
  return p;
}

std::optional<std::string> params::get(std::string_view name) const {
  for (const param_list* source : {&query_, &form_, &text_parts_}) {
    if (const std::string* value = first_value(*source, name)) return *value;
  }
  return std::nullopt;
}

const multipart_part* params::file(std::string_view name) const {
  auto it = std::ranges::find_if(files_, [&](const multipart_part& part) { return part.name == name; });
  return it == files_.end() ? nullptr : &*it;
}

}  // namespace reel::http
