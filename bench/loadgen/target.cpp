#include "bench/loadgen/target.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace reel::loadgen {

namespace {

bool parse_port(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value == 0 || value > 65535) return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

std::optional<loopback_target> parse_loopback_target(std::string_view text, std::string& error) {
  if (text.starts_with("http://")) text.remove_prefix(7);
  if (text.ends_with("/")) text.remove_suffix(1);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    error = "target must be HOST:PORT";
    return std::nullopt;
  }
  const std::string host(text.substr(0, colon));
  loopback_target target;
  target.address.sin_family = AF_INET;
  std::uint16_t port = 0;
  if (!parse_port(text.substr(colon + 1), port)) {
    error = "target port must be 1..65535";
    return std::nullopt;
  }
  target.address.sin_port = htons(port);
  in_addr ip{};
  if (host == "localhost") {
    ip.s_addr = htonl(INADDR_LOOPBACK);
  } else if (inet_pton(AF_INET, host.c_str(), &ip) != 1 || (ntohl(ip.s_addr) >> 24) != 127) {
    error = "refusing target host '" + host + "': load goes only to loopback (127.0.0.0/8 or localhost)";
    return std::nullopt;
  }
  target.address.sin_addr = ip;
  target.host_header = std::string(text);
  return target;
}

}  // namespace reel::loadgen
