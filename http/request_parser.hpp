// HTTP/1.1 request framing (RFC 9112) as plain functions on bytes, with no I/O: the request
// line and header section, and the body's length or its chunked coding. The connection
// feeds them what it has read; the fuzz targets and unit tests feed them anything.
//
// Strict where framing is at stake (a proxy in front and Reel must agree where a request
// ends): Content-Length must be digits, one value however often repeated, and never beside
// Transfer-Encoding; only "chunked" is understood; lines end in CRLF; no obs-fold. Lenient
// where Reel does not look: Host, Date, Cookie, Cache-Control and any other field are kept
// as bytes and never interpreted here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/errors.hpp"

namespace reel::http {

struct header_field {
  std::string name;   // lower-cased
  std::string value;  // without surrounding whitespace
};

enum class body_framing { none, length, chunked };

struct request_head {
  std::string method;
  std::string target;     // as sent: path and query
  int minor_version = 1;  // HTTP/1.<minor>
  std::vector<header_field> fields;
  body_framing framing = body_framing::none;
  std::uint64_t content_length = 0;  // when framing == length
  bool keep_alive = true;            // the client's wish (Connection, version)
  bool expects_continue = false;     // Expect: 100-continue

  // The first field of that (lower-case) name, or nullptr.
  const std::string* field(std::string_view name) const;
  std::string_view path() const;   // the target before '?'
  std::string_view query() const;  // after '?', or empty
};

struct head_limits {
  std::size_t max_head_bytes = 16 << 10;  // request line and every field, CRLFs included
  std::size_t max_fields = 100;
};

struct head_result {
  enum class state { incomplete, complete, invalid } status = state::incomplete;
  request_head head;         // when complete
  std::size_t consumed = 0;  // bytes of the head, blank line included (when complete)
  error problem;             // when invalid: malformed_request, headers_too_large, ...
};

// Parses the head at the front of `bytes` (empty lines before it are skipped, RFC 9112 2.2).
head_result parse_head(std::string_view bytes, const head_limits& limits = {});

// Decodes the chunked transfer coding (RFC 9112 7.1) as bytes arrive; trailer fields are
// read and dropped. `max_body` bounds the decoded size.
class chunked_decoder {
 public:
  explicit chunked_decoder(std::uint64_t max_body) : max_body_(max_body) {}

  enum class status { more, done, invalid, too_large };
  // Consumes a prefix of `in` (sets `used`), appending decoded bytes to `out`. Call again
  // with the unconsumed rest plus new bytes while it says `more`.
  status feed(std::string_view in, std::size_t& used, std::string& out);
  std::uint64_t decoded() const { return decoded_; }

 private:
  enum class phase { size_line, data, data_end, trailer };
  phase phase_ = phase::size_line;
  std::uint64_t max_body_;
  std::uint64_t decoded_ = 0;
  std::uint64_t chunk_left_ = 0;
  std::size_t trailer_lines_ = 0;
};

// RFC 9110 5.6.2 token characters (methods, field names, codings).
bool is_token(std::string_view s);

}  // namespace reel::http
