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
#include <utility>

#include "schema/ids.hpp"

namespace reel::storage {

using partition_id = std::uint16_t;

// Fixed for the life of a data dir: it decides where every key lives.
constexpr partition_id partition_count = 64;
// Facts every node needs to answer requests (revoked tokens, the celebrity set). In a
// cluster it is replicated to every node.
constexpr partition_id shared_partition = partition_count;
// Node-local bookkeeping (the id reservation) lives outside the partitions.
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
  revoked_token = 0x0C,      // token id -> RevokedToken    (shared partition)
  installing = 0x0D,         // partition -> ""              (node partition: a snapshot being installed)
  recovery_anchor = 0x0E,    // only ever deleted                (node partition: storage/background_errors.hpp)
  video = 0x10,              // vid -> VideoRecord                (vid lives in its author's partition)
  works = 0x11,              // author, ~created, vid -> ""
  timeline = 0x12,           // ~created, vid -> InboxEntry       (this partition's share of the global feed)
  inbox = 0x13,              // uid, ~created, vid -> InboxEntry  (home timeline, pushed)
  favorite = 0x14,           // uid, vid -> FollowEdge            (uid likes vid)
  favorite_by_time = 0x15,   // uid, ~since, vid -> ""
  liker = 0x16,              // vid, uid -> FollowEdge            (the video's side of a like)
  comment = 0x17,            // vid, ~created, cid -> CommentRecord
  comment_by_id = 0x18,      // vid, cid -> FollowEdge (created)
  fanout_job = 0x19,         // vid -> FanoutJob
  favorites_seen = 0x1A,     // author, vid -> FavoritesSeen
  celebrity = 0x1B,          // author -> ""                       (shared partition: pull-mode authors)
  inbox_meta = 0x1C,         // uid -> InboxMeta
  log_entry = 0x20,          // index -> LogEntry                  (cluster mode: the partition's replication log)
  log_base = 0x21,           // -> LogBase                         (cluster mode: what the log's first entry follows)
};

partition_id partition_of(std::uint64_t entity);
partition_id partition_of(std::string_view name);
inline partition_id partition_of(user_id u) { return partition_of(u.value); }
// A video lives in its author's partition: video ids are drawn so that this holds.
inline partition_id partition_of(video_id v) { return partition_of(v.value); }

// Appends big-endian fields to a key.
class key {
 public:
  key(partition_id p, table t);

  key& u64(std::uint64_t v);
  key& rev_u64(std::uint64_t v) { return u64(~v); }  // newest first in a forward scan
  key& bytes(std::string_view s);

  const std::string& str() const& { return bytes_; }
  std::string str() && { return std::move(bytes_); }  // a temporary key gives up its bytes
  operator std::string_view() const { return bytes_; }

  // The smallest key greater than every key that starts with this one.
  std::string prefix_end() const;

 private:
  std::string bytes_;
};

std::uint64_t read_u64(std::string_view bytes, std::size_t offset);

// The smallest key greater than every key that starts with `prefix`.
std::string prefix_end(std::string_view prefix);

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

key video(video_id v);
key works(user_id author, millis created, video_id v);
key works_prefix(user_id author);
key timeline(video_id v, millis created);
key timeline_prefix(partition_id p);
key inbox(user_id owner, millis created, video_id v);
key inbox_prefix(user_id owner);
key inbox_meta(user_id owner);
key follower_prefix(user_id u);  // the by-id follower edges of u, in follower id order
key favorite(user_id u, video_id v);
key favorite_by_time(user_id u, millis since, video_id v);
key favorite_by_time_prefix(user_id u);
key liker(video_id v, user_id u);
key comment(video_id v, millis created, comment_id c);
key comments_prefix(video_id v);
key comment_by_id(video_id v, comment_id c);
key fanout_job(video_id v);
key fanout_job_prefix(partition_id p);
key favorites_seen(user_id author, video_id v);
key celebrity(user_id author);
key celebrity_prefix();

// A reverse-time key component back to millis.
millis from_rev(std::uint64_t rev);

key outbox(partition_id p, op_id op);
key outbox_prefix(partition_id p);
key partition_meta(partition_id p);
key id_reservation();
// Never written: its tombstone, written without the WAL, keeps the memtable non-empty while
// the store resumes writes after an error (storage/background_errors.hpp: resume_writes).
key recovery_anchor();
key revoked_token(std::uint64_t token_id);
key revoked_token_prefix();
// Where revoked tokens and celebrities lived before the shared partition (moved at start).
key legacy_revoked_token_prefix();
key legacy_celebrity_prefix();
key log_entry(partition_id p, std::uint64_t index);
key log_prefix(partition_id p);
key log_base(partition_id p);
key installing(partition_id p);
}  // namespace keys

// Byte offset of the first field after [partition][table].
constexpr std::size_t key_header_bytes = 3;

// Tables read by key (records, edges, claims) rather than scanned: their point reads go
// through the store's read cache. Logs and lists (messages, inboxes, outbox) stay out, and
// so do inbox counts: their inbox shard actor reads each once and keeps it.
constexpr bool point_read_table(table t) {
  switch (t) {
    case table::user:
    case table::following:
    case table::follower:
    case table::name:
    case table::chat_room:
    case table::video:
    case table::favorite:
    case table::liker:
      return true;
    default:
      return false;
  }
}
inline bool point_read_key(std::string_view key) {
  return key.size() >= key_header_bytes && point_read_table(static_cast<table>(key[2]));
}

// Tables whose writes the node's in-memory views follow (store::observe): the newest part
// of the global timeline, revoked tokens, the celebrity set. In a cluster every replica
// applies them, so every node's views stay current.
constexpr bool observed_table(table t) {
  return t == table::timeline || t == table::revoked_token || t == table::celebrity;
}

// Lists whose newest entries every home-feed read starts with: a user's inbox and an author's
// works, keyed [partition][table][owner u64][...]. The store caches the head of each.
constexpr std::size_t list_owner_bytes = key_header_bytes + 8;
constexpr bool head_cached_table(table t) { return t == table::inbox || t == table::works; }
// The owner prefix of a key of such a list (whose head a write of it changes), or empty.
inline std::string_view head_cached_prefix(std::string_view key) {
  if (key.size() <= list_owner_bytes || !head_cached_table(static_cast<table>(key[2]))) return {};
  return key.substr(0, list_owner_bytes);
}

}  // namespace reel::storage
