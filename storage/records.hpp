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

// A new user's record: counters at zero, a generated signature (never empty, API.md).
user_record new_user(user_id id, std::string name, std::string password_hash, millis created);

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

// Outbox effects delivered to the video `target`.
struct like_change {
  user_id user;
  bool liked = false;  // the like's state after the change
  millis since;
};

// Delivered to the video's author: the video's like count as of `version`.
struct favorites_report {
  video_id video;
  std::uint64_t count = 0;
  std::uint64_t version = 0;
};

struct outbox_entry {
  op_id op;
  std::uint64_t target = 0;  // a user id, or a video id for like_change
  std::variant<follower_change, create_user, like_change, favorites_report> effect;
};

struct video_record {
  video_id id;
  user_id author;
  std::string title;
  std::string media_hash;
  millis created;
  std::uint64_t favorite_count = 0;
  std::uint64_t comment_count = 0;
  std::uint64_t like_version = 0;
};

struct comment_record {
  comment_id id;
  user_id user;
  std::string content;
  millis created;
};

struct fanout_job {
  video_id video;
  user_id author;
  millis created;
  std::uint64_t cursor = 0;  // followers with ids <= cursor are done
};

struct favorites_seen {
  std::uint64_t count = 0;
  std::uint64_t version = 0;
};

std::string encode(const user_record& r);
std::string encode(const chat_room_record& r);
std::string encode(const chat_message_record& r);
std::string encode(const outbox_entry& r);
std::string encode(const video_record& r);
std::string encode(const comment_record& r);
std::string encode(const fanout_job& r);
std::string encode(const favorites_seen& r);
std::string encode_inbox_entry(user_id author);
std::string encode_inbox_meta(std::uint64_t count);
std::string encode_follow_edge(millis since);
std::string encode_name_claim(user_id u);
std::string encode_partition_meta(std::uint64_t applied_seq);
std::string encode_id_reservation(millis reserved_until);
std::string encode_revoked_token(millis expires);

// Cluster mode: a replication log entry and the log's base point.
struct log_record {
  std::uint64_t epoch = 0;
  std::string payload;
};
struct log_point {
  std::uint64_t index = 0;
  std::uint64_t epoch = 0;
};
std::string encode_log_entry(std::uint64_t epoch, std::string_view payload);
std::optional<log_record> decode_log_entry(std::string_view bytes);
std::string encode_log_base(log_point base);
std::optional<log_point> decode_log_base(std::string_view bytes);

std::optional<user_record> decode_user(std::string_view bytes);
std::optional<chat_room_record> decode_chat_room(std::string_view bytes);
std::optional<chat_message_record> decode_chat_message(std::string_view bytes);
std::optional<outbox_entry> decode_outbox_entry(std::string_view bytes);
std::optional<video_record> decode_video(std::string_view bytes);
std::optional<comment_record> decode_comment(std::string_view bytes);
std::optional<fanout_job> decode_fanout_job(std::string_view bytes);
std::optional<favorites_seen> decode_favorites_seen(std::string_view bytes);
std::optional<user_id> decode_inbox_entry(std::string_view bytes);
std::optional<std::uint64_t> decode_inbox_meta(std::string_view bytes);
std::optional<millis> decode_follow_edge(std::string_view bytes);
std::optional<user_id> decode_name_claim(std::string_view bytes);
std::optional<std::uint64_t> decode_partition_meta(std::string_view bytes);
std::optional<millis> decode_id_reservation(std::string_view bytes);
std::optional<millis> decode_revoked_token(std::string_view bytes);

}  // namespace reel::storage
