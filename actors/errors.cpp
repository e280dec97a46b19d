// Conversion between Reel's error type and CAF's: an entity's error crosses actors (and
// later nodes) as a caf::error in the "reel" category, carrying its message as context.
#include "actors/runtime.hpp"

namespace reel::actors {

namespace {
constexpr caf::atom_value reel_category = caf::atom("reel");
}

caf::error to_caf(const error& e) {
  return caf::error(static_cast<std::uint8_t>(e.code), reel_category, caf::make_message(e.message));
}

caf::error write_failed(const context& ctx) {
  auto why = ctx.db.gate().refusal();
  if (why == errc::storage_full)
    return caf_error(why, "the data disk is full: writes are refused until space is freed");
  return caf_error(errc::unavailable, "the write could not be committed; retry");
}

error from_caf(const caf::error& e) {
  if (e.category() == reel_category) {
    std::string message;
    const auto& context = e.context();
    if (context.size() == 1 && context.match_element<std::string>(0)) message = context.get_as<std::string>(0);
    return make_error(static_cast<errc>(e.code()), std::move(message));
  }
  if (e == caf::sec::request_timeout) return make_error(errc::unavailable, "timed out waiting for the owner of the data");
  return make_error(errc::unavailable, "the owner of the data is unavailable");
}

}  // namespace reel::actors
