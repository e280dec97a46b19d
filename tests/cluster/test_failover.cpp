// A node killed or paused under load: its partitions get new primaries among the survivors,
// writes are refused meanwhile (503, status 10) and never lost once acknowledged, reads of
// the survivors never fail, and the node comes back as a replica without serving stale data.
#include <cstdlib>
#include <thread>

#include "tests/cluster/failover_checks.hpp"
#include "tests/cluster/node_views.hpp"

using namespace reel::cluster_test;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t users = 20;
constexpr std::size_t users_per_video = 4;

std::string lines(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += "  " + item + "\n";
  return out;
}

load_options mixed_load(const cluster& c) { return {.threads = 4, .pause = 2ms, .seed = c.seed()}; }
load_options light_load(const cluster& c) {
  return {.threads = 2, .max_operations = 5000, .pause = 15ms, .seed = c.seed() + 1};
}

// The nodes to kill in turn: node 0, or each node with REEL_FAILOVER_ALL=1.
std::vector<std::size_t> victims(std::size_t nodes) {
  const char* all = std::getenv("REEL_FAILOVER_ALL");
  if (all == nullptr || std::string(all) != "1") return {0};
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes; ++i) out.push_back(i);
  return out;
}

// Restarts node `i` and reads through it, while it catches up, what was acknowledged since
// `away`: refused or fresh, never stale. Then it is ready and a replica of every partition.
void bring_back(cluster& c, std::size_t i, const population& p, const expectations& e, steady::time_point away) {
  const auto facts = facts_since(e, away);
  c.node(i).start();
  const rejoin_reads reads = read_while_rejoining(c, i, p, facts, 60s);
  MESSAGE("node", i, " restarted, ", facts.size(), " facts written while it was away: ", describe(reads));
  CHECK_MESSAGE(reads.bad.empty(), "node", i, " answered stale or malformed while catching up:\n", lines(reads.bad));
  c.wait_ready(i, 60s);
  CHECK_MESSAGE(reads.settled, "node", i, " is not back as a replica of every partition: ", reads.problem, "\n",
                evidence(c, {0, 1, 2}));
}

void kill_one_node_under_load(std::size_t victim) {
  cluster c;
  INFO("victim node", victim, ", seed ", c.seed(), " (REEL_CLUSTER_SEED), folder ", c.folder().string());
  const population p = populate(c, users, users_per_video);
  load_driver load(c, p, mixed_load(c));
  REQUIRE(load.await_operations(300, 60s));
  const auto survivors = other_nodes(c, victim);
  MESSAGE("node", victim, " leads ", led_by(view_of(c, victim)).size(), " partitions before the kill");
  load.avoid(victim);
  const auto killed_at = steady::now();
  c.kill9(victim);
  view_timeline timeline(killed_at);
  const bool served = await_served(c, survivors, 30s, &timeline);
  const auto served_at = steady::now();
  CHECK_MESSAGE(served, "30 s after the kill not every partition has a serving primary\n", evidence(c, survivors));
  std::string status;  // reeld status reads the map from etcd and asks each live node
  CHECK_MESSAGE(await([&] { return reeld_status(c, &status) == 0; }, 10s, 200ms),
                "reeld status does not report every partition served 10 s after the views did:\n", status);
  CHECK(await_more_operations(load, 200, c, survivors, timeline, 30s));
  load.stop();
  const auto records = load.records();
  MESSAGE("kill -9 of node", victim, ": ", refusal_window(records, killed_at, served_at), "; ",
          describe(count(records)));
  {
    INFO("the survivors' views after the kill (times from it):\n", timeline.text(), c.log_tails(15));
    check_outcomes(records, killed_at, refusals::of_writes);
    check_writes_resume(records, survivors, served_at, 20, killed_at);
  }

  CHECK_MESSAGE(await_outbox_drained(c, survivors, 30s), "outbox effects still pending\n", evidence(c, survivors));
  const expectations e = expect(records);
  MESSAGE(e.facts.size(), " facts acknowledged, ", e.undetermined_pairs, " pairs left undetermined by refusals");
  check_state_through(c, p, e, survivors[0]);

  bring_back(c, victim, p, e, killed_at);
  CHECK_MESSAGE(await_outbox_drained(c, {0, 1, 2}, 30s), "outbox effects still pending\n", evidence(c, {0, 1, 2}));
  check_state_through(c, p, e, victim);
}

}  // namespace

TEST_CASE("kill -9 of any one node under mixed load loses no acknowledged write") {
  for (std::size_t victim : victims(3)) {
    kill_one_node_under_load(victim);
  }
}

namespace {

constexpr std::size_t paused = 1;
constexpr auto pause_length = 10s;

// Who serves each partition the paused node led, by the others' views: node number, epoch.
struct successors {
  std::map<int, int> node;
  std::map<int, std::uint64_t> epoch;
};

successors successors_of(const std::vector<node_view>& views, const std::vector<int>& led) {
  successors out;
  for (const auto& v : views) {
    for (int part : led) {
      const auto pv = v.partitions.find(part);
      if (pv == v.partitions.end() || pv->second.role != "primary" || !pv->second.serving) continue;
      out.node[part] = v.node;
      out.epoch[part] = pv->second.epoch;
    }
  }
  return out;
}

// The partitions the woken node calls itself the serving primary of at an epoch below its
// successor's: it would answer reads that the successor's writes made stale.
std::string deposed_but_serving(const node_view& woken, const successors& s) {
  std::string out;
  for (const auto& [p, epoch] : s.epoch) {
    const auto it = woken.partitions.find(p);
    if (it == woken.partitions.end()) continue;
    if (it->second.role == "primary" && it->second.serving && it->second.epoch < epoch)
      out += " p" + std::to_string(p) + "@" + std::to_string(it->second.epoch);
  }
  return out;
}

// The moved partitions it still calls itself primary of, unless another node's view shows a
// primary of it at a higher epoch.
std::string still_primary(const node_view& woken, const std::vector<node_view>& others, const successors& s) {
  std::string out;
  for (const auto& [p, node] : s.node) {
    const auto it = woken.partitions.find(p);
    if (it == woken.partitions.end() || it->second.role != "primary") continue;
    bool superseded = false;
    for (const auto& o : others) {
      const auto there = o.partitions.find(p);
      superseded |= there != o.partitions.end() && there->second.primary.node != woken.node &&
                    there->second.epoch > it->second.epoch;
    }
    if (!superseded) out += " p" + std::to_string(p);
  }
  return out;
}

// SIGSTOPs the paused node for pause_length under the load (which avoids it); returns who
// took its partitions. Writes through the others must succeed again before it wakes.
successors pause_under_load(cluster& c, load_driver& load, const std::vector<int>& led) {
  const auto others = other_nodes(c, paused);
  const auto stopped_at = steady::now();
  c.sigstop(paused);
  view_timeline timeline(stopped_at);
  const bool served = await_served(c, others, pause_length - 1s, &timeline);
  const auto served_at = steady::now();
  const successors s = successors_of(views_of(c, others), led);
  CHECK_MESSAGE(served, "not every partition was served again before the paused node woke\n", evidence(c, others));
  CHECK_MESSAGE(s.node.size() == led.size(), led.size(), " partitions led by the paused node, ", s.node.size(),
                " have a new serving primary");
  std::map<int, int> taken;  // node number -> partitions it took over
  for (const auto& [part, to] : s.node) ++taken[to];
  for (const auto& [node, count] : taken) MESSAGE("node number ", node, " took over ", count, " partitions");
  // The rest of the pause (its length is the fault, not a synchronisation), watching the views.
  const auto rest = std::chrono::duration_cast<std::chrono::milliseconds>(stopped_at + pause_length - steady::now());
  await([&] { return timeline.record(views_of(c, others)), false; }, rest, 20ms);
  load.stop();  // before it wakes: the facts read through it next are final
  const auto records = load.records();
  MESSAGE("SIGSTOP of node", paused, ": ", refusal_window(records, stopped_at, served_at), "; ",
          describe(count(records)));
  INFO("the other nodes' views during the pause (times from its start):\n", timeline.text(), c.log_tails(15));
  check_outcomes(records, stopped_at, refusals::of_writes);
  check_writes_resume(records, others, served_at, 20, stopped_at);
  return s;
}

// Wakes the paused node and reads through it at once, until it is back, what was written
// during the pause: refused or fresh. It must not act as the primary it was.
void wake(cluster& c, const population& p, const std::vector<fact>& facts, const successors& s) {
  const auto others = other_nodes(c, paused);
  std::string primary_still = "(no view of the woken node)", deposed;
  std::size_t views = 0, deposed_views = 0;
  steady::time_point last_deposed;
  c.sigcont(paused);
  const auto woke_at = steady::now();
  const rejoin_reads reads = read_while_rejoining(c, paused, p, facts, 60s, [&](const node_view& woken) {
    // Its first view after waking: the controller may later hand partitions back to it.
    if (views++ == 0) primary_still = still_primary(woken, views_of(c, others), s);
    const std::string d = deposed_but_serving(woken, s);
    if (d.empty()) return;
    if (deposed_views++ == 0) deposed = d;
    last_deposed = steady::now();
  });
  MESSAGE("woken node, ", facts.size(), " facts written during the pause: ", describe(reads));
  CHECK_MESSAGE(reads.bad.empty(), "the woken node answered stale or malformed:\n", lines(reads.bad));
  CHECK_MESSAGE(deposed_views == 0, deposed_views, " of the first ", views,
                " views of the woken node (GET /reel/v1/cluster), the last ",
                std::chrono::duration_cast<std::chrono::milliseconds>(last_deposed - woke_at).count(),
                " ms after SIGCONT, called it the serving primary, at the old epoch, of partitions that had moved; "
                "the first such view:",
                deposed);
  CHECK_MESSAGE(primary_still.empty(),
                "on waking, the node still called itself primary of moved partitions that no "
                "other node showed at a higher epoch:",
                primary_still);
  c.wait_ready(paused, 60s);
  CHECK_MESSAGE(reads.settled, "the woken node is not back as a replica of every partition: ", reads.problem, "\n",
                evidence(c, {0, 1, 2}));
}

}  // namespace

TEST_CASE("a paused primary stops serving before a new one starts and steps down when it wakes") {
  cluster c;
  INFO("paused node", paused, ", seed ", c.seed(), ", folder ", c.folder().string());
  const population p = populate(c, users, users_per_video);
  const node_view before = view_of(c, paused);
  const std::vector<int> led = led_by(before);
  REQUIRE_MESSAGE(!led.empty(), "node", paused, " leads no partition: ", summary(before));
  load_driver load(c, p, light_load(c));
  load.avoid(paused);
  REQUIRE(load.await_operations(50, 30s));
  const auto stopped_at = steady::now();
  const successors s = pause_under_load(c, load, led);
  const expectations e = expect(load.records());
  wake(c, p, facts_since(e, stopped_at), s);
  CHECK_MESSAGE(await_outbox_drained(c, {0, 1, 2}, 30s), "outbox effects still pending\n", evidence(c, {0, 1, 2}));
  check_state_through(c, p, e, paused);
}
