// Steps and checks shared by the failover tests: judging a load's outcomes, measuring how
// long writes were refused, waiting for the cluster to settle, and reading through a node
// that comes back.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "tests/cluster/cluster_harness.hpp"
#include "tests/cluster/ledger.hpp"
#include "tests/cluster/load.hpp"
#include "tests/cluster/node_views.hpp"

namespace reel::cluster_test {

struct tally {
  std::size_t writes_acknowledged = 0, writes_refused = 0, writes_failed = 0;
  std::size_t reads_acknowledged = 0, reads_refused = 0, reads_failed = 0;
};
tally count(const std::vector<op_record>& records);
std::string describe(const tally& t);

// Which refusals (HTTP 503, status 10) a test allows; anything else that is not acknowledged
// is always a failure.
enum class refusals { none, of_writes, of_all };
// Every operation was acknowledged or refused as `allowed`; lists the offenders.
void check_outcomes(const std::vector<op_record>& records, steady::time_point origin, refusals allowed);

// After `since`, writes through each node of `nodes` succeed again: at least one was
// acknowledged, and the last `streak` writes through it (or all, when fewer) were.
void check_writes_resume(const std::vector<op_record>& records, const std::vector<std::size_t>& nodes,
                         steady::time_point since, std::size_t streak, steady::time_point origin);

// How long the client saw writes refused after a fault at `fault`: one line for MESSAGE.
std::string refusal_window(const std::vector<op_record>& records, steady::time_point fault, steady::time_point served);

// The harness indexes of the nodes of `c` other than `left_out`.
std::vector<std::size_t> other_nodes(const cluster& c, std::size_t left_out);
// Polls until none of `nodes` has outbox effects pending (a follow's or like's other side
// still to apply), so that the state read next is the final one; false after `limit`.
bool await_outbox_drained(const cluster& c, const std::vector<std::size_t>& nodes, std::chrono::milliseconds limit);
// Polls until every partition has a serving primary among `nodes`' views; false after `limit`.
// Each poll's views go to `timeline` when given.
bool await_served(const cluster& c, const std::vector<std::size_t>& nodes, std::chrono::milliseconds limit,
                  view_timeline* timeline = nullptr);
// Polls until the load has finished `more` operations more than now, recording `nodes`'
// views into `timeline` meanwhile; false after `limit`.
bool await_more_operations(const load_driver& load, std::size_t more, const cluster& c,
                           const std::vector<std::size_t>& nodes, view_timeline& timeline,
                           std::chrono::milliseconds limit);
// Runs `reeld status --etcd ...` against the cluster; its exit code (0: every partition has
// a live primary that serves it), and its output in `output` when given.
int reeld_status(cluster& c, std::string* output = nullptr);

// The views of `nodes`, summarised, and their log tails: for failure messages.
std::string evidence(const cluster& c, const std::vector<std::size_t>& nodes);

// Reads the facts through node `i` round after round while it comes back, until it has
// settled (ready, a replica of every partition in its view and the others', leading the same
// partitions for a second: the controller may hand some back) or `limit`. Every answer must
// be refused with the 503 envelope or fresh; before it listens, a refused connection counts
// as no answer. `each_view` sees each view the node gives meanwhile.
struct rejoin_reads {
  std::size_t fresh = 0, refused = 0, no_answer = 0;
  std::vector<std::string> bad;  // stale or malformed answers
  bool settled = false;
  std::string problem;  // why it had not settled
  std::chrono::milliseconds ready_after{-1}, settled_after{-1};
};
rejoin_reads read_while_rejoining(cluster& c, std::size_t i, const population& p, const std::vector<fact>& facts,
                                  std::chrono::milliseconds limit,
                                  const std::function<void(const node_view&)>& each_view = {});
std::string describe(const rejoin_reads& r);

// Reads the whole state through node `via` and checks it against `e` (no acknowledged write
// lost) and against itself (counts equal lists). Let the outbox drain first.
void check_state_through(cluster& c, const population& p, const expectations& e, std::size_t via);

}  // namespace reel::cluster_test
