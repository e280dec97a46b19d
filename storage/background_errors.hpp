// How the store lives through RocksDB's write errors, a full disk above all.
//
// What Debian 12's librocksdb 7.8.3 (built with assertions) does on ENOSPC, observed on a
// full tmpfs and read in its source:
// - Its own info log (LOG, a WritableFileWriter) fails first; the next log line asserts
//   `sync_without_flush_called_` and aborts the process (`EnvLogger::Logv`). So the store
//   gives RocksDB an info log of its own that drops lines it cannot write (info_log below).
// - A WAL append that fails with NoSpace is a hard error: the failing write returns the
//   error, nothing of it reaches the memtable, and RocksDB refuses every later write with
//   that error while reads go on. Its automatic recovery (SstFileManager) polls every 5 s
//   and only starts once the free space reaches its "disk buffer" (the largest
//   write_buffer_size: 128 MiB here), so a smaller disk never recovers.
// - DB::Resume (and the automatic recovery) switches to a new WAL only when the memtable is
//   not empty. When the write that failed was the first one into its memtable (right after
//   a memtable switch, which on a full disk is the usual case, or after an open), Resume
//   succeeds but keeps the WAL writer that saw the error, and the next write asserts and
//   aborts (facebook/rocksdb#11643, #12998: the writer remembers errors since 7.6, #10489;
//   fixed upstream in 9.6 by #12873).
// resume_writes() below therefore resumes by itself and forces the WAL switch inside the
// recovery, where RocksDB clears the old writer's error.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/listener.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace reel::storage {

// What the error listener saw; write_gate reads it and resumes.
struct rocks_health {
  std::atomic<bool> stopped{false};       // RocksDB stopped writes (a hard error) and we have not resumed yet
  std::atomic<bool> out_of_space{false};  // a NoSpace error is among the causes of the stop
  std::atomic<bool> recovering{false};    // resume_writes is running (see make_error_listener)
  std::atomic<std::uint64_t> errors{0};   // background errors reported, compactions' included
  std::mutex mutex;                       // with `wake`: tells the watcher that writes stopped
  std::condition_variable wake;
};

// RocksDB's info log in <dir>/LOG, written with plain appends whose failures drop the line
// (RocksDB's own file logger aborts on its second line after a failed write). Warnings and
// errors also go to stderr, where reeld's log is.
std::shared_ptr<rocksdb::Logger> make_info_log(const std::filesystem::path& dir);

// Records background errors in `health` and takes the recovery out of RocksDB's hands:
// - a hard error (writes stopped) marks `health` stopped; a soft one does not stop writes:
//   a compaction that ran out of space is one (nothing of it was installed), and while it
//   stands RocksDB starts a compaction only with room for its output plus 128 MiB, instead
//   of filling the disk again every second; it lasts until writes are next resumed;
// - automatic recovery is turned off (resume_writes does it, when space has returned);
// - while resume_writes runs, the fatal error of a failed WAL switch is lowered to a hard
//   one, which Resume may clear: the switch failed before anything was written, and every
//   write flushes the WAL buffer (manual_wal_flush is off), so no acknowledged record is
//   lost with the old writer.
std::shared_ptr<rocksdb::EventListener> make_error_listener(std::shared_ptr<rocks_health> health);

// Lets RocksDB take writes again after a stop: DB::Resume, then a tombstone of
// `anchor_key` written without the WAL (so the memtable is never empty) and a flush, which
// switches to a new WAL; if that switch meets the old writer's error, a second Resume
// switches inside the recovery, where RocksDB resets it. Callers keep every other writer
// out while it runs. OK once a write will reach a WAL that has seen no error.
rocksdb::Status resume_writes(rocksdb::DB& db, rocks_health& health, const std::string& anchor_key);

}  // namespace reel::storage
