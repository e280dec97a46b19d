// Media on a cluster (DESIGN.md: "Media files are copied to every replica of the author's
// partition before the publish entry commits; any node serves any media, fetching from a
// replica that has it when it has none"). Files are content-addressed, so copies never
// conflict: a video's bytes are checked against their hash when a copy completes.
//
// The node sees the media library only through media_store (actors/ does not link media/:
// app/ hands the node these functions).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/runtime.hpp"

namespace reel::actors {

using media_has_atom = caf::atom_constant<caf::atom("mediahas")>;  // (hash) -> bool
using media_put_atom = caf::atom_constant<caf::atom("mediaput")>;  // (hash, part, offset, bytes, last, sender) -> bool
using media_get_atom = caf::atom_constant<caf::atom("mediaget")>;  // (hash, part, offset) -> (bytes, last)

// A stored video's files as the node reaches them: part 0 the video, 1 its cover, 2 its
// metadata (copied last: a video is servable only once all three are in place).
struct media_store {
  std::function<bool(const std::string& hash)> has;
  // Up to `max` bytes from `offset`, and whether they reach the end; nullopt when not stored.
  std::function<std::optional<std::pair<std::string, bool>>(const std::string& hash, std::uint8_t part,
                                                            std::uint64_t offset, std::size_t max)>
      read;
  // Appends a received piece (offset 0 starts afresh; `last` completes the file). False on a
  // gap, an I/O error or bytes that do not match the hash.
  std::function<bool(const std::string& hash, std::uint8_t part, std::uint64_t offset, std::string_view bytes,
                     bool last, const std::string& sender)>
      write;
};

// Copies the video `hash` to every node of `nodes` that lacks it (asking each first); done(true)
// once all of them have it, done(false) if one is unreachable or refuses.
void copy_media(caf::event_based_actor* self, context& ctx, const std::string& hash, std::vector<std::uint16_t> nodes,
                std::function<void(bool)> done);

// Fetches the video `hash` from the first connected peer that has it; done(true) once it
// is stored here.
void fetch_media(caf::event_based_actor* self, context& ctx, const std::string& hash, std::function<void(bool)> done);

// The router's handlers for peers' media requests.
caf::message_handler media_handlers(context& ctx);

}  // namespace reel::actors
