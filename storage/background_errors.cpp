#include "storage/background_errors.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <sys/time.h>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string>

namespace reel::storage {

namespace {

// One line per call, written with a single append (O_APPEND keeps concurrent lines whole).
// A line that cannot be written is dropped: a full disk must not stop the process.
class info_log final : public rocksdb::Logger {
 public:
  explicit info_log(const std::filesystem::path& dir)
      : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL),
        fd_(::open((dir / "LOG").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}
  ~info_log() override { Close().PermitUncheckedError(); }

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override { line(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level >= GetInfoLogLevel()) line(level, format, ap);
  }

 protected:
  rocksdb::Status CloseImpl() override {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return rocksdb::Status::OK();
  }

 private:
  void line(rocksdb::InfoLogLevel level, const char* format, va_list ap) {
    static const char* names[] = {"DEBUG", "INFO", "WARN", "ERROR", "FATAL", "HEADER"};
    auto index = static_cast<std::size_t>(level);
    const char* name = index < std::size(names) ? names[index] : "INFO";
    std::string text = stamp() + " [" + name + "] ";
    va_list copy;
    va_copy(copy, ap);
    int n = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (n > 0) {
      auto at = text.size();
      text.resize(at + static_cast<std::size_t>(n) + 1);
      std::vsnprintf(text.data() + at, static_cast<std::size_t>(n) + 1, format, ap);
      text.resize(at + static_cast<std::size_t>(n));
    }
    if (text.empty() || text.back() != '\n') text.push_back('\n');
    if (fd_ >= 0 && ::write(fd_, text.data(), text.size()) < 0) {
      // Dropped: most likely the disk is full, which the store reports on its own.
    }
    if (level >= rocksdb::InfoLogLevel::WARN_LEVEL && level != rocksdb::InfoLogLevel::HEADER_LEVEL) {
      std::string mirrored = "reeld: rocksdb: " + text;
      if (::write(STDERR_FILENO, mirrored.data(), mirrored.size()) < 0) {
        // Nowhere else to say it.
      }
    }
  }

  static std::string stamp() {
    timeval now{};
    ::gettimeofday(&now, nullptr);
    tm parts{};
    ::localtime_r(&now.tv_sec, &parts);
    char out[48];
    std::snprintf(out, sizeof out, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld", parts.tm_year + 1900, parts.tm_mon + 1,
                  parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, static_cast<long>(now.tv_usec));
    return out;
  }

  int fd_;
};

bool space_error(const rocksdb::Status& s) { return s.IsNoSpace() || s.subcode() == rocksdb::Status::kSpaceLimit; }

// Runs on RocksDB's threads with its mutex released; must not call into the DB.
class error_listener final : public rocksdb::EventListener {
 public:
  explicit error_listener(std::shared_ptr<rocks_health> health) : health_(std::move(health)) {}

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override {
    if (error->ok()) return;
    health_->errors.fetch_add(1, std::memory_order_relaxed);
    const bool space = space_error(*error);
    if (reason == rocksdb::BackgroundErrorReason::kMemTable && health_->recovering.load() &&
        error->severity() >= rocksdb::Status::Severity::kFatalError)
      *error = rocksdb::Status(*error, rocksdb::Status::Severity::kHardError);
    if (error->severity() < rocksdb::Status::Severity::kHardError) return;  // writes go on
    if (space) health_->out_of_space.store(true);
    {
      std::lock_guard lock(health_->mutex);
      health_->stopped.store(true);
    }
    health_->wake.notify_all();
  }

  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status error, bool* auto_recovery) override {
    error.PermitUncheckedError();
    *auto_recovery = false;
  }

 private:
  std::shared_ptr<rocks_health> health_;
};

}  // namespace

std::shared_ptr<rocksdb::Logger> make_info_log(const std::filesystem::path& dir) {
  return std::make_shared<info_log>(dir);
}

std::shared_ptr<rocksdb::EventListener> make_error_listener(std::shared_ptr<rocks_health> health) {
  return std::make_shared<error_listener>(std::move(health));
}

rocksdb::Status resume_writes(rocksdb::DB& db, rocks_health& health, const std::string& anchor_key) {
  health.recovering.store(true);
  auto s = db.Resume();
  if (s.ok()) {
    rocksdb::WriteOptions memtable_only;
    memtable_only.disableWAL = true;
    s = db.Delete(memtable_only, anchor_key);
  }
  if (s.ok()) {
    rocksdb::FlushOptions flush;
    flush.allow_write_stall = true;
    // Fails when the WAL switch met the old writer's error (the memtable was empty at the
    // stop); the DB is stopped again, and this Resume switches with the error reset.
    if (!db.Flush(flush).ok()) s = db.Resume();
  }
  health.recovering.store(false);
  return s;
}

}  // namespace reel::storage
