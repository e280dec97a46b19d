// The little JSON this tool needs: reading one flat object per mix line, writing results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace reel::loadgen {

using json_scalar = std::variant<std::nullptr_t, bool, double, std::string>;
using flat_object = std::vector<std::pair<std::string, json_scalar>>;  // members in text order

// Parses an object whose values are strings, numbers, booleans or null (no nesting).
std::optional<flat_object> parse_flat_object(std::string_view text, std::string& error);

// Appends s as a quoted JSON string, escaping quotes, backslashes and control characters.
void append_json_string(std::string& out, std::string_view s);

// Compact JSON output with commas placed automatically: key() then a value or begin_*().
class json_writer {
 public:
  json_writer& begin_object() { return open('{'); }
  json_writer& end_object() { return close('}'); }
  json_writer& begin_array() { return open('['); }
  json_writer& end_array() { return close(']'); }
  json_writer& key(std::string_view name);
  json_writer& value(std::string_view s);
  json_writer& value(const char* s) { return value(std::string_view(s)); }
  json_writer& value(std::uint64_t n);
  json_writer& value(std::int64_t n);
  json_writer& value(int n) { return value(static_cast<std::int64_t>(n)); }
  json_writer& value(double x);  // 3 decimals; null when not finite
  json_writer& value(bool b);
  json_writer& null();
  const std::string& text() const { return out_; }

 private:
  json_writer& open(char bracket);
  json_writer& close(char bracket);
  void before_value();

  std::string out_;
  std::vector<bool> has_member_;  // per open container: whether a comma is due before the next
  bool after_key_ = false;
};

}  // namespace reel::loadgen
