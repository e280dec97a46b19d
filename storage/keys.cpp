#include "storage/keys.hpp"

#include <algorithm>

namespace reel::storage {

namespace {

// SplitMix64 finaliser: spreads sequential ids evenly over partitions.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

partition_id partition_of(std::uint64_t entity) { return static_cast<partition_id>(mix(entity) % partition_count); }

partition_id partition_of(std::string_view name) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a: stable across builds and platforms
  for (unsigned char c : name) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return static_cast<partition_id>(mix(h) % partition_count);
}

key::key(partition_id p, table t) {
  bytes_.reserve(32);
  bytes_.push_back(static_cast<char>(p >> 8));
  bytes_.push_back(static_cast<char>(p & 0xFF));
  bytes_.push_back(static_cast<char>(t));
}

key& key::u64(std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) bytes_.push_back(static_cast<char>((v >> shift) & 0xFF));
  return *this;
}

key& key::bytes(std::string_view s) {
  bytes_.append(s);
  return *this;
}

std::string key::prefix_end() const { return storage::prefix_end(bytes_); }

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last != 0xFF) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;  // all 0xFF: no upper bound (callers never build such a prefix)
}

std::uint64_t read_u64(std::string_view bytes, std::size_t offset) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return v;
}

namespace keys {

namespace {
std::uint64_t ms(millis t) { return static_cast<std::uint64_t>(std::max<std::int64_t>(t.value, 0)); }
}  // namespace

key user(user_id u) { return key(partition_of(u), table::user).u64(u.value); }

key following(user_id u, user_id other) { return key(partition_of(u), table::following).u64(u.value).u64(other.value); }

key following_by_time(user_id u, millis since, user_id other) {
  return following_by_time_prefix(u).rev_u64(ms(since)).u64(other.value);
}

key following_by_time_prefix(user_id u) { return key(partition_of(u), table::following_by_time).u64(u.value); }

key follower(user_id u, user_id other) { return key(partition_of(u), table::follower).u64(u.value).u64(other.value); }

key follower_by_time(user_id u, millis since, user_id other) {
  return follower_by_time_prefix(u).rev_u64(ms(since)).u64(other.value);
}

key follower_by_time_prefix(user_id u) { return key(partition_of(u), table::follower_by_time).u64(u.value); }

key name(std::string_view username) { return key(partition_of(username), table::name).bytes(username); }

partition_id chat_partition(user_id low, user_id high) { return partition_of(low.value * 0x9E3779B97F4A7C15ULL ^ high.value); }

key chat_room(user_id low, user_id high) {
  return key(chat_partition(low, high), table::chat_room).u64(low.value).u64(high.value);
}

key chat_messages_prefix(user_id low, user_id high) {
  return key(chat_partition(low, high), table::chat_message).u64(low.value).u64(high.value);
}

key chat_messages_from(user_id low, user_id high, millis time) { return chat_messages_prefix(low, high).u64(ms(time)); }

key chat_message(user_id low, user_id high, millis time, message_id id) {
  return chat_messages_from(low, high, time).u64(id.value);
}

key video(video_id v) { return key(partition_of(v), table::video).u64(v.value); }
key works(user_id author, millis created, video_id v) { return works_prefix(author).rev_u64(ms(created)).u64(v.value); }
key works_prefix(user_id author) { return key(partition_of(author), table::works).u64(author.value); }
key timeline(video_id v, millis created) { return timeline_prefix(partition_of(v)).rev_u64(ms(created)).u64(v.value); }
key timeline_prefix(partition_id p) { return key(p, table::timeline); }
key inbox(user_id owner, millis created, video_id v) { return inbox_prefix(owner).rev_u64(ms(created)).u64(v.value); }
key inbox_prefix(user_id owner) { return key(partition_of(owner), table::inbox).u64(owner.value); }
key inbox_meta(user_id owner) { return key(partition_of(owner), table::inbox_meta).u64(owner.value); }
key follower_prefix(user_id u) { return key(partition_of(u), table::follower).u64(u.value); }
key favorite(user_id u, video_id v) { return key(partition_of(u), table::favorite).u64(u.value).u64(v.value); }
key favorite_by_time(user_id u, millis since, video_id v) {
  return favorite_by_time_prefix(u).rev_u64(ms(since)).u64(v.value);
}
key favorite_by_time_prefix(user_id u) { return key(partition_of(u), table::favorite_by_time).u64(u.value); }
key liker(video_id v, user_id u) { return key(partition_of(v), table::liker).u64(v.value).u64(u.value); }
key comment(video_id v, millis created, comment_id c) { return comments_prefix(v).rev_u64(ms(created)).u64(c.value); }
key comments_prefix(video_id v) { return key(partition_of(v), table::comment).u64(v.value); }
key comment_by_id(video_id v, comment_id c) { return key(partition_of(v), table::comment_by_id).u64(v.value).u64(c.value); }
key fanout_job(video_id v) { return fanout_job_prefix(partition_of(v)).u64(v.value); }
key fanout_job_prefix(partition_id p) { return key(p, table::fanout_job); }
key favorites_seen(user_id author, video_id v) {
  return key(partition_of(author), table::favorites_seen).u64(author.value).u64(v.value);
}
key celebrity(user_id author) { return celebrity_prefix().u64(author.value); }
key celebrity_prefix() { return key(shared_partition, table::celebrity); }

millis from_rev(std::uint64_t rev) { return millis(static_cast<std::int64_t>(~rev)); }

key outbox(partition_id p, op_id op) { return outbox_prefix(p).u64(op.value); }
key outbox_prefix(partition_id p) { return key(p, table::outbox); }
key partition_meta(partition_id p) { return key(p, table::partition_meta); }
key id_reservation() { return key(node_partition, table::id_reservation); }
key recovery_anchor() { return key(node_partition, table::recovery_anchor); }
key revoked_token(std::uint64_t token_id) { return revoked_token_prefix().u64(token_id); }
key revoked_token_prefix() { return key(shared_partition, table::revoked_token); }
key legacy_revoked_token_prefix() { return key(node_partition, table::revoked_token); }
key legacy_celebrity_prefix() { return key(node_partition, table::celebrity); }
key log_entry(partition_id p, std::uint64_t index) { return log_prefix(p).u64(index); }
key log_prefix(partition_id p) { return key(p, table::log_entry); }
key log_base(partition_id p) { return key(p, table::log_base); }
key installing(partition_id p) { return key(node_partition, table::installing).u64(p); }

}  // namespace keys

}  // namespace reel::storage
