#include <doctest/doctest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "http/tokens.hpp"

using namespace reel::http;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t now = 1'700'000'000'000;
constexpr std::int64_t day = 24 * 3600 * 1000;

// A fresh directory per test, removed afterwards.
struct scratch_dir {
  fs::path path;
  scratch_dir() {
    std::random_device rd;
    std::string name = "reel-tokens-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
    path = fs::temp_directory_path() / name;
    fs::create_directories(path);
  }
  ~scratch_dir() { fs::remove_all(path); }
};

bool same_claims(const token_claims& a, const token_claims& b) {
  return a.user_id == b.user_id && a.issued_ms == b.issued_ms && a.expires_ms == b.expires_ms &&
         a.token_id == b.token_id;
}

token_error error_of(const token_result& result) {
  REQUIRE(std::holds_alternative<token_error>(result));
  return std::get<token_error>(result);
}

std::string raw_bytes(const std::string& token) {
  std::string bytes(token.size(), '\0');
  std::size_t length = 0;
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  REQUIRE(sodium_base642bin(out, bytes.size(), token.data(), token.size(), nullptr, &length, nullptr,
                            sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0);
  bytes.resize(length);
  return bytes;
}

std::string encode(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  sodium_bin2base64(out.data(), out.size(), in, bytes.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.size() - 1);
  return out;
}

}  // namespace

TEST_CASE("a minted token verifies to its claims") {
  auto keys = token_keys::generate();
  token_claims claims = new_claims(42, now, day);
  CHECK(claims.expires_ms == now + day);
  std::string token = mint(keys, claims);
  CHECK(token.size() == 87);  // 65 bytes in unpadded base64
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string::npos);
  auto result = verify(keys, token, now + 1);
  REQUIRE(std::holds_alternative<token_claims>(result));
  CHECK(same_claims(std::get<token_claims>(result), claims));
}

TEST_CASE("extreme claim values survive the encoding") {
  auto keys = token_keys::generate();
  token_claims claims{~std::uint64_t{0}, -5, std::numeric_limits<std::int64_t>::max(), 0};
  auto result = verify(keys, mint(keys, claims), now);
  REQUIRE(std::holds_alternative<token_claims>(result));
  CHECK(same_claims(std::get<token_claims>(result), claims));
}

TEST_CASE("new claims get distinct random token ids") {
  CHECK(new_claims(1, now, day).token_id != new_claims(1, now, day).token_id);
}

TEST_CASE("every single-bit flip of the token is rejected") {
  auto keys = token_keys::generate();
  std::string token = mint(keys, new_claims(7, now, day));
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = token;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      CAPTURE(i);
      CAPTURE(bit);
      CHECK(std::holds_alternative<token_error>(verify(keys, flipped, now)));
    }
  }
  std::string bytes = raw_bytes(token);
  REQUIRE(bytes.size() == 65);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
      CAPTURE(i);
      CAPTURE(bit);
      CHECK(error_of(verify(keys, encode(flipped), now)) == token_error::bad_mac);
    }
  }
}

// libsodium 1.0.18 decodes any byte >= 0x80 as '_'; such strings must not pass as a token.
TEST_CASE("bytes outside the url-safe alphabet are malformed wherever they appear") {
  auto keys = token_keys::generate();
  std::string token = mint(keys, new_claims(7, now, day));
  for (std::size_t i = 0; i < token.size(); ++i) {
    for (int byte : {0x00, 0x20, 0x2b, 0x2f, 0x3d, 0x7f, 0x80, 0xc1, 0xdf, 0xff}) {
      std::string garbled = token;
      garbled[i] = static_cast<char>(byte);
      CAPTURE(i);
      CAPTURE(byte);
      CHECK(error_of(verify(keys, garbled, now)) == token_error::malformed);
    }
  }
}

TEST_CASE("truncated, extended and garbled tokens are malformed") {
  auto keys = token_keys::generate();
  std::string token = mint(keys, new_claims(7, now, day));
  for (std::size_t length = 0; length < token.size(); ++length) {
    CAPTURE(length);
    CHECK(std::holds_alternative<token_error>(verify(keys, token.substr(0, length), now)));
  }
  const std::vector<std::string> suffixes = {"A", "AA", "AAAA", "=", " ", "\n", std::string(1, '\0')};
  for (const std::string& suffix : suffixes) {
    CAPTURE(suffix);
    CHECK(error_of(verify(keys, token + suffix, now)) == token_error::malformed);
  }
  CHECK(error_of(verify(keys, "", now)) == token_error::malformed);
  CHECK(error_of(verify(keys, " " + token, now)) == token_error::malformed);
  std::string bytes = raw_bytes(token);
  CHECK(error_of(verify(keys, encode(bytes + "x"), now)) == token_error::malformed);
  CHECK(error_of(verify(keys, encode(bytes.substr(0, 64)), now)) == token_error::malformed);
}

TEST_CASE("expiry is checked after the MAC") {
  auto keys = token_keys::generate();
  std::string token = mint(keys, new_claims(7, now, day));
  CHECK(std::holds_alternative<token_claims>(verify(keys, token, now + day - 1)));
  CHECK(error_of(verify(keys, token, now + day)) == token_error::expired);
  CHECK(error_of(verify(keys, token, now + 10 * day)) == token_error::expired);
}

TEST_CASE("a token minted under another key is rejected") {
  auto ours = token_keys::generate();
  auto theirs = token_keys::generate();
  CHECK_FALSE(ours == theirs);
  CHECK(error_of(verify(ours, mint(theirs, new_claims(7, now, day)), now)) == token_error::bad_mac);
}

TEST_CASE("the key file is created once with mode 0600 and reloaded") {
  scratch_dir dir;
  fs::path file = dir.path / "nested" / "token.key";
  auto first = token_keys::load_or_create(file);
  REQUIRE(fs::exists(file));
  CHECK(fs::file_size(file) == token_keys::key_size);
  CHECK_FALSE(fs::exists(file.string() + ".tmp"));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  auto second = token_keys::load_or_create(file);
  CHECK(first == second);
  std::string token = mint(first, new_claims(9, now, day));
  CHECK(std::holds_alternative<token_claims>(verify(second, token, now)));

  scratch_dir other;
  CHECK_FALSE(token_keys::load_or_create(other.path / "token.key") == first);
}

TEST_CASE("a key file of the wrong size is refused with a clear message") {
  scratch_dir dir;
  for (std::size_t size : {std::size_t{0}, std::size_t{31}, std::size_t{33}, std::size_t{64}}) {
    fs::path file = dir.path / ("key-" + std::to_string(size));
    std::ofstream(file, std::ios::binary) << std::string(size, 'k');
    CAPTURE(size);
    try {
      token_keys::load_or_create(file);
      FAIL("a wrong-size key file was accepted");
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find("expected 32") != std::string::npos);
      CHECK(std::string(e.what()).find(file.string()) != std::string::npos);
    }
    CHECK(fs::file_size(file) == size);  // left untouched for the operator to inspect
  }
}
