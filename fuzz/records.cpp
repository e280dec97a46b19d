// Fuzz target: the record codec (storage/records.hpp, storage/codec.hpp).
//
// The input is decoded as every Cap'n Proto record type the store reads, as RocksDB hands a
// value over: from an aligned copy and from an unaligned one, whole and truncated. A decoder
// must never throw, crash or read outside its input (ASan), must give the same answer at
// any alignment, and what it decodes must survive encode -> decode unchanged (the encoding
// of the decoded value is a fixed point).
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/check.hpp"
#include "storage/records.hpp"

using namespace reel;
using namespace reel::storage;

namespace {

// A decoder's answer reduced to bytes: its value's canonical encoding, or "" for nullopt.
using decode_fn = std::string (*)(std::string_view);

template <class T>
std::string encoded_or_empty(const std::optional<T>& v) {
  return v ? encode(*v) : std::string();
}

// Every decoder, with the encoder of what it returns.
const decode_fn decoders[] = {
    [](std::string_view b) { return encoded_or_empty(decode_user(b)); },
    [](std::string_view b) { return encoded_or_empty(decode_chat_room(b)); },
    [](std::string_view b) { return encoded_or_empty(decode_chat_message(b)); },
    [](std::string_view b) { return encoded_or_empty(decode_outbox_entry(b)); },
    [](std::string_view b) { return encoded_or_empty(decode_video(b)); },
    [](std::string_view b) { return encoded_or_empty(decode_comment(b)); },
    [](std::string_view b) { return encoded_or_empty(decode_fanout_job(b)); },
    [](std::string_view b) { return encoded_or_empty(decode_favorites_seen(b)); },
    [](std::string_view b) {
      auto v = decode_inbox_entry(b);
      return v ? encode_inbox_entry(*v) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_inbox_meta(b);
      return v ? encode_inbox_meta(*v) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_follow_edge(b);
      return v ? encode_follow_edge(*v) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_name_claim(b);
      return v ? encode_name_claim(*v) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_partition_meta(b);
      return v ? encode_partition_meta(*v) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_id_reservation(b);
      return v ? encode_id_reservation(*v) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_revoked_token(b);
      return v ? encode_revoked_token(*v) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_log_entry(b);
      return v ? encode_log_entry(v->epoch, v->payload) : std::string();
    },
    [](std::string_view b) {
      auto v = decode_log_base(b);
      return v ? encode_log_base(*v) : std::string();
    },
};

// `bytes` copied to `offset` bytes past an 8-aligned address, as a RocksDB value may lie.
std::string_view placed(std::vector<char>& buffer, std::string_view bytes, std::size_t offset) {
  buffer.assign(bytes.size() + 16, '\0');
  auto base = reinterpret_cast<std::uintptr_t>(buffer.data());
  char* start = buffer.data() + ((8 - base % 8) % 8) + offset;
  std::memcpy(start, bytes.data(), bytes.size());
  return {start, bytes.size()};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = reel::fuzz::as_view(data, size);
  reel::fuzz::input_random rng(input);
  std::vector<char> aligned_buffer, odd_buffer;
  const auto aligned = placed(aligned_buffer, input, 0);
  const auto odd = placed(odd_buffer, input, 1 + rng.next() % 7);
  for (const auto decode : decoders) {
    const auto value = decode(aligned);
    FUZZ_CHECK(decode(odd) == value);
    if (!value.empty()) {
      FUZZ_CHECK(value.size() % 8 == 0);
      FUZZ_CHECK(decode(value) == value);
    }
    // Truncated values: whole words cut off the end, and a cut inside a word.
    if (size >= 8) {
      decode(aligned.substr(0, size - 8));
      decode(odd.substr(0, rng.between(0, size - 1)));
    }
  }
  return 0;
}
