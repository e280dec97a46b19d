// Key layout of the node's RocksDB. Every key is big-endian binary and starts with its
// partition number, so a partition is one contiguous key range:
//
//   [partition u16][table u8][fields...]
//
// Lists read newest first use a reverse-time component (~millis) so a forward scan
// yields them in that order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/ids.hpp"

namespace reel::storage {

using partition_id = std::uint16_t;

// Fixed for the life of a data dir: it decides where every key lives.
constexpr partition_id partition_count = 64;
// Node-local bookkeeping (id reservation, revoked tokens) lives outside the partitions.
constexpr partition_id node_partition = 0xFFFF;

enum class table : std::uint8_t {
  user = 0x01,               // uid -> UserRecord
  following = 0x02,          // uid, other -> FollowEdge          (uid follows other)
  following_by_time = 0x03,  // uid, ~since, other -> ""
  follower = 0x04,           // uid, other -> FollowEdge          (other follows uid)
  follower_by_time = 0x05,   // uid, ~since, other -> ""
  name = 0x06,               // username bytes -> NameClaim
  chat_room = 0x07,          // low, high -> ChatRoomRecord
  chat_message = 0x08,       // low, high, time, message id -> ChatMessage
  outbox = 0x09,             // op id -> OutboxEntry
  partition_meta = 0x0A,     // -> PartitionMeta
  id_reservation = 0x0B,     // -> IdReservation            (node partition)
  revoked_token = 0x0C,      // token id -> RevokedToken    (node partition)
};

partition_id partition_of(std::uint64_t entity);
partition_id partition_of(std::string_view name);
inline partition_id partition_of(user_id u) { return partition_of(u.value); }

// Appends big-endian fields to a key.
class key {
 public:
  key(partition_id p, table t);

  key& u64(std::uint64_t v);
  key& rev_u64(std::uint64_t v) { return u64(~v); }  // newest first in a forward scan
  key& bytes(std::string_view s);

  const std::string& str() const { return bytes_; }
  operator std::string_view() const { return bytes_; }

  // The smallest key greater than every key that starts with this one.
  std::string prefix_end() const;

 private:
  std::string bytes_;
};

std::uint64_t read_u64(std::string_view bytes, std::size_t offset);

// The keys of each table, in one place.
namespace keys {
key user(user_id u);
key following(user_id u, user_id other);
key following_by_time(user_id u, millis since, user_id other);
key following_by_time_prefix(user_id u);
key follower(user_id u, user_id other);
key follower_by_time(user_id u, millis since, user_id other);
key follower_by_time_prefix(user_id u);
key name(std::string_view username);

// A chat room is the unordered pair of its users: (low, high).
partition_id chat_partition(user_id low, user_id high);
key chat_room(user_id low, user_id high);
key chat_message(user_id low, user_id high, millis time, message_id id);
key chat_messages_prefix(user_id low, user_id high);
key chat_messages_from(user_id low, user_id high, millis time);

key outbox(partition_id p, op_id op);
key outbox_prefix(partition_id p);
key partition_meta(partition_id p);
key id_reservation();
key revoked_token(std::uint64_t token_id);
key revoked_token_prefix();
}  // namespace keys

// Byte offset of the first field after [partition][table].
constexpr std::size_t key_header_bytes = 3;

}  // namespace reel::storage
