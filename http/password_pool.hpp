// Argon2id (libsodium crypto_pwhash, interactive limits: ~78 ms CPU and 64 MiB per call) on a
// small bounded pool, never on reactor or actor threads. A full queue refuses at once so
// that a login storm answers "busy" instead of piling up memory and latency.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace reel::http {

class password_pool {
 public:
  password_pool(unsigned threads, std::size_t queue_limit);
  ~password_pool();
  password_pool(const password_pool&) = delete;
  password_pool& operator=(const password_pool&) = delete;

  // Each returns false, without calling `done`, when the queue is full. `done` runs on a
  // pool thread.
  bool hash(std::string password, std::function<void(std::optional<std::string> hash)> done);
  bool verify(std::string hash, std::string password, std::function<void(bool match)> done);
  // Spends the same work as a real verification: login answers an unknown user no faster
  // than a wrong password, so timing does not tell which names exist.
  bool verify_nothing(std::string password, std::function<void()> done);

 private:
  bool submit(std::function<void()> job);
  void run();

  std::string decoy_hash_;
  std::size_t queue_limit_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace reel::http
