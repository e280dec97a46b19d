// Wall-clock time for ids and timestamps. A process-wide offset lets tests set the clock
// back (reeld --debug-clock-offset-ms) to prove that ids are never reused.
#pragma once

#include <cstdint>

#include "schema/ids.hpp"

namespace reel::cluster {

millis wall_clock();
void set_clock_offset(std::int64_t offset_ms);

}  // namespace reel::cluster
