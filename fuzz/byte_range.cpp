// Fuzz target: Range, If-None-Match and If-Range (http/byte_range.hpp).
//
// The input is a header value, tried against representations of several sizes (empty, tiny,
// large, near 2^64, and one from the input's hash). Checks: a satisfiable range lies inside
// the representation and reads the same when written back as "bytes=first-last"; the unit's
// case and blanks around '=' and commas change nothing; an absent header means the whole
// representation; a header listing the ETag always matches it in If-None-Match, by weak
// comparison, and If-Range compares strongly.
#include <cctype>
#include <limits>
#include <string>
#include <string_view>

#include "fuzz/check.hpp"
#include "http/byte_range.hpp"

using namespace reel::http;

namespace {

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool same(const range_request& a, const range_request& b) {
  if (a.kind != b.kind) return false;
  return a.kind != range_kind::satisfiable || (a.span.first == b.span.first && a.span.last == b.span.last);
}

// The header with its unit's letters case-flipped and a blank added around '=' and after
// every comma: the same header by RFC 9110's list and whitespace rules.
std::string respelled(std::string_view header) {
  std::string out;
  const auto equals = header.find('=');
  for (std::size_t i = 0; i < header.size(); ++i) {
    char c = header[i];
    if (i < equals && std::isalpha(static_cast<unsigned char>(c))) c = static_cast<char>(c ^ 0x20);
    if (i == equals) {
      out += " = ";
      continue;
    }
    out += c;
    if (i > equals && equals != std::string_view::npos && c == ',') out += ' ';
  }
  return out;
}

void check_range(std::string_view header, std::uint64_t size) {
  const auto r = parse_range(header, size);
  if (r.kind == range_kind::satisfiable) {
    FUZZ_CHECK(size > 0);
    FUZZ_CHECK(r.span.first <= r.span.last && r.span.last < size);
    FUZZ_CHECK(r.span.length() >= 1 && r.span.length() <= size);
    const auto canonical =
        parse_range("bytes=" + std::to_string(r.span.first) + "-" + std::to_string(r.span.last), size);
    FUZZ_CHECK(same(canonical, r));
  }
  if (r.kind == range_kind::none) {
    FUZZ_CHECK(trim(header).empty());
  }
  // The unit letters flipped only mean the same when they spell "bytes" (ASCII letters only).
  const auto equals = header.find('=');
  bool letters = equals != std::string_view::npos;
  for (std::size_t i = 0; letters && i < equals; ++i) {
    const auto c = static_cast<unsigned char>(header[i]);
    letters = std::isalpha(c) || c == ' ' || c == '\t';
  }
  if (letters) FUZZ_CHECK(same(parse_range(respelled(header), size), r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto header = reel::fuzz::as_view(data, size);
  reel::fuzz::input_random rng(header);
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  for (std::uint64_t representation :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{2}, std::uint64_t{100}, std::uint64_t{750'000},
        std::uint64_t{1} << 63, max - 1, max, rng.next() % 1'000'000, rng.next()})
    check_range(header, representation);

  const std::string etag = "\"0123abcd\"";
  FUZZ_CHECK(none_match_fails("*", etag));
  FUZZ_CHECK(none_match_fails(std::string(header) + ", " + etag, etag));
  FUZZ_CHECK(none_match_fails(std::string(header) + ",W/" + etag + " ,", etag));
  const auto trimmed = trim(header);
  if (trimmed != "*") {
    // Empty list elements count for nothing.
    FUZZ_CHECK(none_match_fails(header, etag) == none_match_fails(" , " + std::string(header) + " ,, ", etag));
  }
  FUZZ_CHECK(if_range_allows(etag, etag) && if_range_allows(" " + etag + "\t", etag));
  FUZZ_CHECK(!if_range_allows("W/" + etag, etag));
  FUZZ_CHECK(if_range_allows(header, etag) == (trimmed.empty() || trimmed == etag));
  return 0;
}
