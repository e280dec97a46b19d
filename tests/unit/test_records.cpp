// Stored records (storage/records.hpp): every field survives encode -> decode, and bad
// bytes come back as nullopt, never as an exception that would cross an actor.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "storage/records.hpp"

using namespace reel;
using namespace reel::storage;

namespace {

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();
constexpr std::int64_t i64_max = std::numeric_limits<std::int64_t>::max();

const std::string utf8 = "\xE6\x8A\x96\xE9\x9F\xB3 \xF0\x9F\x8E\xAC caf\xC3\xA9";  // "抖音 🎬 café"

user_record full_user() {
  user_record r;
  r.id = user_id(max_safe_id);
  r.name = utf8;
  r.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";
  r.signature = "Hi, I'm " + utf8 + " on Reel.";
  r.avatar = "https://cdn.example/a.png";
  r.background_image = "";
  r.follow_count = u64_max;
  r.follower_count = u64_max - 1;
  r.work_count = 1;
  r.favorite_count = 0;
  r.total_favorited = 1ULL << 63;
  r.created = millis(1'700'000'000'123);
  return r;
}

void check_equal(const user_record& a, const user_record& b) {
  CHECK(a.id == b.id);
  CHECK(a.name == b.name);
  CHECK(a.password_hash == b.password_hash);
  CHECK(a.signature == b.signature);
  CHECK(a.avatar == b.avatar);
  CHECK(a.background_image == b.background_image);
  CHECK(a.follow_count == b.follow_count);
  CHECK(a.follower_count == b.follower_count);
  CHECK(a.work_count == b.work_count);
  CHECK(a.favorite_count == b.favorite_count);
  CHECK(a.total_favorited == b.total_favorited);
  CHECK(a.created == b.created);
}

// Every decoder applied to `bytes`; each must not throw. Returns how many decoded.
int decode_all(std::string_view bytes) {
  int decoded = 0;
  decoded += decode_user(bytes).has_value();
  decoded += decode_chat_room(bytes).has_value();
  decoded += decode_chat_message(bytes).has_value();
  decoded += decode_outbox_entry(bytes).has_value();
  decoded += decode_follow_edge(bytes).has_value();
  decoded += decode_name_claim(bytes).has_value();
  decoded += decode_partition_meta(bytes).has_value();
  decoded += decode_id_reservation(bytes).has_value();
  decoded += decode_revoked_token(bytes).has_value();
  return decoded;
}

// Valid encodings of every record type, for the truncation and misalignment tests.
std::vector<std::string> samples() {
  chat_room_record room{user_id(1), user_id(2), message_id(3), user_id(1), utf8, millis(5), 6};
  chat_message_record message{message_id(3), user_id(1), user_id(2), utf8, millis(5)};
  outbox_entry follow{op_id(9), 2, follower_change{user_id(1), true, millis(4)}};
  outbox_entry create{op_id(10), 2, create_user{utf8, "hash", millis(4)}};
  return {encode(full_user()),
          encode(room),
          encode(message),
          encode(follow),
          encode(create),
          encode_follow_edge(millis(1'700'000'000'000)),
          encode_name_claim(user_id(8)),
          encode_partition_meta(u64_max),
          encode_id_reservation(millis(1'700'000'010'000)),
          encode_revoked_token(millis(1'800'000'000'000))};
}

}  // namespace

TEST_CASE("user_record round-trips every field") {
  SUBCASE("full: UTF-8, max counts") {
    auto r = full_user();
    auto back = decode_user(encode(r));
    REQUIRE(back.has_value());
    check_equal(*back, r);
  }
  SUBCASE("defaults: empty strings, zero counts") {
    user_record r;
    auto back = decode_user(encode(r));
    REQUIRE(back.has_value());
    check_equal(*back, r);
    CHECK(back->name.empty());
  }
  SUBCASE("negative and extreme times survive") {
    auto r = full_user();
    r.created = millis(-1);
    CHECK(decode_user(encode(r))->created == millis(-1));
    r.created = millis(i64_max);
    CHECK(decode_user(encode(r))->created == millis(i64_max));
  }
}

TEST_CASE("chat_room_record round-trips every field") {
  chat_room_record r{user_id(11),
                     user_id(max_safe_id),
                     message_id(max_safe_id - 1),
                     user_id(max_safe_id),
                     utf8,
                     millis(1'700'000'000'999),
                     u64_max};
  auto back = decode_chat_room(encode(r));
  REQUIRE(back.has_value());
  CHECK(back->low == r.low);
  CHECK(back->high == r.high);
  CHECK(back->last_message == r.last_message);
  CHECK(back->last_from == r.last_from);
  CHECK(back->last_content == r.last_content);
  CHECK(back->last_time == r.last_time);
  CHECK(back->message_count == u64_max);

  chat_room_record empty;
  auto empty_back = decode_chat_room(encode(empty));
  REQUIRE(empty_back.has_value());
  CHECK(empty_back->last_content.empty());
  CHECK(empty_back->message_count == 0);
  CHECK(empty_back->low == user_id(0));
}

TEST_CASE("chat_message_record round-trips every field") {
  chat_message_record r{message_id(u64_max), user_id(1), user_id(max_safe_id), utf8, millis(1'700'000'000'001)};
  auto back = decode_chat_message(encode(r));
  REQUIRE(back.has_value());
  CHECK(back->id == r.id);
  CHECK(back->from == r.from);
  CHECK(back->to == r.to);
  CHECK(back->content == utf8);
  CHECK(back->created == r.created);

  chat_message_record empty_content{message_id(1), user_id(2), user_id(3), "", millis(0)};
  auto empty_back = decode_chat_message(encode(empty_content));
  REQUIRE(empty_back.has_value());
  CHECK(empty_back->content.empty());
  CHECK(empty_back->to == user_id(3));
}

// U+0000 is valid UTF-8 and chat accepts it: text must be stored with its length, not up to
// the first NUL (kj's implicit conversion from std::string goes through c_str()).
TEST_CASE("text with an embedded NUL byte round-trips") {
  const std::string content("before\0after", 12);
  chat_message_record m{message_id(1), user_id(2), user_id(3), content, millis(4)};
  auto back = decode_chat_message(encode(m));
  REQUIRE(back.has_value());
  CHECK(back->content.size() == content.size());
  CHECK(back->content == content);

  auto user = full_user();
  user.signature = content;
  CHECK(decode_user(encode(user))->signature == content);
}

TEST_CASE("outbox_entry round-trips both effects") {
  SUBCASE("follower_change, following") {
    outbox_entry e{op_id(max_safe_id), 42, follower_change{user_id(7), true, millis(1'700'000'000'500)}};
    auto back = decode_outbox_entry(encode(e));
    REQUIRE(back.has_value());
    CHECK(back->op == e.op);
    CHECK(back->target == e.target);
    auto* change = std::get_if<follower_change>(&back->effect);
    REQUIRE(change != nullptr);
    CHECK(change->follower == user_id(7));
    CHECK(change->following);
    CHECK(change->since == millis(1'700'000'000'500));
  }
  SUBCASE("follower_change, unfollowing") {
    outbox_entry e{op_id(1), 2, follower_change{user_id(u64_max), false, millis(0)}};
    auto back = decode_outbox_entry(encode(e));
    REQUIRE(back.has_value());
    auto* change = std::get_if<follower_change>(&back->effect);
    REQUIRE(change != nullptr);
    CHECK(change->follower == user_id(u64_max));
    CHECK_FALSE(change->following);
    CHECK(change->since == millis(0));
  }
  SUBCASE("create_user") {
    outbox_entry e{op_id(5), 6, create_user{utf8, "$argon2id$x", millis(1'700'000'000'777)}};
    auto back = decode_outbox_entry(encode(e));
    REQUIRE(back.has_value());
    CHECK(back->op == op_id(5));
    CHECK(back->target == 6);
    auto* create = std::get_if<create_user>(&back->effect);
    REQUIRE(create != nullptr);
    CHECK(create->name == utf8);
    CHECK(create->password_hash == "$argon2id$x");
    CHECK(create->created == millis(1'700'000'000'777));
  }
  SUBCASE("create_user with empty strings") {
    outbox_entry e{op_id(5), 6, create_user{"", "", millis(0)}};
    auto back = decode_outbox_entry(encode(e));
    REQUIRE(back.has_value());
    auto* create = std::get_if<create_user>(&back->effect);
    REQUIRE(create != nullptr);
    CHECK(create->name.empty());
    CHECK(create->password_hash.empty());
  }
}

TEST_CASE("small records round-trip") {
  CHECK(decode_follow_edge(encode_follow_edge(millis(1'700'000'000'000))) == millis(1'700'000'000'000));
  CHECK(decode_follow_edge(encode_follow_edge(millis(0))) == millis(0));
  CHECK(decode_name_claim(encode_name_claim(user_id(max_safe_id))) == user_id(max_safe_id));
  CHECK(decode_partition_meta(encode_partition_meta(0)) == std::uint64_t{0});
  CHECK(decode_partition_meta(encode_partition_meta(u64_max)) == u64_max);
  CHECK(decode_id_reservation(encode_id_reservation(millis(1'704'067'210'000))) == millis(1'704'067'210'000));
  CHECK(decode_revoked_token(encode_revoked_token(millis(i64_max))) == millis(i64_max));
}

TEST_CASE("empty, unaligned and structurally invalid input decodes to nullopt") {
  const std::vector<std::string> bad = {
      "",
      "x",
      "1234567",                           // 7 bytes
      "123456789",                         // 9 bytes
      std::string(15, '\0'),               // unaligned zeros
      std::string(8, '\xFF'),              // 2^32 segments claimed
      std::string(8, '\0'),                // one segment of 0 words: no root pointer
      "hello world, this is no capnp!!!",  // 32 bytes of text
      std::string("\x00\x00\x00\x00\x10\x00\x00\x00", 8) + std::string(8, '\0'),  // segment of 16 words, 1 present
  };
  for (const auto& bytes : bad) {
    CAPTURE(bytes.size());
    int decoded = -1;
    CHECK_NOTHROW(decoded = decode_all(bytes));
    CHECK(decoded == 0);
  }
}

TEST_CASE("every truncation of a valid record decodes to nullopt") {
  auto all = samples();
  for (std::size_t s = 0; s < all.size(); ++s) {
    const auto& full = all[s];
    REQUIRE(full.size() % 8 == 0);
    for (std::size_t len = 0; len < full.size(); ++len) {
      CAPTURE(s);
      CAPTURE(len);
      int decoded = -1;
      CHECK_NOTHROW(decoded = decode_all(std::string_view(full.data(), len)));
      CHECK(decoded == 0);
    }
  }
}

TEST_CASE("random garbage and corrupted records never throw") {
  std::mt19937_64 rng(20240101);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(8 * (1 + i % 12), '\0');
    for (auto& c : bytes) c = static_cast<char>(byte(rng));
    CHECK_NOTHROW(decode_all(bytes));
  }
  // Single-byte corruption of real records: pointers and lengths go wrong in every way.
  for (const auto& full : samples()) {
    for (std::size_t pos = 0; pos < full.size(); ++pos) {
      for (unsigned char value : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
        auto corrupt = full;
        corrupt[pos] = static_cast<char>(value);
        CAPTURE(pos);
        CHECK_NOTHROW(decode_all(corrupt));
      }
    }
  }
}

TEST_CASE("decoding works from a misaligned buffer") {
  auto user = full_user();
  auto encoded = encode(user);
  bool saw_misaligned = false;
  for (std::size_t offset = 1; offset < 8; ++offset) {
    // The record starts at an odd address inside a larger string, as RocksDB values may.
    std::string buffer(offset, '#');
    buffer += encoded;
    std::string_view view(buffer.data() + offset, encoded.size());
    CAPTURE(offset);
    saw_misaligned |= reinterpret_cast<std::uintptr_t>(view.data()) % alignof(std::uint64_t) != 0;
    auto back = decode_user(view);
    REQUIRE(back.has_value());
    check_equal(*back, user);

    auto follow = encode(outbox_entry{op_id(3), 4, follower_change{user_id(5), true, millis(6)}});
    std::string other(offset, '#');
    other += follow;
    auto entry = decode_outbox_entry(std::string_view(other.data() + offset, follow.size()));
    REQUIRE(entry.has_value());
    CHECK(std::get<follower_change>(entry->effect).follower == user_id(5));
  }
  CHECK(saw_misaligned);
  std::string odd(1, 'x');
  odd += encode_partition_meta(12345);
  CHECK(decode_partition_meta(std::string_view(odd).substr(1)) == std::uint64_t{12345});
}
