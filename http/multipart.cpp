#include "http/multipart.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace reel::http {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) { return lower(x) == lower(y); });
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters, for header and parameter names.
bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) { return !s.empty() && std::ranges::all_of(s, is_token_char); }

struct header_param {
  std::string name;
  std::string value;
};

class param_scanner {
 public:
  explicit param_scanner(std::string_view text) : text_(text) {}

  // `; name=value` pairs (value a token or a quoted string); nullopt when malformed.
  // Empty `;;` segments and a trailing `;` are tolerated: some clients emit them.
  std::optional<std::vector<header_param>> all() {
    std::vector<header_param> params;
    for (;;) {
      skip_blanks();
      if (done()) return params;
      if (peek() == ';') {
        ++pos_;
        continue;
      }
      auto param = one();
      if (!param) return std::nullopt;
      params.push_back(std::move(*param));
      skip_blanks();
      if (!done() && peek() != ';') return std::nullopt;
    }
  }

 private:
  std::optional<header_param> one() {
    std::size_t start = pos_;
    while (!done() && is_token_char(peek())) ++pos_;
    header_param param{std::string(text_.substr(start, pos_ - start)), {}};
    skip_blanks();
    if (param.name.empty() || done() || peek() != '=') return std::nullopt;
    ++pos_;
    skip_blanks();
    auto value = (!done() && peek() == '"') ? quoted() : bare();
    if (!value) return std::nullopt;
    param.value = std::move(*value);
    return param;
  }

  // RFC 9110 quoted-string: a backslash makes the next character literal.
  std::optional<std::string> quoted() {
    std::string value;
    for (++pos_; !done(); ++pos_) {
      char c = peek();
      if (c == '"') {
        ++pos_;
        return value;
      }
      if (c == '\\' && pos_ + 1 < text_.size()) c = text_[++pos_];
      value += c;
    }
    return std::nullopt;
  }

  std::optional<std::string> bare() {
    std::size_t start = pos_;
    while (!done() && peek() != ';' && !is_blank(peek()) && peek() != '"') ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  void skip_blanks() {
    while (!done() && is_blank(peek())) ++pos_;
  }
  bool done() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

const header_param* find_param(const std::vector<header_param>& params, std::string_view name) {
  auto it = std::ranges::find_if(params, [&](const header_param& p) { return iequals(p.name, name); });
  return it == params.end() ? nullptr : &*it;
}

// What follows `--boundary`: another part, the end, or nothing (the bytes were data).
enum class boundary_kind { part, close, none };

struct boundary_end {
  boundary_kind kind;
  std::size_t next;  // first byte after the boundary line
};

// Like Go's mime/multipart, `\r\n--boundary` followed by anything but `--` or transport
// padding and CRLF is not a delimiter, so a sender whose data happens to extend the boundary
// string is read correctly instead of being cut.
boundary_end after_boundary(std::string_view body, std::size_t pos) {
  if (body.substr(pos, 2) == "--") return {boundary_kind::close, pos + 2};
  while (pos < body.size() && is_blank(body[pos])) ++pos;
  if (body.substr(pos, 2) == "\r\n") return {boundary_kind::part, pos + 2};
  return {boundary_kind::none, pos};
}

struct delimiter_match {
  std::size_t data_end;  // where the CRLF of the delimiter starts
  boundary_end end;
};

// The searcher keeps iterators into `delimiter_`, so this object never moves.
class delimiter_finder {
 public:
  explicit delimiter_finder(std::string_view boundary)
      : delimiter_("\r\n--" + std::string(boundary)), searcher_(delimiter_.begin(), delimiter_.end()) {}
  delimiter_finder(const delimiter_finder&) = delete;
  delimiter_finder& operator=(const delimiter_finder&) = delete;

  // The next real delimiter at or after `from`; one forward scan over the body in total.
  std::optional<delimiter_match> next(std::string_view body, std::size_t from) const {
    while (from <= body.size()) {
      auto it = std::search(body.begin() + from, body.end(), searcher_);
      if (it == body.end()) return std::nullopt;
      std::size_t at = static_cast<std::size_t>(it - body.begin());
      auto end = after_boundary(body, at + delimiter_.size());
      if (end.kind != boundary_kind::none) return delimiter_match{at, end};
      from = at + 1;
    }
    return std::nullopt;
  }

 private:
  std::string delimiter_;
  std::boyer_moore_horspool_searcher<std::string::const_iterator> searcher_;
};

std::string apply_disposition(std::string_view value, multipart_part& part) {
  auto semicolon = value.find(';');
  if (!iequals(trim(value.substr(0, semicolon)), "form-data")) return "Content-Disposition is not form-data";
  auto params = param_scanner(semicolon == value.npos ? "" : value.substr(semicolon + 1)).all();
  if (!params) return "malformed Content-Disposition parameters";
  const header_param* name = find_param(*params, "name");
  if (!name) return "part without a name";
  part.name = name->value;
  if (const header_param* filename = find_param(*params, "filename")) part.filename = filename->value;
  return {};
}

// One `Name: value` line; bare CR or LF inside a line is rejected rather than guessed at.
std::string apply_header(std::string_view line, multipart_part& part, bool& seen_disposition, bool& seen_type) {
  if (line.find_first_of("\r\n") != line.npos) return "bare CR or LF in part headers";
  auto colon = line.find(':');
  if (colon == line.npos || !is_token(line.substr(0, colon))) return "malformed part header";
  std::string_view name = line.substr(0, colon);
  std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "Content-Disposition")) {
    if (std::exchange(seen_disposition, true)) return "duplicate Content-Disposition";
    return apply_disposition(value, part);
  }
  if (iequals(name, "Content-Type")) {
    if (std::exchange(seen_type, true)) return "duplicate Content-Type";
    part.content_type = std::string(value);
  }
  return {};
}

// Reads the header block starting at `pos`; returns where the part's data starts.
std::optional<std::size_t> read_headers(std::string_view body, std::size_t pos, multipart_part& part,
                                        std::string& error) {
  bool seen_disposition = false;
  bool seen_type = false;
  for (;;) {
    auto eol = body.find("\r\n", pos);
    if (eol == body.npos) {
      error = "unterminated part headers";
      return std::nullopt;
    }
    std::string_view line = body.substr(pos, eol - pos);
    pos = eol + 2;
    if (line.empty()) break;
    error = apply_header(line, part, seen_disposition, seen_type);
    if (!error.empty()) return std::nullopt;
  }
  if (!seen_disposition) {
    error = "part without Content-Disposition";
    return std::nullopt;
  }
  return pos;
}

// The opening boundary may start the body without a CRLF; otherwise a preamble precedes it.
std::optional<boundary_end> opening(std::string_view body, std::string_view boundary, const delimiter_finder& finder) {
  if (body.size() >= boundary.size() + 2 && body.starts_with("--") && body.substr(2).starts_with(boundary)) {
    auto end = after_boundary(body, boundary.size() + 2);
    if (end.kind != boundary_kind::none) return end;
  }
  auto match = finder.next(body, 0);
  if (!match) return std::nullopt;
  return match->end;
}

multipart_result failure(std::string error) { return {{}, std::move(error)}; }

}  // namespace

bool media_type_is(std::string_view content_type, std::string_view type) {
  return iequals(trim(content_type.substr(0, content_type.find(';'))), type);
}

std::optional<std::string> boundary_of(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  if (semicolon == content_type.npos) return std::nullopt;
  auto params = param_scanner(content_type.substr(semicolon + 1)).all();
  if (!params) return std::nullopt;
  const header_param* boundary = find_param(*params, "boundary");
  if (!boundary) return std::nullopt;
  const std::string& value = boundary->value;
  bool printable = std::ranges::all_of(value, [](char c) { return c >= ' ' && c <= '~'; });
  if (value.empty() || value.size() > max_boundary_size || !printable || value.back() == ' ') {
    return std::nullopt;
  }
  return value;
}

multipart_result parse_multipart(std::string_view body, std::string_view boundary) {
  if (boundary.empty() || boundary.size() > max_boundary_size) return failure("invalid boundary");
  delimiter_finder finder(boundary);
  auto current = opening(body, boundary, finder);
  if (!current) return failure("no opening boundary");
  multipart_result result;
  while (current->kind == boundary_kind::part) {
    if (result.parts.size() == max_form_fields)
      return failure("more than " + std::to_string(max_form_fields) + " parts");
    multipart_part part;
    auto data_start = read_headers(body, current->next, part, result.error);
    if (!data_start) return failure(std::move(result.error));
    auto match = finder.next(body, *data_start);
    if (!match) return failure("missing closing boundary");
    part.data = body.substr(*data_start, match->data_end - *data_start);
    result.parts.push_back(std::move(part));
    current = match->end;
  }
  return result;  // the epilogue after the closing boundary is ignored, as RFC 2046 asks
}

}  // namespace reel::http
