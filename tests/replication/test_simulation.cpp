// The replication protocol under the deterministic simulation: many seeds must keep every
// promise, and each known bug re-created by a fault flag must be caught.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

#include "tests/replication/simulation.hpp"

namespace sim = reel::cluster::replication::sim;

namespace {

// REEL_SIM_SEEDS overrides how many seeds a run covers. The defaults run in CI: thousands
// of seeds in about ten seconds, fewer under AddressSanitizer (several times slower).
int seeds(int fallback) {
  const char* env = std::getenv("REEL_SIM_SEEDS");
  if (env) return std::atoi(env);
#ifdef __SANITIZE_ADDRESS__
  return fallback / 4;
#else
  return fallback;
#endif
}

}  // namespace

TEST_CASE("every seed keeps the protocol's promises") {
  const int count = seeds(2000);
  std::uint64_t acknowledged = 0, crashes = 0, snapshots = 0;
  for (int seed = 1; seed <= count; ++seed) {
    sim::options o;
    o.seed = static_cast<std::uint64_t>(seed);
    auto r = sim::run(o);
    INFO(r.failure);
    REQUIRE(r.ok);
    acknowledged += r.acknowledged;
    crashes += r.crashes;
    snapshots += r.snapshots;
  }
  MESSAGE(count << " seeds: " << acknowledged << " writes acknowledged, " << crashes << " crashes, " << snapshots
                << " snapshots installed");
  CHECK(acknowledged > 0);
}

namespace {

struct known_bug {
  const char* name;
  void (*inject)(sim::options&);
};

// The first failure among seeds 1..max_seeds, with its seed; empty when every seed passed.
std::string first_failure(void (*inject)(sim::options&), int max_seeds) {
  for (int seed = 1; seed <= max_seeds; ++seed) {
    sim::options o;
    o.seed = static_cast<std::uint64_t>(seed);
    inject(o);
    auto r = sim::run(o);
    if (!r.ok) return r.failure;
  }
  return {};
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

TEST_CASE("each re-created replication bug is caught") {
  const known_bug bugs[] = {
      {"commit once a majority holds an entry", [](sim::options& o) { o.faults.commit_on_majority = true; }},
      {"apply entries before they commit", [](sim::options& o) { o.faults.apply_uncommitted = true; }},
      {"serve before the barrier commits", [](sim::options& o) { o.faults.serve_before_barrier = true; }},
      {"acknowledge before every replica applied", [](sim::options& o) { o.faults.visible_on_commit = true; }},
      {"accept appends without the epoch check", [](sim::options& o) { o.faults.ignore_epoch_check = true; }},
      {"elect a learner (a shorter log outside the configuration)",
       [](sim::options& o) { o.controller.elect_learner = true; }},
      {"drop a reported replica before its authority ends",
       [](sim::options& o) { o.controller.drop_before_fenced = true; }},
      {"keep a wiped disk as a replica", [](sim::options& o) { o.controller.keep_wiped_replica = true; }},
  };
  for (const auto& bug : bugs) {
    auto failure = first_failure(bug.inject, seeds(1000));
    CHECK_MESSAGE(!failure.empty(), "not caught: " << std::string(bug.name));
    if (!failure.empty()) MESSAGE(std::string(bug.name) << " -> " << first_line(failure));
  }
}

// Every replica durably holds every committed entry, so even the shortest replica log is a
// safe new primary: it only drops entries that were never acknowledged. The longest is
// preferred to keep those in-flight writes, not for safety.
TEST_CASE("electing the replica with the shortest log loses nothing") {
  for (int seed = 1; seed <= seeds(300); ++seed) {
    sim::options o;
    o.seed = static_cast<std::uint64_t>(seed);
    o.controller.elect_shortest_log = true;
    auto r = sim::run(o);
    INFO(r.failure);
    REQUIRE(r.ok);
  }
}
