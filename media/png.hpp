// A minimal PNG encoder for palette images (PNG spec, ISO/IEC 15948): signature, IHDR, PLTE,
// one IDAT compressed with zlib, IEND. Made for the blocky images of media/user_images.hpp:
// a row equal to the one above is filtered to zeros, every other row is sent unfiltered, and
// deflate looks only for runs. A general encoder's per-row filter search and full match
// search would cost more and gain nothing on flat colour blocks.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reel::media {

struct rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const rgb&, const rgb&) = default;
};

// Pixels as indices into a palette of 1..256 colours, row-major, one byte per pixel.
struct palette_image {
  std::uint32_t width = 0;
  std::uint32_t height = 0;
  std::vector<rgb> palette;
  std::vector<std::uint8_t> pixels;  // width * height indices, each < palette.size()
};

// The PNG file of `image` at the smallest bit depth its palette allows (1, 2, 4 or 8 bits
// per pixel: every decoder supports these for colour type 3). Throws std::invalid_argument
// for an empty image, a palette outside 1..256 colours, a pixel count that is not
// width * height or an index outside the palette.
std::string encode_png(const palette_image& image);

}  // namespace reel::media
