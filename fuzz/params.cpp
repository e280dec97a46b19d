// Fuzz target: request parameters and URL decoding (http/params.hpp).
//
// The input is "query \n content-type \n body" (missing lines are empty), as a request hands
// them to params::parse. Checks:
// - params::get answers the first value of a name, the query before the urlencoded body
//   before multipart text parts; file parts view the body;
// - parse_urlencoded keeps one pair per non-empty '&' segment, and a list re-encoded with
//   every byte escaped parses back to itself;
// - percent_decode fails exactly when a '%' lacks two hex digits; when it succeeds the
//   lenient decoding agrees; any bytes escaped decode back to themselves;
// - parse_int accepts only the number grammar it documents, agrees with std::from_chars on
//   plain integers both ways, and what it accepts is that integer exactly (strtold).
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/check.hpp"
#include "http/params.hpp"

using namespace reel::http;

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::string escape_all(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 0xF];
  }
  return out;
}

bool strictly_escaped(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

void check_percent(std::string_view s) {
  for (bool plus : {false, true}) {
    const auto strict = percent_decode(s, plus);
    FUZZ_CHECK(strict.has_value() == strictly_escaped(s));
    if (strict) {
      FUZZ_CHECK(strict->size() <= s.size());
      if (s.find('&') == std::string_view::npos) {
        // "=value" is one pair with an empty key, its value decoded leniently with '+'.
        const auto pairs = parse_urlencoded("=" + std::string(s));
        FUZZ_CHECK(pairs.size() == 1 && pairs[0].first.empty());
        if (plus) FUZZ_CHECK(pairs[0].second == *strict);
      }
    }
    FUZZ_CHECK(percent_decode(escape_all(s), plus) == std::string(s));
  }
}

void check_urlencoded(std::string_view text) {
  bool too_many = false;
  const auto pairs = parse_urlencoded(text, too_many);
  std::size_t segments = 0;
  for (std::size_t from = 0; from <= text.size();) {
    auto amp = text.find('&', from);
    if (amp == std::string_view::npos) amp = text.size();
    if (amp > from) ++segments;
    from = amp + 1;
  }
  // At most max_form_fields pairs are read, and more are reported, never dropped silently.
  FUZZ_CHECK(too_many == (segments > max_form_fields));
  FUZZ_CHECK(pairs.size() == std::min(segments, max_form_fields));
  FUZZ_CHECK(parse_urlencoded(text) == pairs);
  std::string again;
  for (const auto& [key, value] : pairs)
    again += (again.empty() ? "" : "&") + escape_all(key) + "=" + escape_all(value);
  const auto reparsed = parse_urlencoded(again);
  // A pair with an empty key and value re-encodes as "=", still one segment.
  FUZZ_CHECK(reparsed == pairs);
}

// [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits]
bool number_grammar(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t mantissa = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++mantissa;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++mantissa;
  }
  if (mantissa == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exponent = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

// [+-] digits: what std::from_chars reads too (without the '+').
bool plain_integer(std::string_view s) {
  const std::size_t sign = !s.empty() && (s[0] == '+' || s[0] == '-');
  return s.size() > sign && std::all_of(s.begin() + sign, s.end(), is_digit);
}

void check_int(std::string_view s) {
  const auto parsed = parse_int(s);
  if (plain_integer(s)) {
    const auto digits = s[0] == '+' ? s.substr(1) : s;
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    const bool ok = ec == std::errc() && end == digits.data() + digits.size();
    FUZZ_CHECK(parsed.has_value() == ok);
    if (ok) FUZZ_CHECK(*parsed == v);
  }
  if (!parsed) return;
  FUZZ_CHECK(number_grammar(s));
  const std::string text(s);
  char* end = nullptr;
  const long double value = std::strtold(text.c_str(), &end);
  FUZZ_CHECK(end == text.c_str() + text.size());
  // |v| < 2^63 fits a long double's 64-bit significand: strtold rounds to it exactly.
  FUZZ_CHECK(value == static_cast<long double>(*parsed));
  FUZZ_CHECK(parse_int(std::to_string(*parsed)) == parsed);
}

// The first value of `name` in the first list that has it.
const std::string* first_value(std::initializer_list<const param_list*> lists, const std::string& name) {
  for (const auto* list : lists) {
    for (const auto& [key, value] : *list)
      if (key == name) return &value;
  }
  return nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = reel::fuzz::as_view(data, size);
  const auto nl1 = input.find('\n');
  const auto query = input.substr(0, nl1);
  const auto rest = nl1 == std::string_view::npos ? std::string_view() : input.substr(nl1 + 1);
  const auto nl2 = rest.find('\n');
  const auto content_type = rest.substr(0, nl2);
  const auto body = nl2 == std::string_view::npos ? std::string_view() : rest.substr(nl2 + 1);

  const auto p = params::parse(query, content_type, body);
  // The same sources, found independently: query, urlencoded body, multipart text parts.
  const auto query_pairs = parse_urlencoded(query.starts_with('?') ? query.substr(1) : query);
  param_list form_pairs, text_parts;
  std::vector<multipart_part> files;
  if (media_type_is(content_type, "application/x-www-form-urlencoded")) {
    form_pairs = parse_urlencoded(body);
    FUZZ_CHECK(!p.multipart_error());
  } else if (media_type_is(content_type, "multipart/form-data")) {
    const auto boundary = boundary_of(content_type);
    auto parts = boundary ? parse_multipart(body, *boundary) : multipart_result{{}, "missing boundary"};
    FUZZ_CHECK(p.multipart_error() == !parts.ok());
    for (auto& part : parts.parts) {
      if (part.filename)
        files.push_back(std::move(part));
      else
        text_parts.emplace_back(part.name, std::string(part.data));
    }
  } else {
    FUZZ_CHECK(!p.multipart_error());
  }
  const std::initializer_list<const param_list*> sources = {&query_pairs, &form_pairs, &text_parts};
  for (const auto* list : sources) {
    for (const auto& [name, value] : *list) {
      const auto got = p.get(name);
      FUZZ_CHECK(got.has_value() && *got == *first_value(sources, name));
    }
  }
  for (const auto& part : files) {
    const auto* file = p.file(part.name);
    FUZZ_CHECK(file != nullptr);
    FUZZ_CHECK(file->data.data() >= body.data() && file->data.data() + file->data.size() <= body.data() + body.size());
    const auto first = std::ranges::find_if(files, [&](const auto& f) { return f.name == part.name; });
    FUZZ_CHECK(file->data.data() == first->data.data() && file->data.size() == first->data.size());
  }

  check_urlencoded(query);
  check_urlencoded(body);
  check_percent(query);
  check_int(query);
  for (const auto& [name, value] : query_pairs) check_int(value);
  return 0;
}
