// Authors whose videos are pulled into followers' home timelines at read time instead of
// pushed into every inbox (hybrid fan-out). Small (authors above the follower threshold),
// in memory for every read, durable in the node partition.
#pragma once

#include <mutex>
#include <unordered_set>
#include <vector>

#include "schema/ids.hpp"
#include "storage/store.hpp"

namespace reel::actors {

class celebrity_set {
 public:
  void load(const storage::store& db);
  // Called once the celebrity's key is durable.
  void add(user_id author);
  bool contains(user_id author) const;
  std::vector<user_id> all() const;

 private:
  mutable std::mutex mutex_;
  std::unordered_set<user_id> authors_;
};

}  // namespace reel::actors
