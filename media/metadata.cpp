#include "media/metadata.hpp"

#include <charconv>
#include <cstdio>
#include <map>
#include <variant>

namespace reel::media {

namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

template <class Number>
void append_number(std::string& out, Number n) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);  // shortest exact form, no locale
  out.append(buf, ec == std::errc() ? end : buf);
}

// A JSON value as this file uses them: string, number (kept as text) or boolean.
struct number_text {
  std::string_view text;
};
using value = std::variant<std::string, number_text, bool>;

// A cursor over the text; every parse_* returns false on malformed input.
struct parser {
  std::string_view s;
  std::size_t at = 0;

  void skip_space() {
    while (at < s.size() && (s[at] == ' ' || s[at] == '\n' || s[at] == '\r' || s[at] == '\t')) ++at;
  }
  bool eat(char c) {
    skip_space();
    if (at >= s.size() || s[at] != c) return false;
    ++at;
    return true;
  }
  bool parse_escape(std::string& out);
  bool parse_string(std::string& out);
  bool parse_value(value& out);
  bool parse_object(std::map<std::string, value>& fields);
};

void append_utf8(std::string& out, unsigned cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool parser::parse_escape(std::string& out) {
  if (at >= s.size()) return false;
  char e = s[at++];
  switch (e) {
    case '"':
    case '\\':
    case '/':
      out += e;
      return true;
    case 'b':
      out += '\b';
      return true;
    case 'f':
      out += '\f';
      return true;
    case 'n':
      out += '\n';
      return true;
    case 'r':
      out += '\r';
      return true;
    case 't':
      out += '\t';
      return true;
    case 'u':
      break;
    default:
      return false;
  }
  unsigned cp = 0;
  if (at + 4 > s.size()) return false;
  auto [end, ec] = std::from_chars(s.data() + at, s.data() + at + 4, cp, 16);
  if (ec != std::errc() || end != s.data() + at + 4) return false;
  at += 4;
  append_utf8(out, cp);
  return true;
}

bool parser::parse_string(std::string& out) {
  if (!eat('"')) return false;
  while (at < s.size()) {
    char c = s[at++];
    if (c == '"') return true;
    if (static_cast<unsigned char>(c) < 0x20) return false;
    if (c != '\\') {
      out += c;
    } else if (!parse_escape(out)) {
      return false;
    }
  }
  return false;
}

bool parser::parse_value(value& out) {
  skip_space();
  if (at >= s.size()) return false;
  if (s[at] == '"') {
    std::string text;
    if (!parse_string(text)) return false;
    out = std::move(text);
    return true;
  }
  for (std::string_view word : {"true", "false"}) {
    if (s.substr(at, word.size()) == word) {
      at += word.size();
      out = word == "true";
      return true;
    }
  }
  std::size_t begin = at;
  while (at < s.size() && std::string_view("+-.0123456789eE").find(s[at]) != std::string_view::npos) ++at;
  out = number_text{s.substr(begin, at - begin)};
  return at > begin;
}

bool parser::parse_object(std::map<std::string, value>& fields) {
  if (!eat('{')) return false;
  if (eat('}')) return true;
  do {
    std::string key;
    value v;
    if (!parse_string(key) || !eat(':') || !parse_value(v)) return false;
    fields.insert_or_assign(std::move(key), std::move(v));
  } while (eat(','));
  if (!eat('}')) return false;
  skip_space();
  return at == s.size();
}

// Typed access to the parsed fields; `ok` turns false at the first missing or mistyped one.
struct field_reader {
  const std::map<std::string, value>& fields;
  bool ok = true;

  const value* find(const char* name) {
    auto it = fields.find(name);
    if (it == fields.end()) ok = false;
    return it == fields.end() ? nullptr : &it->second;
  }
  void get(const char* name, std::string& out) {
    auto* v = find(name);
    if (auto* s = v ? std::get_if<std::string>(v) : nullptr)
      out = *s;
    else
      ok = false;
  }
  void get(const char* name, bool& out) {
    auto* v = find(name);
    if (auto* b = v ? std::get_if<bool>(v) : nullptr)
      out = *b;
    else
      ok = false;
  }
  template <class Number>
  void get(const char* name, Number& out) {
    auto* v = find(name);
    auto* n = v ? std::get_if<number_text>(v) : nullptr;
    if (n == nullptr) return void(ok = false);
    auto [end, ec] = std::from_chars(n->text.data(), n->text.data() + n->text.size(), out);
    if (ec != std::errc() || end != n->text.data() + n->text.size()) ok = false;
  }
};

}  // namespace

std::string to_json(const stored_video& v) {
  std::string out = "{\"hash\":";
  append_string(out, v.hash);
  out += ",\"content_type\":";
  append_string(out, v.info.content_type);
  out += ",\"codec\":";
  append_string(out, v.info.codec);
  out += ",\"width\":";
  append_number(out, v.info.width);
  out += ",\"height\":";
  append_number(out, v.info.height);
  out += ",\"duration_s\":";
  append_number(out, v.info.duration_s);
  out += v.info.has_audio ? ",\"has_audio\":true" : ",\"has_audio\":false";
  out += ",\"bytes\":";
  append_number(out, v.bytes);
  out += ",\"cover_bytes\":";
  append_number(out, v.cover_bytes);
  out += "}\n";
  return out;
}

std::optional<stored_video> from_json(std::string_view text) {
  std::map<std::string, value> fields;
  parser p{text};
  if (!p.parse_object(fields)) return std::nullopt;
  stored_video v;
  field_reader r{fields};
  r.get("hash", v.hash);
  r.get("content_type", v.info.content_type);
  r.get("codec", v.info.codec);
  r.get("width", v.info.width);
  r.get("height", v.info.height);
  r.get("duration_s", v.info.duration_s);
  r.get("has_audio", v.info.has_audio);
  r.get("bytes", v.bytes);
  r.get("cover_bytes", v.cover_bytes);
  if (!r.ok) return std::nullopt;
  return v;
}

}  // namespace reel::media
