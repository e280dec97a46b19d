// Where the entities of a partition live right now, and whether this node may read it.
// Actors' directory asks it for every entity handle; the HTTP edge asks it before reading
// the local store. Lock-free: called on every request.
#pragma once

#include <cstdint>
#include <vector>

#include "storage/keys.hpp"

namespace reel::cluster {

struct owner {
  enum class where : std::uint8_t {
    here,        // this node is the partition's serving primary
    elsewhere,   // node `node` is its primary
    unavailable  // no primary takes writes now (failover in progress)
  } at = where::here;
  std::uint16_t node = 0;
};

class routing {
 public:
  virtual ~routing() = default;
  virtual owner owner_of(storage::partition_id p) const = 0;
  // This node's copy of the partition holds every acknowledged write, and may be read.
  virtual bool can_read(storage::partition_id p) const = 0;
  // Every partition (and the shared one) may be read here.
  virtual bool can_read_all() const = 0;
  // The nodes that hold the partition (replicas and learners), this one excepted.
  virtual std::vector<std::uint16_t> other_members(storage::partition_id p) const = 0;
  // Counts the times this node started serving the partition as its primary (never 0).
  virtual std::uint64_t term(storage::partition_id p) const = 0;
};

// Single-node mode: everything is here.
class single_node_routing final : public routing {
 public:
  owner owner_of(storage::partition_id) const override { return {}; }
  bool can_read(storage::partition_id) const override { return true; }
  bool can_read_all() const override { return true; }
  std::vector<std::uint16_t> other_members(storage::partition_id) const override { return {}; }
  std::uint64_t term(storage::partition_id) const override { return 1; }
};

}  // namespace reel::cluster
