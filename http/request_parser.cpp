#include "http/request_parser.hpp"

#include <algorithm>
#include <limits>

namespace reel::http {

namespace {

constexpr std::string_view crlf = "\r\n";
constexpr std::size_t max_chunk_line = 1024;  // chunk size with extensions, or one trailer field
constexpr std::size_t max_trailer_lines = 100;

bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A field value's bytes: visible characters, obs-text, space and tab (RFC 9110 5.5).
bool is_field_value(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

// A request-target's bytes: no controls, no spaces. Bytes above 0x7f are let through (they
// should be percent-encoded, but a lookup that fails answers "no such route" anyway).
bool is_target(std::string_view t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c > 0x20 && c != 0x7f;
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool iequals(std::string_view a, std::string_view b) { return a.size() == b.size() && lower(a) == lower(b); }

// Calls `f` with each trimmed, non-empty element of a comma-separated list.
template <class F>
void for_each_element(std::string_view list, F&& f) {
  while (true) {
    const auto comma = list.find(',');
    const auto item = trim(list.substr(0, comma));
    if (!item.empty()) f(item);
    if (comma == std::string_view::npos) return;
    list.remove_prefix(comma + 1);
  }
}

// Content-Length's digits: at most 2^63 - 1; nothing but digits (no sign, no spaces).
bool parse_length(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return false;
  out = v;
  return true;
}

head_result invalid(errc code, std::string message) {
  head_result r;
  r.status = head_result::state::invalid;
  r.problem = make_error(code, std::move(message));
  return r;
}

// The request-target in origin form: the absolute form (RFC 9112 3.2.2) loses its scheme
// and authority.
bool normalize_target(std::string_view raw, std::string& out) {
  if (!is_target(raw)) return false;
  if (raw.front() == '/' || raw == "*") {
    out.assign(raw);
    return true;
  }
  for (std::string_view scheme : {"http://", "https://"}) {
    if (raw.size() > scheme.size() && iequals(raw.substr(0, scheme.size()), scheme)) {
      const auto rest = raw.substr(scheme.size());
      const auto slash = rest.find_first_of("/?");
      out = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
      if (out.front() == '?') out.insert(0, "/");
      return true;
    }
  }
  return false;
}

// "HTTP/1.1" -> 1; "HTTP/1.0" -> 0; another major version -> -2; not a version -> -1.
int minor_version_of(std::string_view v) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.') return -1;
  if (v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9') return -1;
  if (v[5] != '1') return -2;
  return v[7] == '0' ? 0 : 1;
}

head_result parse_request_line(std::string_view line) {
  head_result r;
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return invalid(errc::malformed_request, "the request line is not 'METHOD target HTTP/1.1'");
  const auto method = line.substr(0, sp1);
  if (!is_token(method)) return invalid(errc::malformed_request, "the request method is not a token");
  if (!normalize_target(line.substr(sp1 + 1, sp2 - sp1 - 1), r.head.target))
    return invalid(errc::malformed_request, "the request target is not a path");
  const int minor = minor_version_of(line.substr(sp2 + 1));
  if (minor == -2) return invalid(errc::version_not_supported, "only HTTP/1.0 and HTTP/1.1 are served");
  if (minor < 0) return invalid(errc::malformed_request, "the request line has no HTTP version");
  r.head.method.assign(method);
  r.head.minor_version = minor;
  r.head.keep_alive = minor >= 1;
  return r;
}

// Content-Length, Transfer-Encoding, Connection and Expect: what framing depends on.
head_result frame(head_result r) {
  auto& h = r.head;
  std::vector<std::string_view> lengths;
  std::vector<std::string> codings;
  for (const auto& f : h.fields) {
    if (f.name == "content-length") {
      for_each_element(f.value, [&](std::string_view v) { lengths.push_back(v); });
      if (trim(f.value).empty()) lengths.push_back({});
    } else if (f.name == "transfer-encoding") {
      for_each_element(f.value, [&](std::string_view v) { codings.push_back(lower(v)); });
    } else if (f.name == "connection") {
      for_each_element(f.value, [&](std::string_view v) {
        if (iequals(v, "close")) h.keep_alive = false;
        if (iequals(v, "keep-alive") && h.minor_version == 0) h.keep_alive = true;
      });
    } else if (f.name == "expect") {
      h.expects_continue = h.expects_continue || iequals(trim(f.value), "100-continue");
    }
  }
  if (!codings.empty()) {
    if (!lengths.empty()) return invalid(errc::malformed_request, "both Content-Length and Transfer-Encoding");
    if (h.minor_version == 0) return invalid(errc::malformed_request, "Transfer-Encoding in an HTTP/1.0 request");
    if (codings.back() != "chunked" || std::count(codings.begin(), codings.end(), "chunked") != 1)
      return invalid(errc::malformed_request, "Transfer-Encoding must end with one 'chunked'");
    if (codings.size() > 1) return invalid(errc::not_implemented, "only the chunked transfer coding is understood");
    h.framing = body_framing::chunked;
    return r;
  }
  for (const auto v : lengths) {
    std::uint64_t n = 0;
    if (!parse_length(v, n))
      return invalid(errc::malformed_request, "Content-Length is not a number of bytes below 2^63");
    if (h.framing == body_framing::length && n != h.content_length)
      return invalid(errc::malformed_request, "Content-Length is given twice with different values");
    h.framing = body_framing::length;
    h.content_length = n;
  }
  if (h.framing == body_framing::length && h.content_length == 0) h.framing = body_framing::none;
  return r;
}

}  // namespace

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

const std::string* request_head::field(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f.value;
  return nullptr;
}

std::string_view request_head::path() const {
  return std::string_view(target).substr(0, std::min(target.find('?'), target.size()));
}

std::string_view request_head::query() const {
  const auto q = target.find('?');
  return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
}

head_result parse_head(std::string_view bytes, const head_limits& limits) {
  std::size_t start = 0;
  while (bytes.substr(start, 2) == crlf) start += 2;
  const auto end = bytes.find("\r\n\r\n", start);
  if (end == std::string_view::npos || end + 4 - start > limits.max_head_bytes) {
    if (bytes.size() - start > limits.max_head_bytes || end != std::string_view::npos)
      return invalid(errc::headers_too_large,
                     "the request line and headers exceed " + std::to_string(limits.max_head_bytes) + " bytes");
    head_result more;
    more.consumed = start;
    return more;
  }
  const auto head = bytes.substr(start, end + 2 - start);  // every line with its CRLF
  std::size_t pos = 0;
  auto next_line = [&]() {
    const auto eol = head.find(crlf, pos);
    const auto line = head.substr(pos, eol - pos);
    pos = eol + 2;
    return line;
  };
  const auto request_line = next_line();
  if (request_line.find_first_of("\r\n") != std::string_view::npos)
    return invalid(errc::malformed_request, "a line ends without CRLF");
  head_result r = parse_request_line(request_line);
  if (r.status == head_result::state::invalid) return r;
  while (pos < head.size()) {
    const auto line = next_line();
    if (line.find_first_of("\r\n") != std::string_view::npos)
      return invalid(errc::malformed_request, "a line ends without CRLF");
    if (line.front() == ' ' || line.front() == '\t')
      return invalid(errc::malformed_request, "a header line is folded (obs-fold)");
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
      return invalid(errc::malformed_request, "a header line is not 'name: value'");
    const auto value = trim(line.substr(colon + 1));
    if (!is_field_value(value)) return invalid(errc::malformed_request, "a header value holds control characters");
    if (r.head.fields.size() == limits.max_fields)
      return invalid(errc::headers_too_large, "more than " + std::to_string(limits.max_fields) + " header fields");
    r.head.fields.push_back({lower(line.substr(0, colon)), std::string(value)});
  }
  r = frame(std::move(r));
  if (r.status == head_result::state::invalid) return r;
  r.status = head_result::state::complete;
  r.consumed = end + 4;
  return r;
}

chunked_decoder::status chunked_decoder::feed(std::string_view in, std::size_t& used, std::string& out) {
  used = 0;
  while (true) {
    const auto rest = in.substr(used);
    if (phase_ == phase::data) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left_, rest.size()));
      out.append(rest.substr(0, n));
      used += n;
      chunk_left_ -= n;
      if (chunk_left_ > 0) return status::more;
      phase_ = phase::data_end;
      continue;
    }
    if (rest.size() < 2 && phase_ == phase::data_end) return status::more;
    if (phase_ == phase::data_end) {
      if (rest.substr(0, 2) != crlf) return status::invalid;
      used += 2;
      phase_ = phase::size_line;
      continue;
    }
    const auto eol = rest.find(crlf);
    if (eol == std::string_view::npos) {
      // A CR at the end may be the first half of the line's CRLF, not part of the line: the
      // line is too long only once more than max_chunk_line bytes precede it, wherever the
      // bytes were split.
      const auto line_so_far = rest.size() - (rest.ends_with('\r') ? 1 : 0);
      return line_so_far > max_chunk_line ? status::invalid : status::more;
    }
    if (eol > max_chunk_line) return status::invalid;
    const auto line = rest.substr(0, eol);
    used += eol + 2;
    if (phase_ == phase::trailer) {
      if (line.empty()) return status::done;
      if (++trailer_lines_ > max_trailer_lines || line.find(':') == std::string_view::npos) return status::invalid;
      continue;
    }
    // chunk-size [ BWS ";" chunk-ext ]: at most 15 hex digits, so no overflow.
    std::uint64_t size = 0;
    std::size_t digits = 0;
    for (; digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits])); ++digits) {
      if (digits == 15) return status::invalid;
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(line[digits])));
      size = size * 16 + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    const auto ext = trim(line.substr(digits));
    if (digits == 0 || (!ext.empty() && (ext.front() != ';' || !is_field_value(ext)))) return status::invalid;
    if (size > max_body_ - decoded_) return status::too_large;
    decoded_ += size;
    chunk_left_ = size;
    phase_ = size == 0 ? phase::trailer : phase::data;
  }
}

}  // namespace reel::http
