// A request mix: named request kinds with weights, each drawn in proportion to its weight.
#pragma once

#include <cstddef>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "bench/loadgen/request_template.hpp"

namespace reel::loadgen {

struct mix_entry {
  std::string name;
  double weight = 1;
  std::string method = "GET";
  request_template path;
  request_template body;
  std::string content_type;  // no Content-Type header when empty
  std::string body_file;     // set when the body was read verbatim from this file ("body_file")
};

class mix {
 public:
  // Parses a mix file: one JSON object per line, e.g.
  //   {"name":"home","weight":60,"method":"GET","path":"/feed/?token={token}","body":"","content_type":""}
  // "body_file":"PATH" instead of "body" sends that file's bytes verbatim, without
  // placeholders: binary bodies such as a multipart upload cannot be written in a JSON string.
  // Blank lines are skipped; unknown fields are errors (a misspelt "weight" would
  // otherwise silently become 1). Errors name the line.
  static std::optional<mix> parse(std::string_view text, std::vector<var_file> vars, std::string& error);

  // The --get workload: one GET entry named after its path.
  static std::optional<mix> single_get(std::string_view path, std::vector<var_file> vars, std::string& error);

  // Sets the Host header and pre-renders the requests that have no placeholders, so that
  // the hot path copies them instead of formatting. Call once before rendering.
  void bind_host(std::string host);

  // Draws an entry index with probability weight / total weight.
  std::size_t pick(std::mt19937_64& rng) const;

  // Replaces out with the complete HTTP/1.1 request for entry i.
  void render(std::size_t i, render_context& ctx, std::string& out) const;

  const std::vector<mix_entry>& entries() const { return entries_; }
  bool is_head(std::size_t i) const { return entries_[i].method == "HEAD"; }

 private:
  std::optional<std::string> add(mix_entry entry);  // error text on failure
  void frame(const mix_entry& e, std::string_view path, std::string_view body, std::string& out) const;

  std::vector<mix_entry> entries_;
  std::vector<double> cumulative_;  // running sum of weights, for pick()
  std::vector<var_file> vars_;
  std::string host_;
  std::vector<std::string> prerendered_;  // per entry; empty when it has placeholders
};

}  // namespace reel::loadgen
