// The replica state machine, one scenario at a time: a tiny in-memory cluster where the test
// decides which messages arrive, and persistence and applying complete at once.
#include <doctest/doctest.h>

#include <deque>
#include <map>
#include <string>

#include "cluster/replication/replica.hpp"

using namespace reel::cluster::replication;

namespace {

member m(std::uint16_t node, std::uint64_t incarnation = 1) { return member{node_id(node), incarnation, node}; }

configuration config(std::uint64_t epoch, member primary, std::vector<member> replicas,
                     std::vector<member> learners = {}) {
  configuration c;
  c.epoch = epoch;
  c.primary = primary;
  c.replicas = std::move(replicas);
  c.learners = std::move(learners);
  return c;
}

struct in_flight {
  node_id from;
  outgoing out;
};

class cluster {
 public:
  instant now{10'000};

  replica& add(member who, restored_state restored = {}) {
    replica_options o;
    o.self = who;
    o.partition = 3;
    auto [it, fresh] = nodes_.try_emplace(who.node.value, o, std::move(restored));
    it->second.set_authority(now + instant(60'000), now);
    state_[who.node.value];
    return it->second;
  }
  replica& at(std::uint16_t node) { return nodes_.at(node); }
  std::vector<std::string>& state(std::uint16_t node) { return state_.at(node); }

  void configure(const configuration& c) {
    for (auto& [id, r] : nodes_) r.set_config(c, now);
  }

  // Takes every replica's output: persists and applies at once, queues messages.
  void collect() {
    for (bool again = true; again;) {
      again = false;
      for (auto& [id, r] : nodes_) {
        auto out = r.take_ready();
        if (out.empty()) continue;
        again = true;
        for (auto& op : out.persist)
          if (!op.entries.empty()) r.persisted(op.entries.back().index, op.entries.back().epoch, now);
        for (auto& e : out.apply) {
          state_[id].push_back(e.payload);
          r.applied(e.index, now);
        }
        for (auto& msg : out.messages) wire.push_back({node_id(id), std::move(msg)});
        if (out.visible) visible[id] = out.visible;
        if (out.abandon) abandoned[id] = true;
        for (auto& rep : out.reports) reports.push_back(rep);
      }
    }
  }

  // Delivers queued messages (except to or from `cut`) until the cluster is quiet.
  void settle(std::optional<std::uint16_t> cut = std::nullopt) {
    for (int rounds = 0; rounds < 100; ++rounds) {
      collect();
      if (wire.empty()) return;
      auto batch = std::move(wire);
      wire.clear();
      for (auto& f : batch) {
        if (cut && (f.from.value == *cut || f.out.to.value == *cut)) continue;
        auto found = nodes_.find(f.out.to.value);
        if (found != nodes_.end()) found->second.receive(f.out.msg, now);
      }
    }
  }

  // Lets `ms` pass in ticks of 50 ms, delivering everything but what touches `cut`.
  void advance(int ms, std::optional<std::uint16_t> cut = std::nullopt) {
    for (int t = 0; t < ms; t += 50) {
      now += instant(50);
      for (auto& [id, r] : nodes_) r.tick(now);
      settle(cut);
    }
  }

  std::deque<in_flight> wire;
  std::map<std::uint16_t, std::uint64_t> visible;
  std::map<std::uint16_t, bool> abandoned;
  std::vector<report> reports;

 private:
  std::map<std::uint16_t, replica> nodes_;
  std::map<std::uint16_t, std::vector<std::string>> state_;
};

// Three replicas, node 1 primary, barrier committed and visible.
cluster serving_trio() {
  cluster c;
  c.add(m(1));
  c.add(m(2));
  c.add(m(3));
  c.configure(config(1, m(1), {m(1), m(2), m(3)}));
  c.settle();
  return c;
}

}  // namespace

TEST_CASE("a new primary serves once its barrier is visible on every replica") {
  cluster c;
  c.add(m(1));
  c.add(m(2));
  c.add(m(3));
  c.configure(config(1, m(1), {m(1), m(2), m(3)}));
  CHECK_FALSE(c.at(1).serving(c.now));
  CHECK_FALSE(c.at(1).propose("early", c.now));
  c.settle();
  CHECK(c.at(1).serving(c.now));
  CHECK(c.at(1).visible_index() == 1);  // the barrier
  for (int n : {1, 2, 3}) CHECK(c.at(n).can_read(c.now));
}

TEST_CASE("a write is acknowledged only once every replica has applied it") {
  auto c = serving_trio();
  auto index = c.at(1).propose("w1", c.now);
  REQUIRE(index);
  c.settle(3);  // node 3 hears nothing
  CHECK(c.at(1).commit_index() < *index);
  CHECK(c.visible[1] < *index);
  c.advance(500);  // the primary resends what node 3 missed
  CHECK(c.at(1).commit_index() >= *index);
  CHECK(c.visible[1] >= *index);
  for (int n : {1, 2, 3}) CHECK(c.state(n).back() == "w1");
}

TEST_CASE("a primary without authority takes no writes and abandons what is pending") {
  auto c = serving_trio();
  REQUIRE(c.at(1).propose("w1", c.now));
  c.collect();
  c.at(1).set_authority(c.now, c.now);  // the lease deadline has passed
  c.settle();
  CHECK(c.abandoned[1]);
  CHECK_FALSE(c.at(1).serving(c.now));
  CHECK_FALSE(c.at(1).can_read(c.now));
  CHECK_FALSE(c.at(1).propose("w2", c.now));
}

TEST_CASE("a configuration below min_replicas refuses writes and commits nothing") {
  cluster c;
  c.add(m(1));
  auto alone = config(1, m(1), {m(1)});
  c.configure(alone);
  c.settle();
  CHECK(c.at(1).commit_index() == 0);  // not even the barrier: it would be on one disk
  CHECK_FALSE(c.at(1).serving(c.now));
  CHECK_FALSE(c.at(1).propose("w", c.now));
}

TEST_CASE("a backup that followed an old primary truncates the uncommitted suffix") {
  auto c = serving_trio();
  // Node 1 appends w1 and only node 2 receives it; then node 1 dies.
  REQUIRE(c.at(1).propose("w1", c.now));
  c.settle(3);
  const auto w1 = c.at(2).log().last_index();
  CHECK(c.at(2).log().at(w1).payload == "w1");
  // The controller makes node 3 primary (its log is shorter, and w1 was never committed).
  c.configure(config(2, m(3), {m(3), m(2)}));
  c.settle(1);
  CHECK(c.at(3).serving(c.now));
  // Node 2 dropped w1 for node 3's barrier at the same index.
  CHECK(c.at(2).log().at(w1).epoch == 2);
  CHECK(c.at(2).log().at(w1).payload.empty());
  CHECK(c.at(2).safety_violations() == 0);
}

TEST_CASE("a restarted node acts only on configurations that name its new incarnation") {
  auto c = serving_trio();
  c.add(m(4, 1));
  // Node 3 restarts: incarnation 2, same storage, still listed as incarnation 1.
  replica_options o;
  o.self = m(3, 2);
  o.partition = 3;
  replica fresh(o, restored_state{});
  fresh.set_authority(c.now + instant(60'000), c.now);
  fresh.set_config(c.at(1).config(), c.now);
  CHECK(fresh.current_role() == replica::role::none);
  CHECK_FALSE(fresh.begin_snapshot(5, 1, m(3, 1)));  // meant for its old incarnation
  CHECK_FALSE(fresh.can_read(c.now));
}

TEST_CASE("a learner is promoted only after it applied the primary's barrier") {
  auto c = serving_trio();
  for (int i = 0; i < 5; ++i) REQUIRE(c.at(1).propose("w" + std::to_string(i), c.now));
  c.settle();
  c.add(m(4));
  c.configure(config(2, m(1), {m(1), m(2), m(3)}, {m(4)}));
  c.settle();
  REQUIRE(c.reports.size() == 1);
  CHECK(c.reports[0].what == report::kind::learner_caught_up);
  CHECK(c.reports[0].subject == m(4));
  CHECK(c.state(4) == c.state(1));
  CHECK_FALSE(c.at(4).can_read(c.now));  // a learner serves nothing
  c.configure(config(3, m(1), {m(1), m(2), m(3), m(4)}));
  c.settle();
  CHECK(c.at(4).can_read(c.now));
}

TEST_CASE("a primary reports a replica that stopped answering") {
  auto c = serving_trio();
  c.advance(3000, 3);
  REQUIRE_FALSE(c.reports.empty());
  CHECK(c.reports[0].what == report::kind::replica_lost);
  CHECK(c.reports[0].subject == m(3));
  CHECK(c.reports[0].epoch == 1);
}

TEST_CASE("the partition log finds where epochs start and end") {
  partition_log log(10, 2, {{11, 2, "a"}, {12, 3, "b"}, {13, 3, "c"}, {14, 5, "d"}});
  CHECK(log.last_index() == 14);
  CHECK(log.first_index_of_epoch(2) == 10u);  // the base counts
  CHECK(log.first_index_of_epoch(3) == 12u);
  CHECK_FALSE(log.first_index_of_epoch(4));
  CHECK(log.last_index_up_to_epoch(4) == 13u);
  CHECK(log.last_index_up_to_epoch(1) == std::nullopt);
  log.truncate_after(12);
  CHECK(log.last_epoch() == 3);
  log.compact(11);
  CHECK(log.base_index() == 11);
  CHECK(log.base_epoch() == 2);
  CHECK(log.payload_bytes() == 1);
}

TEST_CASE("a backup promoted to primary answers reads while its barrier spreads, a deposed primary none") {
  auto c = serving_trio();
  REQUIRE(c.at(1).propose("w1", c.now));
  c.settle();
  // Node 1 is gone; node 2 leads epoch 2 with node 3, whose barrier has not reached node 3.
  c.configure(config(2, m(2), {m(2), m(3)}));
  c.collect();
  CHECK_FALSE(c.at(2).serving(c.now));  // its barrier is not visible on node 3
  CHECK(c.at(2).can_read(c.now));       // but it applied every write acknowledged in epoch 1
  CHECK(c.at(3).can_read(c.now));
  CHECK_FALSE(c.at(1).can_read(c.now));  // not a member of epoch 2
  c.settle(1);
  CHECK(c.at(2).serving(c.now));
}
