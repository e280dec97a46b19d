// The timeline store people use instead of Reel: Redis sorted sets, driven with the shape of
// bench/loadgen (N connections, one request in flight on each, closed loop or a fixed
// open-loop rate whose latency counts from the intended send time).
//
// Modes: --mix home:60,user:30,publish:10 over the users and follows of --edges (the
// operations are in redis_timelines.hpp; a publish's latency ends with the last reply of its
// pipeline), or --celebrity N: one publish to N followers, timed until every ZADD is
// acknowledged. Prints one JSON object shaped like the load generator's (bench/README.md).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/baselines/latency_summary.hpp"
#include "bench/baselines/redis_timelines.hpp"
#include "bench/baselines/resp.hpp"

namespace {

using namespace reel::bench;
using steady = std::chrono::steady_clock;

struct options {
  int port = 6379;
  std::string edges;
  std::string mix = "home:1";
  std::uint64_t celebrity = 0;
  unsigned connections = 50;
  double duration_s = 5;
  double warmup_s = 0;
  std::uint64_t max_requests = 100'000'000;
  double rate = 0;  // 0 = closed loop
  unsigned inbox_cap = 1000;
  bool preload = false;
  int timeline_ms = 1000;
  std::string json;
};

steady::duration seconds(double s) {
  return std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s));
}

int connect_loopback(int port, bool blocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(std::uint16_t(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("cannot connect to redis on 127.0.0.1:" + std::to_string(port));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!blocking) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Sends a pipeline on its own connection and reads until `replies` replies have arrived.
void round_trip(int port, const std::string& pipeline, std::size_t replies) {
  int fd = connect_loopback(port, true);
  std::size_t sent = 0, offset = 0;
  std::string in;
  char buf[1 << 16];
  bool error = false;
  while (replies > 0) {
    if (sent < pipeline.size()) {  // interleave sending and reading: both buffers are bounded
      auto n = ::send(fd, pipeline.data() + sent, std::min<std::size_t>(pipeline.size() - sent, 1 << 20), MSG_DONTWAIT);
      if (n > 0) sent += std::size_t(n);
    }
    auto n = ::recv(fd, buf, sizeof buf, sent < pipeline.size() ? MSG_DONTWAIT : 0);
    if (n == 0) throw std::runtime_error("redis closed the connection");
    if (n > 0) in.append(buf, std::size_t(n));
    while (const char* next = replies ? resp::skip_reply(in.data() + offset, in.data() + in.size(), error) : nullptr) {
      offset = std::size_t(next - in.data());
      --replies;
    }
  }
  ::close(fd);
  if (error) throw std::runtime_error("redis answered an error");
}

struct connection {
  int fd = -1;
  std::string out, in;
  std::size_t written = 0;
  std::size_t expected = 0;  // replies still to come for the request in flight
  std::size_t entry = 0;
  bool error = false;
  steady::time_point started;  // intended start (open loop) or the send (closed loop)
};

struct interval {
  std::uint64_t completed = 0, errors = 0;
  std::vector<std::uint32_t> latency_us;
};

// One bounded load over `connections` connections; see the file comment.
class pipelined_load {
 public:
  pipelined_load(const options& o, timeline_commands& ops) : o_(o), ops_(ops), conns_(o.connections) {}

  void run() {
    open();
    begin_ = steady::now();
    measure_from_ = begin_ + seconds(o_.warmup_s);
    deadline_ = measure_from_ + seconds(o_.duration_s);
    next_due_ = begin_;
    std::vector<epoll_event> events(conns_.size());
    while (true) {
      auto now = steady::now();
      bool sending = now < deadline_ && issued_ < o_.max_requests;
      if (sending)
        send_due(now);
      else if (in_flight_ == 0 || now > deadline_ + std::chrono::seconds(10))
        break;  // drained, or bounded
      int n = ::epoll_wait(epoll_, events.data(), int(events.size()), wait_ms(sending, now));
      for (int k = 0; k < n; ++k) on_event(events[k].data.u64, events[k].events);
    }
    elapsed_s_ = std::chrono::duration<double>(std::min(steady::now(), deadline_) - measure_from_).count();
    for (auto& c : conns_) ::close(c.fd);
    ::close(epoll_);
  }

  std::string json();

 private:
  void open() {
    epoll_ = ::epoll_create1(0);
    for (std::size_t i = 0; i < conns_.size(); ++i) {
      conns_[i].fd = connect_loopback(o_.port, false);
      watch(i, false, EPOLL_CTL_ADD);
      idle_.push_back(i);
    }
  }

  void watch(std::size_t i, bool writable, int op) {
    epoll_event ev{};
    ev.events = EPOLLIN | (writable ? std::uint32_t(EPOLLOUT) : 0u);
    ev.data.u64 = i;
    ::epoll_ctl(epoll_, op, conns_[i].fd, &ev);
  }

  int wait_ms(bool sending, steady::time_point now) const {
    if (!sending || o_.rate <= 0) return 100;
    return int(
        std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(next_due_ - now).count()));
  }

  // Open loop: every due send waits in a backlog for a free connection and keeps its due
  // time, so queueing counts in its latency. Closed loop: every idle connection sends now.
  void send_due(steady::time_point now) {
    if (o_.rate > 0) {
      for (auto step = seconds(1.0 / o_.rate); next_due_ <= now; next_due_ += step) backlog_.push_back(next_due_);
      while (!backlog_.empty() && !idle_.empty()) {
        start(backlog_.front());
        backlog_.pop_front();
      }
    } else {
      while (!idle_.empty() && issued_ < o_.max_requests) start(now);
    }
  }

  void start(steady::time_point intended) {
    auto i = idle_.back();
    idle_.pop_back();
    auto& c = conns_[i];
    c.out.clear();
    c.written = 0;
    if (!measuring_ && intended >= measure_from_) {
      measuring_ = true;
      fanout_at_measure_ = ops_.fanout_entries();
    }
    c.entry = ops_.pick();
    c.expected = ops_.render(c.entry, c.out);
    c.error = false;
    c.started = intended;
    ++issued_;
    ++in_flight_;
    flush(c);
    watch(i, c.written < c.out.size(), EPOLL_CTL_MOD);
  }

  static void flush(connection& c) {
    while (c.written < c.out.size()) {
      auto n = ::send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n <= 0) return;
      c.written += std::size_t(n);
    }
  }

  void on_event(std::size_t i, std::uint32_t events) {
    auto& c = conns_[i];
    if (events & EPOLLOUT) {
      flush(c);
      if (c.written == c.out.size()) watch(i, false, EPOLL_CTL_MOD);
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    char buf[1 << 16];
    for (ssize_t got; (got = ::recv(c.fd, buf, sizeof buf, 0)) != -1;) {
      if (got == 0) throw std::runtime_error("redis closed a connection");
      c.in.append(buf, std::size_t(got));
    }
    std::size_t offset = 0;
    while (const char* next =
               c.expected ? resp::skip_reply(c.in.data() + offset, c.in.data() + c.in.size(), c.error) : nullptr) {
      offset = std::size_t(next - c.in.data());
      --c.expected;
    }
    c.in.erase(0, offset);
    if (c.expected == 0 && c.written == c.out.size() && !c.out.empty()) finish(i);
  }

  void finish(std::size_t i) {
    auto& c = conns_[i];
    auto done = steady::now();
    c.out.clear();
    --in_flight_;
    idle_.push_back(i);
    if (c.started < measure_from_) return;  // warm-up
    auto us = std::uint32_t(std::chrono::duration_cast<std::chrono::microseconds>(done - c.started).count());
    all_.push_back(us);
    by_name_[ops_.entries()[c.entry].name].push_back(us);
    errors_ += c.error;
    if (done >= deadline_) return;  // the timeline covers the measured window; the drain counts in the totals
    auto slot = std::size_t(std::chrono::duration_cast<std::chrono::milliseconds>(done - measure_from_).count() /
                            o_.timeline_ms);
    if (timeline_.size() <= slot) timeline_.resize(slot + 1);
    timeline_[slot].completed++;
    timeline_[slot].errors += c.error;
    timeline_[slot].latency_us.push_back(us);
  }

  const options& o_;
  timeline_commands& ops_;
  std::vector<connection> conns_;
  int epoll_ = -1;
  std::vector<std::size_t> idle_;
  std::deque<steady::time_point> backlog_;
  steady::time_point begin_, measure_from_, deadline_, next_due_;
  std::uint64_t issued_ = 0, in_flight_ = 0, errors_ = 0, fanout_at_measure_ = 0;
  bool measuring_ = false;
  double elapsed_s_ = 0;
  std::vector<std::uint32_t> all_;
  std::map<std::string, std::vector<std::uint32_t>> by_name_;
  std::vector<interval> timeline_;
};

std::string pipelined_load::json() {
  std::ostringstream j;
  auto requests = all_.size();
  j << "{\"config\":{\"tool\":\"redis_fanout\",\"mix\":\"" << o_.mix << "\",\"connections\":" << o_.connections
    << ",\"duration_s\":" << o_.duration_s << ",\"warmup_s\":" << o_.warmup_s << ",\"rate\":" << o_.rate
    << ",\"inbox_cap\":" << o_.inbox_cap << ",\"timeline_ms\":" << o_.timeline_ms << "},";
  j << "\"measured_s\":" << elapsed_s_ << ",\"total\":{\"requests\":" << requests << ",\"ok\":" << requests - errors_
    << ",\"errors_http\":0,\"errors_api\":" << errors_
    << ",\"timeouts\":0,\"connect_errors\":0,\"throughput_rps\":" << double(requests) / elapsed_s_
    << ",\"latency_us\":" << latency_json(all_) << "},\"by_name\":{";
  const char* sep = "";
  for (auto& [name, v] : by_name_) {
    j << sep << "\"" << name << "\":{\"requests\":" << v.size()
      << ",\"throughput_rps\":" << double(v.size()) / elapsed_s_ << ",\"latency_us\":" << latency_json(v) << "}";
    sep = ",";
  }
  j << "},\"timeline\":[";
  for (std::size_t s = 0; s < timeline_.size(); ++s) {
    auto& b = timeline_[s];
    std::sort(b.latency_us.begin(), b.latency_us.end());
    j << (s ? "," : "") << "{\"t_ms\":" << s * std::size_t(o_.timeline_ms) << ",\"completed\":" << b.completed
      << ",\"errors\":" << b.errors << ",\"p50_us\":" << percentile(b.latency_us, 0.5)
      << ",\"p99_us\":" << percentile(b.latency_us, 0.99) << "}";
  }
  auto entries = ops_.fanout_entries() - fanout_at_measure_;
  bool kept = o_.rate <= 0 || double(requests) >= 0.95 * o_.rate * elapsed_s_;
  j << "],\"fanout\":{\"inbox_entries\":" << entries << ",\"inbox_entries_per_s\":" << double(entries) / elapsed_s_
    << "},\"unsustainable\":" << (kept ? "false" : "true") << "}";
  return j.str();
}

std::string run_mix(const options& o) {
  if (o.edges.empty()) throw std::runtime_error("--edges is needed with --mix");
  auto graph = read_edge_list(o.edges);
  if (graph.users == 0) throw std::runtime_error("no users in " + o.edges);
  timeline_commands ops(graph, parse_mix(o.mix), o.inbox_cap);
  if (o.preload) {  // one video per user, as reeld import publishes
    std::string pipeline;
    std::size_t replies = 0;
    for (std::uint32_t u = 0; u < graph.users; ++u) replies += ops.publish(pipeline, u, &graph.followers[u]);
    round_trip(o.port, pipeline, replies);
  }
  pipelined_load load(o, ops);
  load.run();
  return load.json();
}

// One publish to `o.celebrity` followers, pipelined on one connection, timed to the last reply.
std::string run_celebrity(const options& o) {
  follow_graph none;
  timeline_commands ops(none, {}, o.inbox_cap);
  std::string pipeline;
  auto replies = ops.publish(pipeline, 0, nullptr, o.celebrity);
  auto start = steady::now();
  round_trip(o.port, pipeline, replies);
  double s = std::chrono::duration<double>(steady::now() - start).count();
  std::ostringstream j;
  j << "{\"config\":{\"tool\":\"redis_fanout\",\"celebrity\":" << o.celebrity << ",\"inbox_cap\":" << o.inbox_cap
    << "},\"followers\":" << o.celebrity << ",\"complete_s\":" << s << ",\"fanout\":{\"inbox_entries\":" << o.celebrity
    << ",\"inbox_entries_per_s\":" << double(o.celebrity) / s << "}}";
  return j.str();
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App cli{"redis_fanout: Redis as a timeline store (ZADD-per-follower fan-out, ZREVRANGE reads), loopback only"};
  cli.add_option("--port", o.port, "redis-server port on 127.0.0.1")->capture_default_str();
  cli.add_option("--edges", o.edges, "undirected edge list (each edge a mutual follow), as reeld import --edges");
  cli.add_option("--mix", o.mix, "weighted operations: home, user, publish (e.g. home:60,user:30,publish:10)")
      ->capture_default_str();
  cli.add_option("--celebrity", o.celebrity, "instead of a mix: one publish to this many followers, timed");
  cli.add_option("--connections", o.connections, "connections, one request in flight each")
      ->capture_default_str()
      ->check(CLI::Range(1u, 10000u));
  cli.add_option("--duration", o.duration_s, "seconds measured")->capture_default_str()->check(CLI::Range(0.1, 3600.0));
  cli.add_option("--warmup", o.warmup_s, "seconds of load before measuring")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 600.0));
  cli.add_option("--max-requests", o.max_requests, "stop sending after this many")->capture_default_str();
  cli.add_option("--rate", o.rate, "open loop: requests per second (absent: closed loop)")->check(CLI::Range(0.0, 1e7));
  cli.add_option("--inbox-cap", o.inbox_cap, "entries kept per inbox (trimmed on every push)")->capture_default_str();
  cli.add_flag("--preload", o.preload, "first publish one video per user (as reeld import does)");
  cli.add_option("--timeline-ms", o.timeline_ms, "timeline interval")
      ->capture_default_str()
      ->check(CLI::Range(10, 60000));
  cli.add_option("--json", o.json, "also write the JSON result to this file");
  CLI11_PARSE(cli, argc, argv);
  try {
    auto json = o.celebrity > 0 ? run_celebrity(o) : run_mix(o);
    std::cout << json << std::endl;
    if (!o.json.empty()) std::ofstream(o.json) << json << "\n";
  } catch (const std::exception& e) {
    std::cerr << "redis_fanout: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
