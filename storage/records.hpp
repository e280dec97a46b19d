// Plain records of the entities' state and their Cap'n Proto encoding (schema/records.capnp).
// Actors hold these structs in memory; storage turns them into bytes and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "schema/ids.hpp"

namespace reel::storage {

struct user_record {
  user_id id;
  std::string name;
  std::string password_hash;
  std::string signature;
  std::string avatar;
  std::string background_image;
  std::uint64_t follow_count = 0;
  std::uint64_t follower_count = 0;
  std::uint64_t work_count = 0;
  std::uint64_t favorite_count = 0;
  std::uint64_t total_favorited = 0;
  millis created;
};

struct chat_room_record {
  user_id low;
  user_id high;
  message_id last_message;
  user_id last_from;
  std::string last_content;
  millis last_time;
  std::uint64_t message_count = 0;
};

struct chat_message_record {
  message_id id;
  user_id from;
  user_id to;
  std::string content;
  millis created;
};

// Outbox effects, delivered to the user `target`.
struct follower_change {
  user_id follower;
  bool following = false;  // the edge's state after the change
  millis since;
};

struct create_user {
  std::string name;
  std::string password_hash;
  millis created;
};

struct outbox_entry {
  op_id op;
  user_id target;
  std::variant<follower_change, create_user> effect;
};

std::string encode(const user_record& r);
std::string encode(const chat_room_record& r);
std::string encode(const chat_message_record& r);
std::string encode(const outbox_entry& r);
std::string encode_follow_edge(millis since);
std::string encode_name_claim(user_id u);
std::string encode_partition_meta(std::uint64_t applied_seq);
std::string encode_id_reservation(millis reserved_until);
std::string encode_revoked_token(millis expires);

std::optional<user_record> decode_user(std::string_view bytes);
std::optional<chat_room_record> decode_chat_room(std::string_view bytes);
std::optional<chat_message_record> decode_chat_message(std::string_view bytes);
std::optional<outbox_entry> decode_outbox_entry(std::string_view bytes);
std::optional<millis> decode_follow_edge(std::string_view bytes);
std::optional<user_id> decode_name_claim(std::string_view bytes);
std::optional<std::uint64_t> decode_partition_meta(std::string_view bytes);
std::optional<millis> decode_id_reservation(std::string_view bytes);
std::optional<millis> decode_revoked_token(std::string_view bytes);

}  // namespace reel::storage
