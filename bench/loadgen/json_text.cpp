#include "bench/loadgen/json_text.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace reel::loadgen {

namespace {

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class flat_reader {
 public:
  explicit flat_reader(std::string_view text) : text_(text) {}
  std::optional<flat_object> object();
  const std::string& error() const { return error_; }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::string_view(" \t\r\n").find(text_[pos_]) != std::string_view::npos) ++pos_;
  }
  bool eat(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return false;
  }
  bool fail(const std::string& why) {
    if (error_.empty()) error_ = why + " at column " + std::to_string(pos_ + 1);
    return false;
  }
  bool string(std::string& out);
  bool escape(std::string& out);
  bool hex4(unsigned& out);
  bool scalar(json_scalar& out);
  bool number(json_scalar& out);

  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

std::optional<flat_object> flat_reader::object() {
  flat_object members;
  if (!eat('{')) return fail("expected '{'"), std::nullopt;
  if (!eat('}')) {
    do {
      std::string name;
      json_scalar value;
      skip_space();
      if (!string(name)) return std::nullopt;
      if (!eat(':')) return fail("expected ':'"), std::nullopt;
      if (!scalar(value)) return std::nullopt;
      members.emplace_back(std::move(name), std::move(value));
    } while (eat(','));
    if (!eat('}')) return fail("expected ',' or '}'"), std::nullopt;
  }
  skip_space();
  if (pos_ != text_.size()) return fail("unexpected text after the object"), std::nullopt;
  return members;
}

bool flat_reader::string(std::string& out) {
  if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a string");
  ++pos_;
  while (pos_ < text_.size()) {
    const char c = text_[pos_++];
    if (c == '"') return true;
    if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
    if (c != '\\') {
      out.push_back(c);
    } else if (!escape(out)) {
      return false;
    }
  }
  return fail("unterminated string");
}

bool flat_reader::hex4(unsigned& out) {
  if (pos_ + 4 > text_.size()) return fail("short \\u escape");
  out = 0;
  for (int i = 0; i < 4; ++i) {
    const auto digit = std::string_view("0123456789abcdef")
                           .find(static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_++]))));
    if (digit == std::string_view::npos) return fail("bad \\u escape");
    out = out * 16 + static_cast<unsigned>(digit);
  }
  return true;
}

bool flat_reader::escape(std::string& out) {
  if (pos_ >= text_.size()) return fail("unterminated escape");
  const char c = text_[pos_++];
  constexpr std::string_view escaped = "\"\\/bfnrt", meaning = "\"\\/\b\f\n\r\t";
  if (const auto at = escaped.find(c); at != std::string_view::npos) {
    out.push_back(meaning[at]);
    return true;
  }
  if (c != 'u') return fail("unknown escape");
  unsigned cp = 0;
  if (!hex4(cp)) return false;
  if (cp >= 0xD800 && cp < 0xDC00) {  // a high surrogate must be followed by a low one
    unsigned low = 0;
    if (text_.substr(pos_, 2) != "\\u") return fail("lone surrogate");
    pos_ += 2;
    if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return fail("bad surrogate pair");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
  } else if (cp >= 0xDC00 && cp < 0xE000) {
    return fail("lone surrogate");
  }
  append_utf8(out, cp);
  return true;
}

bool flat_reader::scalar(json_scalar& out) {
  skip_space();
  const auto rest = text_.substr(pos_);
  if (rest.starts_with("\"")) {
    std::string s;
    if (!string(s)) return false;
    out = std::move(s);
    return true;
  }
  for (auto [word, value] :
       {std::pair<std::string_view, json_scalar>{"true", true}, {"false", false}, {"null", nullptr}}) {
    if (rest.starts_with(word)) {
      pos_ += word.size();
      out = value;
      return true;
    }
  }
  if (rest.starts_with("{") || rest.starts_with("[")) return fail("nested values are not supported in a mix line");
  return number(out);
}

bool flat_reader::number(json_scalar& out) {
  const std::size_t start = pos_;
  while (pos_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[pos_]) != std::string_view::npos) ++pos_;
  const std::string digits(text_.substr(start, pos_ - start));
  char* end = nullptr;
  const double value = digits.empty() ? 0.0 : std::strtod(digits.c_str(), &end);
  if (digits.empty() || end != digits.c_str() + digits.size()) return pos_ = start, fail("expected a value");
  out = value;
  return true;
}

}  // namespace

std::optional<flat_object> parse_flat_object(std::string_view text, std::string& error) {
  flat_reader reader(text);
  auto object = reader.object();
  if (!object) error = reader.error();
  return object;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void json_writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!has_member_.empty()) {
    if (has_member_.back()) out_.push_back(',');
    has_member_.back() = true;
  }
}

json_writer& json_writer::open(char bracket) {
  before_value();
  out_.push_back(bracket);
  has_member_.push_back(false);
  return *this;
}

json_writer& json_writer::close(char bracket) {
  out_.push_back(bracket);
  has_member_.pop_back();
  return *this;
}

json_writer& json_writer::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

json_writer& json_writer::value(std::uint64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

json_writer& json_writer::value(std::int64_t n) {
  before_value();
  out_ += std::to_string(n);
  return *this;
}

json_writer& json_writer::value(double x) {
  if (!std::isfinite(x)) return null();
  before_value();
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", x);
  out_ += buf;
  return *this;
}

json_writer& json_writer::value(bool b) {
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

}  // namespace reel::loadgen
