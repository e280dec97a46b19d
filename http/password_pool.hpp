// Argon2id (libsodium crypto_pwhash, interactive limits: ~78 ms CPU and 64 MiB per call) on a
// small bounded pool, never on reactor or actor threads; a login storm answers "busy".
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "http/bounded_pool.hpp"

namespace reel::http {

class password_pool {
 public:
  password_pool(unsigned threads, std::size_t queue_limit, int niceness = 0);
  ~password_pool();

  // Each returns false, without calling `done`, when the queue is full. `done` runs on a
  // pool thread.
  bool hash(std::string password, std::function<void(std::optional<std::string> hash)> done);
  bool verify(std::string hash, std::string password, std::function<void(bool match)> done);
  // Spends the same work as a real verification: login answers an unknown user no faster
  // than a wrong password, so timing does not tell which names exist.
  bool verify_nothing(std::string password, std::function<void()> done);

 private:
  std::string decoy_hash_;
  bounded_pool pool_;
};

}  // namespace reel::http
