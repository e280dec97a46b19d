#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <string>
#include <string_view>
#include <vector>

#include "bench/loadgen/cli.hpp"
#include "bench/loadgen/target.hpp"

using namespace reel::loadgen;

TEST_CASE("loopback targets are accepted, localhost without a resolver") {
  std::string error;
  for (std::string_view text : {"127.0.0.1:9090", "127.1.2.3:1", "localhost:65535", "http://127.0.0.1:8080/"}) {
    CAPTURE(text);
    const auto target = parse_loopback_target(text, error);
    REQUIRE(target.has_value());
    CHECK((ntohl(target->address.sin_addr.s_addr) >> 24) == 127);
  }
  const auto local = parse_loopback_target("localhost:8080", error);
  CHECK(ntohl(local->address.sin_addr.s_addr) == INADDR_LOOPBACK);
  CHECK(ntohs(local->address.sin_port) == 8080);
  CHECK(local->host_header == "localhost:8080");
}

TEST_CASE("any other host is refused") {
  for (std::string_view text :
       {"10.0.0.1:80", "128.0.0.1:80", "0.0.0.0:80", "example.com:80", "[::1]:80", "127.1:80", "localhost.evil.com:80",
        "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:x"}) {
    CAPTURE(text);
    std::string error;
    CHECK_FALSE(parse_loopback_target(text, error).has_value());
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("the command line requires a loopback target, a duration and one workload") {
  auto parse = [](std::vector<std::string_view> args, std::string& error) { return parse_cli(args, error); };
  std::string error;
  auto ok = parse({"--target", "127.0.0.1:9090", "--duration=5", "-c", "64", "--rate", "5000", "--get", "/", "--var",
                   "token=t.txt", "--status-check"},
                  error);
  REQUIRE(ok.has_value());
  CHECK(ok->run.connections == 64);
  CHECK(ok->run.rate == 5000);
  CHECK(ok->run.duration_s == 5);
  CHECK(ok->run.status_check);
  CHECK(ok->vars.size() == 1);
  CHECK_FALSE(parse({"--target", "192.168.1.1:80", "--duration", "5", "--get", "/"}, error).has_value());
  CHECK(error.find("loopback") != std::string::npos);
  CHECK_FALSE(parse({"--target", "127.0.0.1:80", "--get", "/"}, error).has_value());
  CHECK(error.find("--duration") != std::string::npos);
  CHECK_FALSE(parse({"--target", "127.0.0.1:80", "--duration", "1"}, error).has_value());
  CHECK_FALSE(parse({"--target", "127.0.0.1:80", "--duration", "1", "--get", "/", "--mix", "m"}, error).has_value());
  CHECK_FALSE(parse({"--target", "127.0.0.1:80", "--duration", "-1", "--get", "/"}, error).has_value());
  CHECK_FALSE(parse({"--target", "127.0.0.1:80", "--duration", "1", "--get", "/", "--bogus", "1"}, error).has_value());
  // The timeline is bounded too: one histogram per interval.
  CHECK_FALSE(parse({"--target", "127.0.0.1:80", "-d", "3600", "--timeline-ms", "1", "--get", "/"}, error).has_value());
}
