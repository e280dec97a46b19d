#include "bench/loadgen/request_template.hpp"

#include <algorithm>
#include <fstream>

namespace reel::loadgen {

namespace {

bool is_ident_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_ident_char(char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool fits_request_line(std::string_view s) { return !has_control(s) && s.find(' ') == std::string_view::npos; }

// Length of the placeholder name if text[pos] opens "{identifier}", else 0.
std::size_t placeholder_at(std::string_view text, std::size_t pos) {
  if (text[pos] != '{' || pos + 2 >= text.size() || !is_ident_start(text[pos + 1])) return 0;
  std::size_t end = pos + 1;
  while (end < text.size() && is_ident_char(text[end])) ++end;
  return end < text.size() && text[end] == '}' ? end - pos - 1 : 0;
}

}  // namespace

std::optional<var_file> load_var_file(std::string name, const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read var file " + path;
    return std::nullopt;
  }
  var_file file{std::move(name), {}};
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (has_control(line)) {
      error = "var file " + path + " has a control character on line " + std::to_string(file.lines.size() + 1);
      return std::nullopt;
    }
    file.lines.push_back(std::move(line));
  }
  if (file.lines.empty()) {
    error = "var file " + path + " has no lines";
    return std::nullopt;
  }
  return file;
}

std::optional<request_template> request_template::compile(std::string_view text, const std::vector<var_file>& vars,
                                                          bool in_path, std::string& error) {
  request_template t;
  t.source_ = std::string(text);
  auto literal = [&t](std::string_view s) {
    if (s.empty()) return;
    if (t.pieces_.empty() || t.pieces_.back().what != kind::literal) t.pieces_.push_back({kind::literal, {}, 0});
    t.pieces_.back().text += s;
  };
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t len = placeholder_at(text, pos);
    if (len == 0) {
      literal(text.substr(pos++, 1));
      continue;
    }
    const auto name = text.substr(pos + 1, len);
    pos += len + 2;
    if (name == "seq" || name == "rand") {
      t.pieces_.push_back({name == "seq" ? kind::seq : kind::rand, {}, 0});
      continue;
    }
    const auto var = std::find_if(vars.begin(), vars.end(), [&](const var_file& v) { return v.name == name; });
    if (var == vars.end()) {
      error = "unknown placeholder {" + std::string(name) + "}: pass --var " + std::string(name) + "=FILE";
      return std::nullopt;
    }
    if (in_path && !std::all_of(var->lines.begin(), var->lines.end(), fits_request_line)) {
      error = "var '" + var->name + "' has a line with a space, which cannot go into a path";
      return std::nullopt;
    }
    t.pieces_.push_back({kind::var, {}, static_cast<std::size_t>(var - vars.begin())});
  }
  for (const auto& p : t.pieces_) {
    if (in_path && p.what == kind::literal && !fits_request_line(p.text)) {
      error = "path '" + t.source_ + "' has a space or control character";
      return std::nullopt;
    }
  }
  return t;
}

request_template request_template::literal(std::string text) {
  request_template t;
  if (!text.empty()) t.pieces_.push_back({kind::literal, text, 0});
  t.source_ = std::move(text);
  return t;
}

void request_template::render(std::string& out, render_context& ctx, const std::vector<var_file>& vars) const {
  for (const auto& p : pieces_) {
    switch (p.what) {
      case kind::literal:
        out += p.text;
        break;
      case kind::seq:
        out += std::to_string(ctx.seq->fetch_add(1, std::memory_order_relaxed));
        break;
      case kind::rand:
        out += std::to_string(ctx.rng());
        break;
      case kind::var: {
        const auto& lines = vars[p.var].lines;
        out += lines[ctx.rng() % lines.size()];  // modulo bias is negligible for files far below 2^64 lines
        break;
      }
    }
  }
}

}  // namespace reel::loadgen
