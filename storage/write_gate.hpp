// Whether the store takes writes, and how it takes them again without a restart.
//
// Writes are refused with errc::storage_full while the disk is short of space (free_space:
// under the reserve) or RocksDB has stopped writes for lack of space, and with
// errc::unavailable while it has stopped them for another error. Reads never pass here.
// Once RocksDB has stopped, a watcher thread checks the free space every 100 ms and, when
// there is room again (the reserve, and at least 1 MiB), resumes it (background_errors.hpp:
// resume_writes) with every writer kept out; a failed attempt is retried after a second.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "schema/errors.hpp"
#include "storage/background_errors.hpp"
#include "storage/free_space.hpp"

namespace reel::storage {

// A write the store refused, with the API error to answer: nothing of it was written.
class write_refused : public std::runtime_error {
 public:
  write_refused(errc code, const std::string& what) : std::runtime_error(what), code_(code) {}
  errc code() const { return code_; }

 private:
  errc code_;
};

class write_gate {
 public:
  // `dir`: the database's directory (its file system's free space counts).
  write_gate(const std::filesystem::path& dir, std::optional<std::uint64_t> min_free_bytes);
  ~write_gate();
  write_gate(const write_gate&) = delete;
  write_gate& operator=(const write_gate&) = delete;

  // Before DB::Open: the info log and error listener of background_errors.hpp.
  void configure(rocksdb::Options& options, const std::filesystem::path& dir);
  // After DB::Open: from now on a stopped `db` is resumed by the watcher.
  void watch(rocksdb::DB& db, std::string anchor_key);
  // Before closing the database: stops the watcher.
  void stop_watching();

  // Held around a RocksDB write: a resume waits for the writes in flight and keeps new ones
  // out, so that no write reaches a WAL writer that saw an error. Throws write_refused while
  // RocksDB is stopped.
  std::shared_lock<std::shared_mutex> enter();
  // After a failed RocksDB write: throws write_refused when RocksDB is out of space or has
  // stopped writes, std::runtime_error otherwise.
  [[noreturn]] void failed(const rocksdb::Status& status);

  free_space& space() { return space_; }
  // Why writes are refused right now: errc::ok when they are not.
  errc refusal();
  bool stopped() const { return health_->stopped.load(); }
  std::uint64_t recoveries() const { return recoveries_.load(std::memory_order_relaxed); }
  std::uint64_t background_errors() const { return health_->errors.load(std::memory_order_relaxed); }

 private:
  void run();
  bool try_resume();

  free_space space_;
  std::shared_ptr<rocks_health> health_ = std::make_shared<rocks_health>();
  std::shared_mutex writers_;  // shared by writes, exclusive while resuming
  rocksdb::DB* db_ = nullptr;
  std::string anchor_key_;
  bool closing_ = false;  // guarded by health_->mutex
  std::atomic<std::uint64_t> recoveries_{0};
  std::thread watcher_;
};

}  // namespace reel::storage
