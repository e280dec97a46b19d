// Revoked login tokens, held in memory so that the edge checks them without I/O. The
// durable copy lives in the node partition of storage and is loaded at start.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "schema/ids.hpp"
#include "storage/store.hpp"

namespace reel::actors {

class revocation_list {
 public:
  void load(const storage::store& db, millis now);
  void add(std::uint64_t token_id, millis expires, millis now);
  bool contains(std::uint64_t token_id) const;
  std::size_t size() const;

 private:
  void prune(millis now);  // expired tokens are rejected anyway: forget them

  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, millis> revoked_;  // token id -> token expiry
  std::size_t prune_at_ = 1024;
};

}  // namespace reel::actors
