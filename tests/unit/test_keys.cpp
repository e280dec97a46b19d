// Key layout (storage/keys.hpp): RocksDB compares keys with memcmp, so the big-endian
// encoding must make byte order equal the intended order of every field.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "storage/keys.hpp"

using namespace reel;
using namespace reel::storage;

namespace {

// RocksDB's default comparator: unsigned bytewise, shorter prefix first.
bool memcmp_less(std::string_view a, std::string_view b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  return c < 0 || (c == 0 && a.size() < b.size());
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// A key lies in [prefix, prefix_end) exactly when it starts with the prefix.
bool in_range(std::string_view k, const key& prefix) {
  auto end = prefix.prefix_end();
  return !memcmp_less(k, prefix.str()) && memcmp_less(k, end);
}

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

const std::vector<std::uint64_t> edge_values = {
    0,           1,           0xFF,   0x100, 0xFFFF, 0x1'0000, 0x7FFF'FFFF'FFFF'FFFFULL, 0x8000'0000'0000'0000ULL,
    max_safe_id, u64_max - 1, u64_max};

}  // namespace

TEST_CASE("the key header is [partition u16 big-endian][table u8]") {
  key k(0x1234, table::chat_message);
  REQUIRE(k.str().size() == key_header_bytes);
  CHECK(static_cast<unsigned char>(k.str()[0]) == 0x12);
  CHECK(static_cast<unsigned char>(k.str()[1]) == 0x34);
  CHECK(static_cast<unsigned char>(k.str()[2]) == static_cast<unsigned char>(table::chat_message));

  auto u = key(7, table::user).u64(0x0102030405060708ULL);
  REQUIRE(u.str().size() == key_header_bytes + 8);
  CHECK(u.str().substr(key_header_bytes) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  CHECK(read_u64(u.str(), key_header_bytes) == 0x0102030405060708ULL);
}

TEST_CASE("u64 fields sort ascending in memcmp order") {
  for (std::size_t i = 0; i < edge_values.size(); ++i) {
    for (std::size_t j = 0; j < edge_values.size(); ++j) {
      auto a = key(3, table::user).u64(edge_values[i]);
      auto b = key(3, table::user).u64(edge_values[j]);
      CAPTURE(edge_values[i]);
      CAPTURE(edge_values[j]);
      CHECK(memcmp_less(a.str(), b.str()) == (edge_values[i] < edge_values[j]));
      CHECK(read_u64(a.str(), key_header_bytes) == edge_values[i]);
    }
  }
}

TEST_CASE("rev_u64 fields sort descending: newest first in a forward scan") {
  for (std::size_t i = 0; i < edge_values.size(); ++i) {
    for (std::size_t j = 0; j < edge_values.size(); ++j) {
      auto a = key(3, table::following_by_time).rev_u64(edge_values[i]);
      auto b = key(3, table::following_by_time).rev_u64(edge_values[j]);
      CAPTURE(edge_values[i]);
      CAPTURE(edge_values[j]);
      CHECK(memcmp_less(a.str(), b.str()) == (edge_values[i] > edge_values[j]));
    }
  }

  // The by-time edge keys of one owner list the newest "since" first, then by other id.
  user_id owner(1000);
  std::vector<std::string> keys_in_order = {
      keys::following_by_time(owner, millis(1'700'000'000'300), user_id(5)).str(),
      keys::following_by_time(owner, millis(1'700'000'000'200), user_id(1)).str(),
      keys::following_by_time(owner, millis(1'700'000'000'200), user_id(9)).str(),
      keys::following_by_time(owner, millis(1'700'000'000'100), user_id(2)).str(),
      keys::following_by_time(owner, millis(0), user_id(3)).str(),
  };
  CHECK(std::is_sorted(keys_in_order.begin(), keys_in_order.end(), memcmp_less));
  auto prefix = keys::following_by_time_prefix(owner);
  for (const auto& k : keys_in_order) {
    CHECK(in_range(k, prefix));
    CHECK(read_u64(k, k.size() - 8) != 0);  // the other id is the last field
  }
  CHECK(read_u64(keys_in_order[0], keys_in_order[0].size() - 8) == 5);
}

TEST_CASE("negative times are clamped to 0 in keys (before the epoch sorts as the oldest)") {
  user_id owner(77);
  auto negative = keys::follower_by_time(owner, millis(-5), user_id(1));
  auto zero = keys::follower_by_time(owner, millis(0), user_id(1));
  CHECK(negative.str() == zero.str());
  CHECK(keys::chat_messages_from(user_id(1), user_id(2), millis(-1)).str() ==
        keys::chat_messages_from(user_id(1), user_id(2), millis(0)).str());
}

TEST_CASE("the partition is the most significant part of every key") {
  // Whatever follows the header, a lower partition sorts first.
  auto low_partition_big_fields = key(4, table::revoked_token).u64(u64_max).bytes("\xFF\xFF");
  auto high_partition_small_fields = key(5, table::user).u64(0);
  CHECK(memcmp_less(low_partition_big_fields.str(), high_partition_small_fields.str()));
  // 0x00FF vs 0x0100: the u16 is big-endian, not little-endian.
  CHECK(memcmp_less(key(0x00FF, table::user).str(), key(0x0100, table::user).str()));
  // Node-local bookkeeping sorts after every partition.
  CHECK(memcmp_less(key(partition_count - 1, table::revoked_token).u64(u64_max).str(), keys::id_reservation().str()));
  CHECK(memcmp_less(key(partition_count - 1, table::revoked_token).u64(u64_max).str(), keys::revoked_token(0).str()));

  // Each partition's keys are one contiguous range: a partition prefix bounds them all.
  user_id u(123456789);
  auto p = partition_of(u);
  key partition_prefix(p, table::user);
  std::string partition_only = partition_prefix.str().substr(0, 2);
  for (const auto& k : {keys::user(u).str(), keys::following(u, user_id(1)).str(),
                        keys::follower_by_time(u, millis(1), user_id(2)).str(), keys::outbox(p, op_id(9)).str(),
                        keys::partition_meta(p).str()}) {
    CHECK(starts_with(k, partition_only));
  }
}

TEST_CASE("prefix_end bounds exactly the keys with that prefix") {
  SUBCASE("ordinary prefix") {
    auto prefix = keys::follower_by_time_prefix(user_id(42));
    auto end = prefix.prefix_end();
    CHECK(end.size() == prefix.str().size());
    CHECK(in_range(keys::follower_by_time(user_id(42), millis(0), user_id(0)).str(), prefix));
    CHECK(in_range(keys::follower_by_time(user_id(42), millis(0), user_id(u64_max)).str(), prefix));
    CHECK(in_range(prefix.str(), prefix));
    // The neighbours of the owner are outside.
    CHECK_FALSE(in_range(keys::follower_by_time_prefix(user_id(41)).u64(u64_max).str(), prefix));
    CHECK_FALSE(in_range(keys::follower_by_time_prefix(user_id(43)).str(), prefix));
  }
  SUBCASE("trailing 0xFF bytes carry into the previous byte") {
    auto prefix = key(9, table::user).u64(0x00000000000000FFULL);
    auto end = prefix.prefix_end();
    // ...00 FF -> ...01 (the FF is dropped, the byte before incremented).
    CHECK(end == key(9, table::user).str() + std::string("\x00\x00\x00\x00\x00\x00\x01", 7));
    CHECK(in_range(key(9, table::user).u64(0xFF).u64(u64_max).str(), prefix));
    CHECK(in_range(key(9, table::user).u64(0xFF).bytes("\xFF\xFF\xFF").str(), prefix));
    CHECK_FALSE(in_range(key(9, table::user).u64(0x100).str(), prefix));
    CHECK_FALSE(in_range(key(9, table::user).u64(0xFE).u64(u64_max).str(), prefix));
  }
  SUBCASE("a field of all 0xFF bytes increments the table byte") {
    auto prefix = key(9, table::following).u64(u64_max);
    auto end = prefix.prefix_end();
    static_assert(static_cast<int>(table::following_by_time) == static_cast<int>(table::following) + 1);
    CHECK(end == key(9, table::following_by_time).str());
    CHECK(in_range(key(9, table::following).u64(u64_max).u64(u64_max).str(), prefix));
    CHECK_FALSE(in_range(key(9, table::following).u64(u64_max - 1).u64(u64_max).str(), prefix));
    CHECK_FALSE(in_range(key(9, table::following_by_time).str(), prefix));
  }
  SUBCASE("node partition prefixes (0xFFFF) still have an upper bound") {
    auto prefix = keys::revoked_token_prefix();
    auto end = prefix.prefix_end();
    CHECK_FALSE(end.empty());
    CHECK(in_range(keys::revoked_token(0).str(), prefix));
    CHECK(in_range(keys::revoked_token(u64_max).str(), prefix));
    CHECK_FALSE(in_range(keys::id_reservation().str(), prefix));
  }
  SUBCASE("a prefix of only 0xFF bytes has no upper bound (empty)") {
    auto prefix = key(0xFFFF, static_cast<table>(0xFF));
    CHECK(prefix.prefix_end().empty());
  }
}

TEST_CASE("partition_of is stable: pinned values") {
  // These values decide where every key of an existing data dir lives. Changing the hash
  // (or partition_count) silently strands all stored data: entities would be looked up in
  // the wrong partition. If this test fails, the change breaks existing data dirs.
  CHECK(partition_of(std::uint64_t{0}) == 0);
  CHECK(partition_of(std::uint64_t{1}) == 37);
  CHECK(partition_of(std::uint64_t{2}) == 10);
  CHECK(partition_of(std::uint64_t{3}) == 48);
  CHECK(partition_of(std::uint64_t{42}) == 34);
  CHECK(partition_of(std::uint64_t{1000}) == 23);
  CHECK(partition_of(std::uint64_t{123456789}) == 32);
  CHECK(partition_of(max_safe_id) == 3);
  CHECK(partition_of(user_id(42)) == 34);

  CHECK(partition_of(std::string_view("")) == 15);
  CHECK(partition_of(std::string_view("alice")) == 8);
  CHECK(partition_of(std::string_view("bob")) == 39);
  CHECK(partition_of(std::string_view("douyin_user")) == 33);
  CHECK(partition_of(std::string_view("\xE7\x94\xA8\xE6\x88\xB7")) == 27);  // "用户" in UTF-8
}

TEST_CASE("partition_of spreads sequential ids evenly") {
  std::array<int, partition_count> counts{};
  for (std::uint64_t id = 1; id <= 10'000; ++id) {
    auto p = partition_of(id);
    REQUIRE(p < partition_count);
    ++counts[p];
  }
  // 10'000 / 64 = 156 expected per partition.
  for (partition_id p = 0; p < partition_count; ++p) {
    CAPTURE(p);
    CHECK(counts[p] >= 100);
    CHECK(counts[p] <= 220);
  }

  // Ids as the id generator makes them (ms << 12 | node << 8 | seq) spread too.
  std::array<int, partition_count> layout_counts{};
  for (std::uint64_t i = 0; i < 10'000; ++i) ++layout_counts[partition_of(((1'000'000 + i / 4) << 12) | (i % 4))];
  for (partition_id p = 0; p < partition_count; ++p) {
    CAPTURE(p);
    CHECK(layout_counts[p] >= 100);
    CHECK(layout_counts[p] <= 220);
  }
}

TEST_CASE("chat keys expect callers to pass the pair as (low, high)") {
  user_id a(100), b(7);
  auto [low, high] = std::minmax(a, b);
  REQUIRE(low == b);

  // The room key encodes low then high; the reversed pair is a different key (and in
  // general a different partition), so every caller must normalise with minmax first.
  auto room = keys::chat_room(low, high);
  CHECK(read_u64(room.str(), key_header_bytes) == low.value);
  CHECK(read_u64(room.str(), key_header_bytes + 8) == high.value);
  CHECK(keys::chat_room(high, low).str() != room.str());
  CHECK(static_cast<partition_id>((static_cast<unsigned char>(room.str()[0]) << 8) |
                                  static_cast<unsigned char>(room.str()[1])) == keys::chat_partition(low, high));
  CHECK(keys::chat_partition(low, high) < partition_count);

  // Messages of the room share one prefix and sort by time ascending, then by message id.
  auto prefix = keys::chat_messages_prefix(low, high);
  std::vector<std::string> in_order = {
      keys::chat_message(low, high, millis(10), message_id(900)).str(),
      keys::chat_message(low, high, millis(11), message_id(5)).str(),
      keys::chat_message(low, high, millis(11), message_id(6)).str(),
      keys::chat_message(low, high, millis(1'700'000'000'000), message_id(1)).str(),
  };
  CHECK(std::is_sorted(in_order.begin(), in_order.end(), memcmp_less));
  for (const auto& k : in_order) CHECK(in_range(k, prefix));
  CHECK(starts_with(in_order[0], room.str().substr(0, 2)));  // same partition as the room

  // chat_messages_from(t) is the first key with time >= t.
  auto from11 = keys::chat_messages_from(low, high, millis(11));
  CHECK(memcmp_less(in_order[0], from11.str()));
  CHECK_FALSE(memcmp_less(in_order[1], from11.str()));

  // Another pair's messages are outside the prefix, even when it shares `low`.
  CHECK_FALSE(in_range(keys::chat_message(low, user_id(high.value + 1), millis(0), message_id(1)).str(), prefix));
}
