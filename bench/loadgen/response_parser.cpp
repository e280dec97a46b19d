#include "bench/loadgen/response_parser.hpp"

#include <algorithm>

namespace reel::loadgen {

namespace {

constexpr std::size_t max_chunk_line = 4096;  // a chunk size with extensions; longer is abuse

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Calls fn on each non-empty, trimmed element of a comma-separated header list.
template <class Fn>
void for_each_token(std::string_view list, Fn fn) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto token = trim(list.substr(0, comma));
    if (!token.empty()) fn(token);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;  // 18 digits cannot overflow u64
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

bool parse_hex(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 15) return false;  // 15 digits cannot overflow u64
  out = 0;
  for (char c : s) {
    const char l = lower(c);
    int digit = -1;
    if (l >= '0' && l <= '9') digit = l - '0';
    if (l >= 'a' && l <= 'f') digit = l - 'a' + 10;
    if (digit < 0) return false;
    out = out * 16 + static_cast<std::uint64_t>(digit);
  }
  return true;
}

}  // namespace

void response_parser::reset(bool head_request) {
  phase_ = phase::head;
  head_request_ = head_request;
  head_.clear();
  line_.clear();
  trailer_bytes_ = 0;
  code_ = 0;
  http10_ = false;
  keep_alive_ = true;
  chunked_ = false;
  other_coding_ = false;
  content_length_.reset();
  remaining_ = 0;
  body_bytes_ = 0;
  prefix_.clear();
}

response_parser::status response_parser::feed(std::string_view bytes, std::size_t& used) {
  used = 0;
  while (used < bytes.size() && phase_ != phase::done && phase_ != phase::failed) {
    const auto rest = bytes.substr(used);
    switch (phase_) {
      case phase::head:
        used += take_head(rest);
        break;
      case phase::fixed_body:
      case phase::chunk_data:
      case phase::until_close:
        used += take_body(rest);
        break;
      default:
        used += take_line(rest);
        break;
    }
  }
  if (phase_ == phase::done) return status::complete;
  return phase_ == phase::failed ? status::error : status::need_more;
}

response_parser::status response_parser::on_eof() {
  if (phase_ == phase::until_close) phase_ = phase::done;
  if (phase_ == phase::done) return status::complete;
  fail();
  return status::error;
}

// The common case is a whole head in one read; only a head split across reads is copied
// piecewise, and then the blank line may straddle the boundary, hence the 3-byte overlap.
std::size_t response_parser::take_head(std::string_view bytes) {
  constexpr auto npos = std::string::npos;
  const std::size_t old = head_.size();
  std::size_t head_end = npos;  // in head_, just past the blank line
  if (old == 0) {
    const auto end = bytes.find("\r\n\r\n");
    if (end != npos) head_end = end + 4;
    head_.append(bytes.substr(0, head_end == npos ? bytes.size() : head_end));
  } else {
    head_.append(bytes);
    const auto end = head_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
    if (end != npos) head_end = end + 4;
  }
  if (head_end == npos) {
    if (head_.size() > max_head_bytes) fail();
    return bytes.size();
  }
  head_.resize(head_end);
  on_head();
  return head_end - old;
}

std::size_t response_parser::take_body(std::string_view bytes) {
  std::size_t n = bytes.size();
  if (phase_ != phase::until_close) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, remaining_));
  if (prefix_.size() < prefix_capacity) prefix_.append(bytes.substr(0, std::min(n, prefix_capacity - prefix_.size())));
  body_bytes_ += n;
  if (phase_ == phase::until_close) return n;
  remaining_ -= n;
  if (remaining_ == 0) phase_ = phase_ == phase::fixed_body ? phase::done : phase::chunk_end;
  return n;
}

std::size_t response_parser::take_line(std::string_view bytes) {
  const auto newline = bytes.find('\n');
  const std::size_t n = newline == std::string_view::npos ? bytes.size() : newline + 1;
  line_.append(bytes.substr(0, newline == std::string_view::npos ? n : newline));
  const std::size_t limit = phase_ == phase::trailers ? max_head_bytes - trailer_bytes_ : max_chunk_line;
  if (line_.size() > limit) {
    fail();
    return n;
  }
  if (newline != std::string_view::npos) {
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    on_line();
    line_.clear();
  }
  return n;
}

void response_parser::on_line() {
  if (phase_ == phase::chunk_size) {
    std::uint64_t size = 0;
    if (!parse_hex(trim(std::string_view(line_).substr(0, line_.find(';'))), size)) return fail();
    remaining_ = size;
    phase_ = size == 0 ? phase::trailers : phase::chunk_data;
  } else if (phase_ == phase::chunk_end) {
    if (!line_.empty()) return fail();  // chunk data longer than its declared size
    phase_ = phase::chunk_size;
  } else if (phase_ == phase::trailers) {
    trailer_bytes_ += line_.size() + 2;
    if (line_.empty()) phase_ = phase::done;
  }
}

void response_parser::on_head() {
  std::string_view rest(head_);
  auto next_line = [&rest] {
    const auto end = rest.find("\r\n");
    const auto line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    return line;
  };
  if (!parse_status_line(next_line())) return fail();
  bool close = false, keep = false;
  for (auto line = next_line(); !line.empty(); line = next_line()) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line.front() == ' ' || line.front() == '\t') return fail();
    const auto name = line.substr(0, colon);
    const auto value = trim(line.substr(colon + 1));
    if (iequals(name, "connection")) {
      for_each_token(value, [&](std::string_view t) {
        close = close || iequals(t, "close");
        keep = keep || iequals(t, "keep-alive");
      });
    } else if (!parse_header(name, value)) {
      return fail();
    }
  }
  keep_alive_ = !close && (!http10_ || keep);
  // An interim response (100 Continue and the like) precedes the real one on the same bytes.
  if (code_ >= 100 && code_ < 200 && code_ != 101) return reset(head_request_);
  if (code_ == 101) return fail();  // this client never asks to switch protocols
  start_body();
}

bool response_parser::parse_status_line(std::string_view line) {
  // "HTTP/1.x SSS reason"; the reason phrase may be empty or absent.
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return false;
  if (line[7] != '0' && line[7] != '1') return false;
  http10_ = line[7] == '0';
  std::uint64_t code = 0;
  if (!parse_decimal(line.substr(9, 3), code) || code < 100 || code > 999) return false;
  if (line.size() > 12 && line[12] != ' ') return false;
  code_ = static_cast<int>(code);
  return true;
}

bool response_parser::parse_header(std::string_view name, std::string_view value) {
  if (iequals(name, "content-length")) {
    std::uint64_t length = 0;
    if (!parse_decimal(value, length)) return false;
    if (content_length_ && *content_length_ != length) return false;  // ambiguous framing
    content_length_ = length;
  } else if (iequals(name, "transfer-encoding")) {
    // Only a final "chunked" frames the body; any other final coding runs until close.
    for_each_token(value, [&](std::string_view t) { chunked_ = iequals(t, "chunked"); });
    other_coding_ = !chunked_;
  }
  return true;
}

void response_parser::start_body() {
  if (head_request_ || code_ == 204 || code_ == 304) {
    phase_ = phase::done;
  } else if (chunked_) {
    phase_ = phase::chunk_size;
  } else if (!other_coding_ && content_length_) {
    remaining_ = *content_length_;
    phase_ = remaining_ == 0 ? phase::done : phase::fixed_body;
  } else {
    phase_ = phase::until_close;
    keep_alive_ = false;
  }
}

}  // namespace reel::loadgen
