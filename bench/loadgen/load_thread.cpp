#include "bench/loadgen/load_thread.hpp"

#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <system_error>

namespace reel::loadgen {

namespace {

constexpr std::int64_t ms = 1'000'000;                   // ns
constexpr std::int64_t housekeeping_ns = 10 * ms;        // how often timeouts and reconnects are checked
constexpr std::int64_t reconnect_backoff_ns = 100 * ms;  // after a failed connect: no spinning on a down server
constexpr int max_events = 256;

std::int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

// epoll_pwait2 takes a nanosecond timeout, which pacing an open loop needs (requests may be
// due every few microseconds); kernels before 5.11 only offer milliseconds, rounded up.
int wait_events(int epoll_fd, epoll_event* events, std::int64_t timeout_ns) {
  static std::atomic<bool> no_pwait2{false};
  if (!no_pwait2.load(std::memory_order_relaxed)) {
    const timespec timeout{static_cast<time_t>(timeout_ns / 1'000'000'000),
                           static_cast<long>(timeout_ns % 1'000'000'000)};
    const int n = ::epoll_pwait2(epoll_fd, events, max_events, &timeout, nullptr);
    if (n >= 0 || errno != ENOSYS) return n;
    no_pwait2.store(true, std::memory_order_relaxed);
  }
  return ::epoll_wait(epoll_fd, events, max_events, static_cast<int>((timeout_ns + ms - 1) / ms));
}

}  // namespace

load_thread::load_thread(const run_config& config, const mix& requests, shared_run& shared, unsigned index,
                         int connections)
    : stats(requests.entries().size(), config.timeline_ms * ms, std::llround(config.duration_s * 1e9)),
      config_(config),
      index_(index),
      mix_(requests),
      shared_(shared),
      conns_(static_cast<std::size_t>(connections)),
      flights_(conns_.size()),
      retry_at_(conns_.size(), 0),
      interest_(conns_.size(), 0),
      in_idle_(conns_.size(), false),
      scratch_(std::size_t{64} * 1024) {
  render_.rng.seed(config.seed + index);
  render_.seq = &shared.seq;
  idle_.reserve(conns_.size());
  if (config.rate > 0) schedule_.emplace(config.rate, index, static_cast<unsigned>(config.threads));
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) throw std::system_error(errno, std::generic_category(), "epoll_create1");
}

load_thread::~load_thread() {
  conns_.clear();
  ::close(epoll_fd_);
}

void load_thread::connect_phase() {
  // The default 50 us timer slack would show up as open-loop latency.
  ::prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
  const auto start = now_ns();
  for (std::size_t c = 0; c < conns_.size(); ++c) try_open(c, start);
  const auto deadline = start + config_.timeout_ms * ms;
  auto connecting = [this] {
    return std::any_of(conns_.begin(), conns_.end(),
                       [](const http_conn& c) { return c.current() == http_conn::state::connecting; });
  };
  while (connecting() && !should_stop()) {
    const auto now = now_ns();
    if (now >= deadline) break;
    if (now >= next_housekeeping_) housekeeping(now);
    poll(std::min(deadline, next_housekeeping_));
  }
}

void load_thread::load_phase() {
  t0_ = shared_.t0_ns.load();
  measure_start_ = t0_ + std::llround(config_.warmup_s * 1e9);
  end_ = measure_start_ + std::llround(config_.duration_s * 1e9);
  phase_ = phase::loading;
  next_housekeeping_ = t0_;
  for (std::size_t c = 0; c < conns_.size(); ++c) {
    if (conns_[c].current() == http_conn::state::idle) became_idle(c, now_ns());
  }
  for (;;) {
    const auto now = now_ns();
    if (now >= end_ || should_stop()) break;
    if (now >= next_housekeeping_) housekeeping(now);
    if (schedule_) feed_open_loop(now);
    if (exhausted_ && in_flight_ == 0) break;
    auto wake = std::min(end_, next_housekeeping_);
    if (schedule_ && !exhausted_ && has_idle()) wake = std::min(wake, t0_ + schedule_->due_ns(next_j_));
    poll(wake);
  }
  const auto stopped = now_ns();
  if (schedule_) count_missed(stopped);
  drain(stopped + config_.timeout_ms * ms);
}

// Waits for the requests still in flight; whatever has not answered by the deadline timed out.
void load_thread::drain(std::int64_t deadline) {
  phase_ = phase::draining;
  for (auto now = now_ns(); in_flight_ > 0 && now < deadline; now = now_ns()) {
    if (shared_.interrupted->load(std::memory_order_relaxed)) break;
    if (now >= next_housekeeping_) housekeeping(now);
    poll(std::min(deadline, next_housekeeping_));
  }
  finished_ns = now_ns();
  const bool abandoned = shared_.interrupted->load(std::memory_order_relaxed);
  for (std::size_t c = 0; c < conns_.size(); ++c) {
    if (!flights_[c].active) continue;
    if (abandoned) flights_[c].recorded = false;  // the user stopped the run; these did not fail
    finish(c, outcome::timeout, finished_ns);
  }
}

void load_thread::poll(std::int64_t wake_ns) {
  epoll_event events[max_events];
  const int n = wait_events(epoll_fd_, events, std::max<std::int64_t>(0, wake_ns - now_ns()));
  for (int i = 0; i < n; ++i) dispatch(static_cast<std::size_t>(events[i].data.u64), events[i].events);
}

void load_thread::dispatch(std::size_t c, std::uint32_t events) {
  auto& conn = conns_[c];
  using state = http_conn::state;
  if (conn.current() == state::closed) return;
  auto ev = http_conn::event::none;
  if (conn.current() == state::connecting || ((events & EPOLLOUT) && conn.wants_write())) ev = conn.on_writable();
  const bool readable = (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
  if (ev == http_conn::event::none && readable && (conn.current() == state::idle || conn.current() == state::busy)) {
    ev = conn.on_readable(scratch_);
  }
  handle(c, ev);
}

void load_thread::handle(std::size_t c, http_conn::event ev) {
  const auto now = now_ns();
  switch (ev) {
    case http_conn::event::none:
      watch(c);
      break;
    case http_conn::event::connected:
      watch(c);
      became_idle(c, now);
      break;
    case http_conn::event::response:
      on_response(c, now);
      break;
    case http_conn::event::failed:
      // A request that fails on an established connection reconnects at once; a failed
      // connect waits, so that a server that is down is not hammered with SYNs.
      if (flights_[c].active) {
        finish(c, outcome::io_error, now);
        try_open(c, now);
      } else {
        stats.count_connect_error();
        retry_later(c, now);
      }
      break;
    case http_conn::event::dropped:
      try_open(c, now);
      break;
  }
}

void load_thread::on_response(std::size_t c, std::int64_t now) {
  const auto& response = conns_[c].response();
  finish(c, classify_response(response.code(), response.body_prefix(), config_.status_check), now);
  if (!conns_[c].reusable()) return try_open(c, now);
  watch(c);
  became_idle(c, now);
}

void load_thread::became_idle(std::size_t c, std::int64_t now) {
  if (!schedule_) return issue_closed_loop(c, now);
  if (in_idle_[c]) return;
  in_idle_[c] = true;
  idle_.push_back(c);
}

void load_thread::start_request(std::size_t c, std::size_t entry, std::int64_t start_ns, bool recorded) {
  auto& conn = conns_[c];
  mix_.render(entry, render_, conn.request());
  flights_[c] = {true, entry, start_ns, now_ns() + config_.timeout_ms * ms, recorded};
  ++in_flight_;
  handle(c, conn.send(mix_.is_head(entry)));
}

void load_thread::finish(std::size_t c, outcome o, std::int64_t now) {
  auto& f = flights_[c];
  f.active = false;
  --in_flight_;
  if (f.recorded)
    stats.record(f.entry, o, static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - f.start_ns)),
                 now - measure_start_);
}

void load_thread::try_open(std::size_t c, std::int64_t now) {
  auto& conn = conns_[c];
  conn.close();  // also removes the old socket from epoll
  interest_[c] = 0;
  if (phase_ == phase::draining) return;
  flights_[c].deadline_ns = now + config_.timeout_ms * ms;
  // Connection c of thread k is the (c * threads + k)-th: the targets take turns over all.
  auto turn = (c * static_cast<std::size_t>(config_.threads) + index_) % (config_.more_targets.size() + 1);
  const auto& target = turn == 0 ? config_.target : config_.more_targets[turn - 1];
  if (!conn.open(target.address)) {
    stats.count_connect_error();
    retry_at_[c] = now + reconnect_backoff_ns;
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = c;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, conn.fd(), &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  interest_[c] = ev.events;
}

void load_thread::retry_later(std::size_t c, std::int64_t now) {
  conns_[c].close();
  interest_[c] = 0;
  retry_at_[c] = now + reconnect_backoff_ns;
}

void load_thread::watch(std::size_t c) {
  const auto& conn = conns_[c];
  if (conn.current() == http_conn::state::closed) return;
  const std::uint32_t want = EPOLLIN | (conn.wants_write() ? EPOLLOUT : 0u);
  if (want == interest_[c]) return;
  epoll_event ev{};
  ev.events = want;
  ev.data.u64 = c;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd(), &ev) != 0)
    throw std::system_error(errno, std::generic_category(), "epoll_ctl");
  interest_[c] = want;
}

void load_thread::housekeeping(std::int64_t now) {
  next_housekeeping_ = now + housekeeping_ns;
  for (std::size_t c = 0; c < conns_.size(); ++c) {
    const auto& f = flights_[c];
    switch (conns_[c].current()) {
      case http_conn::state::busy:
        if (f.active && now > f.deadline_ns) {
          finish(c, outcome::timeout, now);
          try_open(c, now);  // a late response must not be taken for the next request's
        }
        break;
      case http_conn::state::connecting:
        if (now > f.deadline_ns) {
          stats.count_connect_error();
          retry_later(c, now);
        }
        break;
      case http_conn::state::closed:
        if (phase_ == phase::loading && now >= retry_at_[c]) try_open(c, now);
        break;
      case http_conn::state::idle:
        break;
    }
  }
}

void load_thread::feed_open_loop(std::int64_t now) {
  while (!exhausted_) {
    const auto due = t0_ + schedule_->due_ns(next_j_);
    if (due > now) return;
    if (config_.max_requests > 0 && schedule_->global_index(next_j_) >= config_.max_requests) {
      exhausted_ = true;
      return;
    }
    const auto c = pop_idle();
    if (!c) {
      // Every connection is busy: the request waits, and its latency keeps growing from
      // its due time. Past the bound the rate is plainly not sustainable.
      if (now - due > config_.max_backlog_ms * ms) {
        shared_.backlog_exceeded.store(true);
        shared_.stop.store(true);
      }
      return;
    }
    const bool recorded = due >= measure_start_;
    if (recorded) {
      ++scheduled;
      stats.record_send_lag(static_cast<std::uint64_t>(now_ns() - due));
    }
    start_request(*c, mix_.pick(render_.rng), due, recorded);
    ++next_j_;
  }
}

void load_thread::count_missed(std::int64_t stop_ns) {
  const auto limit = std::min(stop_ns, end_);
  for (; !exhausted_; ++next_j_) {
    if (config_.max_requests > 0 && schedule_->global_index(next_j_) >= config_.max_requests) break;
    const auto due = t0_ + schedule_->due_ns(next_j_);
    if (due >= limit) break;
    if (due >= measure_start_) ++missed, ++scheduled;
  }
}

void load_thread::issue_closed_loop(std::size_t c, std::int64_t now) {
  if (phase_ != phase::loading || exhausted_) return;
  if (config_.max_requests > 0 && shared_.issued.fetch_add(1, std::memory_order_relaxed) >= config_.max_requests) {
    exhausted_ = true;
    return;
  }
  start_request(c, mix_.pick(render_.rng), now, now >= measure_start_);
}

std::optional<std::size_t> load_thread::pop_idle() {
  if (!has_idle()) return std::nullopt;
  const auto c = idle_.back();
  idle_.pop_back();
  in_idle_[c] = false;
  return c;
}

// Drops connections that stopped being idle (closed, reconnecting) from the top of the stack.
bool load_thread::has_idle() {
  while (!idle_.empty() && conns_[idle_.back()].current() != http_conn::state::idle) {
    in_idle_[idle_.back()] = false;
    idle_.pop_back();
  }
  return !idle_.empty();
}

bool load_thread::should_stop() const {
  return shared_.stop.load(std::memory_order_relaxed) || shared_.interrupted->load(std::memory_order_relaxed);
}

}  // namespace reel::loadgen
