// Fuzz target: multipart/form-data (http/multipart.hpp).
//
// The input is "Content-Type value \n body". The body is parsed with the boundary that
// boundary_of finds in the first line, and again with the first line itself as the boundary
// (any bytes, up to 70), so the parser sees boundaries the header check would refuse.
// Checks: a boundary from boundary_of is 1-70 printable bytes not ending in a space; parsed
// parts view the body in order without overlapping; names, filenames and content types hold
// no CR or LF; failures have no parts. For a printable boundary, the parts written out again
// (names and filenames quoted and escaped) must parse back to the same parts.
#include <algorithm>
#include <string>
#include <string_view>

#include "fuzz/check.hpp"
#include "http/multipart.hpp"

using namespace reel::http;

namespace {

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string serialize(const multipart_result& r, std::string_view boundary) {
  std::string body;
  for (const auto& part : r.parts) {
    body += "--" + std::string(boundary) + "\r\n";
    body += "Content-Disposition: form-data; name=" + quoted(part.name);
    if (part.filename) body += "; filename=" + quoted(*part.filename);
    body += "\r\n";
    if (!part.content_type.empty()) body += "Content-Type: " + part.content_type + "\r\n";
    body += "\r\n";
    body += part.data;
    body += "\r\n";
  }
  return body + "--" + std::string(boundary) + "--\r\n";
}

bool has_line_break(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void check_parts(const multipart_result& r, std::string_view body) {
  if (!r.ok()) {
    FUZZ_CHECK(r.parts.empty());
    return;
  }
  const char* after_previous = body.data();
  for (const auto& part : r.parts) {
    FUZZ_CHECK(part.data.data() >= after_previous);
    FUZZ_CHECK(part.data.data() + part.data.size() <= body.data() + body.size());
    after_previous = part.data.data() + part.data.size();
    FUZZ_CHECK(!has_line_break(part.name) && !has_line_break(part.content_type));
    FUZZ_CHECK(!part.filename || !has_line_break(*part.filename));
  }
}

bool same_parts(const multipart_result& a, const multipart_result& b) {
  if (a.parts.size() != b.parts.size()) return false;
  for (std::size_t i = 0; i < a.parts.size(); ++i) {
    const auto &x = a.parts[i], &y = b.parts[i];
    if (x.name != y.name || x.filename != y.filename || x.content_type != y.content_type || x.data != y.data)
      return false;
  }
  return true;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= ' ' && c <= '~'; });
}

void parse_and_check(std::string_view body, std::string_view boundary) {
  const auto r = parse_multipart(body, boundary);
  check_parts(r, body);
  if (boundary.empty() || boundary.size() > max_boundary_size) FUZZ_CHECK(!r.ok());
  if (!r.ok() || !printable(boundary)) return;
  const auto again = serialize(r, boundary);
  const auto reparsed = parse_multipart(again, boundary);
  FUZZ_CHECK(reparsed.ok());
  FUZZ_CHECK(same_parts(reparsed, r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = reel::fuzz::as_view(data, size);
  const auto nl = input.find('\n');
  const auto content_type = input.substr(0, nl);
  const auto body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);

  if (const auto boundary = boundary_of(content_type)) {
    FUZZ_CHECK(!boundary->empty() && boundary->size() <= max_boundary_size);
    FUZZ_CHECK(printable(*boundary) && boundary->back() != ' ');
    parse_and_check(body, *boundary);
  }
  parse_and_check(body, content_type);
  return 0;
}
