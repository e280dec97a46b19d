// Revoked login tokens, held in memory so that the edge checks them without I/O. The
// durable copy lives in the shared partition of storage: loaded at start, then followed
// write by write (node.cpp), on every replica of a cluster.
#pragma once

#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "schema/ids.hpp"
#include "storage/store.hpp"

namespace reel::actors {

class revocation_list {
 public:
  // Loads the revocations of tokens not yet expired, and (if `delete_expired`) deletes the
  // stored ones of expired tokens (an expired token is rejected anyway; losing the deletion
  // in a crash only means the next start deletes them). A cluster replica deletes nothing
  // outside replication: the next revocation's write takes them out.
  void load(storage::store& db, millis now, bool delete_expired = true);
  void add(std::uint64_t token_id, millis expires);
  void forget(std::uint64_t token_id);
  bool contains(std::uint64_t token_id) const;
  std::size_t size() const;

  // Forgets the revocations of expired tokens and returns their ids, for the caller to
  // delete their records. It looks only once the list has doubled since it last did, so that
  // a revocation costs O(1) amortised; below that it returns nothing.
  std::vector<std::uint64_t> take_expired(millis now);

 private:
  mutable std::mutex mutex_;
  // The next take_expired() looks at twice the size the list had after the last look.
  void look_again_at_double();

  std::unordered_map<std::uint64_t, millis> revoked_;  // token id -> token expiry
  static constexpr std::size_t min_look_size = 1024;
  std::size_t look_at_size_ = min_look_size;
};

}  // namespace reel::actors
