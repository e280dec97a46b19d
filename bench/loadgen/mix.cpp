#include "bench/loadgen/mix.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>

#include "bench/loadgen/json_text.hpp"

namespace reel::loadgen {

namespace {

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool is_header_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

// Fills the fields of one mix line; the templates are compiled later, once vars are known.
struct raw_entry {
  std::string name, method = "GET", path, body, body_file, content_type;
  double weight = 1;
};

std::optional<std::string> read_member(raw_entry& raw, const std::string& key, const json_scalar& value) {
  if (key == "weight") {
    if (!std::holds_alternative<double>(value)) return "\"weight\" must be a number";
    raw.weight = std::get<double>(value);
    return std::nullopt;
  }
  std::string* field = key == "name"           ? &raw.name
                       : key == "method"       ? &raw.method
                       : key == "path"         ? &raw.path
                       : key == "body"         ? &raw.body
                       : key == "body_file"    ? &raw.body_file
                       : key == "content_type" ? &raw.content_type
                                               : nullptr;
  if (field == nullptr) return "unknown field \"" + key + "\"";
  if (!std::holds_alternative<std::string>(value)) return "\"" + key + "\" must be a string";
  *field = std::get<std::string>(value);
  return std::nullopt;
}

std::optional<mix_entry> compile(raw_entry raw, const std::vector<var_file>& vars, std::string& error) {
  mix_entry e{std::move(raw.name), raw.weight, std::move(raw.method), {}, {}, std::move(raw.content_type), {}};
  if (e.name.empty()) return error = "\"name\" is required", std::nullopt;
  if (!std::isfinite(e.weight) || e.weight < 0) return error = "\"weight\" must be a finite number >= 0", std::nullopt;
  if (!is_token(e.method)) return error = "\"method\" must be an upper-case HTTP method", std::nullopt;
  if (!raw.path.starts_with("/")) return error = "\"path\" must start with '/'", std::nullopt;
  if (!is_header_value(e.content_type)) return error = "\"content_type\" holds a line break", std::nullopt;
  auto path = request_template::compile(raw.path, vars, true, error);
  if (!path) return std::nullopt;
  if (!raw.body_file.empty()) {
    if (!raw.body.empty()) return error = "\"body\" and \"body_file\" exclude each other", std::nullopt;
    std::ifstream in(raw.body_file, std::ios::binary);
    if (!in) return error = "cannot read body_file " + raw.body_file, std::nullopt;
    e.path = std::move(*path);
    e.body = request_template::literal({std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
    e.body_file = std::move(raw.body_file);
    return e;
  }
  auto body = request_template::compile(raw.body, vars, false, error);
  if (!body) return std::nullopt;
  e.path = std::move(*path);
  e.body = std::move(*body);
  return e;
}

}  // namespace

std::optional<std::string> mix::add(mix_entry entry) {
  for (const auto& e : entries_) {
    if (e.name == entry.name) return "duplicate name \"" + entry.name + "\"";
  }
  cumulative_.push_back((cumulative_.empty() ? 0.0 : cumulative_.back()) + entry.weight);
  entries_.push_back(std::move(entry));
  return std::nullopt;
}

std::optional<mix> mix::parse(std::string_view text, std::vector<var_file> vars, std::string& error) {
  mix m;
  m.vars_ = std::move(vars);
  int line_no = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const auto line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto where = [line_no](const std::string& why) { return "mix line " + std::to_string(line_no) + ": " + why; };
    auto object = parse_flat_object(line, error);
    if (!object) return error = where(error), std::nullopt;
    raw_entry raw;
    for (const auto& [key, value] : *object) {
      if (auto why = read_member(raw, key, value)) return error = where(*why), std::nullopt;
    }
    auto entry = compile(std::move(raw), m.vars_, error);
    if (!entry) return error = where(error), std::nullopt;
    if (auto why = m.add(std::move(*entry))) return error = where(*why), std::nullopt;
  }
  if (m.entries_.empty() || m.cumulative_.back() <= 0)
    return error = "the mix has no entry with a positive weight", std::nullopt;
  return m;
}

std::optional<mix> mix::single_get(std::string_view path, std::vector<var_file> vars, std::string& error) {
  mix m;
  m.vars_ = std::move(vars);
  raw_entry raw;
  raw.name = std::string(path);
  raw.path = std::string(path);
  auto entry = compile(std::move(raw), m.vars_, error);
  if (!entry) return std::nullopt;
  m.add(std::move(*entry));
  return m;
}

void mix::bind_host(std::string host) {
  host_ = std::move(host);
  prerendered_.assign(entries_.size(), {});
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (e.path.is_static() && e.body.is_static()) frame(e, e.path.source(), e.body.source(), prerendered_[i]);
  }
}

std::size_t mix::pick(std::mt19937_64& rng) const {
  // 53 random bits give a uniform double in [0, 1); upper_bound skips zero-weight entries.
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * cumulative_.back();
  const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
  return std::min<std::size_t>(it - cumulative_.begin(), entries_.size() - 1);
}

void mix::render(std::size_t i, render_context& ctx, std::string& out) const {
  if (!prerendered_[i].empty()) {
    out = prerendered_[i];
    return;
  }
  const auto& e = entries_[i];
  ctx.path.clear();
  ctx.body.clear();
  e.path.render(ctx.path, ctx, vars_);
  e.body.render(ctx.body, ctx, vars_);
  frame(e, ctx.path, ctx.body, out);
}

// Content-Length goes out whenever there is a body, and for methods that carry one even
// when it is empty: servers may otherwise wait for a body or answer 411.
void mix::frame(const mix_entry& e, std::string_view path, std::string_view body, std::string& out) const {
  out.clear();
  out.append(e.method).append(" ").append(path).append(" HTTP/1.1\r\nHost: ").append(host_);
  out.append("\r\nConnection: keep-alive\r\n");
  if (!e.content_type.empty()) out.append("Content-Type: ").append(e.content_type).append("\r\n");
  if (!body.empty() || e.method == "POST" || e.method == "PUT" || e.method == "PATCH") {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
}

}  // namespace reel::loadgen
