#include "http/byte_range.hpp"

#include <limits>
#include <optional>

namespace reel::http {

namespace {

constexpr std::uint64_t saturated = std::numeric_limits<std::uint64_t>::max();

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// 1*DIGIT, saturating at 2^64-1; nullopt for anything else (sign, space, empty).
std::optional<std::uint64_t> digits(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    value = value > (saturated - d) / 10 ? saturated : value * 10 + d;
  }
  return value;
}

bool unit_is_bytes(std::string_view unit) {
  constexpr std::string_view bytes = "bytes";
  if (unit.size() != bytes.size()) return false;
  for (std::size_t i = 0; i < unit.size(); ++i)
    if ((unit[i] | 0x20) != bytes[i]) return false;
  return true;
}

// One range-spec against `size`.
range_request one_range(std::string_view spec, std::uint64_t size) {
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {range_kind::ignored, {}};
  auto first_text = spec.substr(0, dash);
  auto last_text = spec.substr(dash + 1);
  if (first_text.empty()) {  // suffix-range: the last n bytes
    auto n = digits(last_text);
    if (!n) return {range_kind::ignored, {}};
    if (*n == 0 || size == 0) return {range_kind::unsatisfiable, {}};
    return {range_kind::satisfiable, {size - std::min(*n, size), size - 1}};
  }
  auto first = digits(first_text);
  if (!first) return {range_kind::ignored, {}};
  std::uint64_t last = saturated;
  if (!last_text.empty()) {
    auto parsed = digits(last_text);
    if (!parsed || *parsed < *first) return {range_kind::ignored, {}};
    last = *parsed;
  }
  if (*first >= size) return {range_kind::unsatisfiable, {}};
  return {range_kind::satisfiable, {*first, std::min(last, size - 1)}};
}

// Calls `each` with every non-empty, trimmed element of a comma-separated list (empty
// elements are allowed by the list syntax, RFC 9110 5.6.1); stops when it returns false.
template <class Each>
void for_each_element(std::string_view list, Each each) {
  while (true) {
    auto comma = list.find(',');
    auto element = trim(list.substr(0, comma));
    if (!element.empty() && !each(element)) return;
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// The opaque-tag of an entity-tag, without a weak indicator.
std::string_view opaque(std::string_view tag) {
  if (tag.size() >= 2 && tag[0] == 'W' && tag[1] == '/') tag.remove_prefix(2);
  return tag;
}

}  // namespace

range_request parse_range(std::string_view header, std::uint64_t size) {
  header = trim(header);
  if (header.empty()) return {};
  auto equals = header.find('=');
  if (equals == std::string_view::npos || !unit_is_bytes(trim(header.substr(0, equals))))
    return {range_kind::ignored, {}};
  int count = 0;
  range_request result{range_kind::ignored, {}};
  for_each_element(header.substr(equals + 1), [&](std::string_view spec) {
    result = one_range(spec, size);
    return ++count == 1;
  });
  if (count != 1) return {range_kind::ignored, {}};
  return result;
}

bool none_match_fails(std::string_view header, std::string_view etag) {
  header = trim(header);
  if (header == "*") return true;
  bool matched = false;
  for_each_element(header, [&](std::string_view tag) {
    matched = opaque(tag) == opaque(etag);
    return !matched;
  });
  return matched;
}

bool if_range_allows(std::string_view header, std::string_view etag) {
  header = trim(header);
  return header.empty() || header == etag;
}

}  // namespace reel::http
