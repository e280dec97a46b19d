// The transport between nodes, over real CAF middlemen on loopback (several actor systems in
// this process, tests/unit/caf_pair.hpp): every registered type crosses and comes back equal,
// an unregistered one does not, replication messages, snapshots and entity routers reach a
// peer, nothing is sent to a peer that is not connected, a peer that dies or hangs is
// reported lost, and a restarted one is reconnected.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "caf_pair.hpp"
#include "cluster/transport/transport.hpp"

namespace reel::cluster::transport {
namespace {

using namespace std::chrono_literals;
using unit::at;
using unit::caf_node;
using unit::eventually;
using unit::peer_node;
using unit::silent_listener;
namespace r = replication;

// A loopback round trip takes well under a millisecond; this only bounds a failure.
constexpr auto reply_within = std::chrono::seconds(5);

// ---- values with every field set, so that a field lost on the wire shows ----

r::member member_of(std::uint16_t node, std::uint64_t incarnation) { return peer_node::member(node, incarnation); }

r::configuration sample_config() {
  return {0x1122334455667788ULL, member_of(3, 30), {member_of(3, 30), member_of(4, 40)}, {member_of(5, 50)}, 3};
}

std::string every_byte() {
  std::string bytes;
  for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  return bytes;
}

r::append_request sample_request(r::partition_number partition) {
  return {partition, r::node_id(3),     sample_config(), 76, 8, {{77, 9, every_byte()}, {78, 9, ""}},
          75,        /* settled */ true};
}

r::append_response sample_response(r::append_response::verdict v) { return {63, r::node_id(4), 9, v, 101, 99, 55, 7}; }

// The structs without operator== (plain protocol records), compared field by field.
auto fields(const r::entry& e) { return std::tie(e.index, e.epoch, e.payload); }
bool same(const std::vector<r::entry>& a, const std::vector<r::entry>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](auto& x, auto& y) { return fields(x) == fields(y); });
}
bool same(const r::append_request& a, const r::append_request& b) {
  return std::tie(a.partition, a.from, a.config, a.prev_index, a.prev_epoch, a.commit, a.settled) ==
             std::tie(b.partition, b.from, b.config, b.prev_index, b.prev_epoch, b.commit, b.settled) &&
         same(a.entries, b.entries);
}
auto fields(const r::append_response& x) {
  return std::tie(x.partition, x.from, x.epoch, x.result, x.match, x.applied, x.conflict_index, x.conflict_epoch);
}
template <class T, class Same>
bool same_all(const std::vector<T>& a, const std::vector<T>& b, Same same_one) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), same_one);
}
bool same(const std::vector<r::append_request>& a, const std::vector<r::append_request>& b) {
  return same_all(a, b, [](auto& x, auto& y) { return same(x, y); });
}
bool same(const std::vector<r::append_response>& a, const std::vector<r::append_response>& b) {
  return same_all(a, b, [](auto& x, auto& y) { return fields(x) == fields(y); });
}

// ---- a round trip through an echo actor on another system ----

// Answers every message with itself (CAF's reflect); the one handler only keeps the behaviour
// non-empty, which an event-based actor needs to stay alive.
caf::behavior echo(caf::event_based_actor* self) {
  self->set_default_handler(caf::reflect);
  return {[](caf::ok_atom) {}};
}

// What came back, or nothing when the request failed (timed out, or the reply was not a T).
template <class T>
std::optional<T> round_trip(caf::actor_system& sys, const caf::actor& to, const T& value,
                            caf::timespan limit = reply_within) {
  caf::scoped_actor self{sys};
  std::optional<T> back;
  self->request(to, limit, value).receive([&](T& got) { back = std::move(got); }, [&](caf::error&) {});
  return back;
}

// A type that only the sending side registers.
struct unshared {
  std::uint32_t value = 0;
};
template <class Inspector>
auto inspect(Inspector& f, unshared& x) {
  return f(x.value);
}
void register_unshared(caf::actor_system_config& cfg) { cfg.add_message_type<unshared>("reel::test_unshared"); }

// Chunk `seq` of a snapshot of partition 12, binary keys and values included.
snapshot_chunk sample_chunk(std::uint64_t seq, bool last) {
  std::vector<std::string> keys{std::string("key-").append(std::to_string(seq)), every_byte()};
  return {12, member_of(2, 200), 900, 9, seq, std::move(keys), {every_byte(), ""}, last};
}
auto fields(const snapshot_chunk& c) {
  return std::tie(c.partition, c.target, c.index, c.epoch, c.seq, c.keys, c.values, c.last);
}

std::vector<r::append_request> requests_for(r::partition_number p) { return {sample_request(p)}; }

}  // namespace

TEST_SUITE("transport") {
  TEST_CASE("configure: heartbeats on, so a hung peer's connection dies") {
    caf_node n;
    auto& cfg = n.system().config();
    CHECK(caf::get_or(cfg, "middleman.heartbeat-interval", caf::timespan{0}) == caf::timespan{500ms});
    CHECK(caf::get_or(cfg, "middleman.connection-timeout", caf::timespan{0}) == caf::timespan{2s});
  }

  TEST_CASE("every registered type crosses a middleman and comes back equal") {
    caf_node a, b;
    auto local_echo = b.spawn(echo);
    auto port = b.publish(local_echo);
    auto remote_echo = a.remote(port);

    SUBCASE("replication") {
      CHECK(round_trip(a.system(), remote_echo, r::node_id(13)) == r::node_id(13));
      CHECK(round_trip(a.system(), remote_echo, member_of(7, 0x1234567890abcdefULL)) ==
            member_of(7, 0x1234567890abcdefULL));
      CHECK(round_trip(a.system(), remote_echo, sample_config()) == sample_config());
      auto e = r::entry{77, 9, every_byte()};
      auto e_back = round_trip(a.system(), remote_echo, e);
      REQUIRE(e_back);
      CHECK(fields(*e_back) == fields(e));
      CHECK(e_back->payload.size() == 256);
      auto req_back = round_trip(a.system(), remote_echo, sample_request(63));
      REQUIRE(req_back);
      CHECK(same(*req_back, sample_request(63)));
      using v = r::append_response::verdict;
      for (auto verdict : {v::accepted, v::mismatch, v::stale}) {
        auto back = round_trip(a.system(), remote_echo, sample_response(verdict));
        REQUIRE(back);
        CHECK(fields(*back) == fields(sample_response(verdict)));
      }
      auto reqs = std::vector{sample_request(1), sample_request(2)};
      auto reqs_back = round_trip(a.system(), remote_echo, reqs);
      REQUIRE(reqs_back);
      CHECK(same(*reqs_back, reqs));
      auto resps = std::vector{sample_response(v::accepted), sample_response(v::mismatch), sample_response(v::stale)};
      auto resps_back = round_trip(a.system(), remote_echo, resps);
      REQUIRE(resps_back);
      CHECK(same(*resps_back, resps));
      auto chunk_back = round_trip(a.system(), remote_echo, sample_chunk(4, true));
      REQUIRE(chunk_back);
      CHECK(fields(*chunk_back) == fields(sample_chunk(4, true)));
    }

    SUBCASE("entity ids, time and lists") {
      CHECK(round_trip(a.system(), remote_echo, user_id(max_safe_id)) == user_id(max_safe_id));
      CHECK(round_trip(a.system(), remote_echo, video_id(123456789)) == video_id(123456789));
      CHECK(round_trip(a.system(), remote_echo, comment_id(42)) == comment_id(42));
      CHECK(round_trip(a.system(), remote_echo, millis(-1)) == millis(-1));
      CHECK(round_trip(a.system(), remote_echo, millis(1'700'000'000'123)) == millis(1'700'000'000'123));
      auto users = std::vector{user_id(1), user_id(2), user_id(max_safe_id)};
      CHECK(round_trip(a.system(), remote_echo, users) == users);
      auto names = std::vector<std::string>{"", "alice", std::string("nul\0inside", 10), "\xc3\xa9t\xc3\xa9"};
      CHECK(round_trip(a.system(), remote_echo, names) == names);
    }

    SUBCASE("an entity error keeps its code, category and message") {
      // Built as actors/errors.cpp does. A message holding nothing but an error is a
      // failure, not data, to CAF (it would stop the echo), so the error crosses twice: as a
      // failing actor's reply, the way an entity's error travels, and inside a message.
      auto reel_error = [](std::string what) {
        return caf::error(7, caf::atom("reel"), caf::make_message(std::move(what)));
      };
      auto local_failing = b.spawn([=]() -> caf::behavior {
        return {[=](caf::get_atom, std::string& what) -> caf::result<void> { return reel_error(what); }};
      });
      auto failing = a.remote(b.publish(local_failing));
      caf::scoped_actor self{a.system()};
      std::vector<caf::error> back;
      self->request(failing, reply_within, caf::get_atom::value, std::string("no such video"))
          .receive([] {}, [&](caf::error& e) { back.push_back(std::move(e)); });
      self->request(remote_echo, reply_within, caf::get_atom::value, reel_error("no such video"))
          .receive([&](caf::get_atom, caf::error& e) { back.push_back(std::move(e)); }, [](caf::error&) {});
      REQUIRE(back.size() == 2);
      for (auto& e : back) {
        CHECK(e.code() == 7);
        CHECK(e.category() == caf::atom("reel"));
        REQUIRE(e.context().size() == 1);
        REQUIRE(e.context().match_element<std::string>(0));
        CHECK(e.context().get_as<std::string>(0) == "no such video");
      }
    }

    SUBCASE("a type the receiver did not register does not come back: the request fails") {
      // This is what a type missing from registry.cpp would do between two nodes.
      caf_node sender(register_unshared);
      auto via_sender = sender.remote(port);
      CHECK_FALSE(round_trip(sender.system(), via_sender, unshared{5}, caf::timespan{1s}));
      // Control: the same message comes back from a receiver that registered it.
      caf_node receiver(register_unshared);
      auto registered_echo = receiver.spawn(echo);
      auto registered_port = receiver.publish(registered_echo);
      auto back = round_trip(sender.system(), sender.remote(registered_port), unshared{5});
      REQUIRE(back);
      CHECK(back->value == 5);
    }
  }

  TEST_CASE("connected peers: replication messages reach the hook, router_of gives the peer's router") {
    peer_node a(1, 100), b(2, 200);
    auto pa = a.listen();
    auto pb = b.listen();
    CHECK(pa != pb);
    a.link.set_peers({at(2, pb)});
    b.link.set_peers({at(1, pa)});
    REQUIRE(eventually([&] { return a.link.connected_peers() == 1 && b.link.connected_peers() == 1; }));

    using v = r::append_response::verdict;
    auto reqs = std::vector{sample_request(5), sample_request(6)};
    auto resps = std::vector{sample_response(v::stale), sample_response(v::accepted)};
    a.link.send(r::node_id(2), reqs, resps);
    REQUIRE(b.log.await_batches(1));
    auto got = b.log.batches();
    REQUIRE(got.size() == 1);
    CHECK(got[0].from == r::node_id(1));
    CHECK(same(got[0].requests, reqs));
    CHECK(same(got[0].responses, resps));

    // And the other way, on B's own connection to A.
    b.link.send(r::node_id(1), {}, resps);
    REQUIRE(a.log.await_batches(1));
    CHECK(a.log.batches()[0].from == r::node_id(2));
    CHECK(a.log.batches()[0].requests.empty());
    CHECK(same(a.log.batches()[0].responses, resps));

    auto router = a.link.router_of(r::node_id(2));
    REQUIRE(router);
    CHECK(router.node() == b.caf.system().node());
    CHECK(router.id() == b.router.id());
    caf::scoped_actor self{a.caf.system()};
    std::optional<video_id> answer;
    self->request(router, reply_within, caf::get_atom::value, user_id(21))
        .receive([&](video_id v) { answer = v; }, [](caf::error&) {});
    CHECK(answer == video_id(42));
    CHECK_FALSE(a.link.router_of(r::node_id(9)));
    CHECK(a.log.lost().empty());
  }

  TEST_CASE("a peer that is not connected gets nothing, and the sender does not wait") {
    peer_node a(1, 100), b(2, 200);
    auto pb = b.listen();
    silent_listener silent;
    a.link.set_peers({at(3, silent.port())});  // wanted, but never connects

    // A send that waited for a connection attempt would take its 3 s timeout at least.
    auto started = std::chrono::steady_clock::now();
    a.link.send(r::node_id(2), requests_for(1), {});  // not among the peers
    a.link.send(r::node_id(3), requests_for(1), {});  // a peer, not connected
    a.link.send(r::node_id(9), requests_for(1), {});  // unknown node
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(a.link.connected_peers() == 0);
    CHECK_FALSE(a.link.router_of(r::node_id(3)));

    // Now connect to B: only what is sent from here on arrives (nothing was queued for it).
    a.link.set_peers({at(3, silent.port()), at(2, pb)});
    REQUIRE(eventually([&] { return a.link.router_of(r::node_id(2)) != nullptr; }));
    a.link.send(r::node_id(2), requests_for(2), {});
    a.link.send(r::node_id(2), requests_for(3), {});
    REQUIRE(b.log.await_batches(2));
    auto got = b.log.batches();
    REQUIRE(got.size() == 2);
    CHECK(got[0].requests.at(0).partition == 2);
    CHECK(got[1].requests.at(0).partition == 3);
    CHECK(a.link.connected_peers() == 1);  // still not the silent one
  }

  TEST_CASE("a lost peer is reported, and a new incarnation on its address is reconnected") {
    peer_node a(1, 100);
    auto b = std::make_unique<peer_node>(2, 200);
    auto pb = b->listen();
    a.link.set_peers({at(2, pb)});
    REQUIRE(eventually([&] { return a.link.connected_peers() == 1; }));
    a.link.send(r::node_id(2), requests_for(1), {});
    REQUIRE(b->log.await_batches(1));

    b.reset();  // B's transport and its whole actor system go away
    REQUIRE(a.log.await_lost(1));
    CHECK(a.log.lost().at(0) == r::node_id(2));
    CHECK_FALSE(a.link.router_of(r::node_id(2)));
    CHECK(a.link.connected_peers() == 0);
    a.link.send(r::node_id(2), requests_for(2), {});  // dropped, and must not block

    // The same node number restarts as a new incarnation, on the same port if it is still free.
    b = std::make_unique<peer_node>(2, 201);
    std::uint16_t port = 0;
    try {
      port = b->listen(pb);
    } catch (const std::runtime_error&) {
      port = b->listen();
      a.link.set_peers({at(2, port)});
    }
    REQUIRE(eventually([&] { return a.link.connected_peers() == 1; }));
    auto router = a.link.router_of(r::node_id(2));
    REQUIRE(router);
    CHECK(router.node() == b->caf.system().node());
    a.link.send(r::node_id(2), requests_for(3), {});
    REQUIRE(b->log.await_batches(1));
    auto got = b->log.batches();
    REQUIRE(got.size() == 1);  // nothing sent while B was away arrives late
    CHECK(got[0].from == r::node_id(1));
    CHECK(got[0].requests.at(0).partition == 3);
    CHECK(a.log.lost().size() == 1);
    MESSAGE(std::string(port == pb ? "the new B took the same port" : "the old port was taken: the new B moved"));
  }

  TEST_CASE("a hung peer is reported as lost: heartbeats end its connection") {
    peer_node a(1, 100), b(2, 200);
    unit::freezable_relay relay(b.listen());
    a.link.set_peers({at(2, relay.port())});
    REQUIRE(eventually([&] { return a.link.connected_peers() == 1; }));
    a.link.send(r::node_id(2), requests_for(1), {});
    REQUIRE(b.log.await_batches(1));  // through the relay

    // Nothing gets through any more, yet no socket closes: only a heartbeat timeout (2 s)
    // can tell A that B is gone.
    relay.freeze();
    REQUIRE(a.log.await_lost(1));
    CHECK(a.log.lost().at(0) == r::node_id(2));
    CHECK_FALSE(a.link.router_of(r::node_id(2)));
  }

  TEST_CASE("snapshot: chunks reach the peer one at a time, and the sender hears the outcome") {
    unit::snapshot_outcome sent(sample_chunk);
    peer_node a(1, 100), b(2, 200);
    a.link.set_peers({at(2, b.listen())});
    REQUIRE(eventually([&] { return a.link.connected_peers() == 1; }));

    SUBCASE("every chunk acknowledged: installed") {
      a.link.send_snapshot(r::node_id(2), sent.source(3), sent.finished());
      for (std::size_t i = 0; i < 3; ++i) {
        REQUIRE(b.log.await_chunks(i + 1));
        auto [from, chunk] = b.log.chunk_at(i);
        CHECK(from == r::node_id(1));
        CHECK(fields(chunk) == fields(sample_chunk(i, i == 2)));
        // The next chunk is read only once this one is durable on the peer.
        CHECK(sent.reads() == static_cast<int>(i + 1));
        CHECK(sent.answers() == 0);
        b.log.acknowledge(i, true);
      }
      CHECK(sent.await_answer() == true);
      CHECK(b.log.chunk_count() == 3);
    }
    SUBCASE("a chunk the peer could not install ends the snapshot") {
      a.link.send_snapshot(r::node_id(2), sent.source(3), sent.finished());
      REQUIRE(b.log.await_chunks(1));
      b.log.acknowledge(0, false);
      CHECK(sent.await_answer() == false);
      CHECK(sent.reads() == 1);
      CHECK(b.log.chunk_count() == 1);
    }
    SUBCASE("a snapshot that cannot be read fails without sending") {
      a.link.send_snapshot(r::node_id(2), sent.source(0), sent.finished());
      CHECK(sent.await_answer() == false);
      CHECK(b.log.chunk_count() == 0);
    }
    SUBCASE("a peer that is not connected fails at once") {
      a.link.send_snapshot(r::node_id(9), sent.source(3), sent.finished());
      CHECK(sent.answers() == 1);  // before send_snapshot returned
      CHECK(sent.await_answer() == false);
      CHECK(sent.reads() == 0);
    }
    CHECK(sent.answers() == 1);
  }

  // Node B shuts down as actors/node.cpp does: stop the transport, await the actors, destroy
  // the system. With a detached endpoint, CAF 0.17 sometimes waited forever in
  // ~actor_system for the endpoint's thread (about one round in 25; one in 80 even with a
  // wait for the endpoint's down messages at stop): the endpoint is a scheduled actor now.
  // B lives on its own thread (CAF wants a system destroyed on the thread that made it), so
  // that a hang becomes a failure here.
  TEST_CASE("a node's actor system shuts down while peers are connected to it") {
    for (int round = 0; round < 40; ++round) {
      struct signals {
        std::promise<std::uint16_t> port;
        std::promise<void> stop, gone;
      };
      auto b = std::make_shared<signals>();
      auto gone = b->gone.get_future();
      std::thread([b] {
        {
          caf_node node;
          transport link(
              node.system(), [] { return member_of(2, 200); }, transport_hooks{});
          b->port.set_value(link.listen("127.0.0.1", 0));
          b->stop.get_future().wait();
          link.stop();
          node.system().await_all_actors_done();
        }
        b->gone.set_value();
      }).detach();
      peer_node a(1, 100);
      a.link.set_peers({at(2, b->port.get_future().get())});
      REQUIRE(eventually([&] { return a.link.connected_peers() == 1; }));
      b->stop.set_value();
      REQUIRE_MESSAGE(gone.wait_for(10s) == std::future_status::ready,
                      "round " << round << ": B's ~actor_system never returned");
    }
  }

  TEST_CASE("listen on a port already in use throws") {
    peer_node a(1, 100), c(3, 300);
    auto port = a.listen();
    CHECK_THROWS_AS(c.link.listen("127.0.0.1", port), std::runtime_error);
    silent_listener other;  // a port held by something that is not CAF
    CHECK_THROWS_AS(c.link.listen("127.0.0.1", other.port()), std::runtime_error);
    // The failed attempts leave the transport usable.
    CHECK(c.link.listen("127.0.0.1", 0) != 0);
  }
}

}  // namespace reel::cluster::transport
