// Paths and bodies with placeholders, compiled once and rendered per request.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace reel::loadgen {

// The lines of a file given with --var NAME=FILE; a placeholder {NAME} takes one at random.
struct var_file {
  std::string name;
  std::vector<std::string> lines;  // non-empty lines, trailing '\r' removed
};

// Reads FILE for --var; nullopt (with `error`) if unreadable, empty or holding control characters.
std::optional<var_file> load_var_file(std::string name, const std::string& path, std::string& error);

// What rendering draws on: one per event-loop thread, except `seq`, shared by the whole run
// so that {seq} numbers requests uniquely across threads.
struct render_context {
  std::mt19937_64 rng;
  std::atomic<std::uint64_t>* seq = nullptr;
  std::string path, body;  // scratch, reused so that rendering does not allocate per request
};

// Text in which {seq}, {rand} and {NAME} (NAME a var file) are replaced at each render.
// Only `{identifier}` is a placeholder, so JSON bodies such as {"a":1} stay literal.
class request_template {
 public:
  // Fails on a placeholder naming neither seq, rand nor one of `vars`. With `in_path`, also
  // fails when a literal or a referenced var line holds a space or control character,
  // either of which would break the request line.
  static std::optional<request_template> compile(std::string_view text, const std::vector<var_file>& vars, bool in_path,
                                                 std::string& error);
  // Text sent verbatim, braces included (a "body_file" such as a prebuilt multipart upload).
  static request_template literal(std::string text);

  bool is_static() const { return pieces_.size() <= 1 && (pieces_.empty() || pieces_[0].what == kind::literal); }
  bool empty() const { return pieces_.empty(); }
  const std::string& source() const { return source_; }

  // Appends the rendered text to out.
  void render(std::string& out, render_context& ctx, const std::vector<var_file>& vars) const;

 private:
  enum class kind { literal, seq, rand, var };
  struct piece {
    kind what;
    std::string text;     // for literal
    std::size_t var = 0;  // index into vars, for var
  };

  std::vector<piece> pieces_;
  std::string source_;
};

}  // namespace reel::loadgen
