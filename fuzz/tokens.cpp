// Fuzz target: login tokens (http/tokens.hpp) under a fixed key.
//
// 1. The input as a token, under the fixed key and under another one: verify must never
//    throw or crash, and whatever it accepts must be exactly the token mint writes for those
//    claims with that key, unexpired; no token is good under both. The seeds are real tokens
//    minted under the keys, so the fuzzer's mutations of them are forgery attempts: a
//    different string that verifies (another spelling of the bytes, a changed claim) is a bug.
// 2. The input as claims: mint, then verify gives them back before expiry and 'expired' from
//    it on; the same token under another key, or with any character changed, cut or
//    extended, is refused.
#include <array>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz/check.hpp"
#include "http/tokens.hpp"

using namespace reel::http;

namespace {

// The fixed key of the fuzz corpus (fuzz/seeds.cpp mints the seed tokens with it).
constexpr std::string_view fuzz_key = "reel-fuzz-token-key-32-bytes!!!!";
constexpr std::string_view other_key = "another-key-of-32-bytes-for-fuzz";
constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const token_keys& keys() {
  static const token_keys k = token_keys::from_bytes(fuzz_key);
  return k;
}
const token_keys& other_keys() {
  static const token_keys k = token_keys::from_bytes(other_key);
  return k;
}

bool same(const token_claims& a, const token_claims& b) {
  return a.user_id == b.user_id && a.issued_ms == b.issued_ms && a.expires_ms == b.expires_ms &&
         a.token_id == b.token_id;
}

bool accepted(const token_result& r) { return std::holds_alternative<token_claims>(r); }

void check_as_token(std::string_view token) {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  for (std::int64_t now : {min, std::int64_t{0}, std::int64_t{1'700'000'000'000}, max}) {
    bool accepted_by_one = false;
    for (const auto* k : {&keys(), &other_keys()}) {
      const auto r = verify(*k, token, now);
      if (const auto* claims = std::get_if<token_claims>(&r)) {
        FUZZ_CHECK(mint(*k, *claims) == token);  // one spelling per token, and a MAC made with this key
        FUZZ_CHECK(now < claims->expires_ms);
        FUZZ_CHECK(!accepted_by_one);  // no token is good under two keys
        accepted_by_one = true;
      }
    }
  }
}

std::uint64_t u64_at(std::string_view bytes, std::size_t offset) {
  std::uint64_t v = 0;
  if (offset < bytes.size()) std::memcpy(&v, bytes.data() + offset, std::min<std::size_t>(8, bytes.size() - offset));
  return v;
}

void check_as_claims(std::string_view input) {
  const token_claims claims{u64_at(input, 0), static_cast<std::int64_t>(u64_at(input, 8)),
                            static_cast<std::int64_t>(u64_at(input, 16)), u64_at(input, 24)};
  const auto token = mint(keys(), claims);
  FUZZ_CHECK(token.size() == 87);  // 65 bytes in unpadded base64
  FUZZ_CHECK(token.find_first_not_of(alphabet) == std::string::npos);
  if (claims.expires_ms != std::numeric_limits<std::int64_t>::min()) {
    const auto r = verify(keys(), token, claims.expires_ms - 1);
    FUZZ_CHECK(accepted(r) && same(std::get<token_claims>(r), claims));
  }
  const auto late = verify(keys(), token, claims.expires_ms);
  FUZZ_CHECK(std::holds_alternative<token_error>(late) && std::get<token_error>(late) == token_error::expired);

  const auto now =
      claims.expires_ms == std::numeric_limits<std::int64_t>::min() ? claims.expires_ms : claims.expires_ms - 1;
  FUZZ_CHECK(!accepted(verify(other_keys(), token, now)));
  // Characters changed at positions and to letters the input picks (the last character also
  // carries the two padding bits, which must stay zero).
  for (std::size_t i = 32; i + 1 < input.size() && i < 32 + 2 * 16; i += 2) {
    auto changed = token;
    const auto pos = static_cast<unsigned char>(input[i]) % changed.size();
    const auto to = alphabet[static_cast<unsigned char>(input[i + 1]) % alphabet.size()];
    if (changed[pos] == to) continue;
    changed[pos] = to;
    FUZZ_CHECK(!accepted(verify(keys(), changed, now)));
  }
  const auto cut = input.empty() ? 0 : static_cast<unsigned char>(input.back()) % token.size();
  FUZZ_CHECK(!accepted(verify(keys(), std::string_view(token).substr(0, cut), now)));
  FUZZ_CHECK(!accepted(verify(keys(), token + "A", now)));
  FUZZ_CHECK(!accepted(verify(keys(), token + "=", now)));
  FUZZ_CHECK(!accepted(verify(keys(), " " + token, now)));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = reel::fuzz::as_view(data, size);
  check_as_token(input);
  check_as_claims(input);
  return 0;
}
