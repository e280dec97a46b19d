// A deterministic simulation of one partition replicated over 3-5 nodes: the real replica
// state machine and the real controller decisions (cluster/replication), driven through
// crashes, restarts (some on a wiped disk), pauses, lost, duplicated, delayed and reordered
// messages, cut links, nodes cut off from etcd, lease expiries and controller changes, all
// from one seed. After every step it checks the protocol's promises:
//   - applied prefixes never diverge (every node applies the same entry at each index);
//   - an acknowledged write is the entry the log holds at its index, forever;
//   - any node that may serve reads has applied every acknowledged write;
//   - at most one node takes writes at a time;
//   - no replica ever saw a committed entry contradicted;
// and at the end, with every fault healed, that writes are acknowledged again and every
// replica has applied every acknowledged write.
#pragma once

#include <cstdint>
#include <string>

#include "cluster/replication/reconfiguration.hpp"
#include "cluster/replication/replica.hpp"

namespace reel::cluster::replication::sim {

struct options {
  std::uint64_t seed = 1;
  int nodes = 0;     // 0: 3 to 5, from the seed
  int steps = 4000;  // each step is 1-4 ms of simulated time
  fault_injection faults;
  controller_faults controller;
};

struct result {
  bool ok = true;
  std::string failure;  // the first broken promise, with the recent events that led to it
  std::uint64_t proposed = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t crashes = 0;
  std::uint64_t epochs = 0;  // configurations written
  std::uint64_t snapshots = 0;
};

result run(const options& o);

}  // namespace reel::cluster::replication::sim
