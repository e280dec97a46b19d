// The server under load: only loopback, so that a benchmark can never load someone else's host.
#pragma once

#include <netinet/in.h>

#include <optional>
#include <string>
#include <string_view>

namespace reel::loadgen {

struct loopback_target {
  sockaddr_in address{};
  std::string host_header;  // "HOST:PORT" as given, sent as the Host header
};

// Parses "HOST:PORT" (an optional "http://" prefix and trailing "/" are tolerated). HOST
// must be "localhost" or a dotted IPv4 address in 127.0.0.0/8; "localhost" maps to
// 127.0.0.1 without asking a resolver, whose answer could point anywhere. On refusal,
// returns nullopt and says why in `error`.
std::optional<loopback_target> parse_loopback_target(std::string_view text, std::string& error);

}  // namespace reel::loadgen
