// Register/login attempts are limited per client address cluster-wide: the node that owns
// the address counts every attempt, whichever node's edge took it (service::admit_attempt).
// reeld's default limit is 20 attempts/s with a burst of 200; attempts with a too short
// password are counted and then refused without any password hashing, so they are cheap.
#include <doctest/doctest.h>

#include "tests/api/douyin.hpp"
#include "tests/cluster/cluster_harness.hpp"

using namespace reel::test;
using reel::cluster_test::cluster;

TEST_CASE("a client spreading login attempts over the nodes gets one limit, not one per node") {
  cluster nodes;
  std::vector<std::unique_ptr<http_client>> clients;
  for (std::size_t i = 0; i < nodes.size(); ++i) clients.push_back(std::make_unique<http_client>(nodes.base_url(i)));
  constexpr int attempts = 600;
  int admitted = 0, limited = 0;
  for (int i = 0; i < attempts; ++i) {
    auto r = clients[static_cast<std::size_t>(i) % clients.size()]->post_form(
        "/douyin/user/login/", {{"username", "limits" + std::to_string(i)}, {"password", "x"}});
    REQUIRE(r.json_ok);
    if (r.status_code() == status::rate_limited) {
      CHECK_NO_PROBLEM(problem_auth_error(r, 429, status::rate_limited));
      ++limited;
    } else {
      CHECK_NO_PROBLEM(problem_auth_error(r, 200, status::bad_parameter));  // counted, then refused
      ++admitted;
    }
  }
  MESSAGE(admitted << " attempts admitted, " << limited << " limited, over " << nodes.size() << " nodes");
  // One bucket: the burst (200) plus what refills while the attempts run (20/s). Counted per
  // node it would be three bursts (~600, all of them).
  CHECK(admitted >= 200);
  CHECK(admitted < 300);
  CHECK(limited > 0);
}
