#include "storage/write_gate.hpp"

#include <algorithm>
#include <cstdio>

namespace reel::storage {

namespace {

// Resuming needs room to flush the memtable: with no reserve configured, wait for at least
// this much before trying.
constexpr std::uint64_t min_room_to_resume = std::uint64_t{1} << 20;
constexpr auto retry_after_failed_resume = std::chrono::seconds(1);

bool space_error(const rocksdb::Status& s) { return s.IsNoSpace() || s.subcode() == rocksdb::Status::kSpaceLimit; }

}  // namespace

write_gate::write_gate(const std::filesystem::path& dir, std::optional<std::uint64_t> min_free_bytes)
    : space_(dir, min_free_bytes) {}

write_gate::~write_gate() { stop_watching(); }

void write_gate::configure(rocksdb::Options& options, const std::filesystem::path& dir) {
  options.info_log = make_info_log(dir);
  options.listeners.push_back(make_error_listener(health_));
}

void write_gate::watch(rocksdb::DB& db, std::string anchor_key) {
  db_ = &db;
  anchor_key_ = std::move(anchor_key);
  watcher_ = std::thread([this] { run(); });
}

void write_gate::stop_watching() {
  {
    std::lock_guard lock(health_->mutex);
    closing_ = true;
  }
  health_->wake.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

std::shared_lock<std::shared_mutex> write_gate::enter() {
  auto refuse = [this] {
    if (health_->out_of_space.load()) throw write_refused(errc::storage_full, "RocksDB has stopped writes: disk full");
    throw write_refused(errc::unavailable, "RocksDB has stopped writes after an error");
  };
  if (health_->stopped.load()) refuse();
  std::shared_lock lock(writers_);
  if (health_->stopped.load()) refuse();  // stopped while this writer waited for a resume
  return lock;
}

void write_gate::failed(const rocksdb::Status& status) {
  const bool space = space_error(status);
  // An I/O error stops RocksDB's writes (paranoid_checks): the listener has said so already,
  // but a stop that raced with the end of a resume would be missed; resuming a DB that was
  // not stopped costs one flush.
  if (status.IsIOError()) {
    if (space) health_->out_of_space.store(true);
    {
      std::lock_guard lock(health_->mutex);
      health_->stopped.store(true);
    }
    health_->wake.notify_all();
  }
  if (space || health_->out_of_space.load()) {
    space_.refresh();
    throw write_refused(errc::storage_full, "writing RocksDB: " + status.ToString());
  }
  if (status.IsIOError()) throw write_refused(errc::unavailable, "writing RocksDB: " + status.ToString());
  throw std::runtime_error("writing RocksDB: " + status.ToString());
}

errc write_gate::refusal() {
  if (health_->stopped.load()) return health_->out_of_space.load() ? errc::storage_full : errc::unavailable;
  return space_.below_reserve() ? errc::storage_full : errc::ok;
}

// Sleeps until RocksDB stops writes; then looks at the free space every refresh interval
// and resumes once there is room.
void write_gate::run() {
  auto next_attempt = std::chrono::steady_clock::now();
  std::unique_lock lock(health_->mutex);
  while (!closing_) {
    if (!health_->stopped.load()) {
      health_->wake.wait(lock, [this] { return closing_ || health_->stopped.load(); });
      continue;
    }
    health_->wake.wait_for(lock, free_space::refresh_interval, [this] { return closing_; });
    if (closing_ || std::chrono::steady_clock::now() < next_attempt) continue;
    lock.unlock();
    bool room = space_.refresh() >= std::max(space_.reserve(), min_room_to_resume);
    bool resumed = room && try_resume();
    lock.lock();
    if (room && !resumed) next_attempt = std::chrono::steady_clock::now() + retry_after_failed_resume;
  }
}

bool write_gate::try_resume() {
  std::unique_lock writers(writers_);
  auto s = resume_writes(*db_, *health_, anchor_key_);
  if (!s.ok()) {
    std::fprintf(stderr, "reeld: storage: writes still stopped (%s); trying again in 1 s\n", s.ToString().c_str());
    return false;
  }
  health_->out_of_space.store(false);
  {
    std::lock_guard lock(health_->mutex);
    health_->stopped.store(false);
  }
  recoveries_.fetch_add(1, std::memory_order_relaxed);
  std::fprintf(stderr, "reeld: storage: writes resumed\n");
  return true;
}

}  // namespace reel::storage
