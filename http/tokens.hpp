// Login tokens: self-contained claims authenticated with HMAC-SHA512-256 (libsodium crypto_auth)
// under a per-deployment secret, so any node verifies a token without a lookup. Revocation
// (logout) is the caller's business, keyed by token_id.
//
// Wire form: url-safe base64 without padding of
//   version (1 byte) | user_id | issued_ms | expires_ms | token_id (big-endian u64 each) | MAC (32)
// where the MAC covers every byte before it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

namespace reel::http {

class token_keys {
 public:
  static constexpr std::size_t key_size = 32;  // crypto_auth_KEYBYTES

  // Reads the secret from `file`, or creates it (mode 0600, written atomically and durably)
  // on first start. Throws std::runtime_error when the file has the wrong size or I/O fails.
  static token_keys load_or_create(const std::filesystem::path& file);

  // A fresh random secret that lives only in memory (tests, single-process tools).
  static token_keys generate();
  // A secret given as its bytes (a cluster's, shared through etcd); throws
  // std::runtime_error unless `bytes` has key_size bytes.
  static token_keys from_bytes(std::string_view bytes);
  std::string bytes() const { return std::string(reinterpret_cast<const char*>(key_.data()), key_.size()); }

  token_keys(const token_keys&) = default;
  token_keys& operator=(const token_keys&) = default;
  ~token_keys();

  const unsigned char* data() const { return key_.data(); }
  bool operator==(const token_keys& other) const;

 private:
  token_keys() = default;
  std::array<unsigned char, key_size> key_{};
};

struct token_claims {
  std::uint64_t user_id;
  std::int64_t issued_ms;   // Unix epoch milliseconds
  std::int64_t expires_ms;  // Unix epoch milliseconds; the token is invalid from this instant on
  std::uint64_t token_id;   // random, names the token for revocation
};

enum class token_error { malformed, bad_mac, expired };

using token_result = std::variant<token_claims, token_error>;

// Claims for a new login of `user`, valid for `ttl_ms`, with a random token_id.
token_claims new_claims(std::uint64_t user, std::int64_t now_ms, std::int64_t ttl_ms);

std::string mint(const token_keys& keys, const token_claims& claims);

// The claims of `token` if its MAC is valid (checked in constant time) and it has not expired.
token_result verify(const token_keys& keys, std::string_view token, std::int64_t now_ms);

}  // namespace reel::http
