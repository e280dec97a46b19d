// What every fuzz target shares: an invariant check that turns a violated property into a
// crash (libFuzzer then saves the input under build-fuzz/artifacts/), and a deterministic
// source of split points drawn from the input itself, so a saved input replays exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace reel::fuzz {

[[noreturn]] inline void invariant_failed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

// SplitMix64 seeded with an FNV-1a hash of the input.
class input_random {
 public:
  explicit input_random(std::string_view bytes) {
    state_ = 1469598103934665603ULL;
    for (unsigned char c : bytes) {
      state_ ^= c;
      state_ *= 1099511628211ULL;
    }
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [low, high] for split points.
  std::size_t between(std::size_t low, std::size_t high) { return low + next() % (high - low + 1); }

 private:
  std::uint64_t state_;
};

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace reel::fuzz

#define FUZZ_CHECK(cond) ((cond) ? (void)0 : ::reel::fuzz::invariant_failed(#cond, __FILE__, __LINE__))
