// Incremental parser of one HTTP/1.1 response at a time, fed with whatever a read returned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace reel::loadgen {

class response_parser {
 public:
  enum class status { need_more, complete, error };

  static constexpr std::size_t prefix_capacity = 32;        // body bytes kept for the API status check
  static constexpr std::size_t max_head_bytes = 64 * 1024;  // a longer head (or trailer) is an error

  // Prepares for the next response. A reply to HEAD has no body whatever its headers say.
  void reset(bool head_request = false);

  // Consumes bytes of the current response and sets `used` to how many it took. Bytes after
  // a complete response are left unconsumed: a client that does not pipeline never asked
  // for them, so the caller should drop the connection.
  status feed(std::string_view bytes, std::size_t& used);

  // The peer closed the connection: completes a body delimited by the close, fails any
  // other unfinished response.
  status on_eof();

  int code() const { return code_; }
  bool keep_alive() const { return keep_alive_; }
  std::string_view body_prefix() const { return prefix_; }
  std::uint64_t body_bytes() const { return body_bytes_; }
  bool done() const { return phase_ == phase::done; }

 private:
  enum class phase { head, fixed_body, chunk_size, chunk_data, chunk_end, trailers, until_close, done, failed };

  std::size_t take_head(std::string_view bytes);
  std::size_t take_body(std::string_view bytes);
  std::size_t take_line(std::string_view bytes);
  void on_line();
  void on_head();
  bool parse_status_line(std::string_view line);
  bool parse_header(std::string_view name, std::string_view value);
  void start_body();
  void fail() { phase_ = phase::failed; }

  phase phase_ = phase::head;
  bool head_request_ = false;
  std::string head_;  // the head so far, up to and including the blank line
  std::string line_;  // a chunk-size, chunk-end or trailer line so far
  std::size_t trailer_bytes_ = 0;
  int code_ = 0;
  bool http10_ = false;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool other_coding_ = false;  // a transfer coding other than chunked: the body runs until close
  std::optional<std::uint64_t> content_length_;
  std::uint64_t remaining_ = 0;  // bytes left in the fixed body or the current chunk
  std::uint64_t body_bytes_ = 0;
  std::string prefix_;
};

}  // namespace reel::loadgen
