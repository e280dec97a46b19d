#include "cluster/id_generator.hpp"

#include <algorithm>
#include <stdexcept>

#include "storage/keys.hpp"
#include "storage/records.hpp"

namespace reel::cluster {

id_generator::id_generator(storage::store& db, std::uint32_t node, clock_fn clock)
    : db_(db), node_(node), clock_(std::move(clock)) {
  if (node_ >= (1u << node_bits)) throw std::runtime_error("node number must be below 16");
  if (auto stored = db_.get(storage::keys::id_reservation())) {
    auto until = storage::decode_id_reservation(*stored);
    if (!until) throw std::runtime_error("corrupt id reservation record");
    // Everything below the stored reservation may have been issued before the restart.
    last_ms_ = until->value - epoch_ms;
    sequence_ = (1u << sequence_bits);  // forces the next id into a fresh millisecond
  }
  reserved_until_ = last_ms_;
}

std::uint64_t id_generator::next() {
  std::lock_guard lock(mutex_);
  std::int64_t now = clock_().value - epoch_ms;
  if (now > last_ms_) {
    last_ms_ = now;
    sequence_ = 0;
  } else if (sequence_ >= (1u << sequence_bits) - 1) {
    ++last_ms_;  // this millisecond is used up (or the clock went back): borrow the next
    sequence_ = 0;
  } else {
    ++sequence_;
  }
  if (last_ms_ >= reserved_until_) reserve_beyond(last_ms_);
  return (static_cast<std::uint64_t>(last_ms_) << (node_bits + sequence_bits)) |
         (static_cast<std::uint64_t>(node_) << sequence_bits) | sequence_;
}

millis id_generator::time_of(std::uint64_t id) {
  return millis(static_cast<std::int64_t>(id >> (node_bits + sequence_bits)) + epoch_ms);
}

void id_generator::reserve_beyond(std::int64_t ms) {
  // A synchronous fsync once per reserve window: cheap, and ids stay unique across crashes.
  std::int64_t until = ms + reserve_window_ms;
  rocksdb::WriteBatch batch;
  batch.Put(storage::keys::id_reservation().str(), storage::encode_id_reservation(millis(until + epoch_ms)));
  try {
    db_.write_durable(batch);
    reserved_until_ = until;
  } catch (const storage::write_refused&) {
    // The store refuses writes (the disk is full), so it refuses the write this id is for
    // as well: the id is handed out rather than thrown into the actor that asked (which would
    // stop it, and its client would hear "unavailable" instead of "storage full"). The next
    // id reserves again, and a reservation covers every id issued before it. Left open: a
    // write holding such an id that was queued while writes resumed, then a crash before
    // the next reservation, then a clock set back behind that id.
  }
}

}  // namespace reel::cluster
