#include "cluster/clock.hpp"

#include <atomic>
#include <chrono>

namespace reel::cluster {

namespace {
std::atomic<std::int64_t> clock_offset_ms{0};
}

millis wall_clock() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return millis(now.count() + clock_offset_ms.load(std::memory_order_relaxed));
}

void set_clock_offset(std::int64_t offset_ms) { clock_offset_ms.store(offset_ms, std::memory_order_relaxed); }

}  // namespace reel::cluster
