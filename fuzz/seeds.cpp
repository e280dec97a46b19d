// Writes the seed inputs that are computed rather than typed: real encoded records for the
// records target and real tokens under the fuzz key for the tokens target.
//   fuzz_seeds <corpus dir>     (scripts/fuzz seeds: fuzz/corpus)
// The output is the same on every run (fixed ids, times and token ids), so regenerating the
// seeds changes no file unless the encodings change.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "http/tokens.hpp"
#include "storage/records.hpp"

using namespace reel;
using namespace reel::storage;

namespace {

// The tokens target's fixed key (fuzz/tokens.cpp).
constexpr std::string_view fuzz_key = "reel-fuzz-token-key-32-bytes!!!!";

void write(const std::filesystem::path& dir, const std::string& name, std::string_view bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + (dir / name).string());
}

void records(const std::filesystem::path& dir) {
  const millis t(1'700'000'000'123);
  auto user = new_user(user_id(8'070'450'532'247'553), "ann", "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", t);
  user.follow_count = 3;
  user.follower_count = 12'000;
  user.avatar = "https://cdn.example/a.png";
  write(dir, "user", encode(user));
  write(dir, "user-utf8", encode(new_user(user_id(7), "\xE6\x8A\x96\xE9\x9F\xB3 caf\xC3\xA9", "", t)));
  write(dir, "chat-room",
        encode(chat_room_record{user_id(5), user_id(9), message_id(77), user_id(9), "see you", t, 4}));
  write(dir, "chat-message", encode(chat_message_record{message_id(77), user_id(9), user_id(5), "see you", t}));
  write(dir, "outbox-follower", encode(outbox_entry{op_id(1), 5, follower_change{user_id(9), true, t}}));
  write(dir, "outbox-create-user", encode(outbox_entry{op_id(2), 5, create_user{"bob", "$argon2id$x", t}}));
  write(dir, "outbox-like", encode(outbox_entry{op_id(3), 1234, like_change{user_id(9), true, t}}));
  write(dir, "outbox-report", encode(outbox_entry{op_id(4), 5, favorites_report{video_id(1234), 17, 18}}));
  write(dir, "video", encode(video_record{video_id(1234), user_id(5), "first clip", std::string(64, 'a'), t, 2, 1, 3}));
  write(dir, "comment", encode(comment_record{comment_id(55), user_id(9), "nice \xF0\x9F\x8E\xAC", t}));
  write(dir, "fanout-job", encode(fanout_job{video_id(1234), user_id(5), t, 4096}));
  write(dir, "favorites-seen", encode(favorites_seen{17, 18}));
  write(dir, "inbox-entry", encode_inbox_entry(user_id(5)));
  write(dir, "inbox-meta", encode_inbox_meta(1000));
  write(dir, "follow-edge", encode_follow_edge(t));
  write(dir, "name-claim", encode_name_claim(user_id(5)));
  write(dir, "partition-meta", encode_partition_meta(99));
  write(dir, "id-reservation", encode_id_reservation(t));
  write(dir, "revoked-token", encode_revoked_token(t));
  write(dir, "log-entry", encode_log_entry(3, encode_follow_edge(t)));
  write(dir, "log-base", encode_log_base(log_point{100, 3}));
}

void tokens(const std::filesystem::path& dir) {
  const auto keys = http::token_keys::from_bytes(fuzz_key);
  const std::int64_t now = 1'700'000'000'000;
  write(dir, "valid", http::mint(keys, {5, now, now + 604'800'000, 0x0123456789abcdefULL}));
  write(dir, "expired", http::mint(keys, {9, now - 10, now - 1, 42}));
  write(dir, "large-ids", http::mint(keys, {(1ULL << 53) - 1, 0, INT64_MAX, ~0ULL}));
  const auto other = http::token_keys::from_bytes("another-key-of-32-bytes-for-fuzz");
  write(dir, "other-key", http::mint(other, {5, now, now + 1000, 1}));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path root = argv[1];
  records(root / "records");
  tokens(root / "tokens");
  return 0;
}
