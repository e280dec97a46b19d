// Shared steps of the failover tests.
#include "tests/cluster/failover_checks.hpp"

#include <doctest/doctest.h>

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <thread>

#include "tests/cluster/node_views.hpp"

#ifndef REELD_PATH
#error "REELD_PATH (absolute path of the reeld binary) must be defined"
#endif

namespace reel::cluster_test {
namespace {

using namespace std::chrono_literals;
using reel::test::http_client;
using reel::test::response;

constexpr std::size_t shown_offenders = 20;

long ms_between(steady::time_point from, steady::time_point to) {
  return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count());
}

// The value of the unlabelled metric `name` in one node's /metrics; nullopt when the node or
// the metric is missing.
std::optional<long> metric(const cluster& c, std::size_t i, const std::string& name) {
  http_client client(c.base_url(i), 2000);
  const response r = client.get("/metrics");
  if (!r.transport_ok() || r.http_status != 200) return std::nullopt;
  std::istringstream lines(r.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stol(line.substr(name.size() + 1));
  }
  return std::nullopt;
}

std::optional<long> outbox_pending(const cluster& c, std::size_t i) { return metric(c, i, "reel_outbox_pending"); }

std::string shown(std::optional<long> v) { return v ? std::to_string(*v) : "?"; }

}  // namespace

tally count(const std::vector<op_record>& records) {
  tally t;
  for (const auto& r : records) {
    const bool w = is_write(r.kind);
    auto& slot = r.result == outcome::acknowledged ? (w ? t.writes_acknowledged : t.reads_acknowledged)
                 : r.result == outcome::refused    ? (w ? t.writes_refused : t.reads_refused)
                                                   : (w ? t.writes_failed : t.reads_failed);
    ++slot;
  }
  return t;
}

std::string describe(const tally& t) {
  return "writes: " + std::to_string(t.writes_acknowledged) + " acknowledged, " + std::to_string(t.writes_refused) +
         " refused, " + std::to_string(t.writes_failed) + " failed; reads: " + std::to_string(t.reads_acknowledged) +
         " acknowledged, " + std::to_string(t.reads_refused) + " refused, " + std::to_string(t.reads_failed) +
         " failed";
}

void check_outcomes(const std::vector<op_record>& records, steady::time_point origin, refusals allowed) {
  std::string offenders;
  std::size_t bad = 0;
  for (const auto& r : records) {
    const bool fine = r.result == outcome::acknowledged ||
                      (r.result == outcome::refused &&
                       (allowed == refusals::of_all || (allowed == refusals::of_writes && is_write(r.kind))));
    if (fine) continue;
    if (++bad <= shown_offenders) offenders += "  " + describe(r, origin) + "\n";
  }
  INFO(describe(count(records)));
  CHECK_MESSAGE(bad == 0, bad, " of ", records.size(), " operations ended otherwise than allowed",
                " (times from the fault; first ", shown_offenders, "):\n", offenders);
}

void check_writes_resume(const std::vector<op_record>& records, const std::vector<std::size_t>& nodes,
                         steady::time_point since, std::size_t streak, steady::time_point origin) {
  for (std::size_t node : nodes) {
    std::vector<const op_record*> after;
    for (const auto& r : records) {
      if (is_write(r.kind) && r.node == node && r.sent >= since) after.push_back(&r);
    }
    std::sort(after.begin(), after.end(), [](auto* x, auto* y) { return x->sent < y->sent; });
    const std::size_t acknowledged =
        std::count_if(after.begin(), after.end(), [](auto* r) { return r->result == outcome::acknowledged; });
    std::string tail_problems;
    const std::size_t from = after.size() > streak ? after.size() - streak : 0;
    for (std::size_t k = from; k < after.size(); ++k) {
      if (after[k]->result != outcome::acknowledged) tail_problems += "  " + describe(*after[k], origin) + "\n";
    }
    INFO("writes through node", node, " after every partition was served again: ", after.size(), ", acknowledged ",
         acknowledged);
    CHECK(acknowledged > 0);
    CHECK_MESSAGE(tail_problems.empty(), "among the last ", streak, " writes through node", node,
                  " some were not acknowledged:\n", tail_problems);
  }
}

std::string refusal_window(const std::vector<op_record>& records, steady::time_point fault, steady::time_point served) {
  // Writes answered after the fault: some were sent before it, to a survivor that forwarded
  // them to the node that died.
  const op_record *first_answer = nullptr, *last_sent = nullptr, *recovered = nullptr;
  long slowest = 0;
  std::size_t refused = 0, writes = 0;
  for (const auto& r : records) {
    if (!is_write(r.kind) || r.answered < fault) continue;
    ++writes;
    slowest = std::max(slowest, ms_between(r.sent, r.answered));
    if (r.result != outcome::refused) continue;
    ++refused;
    if (first_answer == nullptr || r.answered < first_answer->answered) first_answer = &r;
    if (last_sent == nullptr || r.sent > last_sent->sent) last_sent = &r;
  }
  std::string out = "every partition served again " + std::to_string(ms_between(fault, served)) +
                    " ms after the fault; slowest write answer after it " + std::to_string(slowest) + " ms; ";
  if (first_answer == nullptr) return out + "no write was refused (" + std::to_string(writes) + " writes)";
  for (const auto& r : records) {
    if (is_write(r.kind) && r.result == outcome::acknowledged && r.sent > last_sent->sent && r.answered >= fault &&
        (recovered == nullptr || r.sent < recovered->sent))
      recovered = &r;
  }
  out += std::to_string(refused) + " of " + std::to_string(writes) + " writes refused, the first refusal answered " +
         std::to_string(ms_between(fault, first_answer->answered)) +
         " ms after the fault, the last refused write sent " + std::to_string(ms_between(fault, last_sent->sent)) +
         " ms after; ";
  if (recovered == nullptr) return out + "no write was acknowledged after the last refused one";
  // Measured from the fault, not from the first refusal: a refused write may be answered
  // only after the request timeout, later than successes sent after it.
  return out + "writes failed or stalled for " + std::to_string(ms_between(fault, recovered->answered)) +
         " ms (fault -> answer of the first success sent after the last refused write)";
}

std::vector<std::size_t> other_nodes(const cluster& c, std::size_t left_out) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (i != left_out) out.push_back(i);
  }
  return out;
}

bool await_outbox_drained(const cluster& c, const std::vector<std::size_t>& nodes, std::chrono::milliseconds limit) {
  int quiet_polls = 0;  // two in a row: an effect handed from one node to another is seen on either
  return await(
      [&] {
        const bool quiet = std::all_of(nodes.begin(), nodes.end(),
                                       [&](std::size_t i) { return outbox_pending(c, i) == std::optional<long>(0); });
        quiet_polls = quiet ? quiet_polls + 1 : 0;
        return quiet_polls >= 2;
      },
      limit);
}

bool await_served(const cluster& c, const std::vector<std::size_t>& nodes, std::chrono::milliseconds limit,
                  view_timeline* timeline) {
  return await(
      [&] {
        const auto views = views_of(c, nodes);
        if (timeline != nullptr) timeline->record(views);
        return unserved(views).empty();
      },
      limit);
}

bool await_more_operations(const load_driver& load, std::size_t more, const cluster& c,
                           const std::vector<std::size_t>& nodes, view_timeline& timeline,
                           std::chrono::milliseconds limit) {
  const std::size_t target = load.operations() + more;
  return await(
      [&] {
        timeline.record(views_of(c, nodes));
        return load.operations() >= target;
      },
      limit, 20ms);
}

int reeld_status(cluster& c, std::string* output) {
  std::string endpoints;
  for (const auto& e : c.etcd().endpoints()) endpoints += (endpoints.empty() ? "" : ",") + e;
  const std::string command = std::string(REELD_PATH) + " status --etcd " + endpoints + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
  const int status = ::pclose(pipe);
  if (output != nullptr) *output = std::move(text);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string evidence(const cluster& c, const std::vector<std::size_t>& nodes) {
  std::string out = "views:\n";
  const auto views = views_of(c, nodes);
  for (std::size_t k = 0; k < views.size(); ++k) out += "  node" + std::to_string(nodes[k]) + ": " + summary(views[k]);
  const auto missing = unserved(views);
  out += "  partitions without a serving primary: " + std::to_string(missing.size()) + "\n";
  for (std::size_t i : nodes) {
    out += "  node" + std::to_string(i) + " outbox: pending " + shown(outbox_pending(c, i)) + ", delivered " +
           shown(metric(c, i, "reel_outbox_delivered_total")) + ", retries " +
           shown(metric(c, i, "reel_outbox_retries_total")) + "\n";
  }
  return out + c.log_tails(15);
}

namespace {

// Whether node i has come back: ready, a replica of every partition in its own view and the
// others', and leading the same partitions for a second (the controller may hand some back).
class rejoin_watch {
 public:
  rejoin_watch(cluster& c, std::size_t i) : c_(c), i_(i), readiness_(c.base_url(i), 2000), start_(steady::now()) {}

  bool settled(const std::function<void(const node_view&)>& each_view) {
    const response ready = readiness_.get("/readyz");
    const node_view mine = view_of(c_, i_);
    if (each_view && mine.answered) each_view(mine);
    if (!ready.transport_ok() || ready.http_status != 200) {
      problem_ = "not ready: " + ready.describe();
      return false;
    }
    if (ready_after_.count() < 0) ready_after_ = since_start();
    problem_ = replica_problem(mine, views_of(c_, other_nodes(c_, i_)));
    const std::vector<int> led = led_by(mine);
    if (!problem_.empty() || led != led_) {
      led_ = led;
      led_since_ = steady::now();
      return false;
    }
    return steady::now() - led_since_ >= std::chrono::seconds(1);
  }
  const std::string& problem() const { return problem_; }
  std::chrono::milliseconds ready_after() const { return ready_after_; }
  std::chrono::milliseconds since_start() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start_);
  }

 private:
  cluster& c_;
  std::size_t i_;
  http_client readiness_;
  steady::time_point start_, led_since_;
  std::vector<int> led_{-1};
  std::string problem_ = "not asked yet";
  std::chrono::milliseconds ready_after_{-1};
};

void read_facts(http_client& via, const population& p, const std::vector<fact>& facts, rejoin_reads& out) {
  for (const fact& f : facts) {
    const probe_result r = probe(via, p, f);
    switch (r.what) {
      case probe_result::answer::fresh:
        ++out.fresh;
        break;
      case probe_result::answer::refused:
        ++out.refused;
        break;
      case probe_result::answer::no_answer:
        ++out.no_answer;
        break;
      default:
        if (out.bad.size() < shown_offenders) out.bad.push_back(describe(f) + ": " + r.detail);
    }
  }
}

}  // namespace

rejoin_reads read_while_rejoining(cluster& c, std::size_t i, const population& p, const std::vector<fact>& facts,
                                  std::chrono::milliseconds limit,
                                  const std::function<void(const node_view&)>& each_view) {
  rejoin_reads out;
  http_client via(c.base_url(i), 15000);
  rejoin_watch watch(c, i);
  const auto deadline = steady::now() + limit;
  while (steady::now() < deadline && !c.node(i).exited()) {
    read_facts(via, p, facts, out);
    if (watch.settled(each_view)) {
      read_facts(via, p, facts, out);  // one more round once settled
      out.settled = true;
      break;
    }
    std::this_thread::sleep_for(10ms);  // a node starting on 2 cores needs them more than this loop
  }
  out.problem = out.settled ? "" : watch.problem();
  out.ready_after = watch.ready_after();
  out.settled_after = watch.since_start();
  return out;
}

std::string describe(const rejoin_reads& r) {
  std::string out = "read " + std::to_string(r.fresh) + " times fresh, " + std::to_string(r.refused) +
                    " times refused, " + std::to_string(r.no_answer) + " times not listening; ready after " +
                    std::to_string(r.ready_after.count()) + " ms, ";
  return out +
         (r.settled ? "settled after " + std::to_string(r.settled_after.count()) + " ms" : "NOT settled: " + r.problem);
}

void check_state_through(cluster& c, const population& p, const expectations& e, std::size_t via) {
  http_client client(c.base_url(via), 15000);
  const cluster_state s = read_state(client, p, e.rooms);
  if (s.refusals > 0) MESSAGE("reading the state via node", via, ": ", s.refusals, " reads refused and asked again");
  check_no_write_lost(s, p, e);
  check_counts_match_lists(s, p);
}

}  // namespace reel::cluster_test
