// Fuzz target: the key layout (storage/keys.hpp).
//
// The input supplies two sets of field values for every kind of key. Checks: a key is
// [partition][table][fields], its partition the entity's, its fields read back with
// read_u64 and from_rev; two keys of one owner sort as their fields do (reverse-time fields
// newest first); prefix_end bounds every key under a prefix; and the helpers that look at
// any stored key (point_read_key, head_cached_prefix) read nothing outside it, whatever its
// bytes (the input itself, as a key).
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>

#include "fuzz/check.hpp"
#include "storage/keys.hpp"

using namespace reel;
using namespace reel::storage;

namespace {

struct fields {
  std::uint64_t a = 0, b = 0, c = 0;  // ids
  std::int64_t t = 0;                 // a time in ms
};

fields fields_at(std::string_view input, std::size_t offset) {
  std::uint64_t words[4] = {};
  if (offset < input.size())
    std::memcpy(words, input.data() + offset, std::min<std::size_t>(32, input.size() - offset));
  return {words[0], words[1], words[2], static_cast<std::int64_t>(words[3])};
}

std::uint64_t ms(std::int64_t t) { return static_cast<std::uint64_t>(std::max<std::int64_t>(t, 0)); }

// Three-way comparison of keys as RocksDB's bytewise comparator orders them.
int order(std::string_view x, std::string_view y) { return x.compare(y) < 0 ? -1 : (x.compare(y) > 0 ? 1 : 0); }
template <class T>
int order_of(const T& x, const T& y) {
  return x < y ? -1 : (y < x ? 1 : 0);
}

void check_header(std::string_view k, partition_id p, table t, std::size_t field_words) {
  FUZZ_CHECK(k.size() == key_header_bytes + 8 * field_words);
  FUZZ_CHECK(static_cast<partition_id>(static_cast<unsigned char>(k[0]) << 8 | static_cast<unsigned char>(k[1])) == p);
  FUZZ_CHECK(static_cast<table>(k[2]) == t);
  FUZZ_CHECK(p < partition_count || p == shared_partition || p == node_partition);
}

void check_prefix(std::string_view prefix, std::string_view k) {
  FUZZ_CHECK(k.starts_with(prefix));
  const auto end = prefix_end(prefix);
  FUZZ_CHECK(!end.empty());  // no key prefix is all 0xFF bytes
  FUZZ_CHECK(prefix < end && k < end && !std::string_view(end).starts_with(prefix));
}

partition_id user_partition(std::uint64_t u) { return partition_of(user_id(u)); }
partition_id video_partition(std::uint64_t v) { return partition_of(video_id(v)); }

// Keys of one owner with a (time, id) tail: inbox, works, comments, *_by_time.
template <class Make, class Prefix>
void check_timed(Make make, Prefix prefix, table t, partition_id (*owner_partition)(std::uint64_t), const fields& x,
                 const fields& y, bool reverse_time) {
  const auto kx = make(x.a, x.t, x.b).str();
  const auto ky = make(x.a, y.t, y.b).str();  // same owner
  const auto p = prefix(x.a).str();
  check_header(kx, owner_partition(x.a), t, 3);
  FUZZ_CHECK(head_cached_prefix(kx) == (head_cached_table(t) ? std::string_view(kx).substr(0, list_owner_bytes) : ""));
  check_prefix(p, kx);
  check_prefix(p, ky);
  FUZZ_CHECK(read_u64(kx, key_header_bytes) == x.a);
  const auto time_field = read_u64(kx, key_header_bytes + 8);
  FUZZ_CHECK(reverse_time ? keys::from_rev(time_field).value == static_cast<std::int64_t>(ms(x.t))
                          : time_field == ms(x.t));
  FUZZ_CHECK(read_u64(kx, key_header_bytes + 16) == x.b);
  const auto tx = reverse_time ? ~ms(x.t) : ms(x.t), ty = reverse_time ? ~ms(y.t) : ms(y.t);
  FUZZ_CHECK(order(kx, ky) == order_of(std::tuple(tx, x.b), std::tuple(ty, y.b)));
}

// Keys of two ids: edges and likes.
template <class Make>
void check_pair(Make make, table t, partition_id (*owner_partition)(std::uint64_t), const fields& x, const fields& y) {
  const auto kx = make(x.a, x.b).str();
  const auto ky = make(x.a, y.b).str();
  check_header(kx, owner_partition(x.a), t, 2);
  FUZZ_CHECK(read_u64(kx, key_header_bytes) == x.a && read_u64(kx, key_header_bytes + 8) == x.b);
  FUZZ_CHECK(order(kx, ky) == order_of(x.b, y.b));
  FUZZ_CHECK(point_read_key(kx) == point_read_table(t));
  FUZZ_CHECK(head_cached_prefix(kx).empty() || head_cached_table(t));
}

void check_builders(const fields& x, const fields& y) {
  using U = user_id;
  using V = video_id;
  check_pair([](auto a, auto b) { return keys::following(U(a), U(b)); }, table::following, user_partition, x, y);
  check_pair([](auto a, auto b) { return keys::follower(U(a), U(b)); }, table::follower, user_partition, x, y);
  check_pair([](auto a, auto b) { return keys::favorite(U(a), V(b)); }, table::favorite, user_partition, x, y);
  check_pair([](auto a, auto b) { return keys::liker(V(a), U(b)); }, table::liker, video_partition, x, y);
  check_pair([](auto a, auto b) { return keys::comment_by_id(V(a), comment_id(b)); }, table::comment_by_id,
             video_partition, x, y);
  check_pair([](auto a, auto b) { return keys::favorites_seen(U(a), V(b)); }, table::favorites_seen, user_partition, x,
             y);

  check_timed([](auto a, auto t, auto b) { return keys::following_by_time(U(a), millis(t), U(b)); },
              [](auto a) { return keys::following_by_time_prefix(U(a)); }, table::following_by_time, user_partition, x,
              y, true);
  check_timed([](auto a, auto t, auto b) { return keys::follower_by_time(U(a), millis(t), U(b)); },
              [](auto a) { return keys::follower_by_time_prefix(U(a)); }, table::follower_by_time, user_partition, x, y,
              true);
  check_timed([](auto a, auto t, auto b) { return keys::favorite_by_time(U(a), millis(t), V(b)); },
              [](auto a) { return keys::favorite_by_time_prefix(U(a)); }, table::favorite_by_time, user_partition, x, y,
              true);
  check_timed([](auto a, auto t, auto b) { return keys::works(U(a), millis(t), V(b)); },
              [](auto a) { return keys::works_prefix(U(a)); }, table::works, user_partition, x, y, true);
  check_timed([](auto a, auto t, auto b) { return keys::inbox(U(a), millis(t), V(b)); },
              [](auto a) { return keys::inbox_prefix(U(a)); }, table::inbox, user_partition, x, y, true);
  check_timed([](auto a, auto t, auto b) { return keys::comment(V(a), millis(t), comment_id(b)); },
              [](auto a) { return keys::comments_prefix(V(a)); }, table::comment, video_partition, x, y, true);

  // A chat room is (low, high); its messages sort by time, then id.
  const U low(x.a), high(x.b);
  const auto room = keys::chat_room(low, high).str();
  check_header(room, keys::chat_partition(low, high), table::chat_room, 2);
  FUZZ_CHECK(read_u64(room, key_header_bytes) == x.a && read_u64(room, key_header_bytes + 8) == x.b);
  const auto mx = keys::chat_message(low, high, millis(x.t), message_id(x.c)).str();
  const auto my = keys::chat_message(low, high, millis(y.t), message_id(y.c)).str();
  check_header(mx, keys::chat_partition(low, high), table::chat_message, 4);
  check_prefix(keys::chat_messages_prefix(low, high).str(), mx);
  FUZZ_CHECK(order(mx, my) == order_of(std::tuple(ms(x.t), x.c), std::tuple(ms(y.t), y.c)));
  const auto from = keys::chat_messages_from(low, high, millis(x.t)).str();
  FUZZ_CHECK(from <= mx && (my < from) == (ms(y.t) < ms(x.t)));

  // The global timeline: this partition's videos, newest first.
  const auto tlx = keys::timeline(V(x.a), millis(x.t)).str();
  check_header(tlx, video_partition(x.a), table::timeline, 2);
  FUZZ_CHECK(keys::from_rev(read_u64(tlx, key_header_bytes)).value == static_cast<std::int64_t>(ms(x.t)));
  FUZZ_CHECK(read_u64(tlx, key_header_bytes + 8) == x.a);
  check_prefix(keys::timeline_prefix(video_partition(x.a)).str(), tlx);

  // Single-id keys.
  check_header(keys::user(U(x.a)).str(), user_partition(x.a), table::user, 1);
  check_header(keys::video(V(x.a)).str(), video_partition(x.a), table::video, 1);
  check_header(keys::inbox_meta(U(x.a)).str(), user_partition(x.a), table::inbox_meta, 1);
  check_header(keys::fanout_job(V(x.a)).str(), video_partition(x.a), table::fanout_job, 1);
  check_header(keys::celebrity(U(x.a)).str(), shared_partition, table::celebrity, 1);
  check_header(keys::revoked_token(x.a).str(), shared_partition, table::revoked_token, 1);
  const auto p = static_cast<partition_id>(x.c % partition_count);
  check_header(keys::outbox(p, op_id(x.a)).str(), p, table::outbox, 1);
  check_header(keys::log_entry(p, x.a).str(), p, table::log_entry, 1);
  FUZZ_CHECK(order(keys::log_entry(p, x.a).str(), keys::log_entry(p, y.a).str()) == order_of(x.a, y.a));
  check_header(keys::installing(p).str(), node_partition, table::installing, 1);
  FUZZ_CHECK(read_u64(keys::installing(p).str(), key_header_bytes) == p);
  check_header(keys::partition_meta(p).str(), p, table::partition_meta, 0);
  check_header(keys::log_base(p).str(), p, table::log_base, 0);
}

// Any bytes as a stored key: the helpers that classify keys stay inside them.
void check_any_key(std::string_view k) {
  const auto owner = head_cached_prefix(k);
  FUZZ_CHECK(owner.empty() || (owner.size() == list_owner_bytes && k.starts_with(owner) && k.size() > owner.size()));
  if (point_read_key(k)) FUZZ_CHECK(k.size() >= key_header_bytes && point_read_table(static_cast<table>(k[2])));
  const auto end = prefix_end(k);
  if (!end.empty()) {
    FUZZ_CHECK(k < end && !std::string_view(end).starts_with(k) && end.size() <= k.size());
  } else {
    FUZZ_CHECK(std::all_of(k.begin(), k.end(), [](char c) { return static_cast<unsigned char>(c) == 0xFF; }));
  }
  FUZZ_CHECK(keys::name(k).str().substr(key_header_bytes) == k);
  check_header(keys::name(k).str().substr(0, key_header_bytes), partition_of(k), table::name, 0);
  for (std::size_t offset = 0; offset + 8 <= k.size() && offset < 64; offset += 8) read_u64(k, offset);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = reel::fuzz::as_view(data, size);
  check_builders(fields_at(input, 0), fields_at(input, 32));
  check_any_key(input);
  return 0;
}
