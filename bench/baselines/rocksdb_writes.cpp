// The storage ceiling: raw RocksDB batched writes with Reel's fsync policy (sync=true per
// write, the table options of storage/store.cpp). Several writer threads each write batches
// of --batch puts shaped like inbox entries (25-byte key, small value); RocksDB's own write
// group merges concurrent synced writers into one fsync, as Reel's committer merges the
// batches queued since the last fsync. Prints one JSON object (bench/README.md).
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/baselines/latency_summary.hpp"

namespace {

using steady = std::chrono::steady_clock;

struct options {
  std::string dir;
  unsigned threads = 4;
  unsigned batch = 100;
  double duration_s = 5;
  std::uint64_t max_batches = 10'000'000;
  unsigned value_bytes = 16;
  std::string json;
};

void put_be64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// One inbox-like key: tag byte, owner, inverted time, video id.
std::string inbox_key(std::uint64_t owner, std::uint64_t time, std::uint64_t video) {
  std::string key(1, '\x13');
  put_be64(key, owner);
  put_be64(key, ~time);
  put_be64(key, video);
  return key;
}

struct writer_result {
  std::uint64_t batches = 0;
  std::vector<std::uint32_t> latency_us;  // one per batch
};

void write_loop(rocksdb::DB* db, const options& o, unsigned index, steady::time_point deadline,
                std::atomic<std::uint64_t>& budget, writer_result& out) {
  rocksdb::WriteOptions sync;
  sync.sync = true;
  const std::string value(o.value_bytes, 'v');
  std::uint64_t seq = 0;
  while (steady::now() < deadline && budget.fetch_sub(1, std::memory_order_relaxed) > 0) {
    rocksdb::WriteBatch batch;
    for (unsigned i = 0; i < o.batch; ++i, ++seq) {
      std::uint64_t owner = (seq * 2654435761u + index) % 100'000;  // spread over many inboxes
      batch.Put(inbox_key(owner, seq, (std::uint64_t(index) << 40) | seq), value);
    }
    auto start = steady::now();
    auto s = db->Write(sync, &batch);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - start).count();
    if (!s.ok()) {
      std::cerr << "rocksdb_baseline: write failed: " << s.ToString() << "\n";
      std::exit(1);
    }
    out.latency_us.push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(us, UINT32_MAX)));
    ++out.batches;
  }
}

std::string render_json(const options& o, double elapsed_s, std::uint64_t batches, std::vector<std::uint32_t> lat) {
  std::uint64_t puts = batches * o.batch;
  std::ostringstream j;
  j << "{\"config\":{\"threads\":" << o.threads << ",\"batch\":" << o.batch << ",\"duration_s\":" << o.duration_s
    << ",\"value_bytes\":" << o.value_bytes << ",\"sync\":true},"
    << "\"elapsed_s\":" << elapsed_s << ",\"batches\":" << batches << ",\"puts\":" << puts
    << ",\"batches_per_s\":" << double(batches) / elapsed_s << ",\"puts_per_s\":" << double(puts) / elapsed_s
    << ",\"batch_latency_us\":" << reel::bench::latency_json(lat) << "}";
  return j.str();
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  CLI::App cli{"rocksdb_baseline: synced batched RocksDB writes, the storage ceiling of Reel's group commit"};
  cli.add_option("--dir", o.dir, "database directory (created; should be on the disk reeld uses)")->required();
  cli.add_option("--threads", o.threads, "writer threads")->capture_default_str()->check(CLI::Range(1u, 1024u));
  cli.add_option("--batch", o.batch, "puts per synced write")->capture_default_str()->check(CLI::Range(1u, 100000u));
  cli.add_option("--duration", o.duration_s, "seconds to write for")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cli.add_option("--max-batches", o.max_batches, "stop after this many batches in all")->capture_default_str();
  cli.add_option("--value-bytes", o.value_bytes, "bytes per value")->capture_default_str();
  cli.add_option("--json", o.json, "also write the JSON result to this file");
  CLI11_PARSE(cli, argc, argv);

  rocksdb::Options opts;  // as storage/store.cpp
  opts.create_if_missing = true;
  opts.IncreaseParallelism(2);
  opts.OptimizeLevelStyleCompaction();
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  opts.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::filesystem::create_directories(o.dir);
  rocksdb::DB* raw = nullptr;
  auto s = rocksdb::DB::Open(opts, o.dir, &raw);
  if (!s.ok()) {
    std::cerr << "rocksdb_baseline: cannot open " << o.dir << ": " << s.ToString() << "\n";
    return 1;
  }
  std::unique_ptr<rocksdb::DB> db(raw);

  std::atomic<std::uint64_t> budget{o.max_batches};
  std::vector<writer_result> results(o.threads);
  std::vector<std::thread> writers;
  auto start = steady::now();
  auto deadline = start + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.duration_s));
  for (unsigned t = 0; t < o.threads; ++t)
    writers.emplace_back(write_loop, db.get(), std::cref(o), t, deadline, std::ref(budget), std::ref(results[t]));
  for (auto& w : writers) w.join();
  double elapsed = std::chrono::duration<double>(steady::now() - start).count();

  std::uint64_t batches = 0;
  std::vector<std::uint32_t> latency;
  for (auto& r : results) {
    batches += r.batches;
    latency.insert(latency.end(), r.latency_us.begin(), r.latency_us.end());
  }
  db->Close();
  auto json = render_json(o, elapsed, batches, std::move(latency));
  std::cout << json << std::endl;
  if (!o.json.empty()) std::ofstream(o.json) << json << "\n";
  return 0;
}
