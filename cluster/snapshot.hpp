// A piece of a partition's snapshot, sent by its primary to a replica or learner whose
// missing log entries were compacted away: every record of the partition's key range (the
// log excepted) as of one applied index, in key order, chunk by chunk. Each chunk is
// acknowledged once durable before the next leaves; the last one completes the install.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/replication/types.hpp"

namespace reel::cluster {

struct snapshot_chunk {
  std::uint16_t partition = 0;
  replication::member target;  // the incarnation it is for: a restarted node's new one is not it
  std::uint64_t index = 0;     // the snapshot's point: its applied index, and that entry's epoch
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;  // 0, 1, 2, ...: the first one starts the install
  std::vector<std::string> keys;
  std::vector<std::string> values;
  bool last = false;
};

template <class Inspector>
auto inspect(Inspector& f, snapshot_chunk& x) {
  return f(x.partition, x.target, x.index, x.epoch, x.seq, x.keys, x.values, x.last);
}

// The next chunk to send; nullopt when the snapshot cannot be read.
using chunk_source = std::function<std::optional<snapshot_chunk>()>;
// Whether a chunk was installed (durable), or the whole snapshot was.
using chunk_ack = std::function<void(bool ok)>;

}  // namespace reel::cluster
