// The wire format of etcd's JSON gateway, with no I/O: request bodies in, response bodies out.
// Gateway quirks handled here: keys and values are base64; int64 fields (revisions, lease ids,
// TTLs) travel as JSON strings; proto3 leaves out every field at its default (0, false, "");
// streamed answers (watch, keepalive) come wrapped as {"result":{...}} or {"error":{...}}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/membership/etcd_client.hpp"

namespace reel::cluster::membership::json {

std::string base64(std::string_view bytes);
std::string unbase64(std::string_view text);  // throws etcd_error on malformed input

// The [key, end) range of every key starting with `prefix`: end is the prefix with its last
// byte + 1 (trailing 0xff bytes dropped first), "\0" (no upper bound) when nothing is left to
// increment; the empty prefix becomes key "\0", etcd's spelling of "from the first key".
struct key_range {
  std::string key, end;
};
key_range prefix_range(std::string_view prefix);

std::string put_request(const std::string& key, const std::string& value, std::int64_t lease);
std::string range_request(const std::string& key, const std::string& range_end);  // "" = one key
std::string delete_request(const std::string& key, const std::string& range_end);
std::string grant_request(std::int64_t ttl_seconds);
std::string lease_request(std::int64_t lease);  // keepalive and revoke
// Compares every write's key on mod_revision (a missing key has mod_revision 0) and applies all
// writes only if every comparison holds.
std::string txn_request(const std::vector<etcd_client::guarded_write>& writes);
std::string watch_request(const std::string& key, const std::string& range_end, std::int64_t start_revision);

// A non-200 answer of the gateway: {"error":..., "code": gRPC status, "message":...}.
struct gateway_error {
  int code = 0;  // gRPC status code: 5 not found, 14 unavailable, ...
  std::string message;
};
std::optional<gateway_error> parse_error(std::string_view body);

std::int64_t parse_header_revision(std::string_view body);  // put
range_result parse_range(std::string_view body);
std::int64_t parse_deleted(std::string_view body);
bool parse_txn_succeeded(std::string_view body);
std::int64_t parse_grant(std::string_view body);  // the lease id
etcd_client::keepalive_result parse_keepalive(std::string_view body);

// One line of the watch stream.
struct watch_message {
  std::optional<std::string> error;  // the stream itself failed
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;  // > 0 when canceled because the start revision is gone
  std::string cancel_reason;
  std::int64_t header_revision = 0;
  std::vector<watch_event> events;
};
watch_message parse_watch_message(std::string_view line);

}  // namespace reel::cluster::membership::json
