// The PNG encoder (media/png.hpp): the files are well-formed (signature, chunks, CRCs), rows
// are filtered as documented, and they decode back with FFmpeg's PNG decoder to exactly the
// pixels given, at every bit depth; what PNG cannot say is refused.
#include <doctest/doctest.h>
#include <zlib.h>

#include <stdexcept>
#include <string>

#include "media/png.hpp"
#include "test_png_support.hpp"

using namespace reel::media;
using namespace reel::unit;

namespace {

// A palette of `colours` distinct colours and a width x height image using all of them.
palette_image test_image(std::uint32_t width, std::uint32_t height, std::size_t colours) {
  palette_image image{width, height, {}, {}};
  for (std::size_t i = 0; i < colours; ++i)
    image.palette.push_back(
        {static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(255 - i), static_cast<std::uint8_t>(i * 7)});
  for (std::uint32_t i = 0; i < width * height; ++i)
    image.pixels.push_back(static_cast<std::uint8_t>((i * 31 + i / width) % colours));
  return image;
}

}  // namespace

TEST_CASE("encode_png writes the signature, then IHDR, PLTE, IDAT and IEND with correct CRCs") {
  const auto image = test_image(13, 5, 3);
  const std::string png = encode_png(image);
  CHECK(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  const auto chunks = chunks_of(png);
  REQUIRE(chunks.size() == 4);
  CHECK(chunks[0].type == "IHDR");
  CHECK(chunks[1].type == "PLTE");
  CHECK(chunks[2].type == "IDAT");
  CHECK(chunks[3].type == "IEND");
  for (const auto& c : chunks) CHECK_MESSAGE(c.crc_ok, "bad CRC in ", c.type);
  const std::string& ihdr = chunks[0].data;
  REQUIRE(ihdr.size() == 13);
  CHECK(be32(ihdr, 0) == 13);  // width
  CHECK(be32(ihdr, 4) == 5);   // height
  CHECK(ihdr[8] == 2);         // bit depth: 3 colours fit in 2 bits
  CHECK(ihdr[9] == 3);         // colour type: palette
  CHECK(ihdr.substr(10) == std::string(3, '\0'));
  CHECK(chunks[1].data.size() == 3 * 3);
  CHECK(chunks[3].data.empty());
  // The IDAT is a zlib stream of one filter byte (0) and 4 packed bytes per row.
  std::string raw(5 * (1 + 4), '\x7f');
  uLongf raw_size = raw.size();
  REQUIRE(::uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                       reinterpret_cast<const Bytef*>(chunks[2].data.data()), chunks[2].data.size()) == Z_OK);
  CHECK(raw_size == raw.size());
  for (std::size_t row = 0; row < 5; ++row) CHECK(raw[row * 5] == 0);
}

TEST_CASE("encode_png sends a row equal to the one above as zeros filtered \"up\", the others unfiltered") {
  // Rows 0 and 1 equal, row 2 different, row 3 equal to row 2; 16 pixels of 1 bit: 2 bytes.
  palette_image image{16, 4, {{0, 0, 0}, {255, 255, 255}}, {}};
  for (int row : {0, 0, 1, 1})
    for (std::uint32_t x = 0; x < 16; ++x) image.pixels.push_back(static_cast<std::uint8_t>((x + row) % 2));
  const auto chunks = chunks_of(encode_png(image));
  REQUIRE(chunks.size() == 4);
  std::string raw(4 * 3, '\x7f');
  uLongf raw_size = raw.size();
  REQUIRE(::uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                       reinterpret_cast<const Bytef*>(chunks[2].data.data()), chunks[2].data.size()) == Z_OK);
  REQUIRE(raw_size == raw.size());
  CHECK(raw == std::string("\x00\x55\x55\x02\x00\x00\x00\xaa\xaa\x02\x00\x00", 12));
  check_round_trip(image);
}

TEST_CASE("encode_png round-trips through FFmpeg's decoder at 1, 2, 4 and 8 bits per pixel") {
  for (std::size_t colours : {1, 2, 3, 4, 5, 16, 17, 256}) {
    for (std::uint32_t width : {1u, 7u, 8u, 13u, 64u}) {
      INFO(colours, " colours, ", width, " pixels wide");
      check_round_trip(test_image(width, 9, colours));
    }
  }
  auto expected_depth = [](std::size_t colours) {
    return static_cast<int>(chunks_of(encode_png(test_image(8, 1, colours)))[0].data[8]);
  };
  CHECK(expected_depth(2) == 1);
  CHECK(expected_depth(4) == 2);
  CHECK(expected_depth(16) == 4);
  CHECK(expected_depth(17) == 8);
}

TEST_CASE("encode_png rejects what PNG cannot say or the image does not hold") {
  CHECK_THROWS_AS(encode_png(palette_image{0, 1, {{}}, {}}), std::invalid_argument);
  CHECK_THROWS_AS(encode_png(palette_image{1, 0, {{}}, {}}), std::invalid_argument);
  CHECK_THROWS_AS(encode_png(palette_image{1, 1, {}, {0}}), std::invalid_argument);
  CHECK_THROWS_AS(encode_png(palette_image{1, 1, std::vector<rgb>(257), {0}}), std::invalid_argument);
  CHECK_THROWS_AS(encode_png(palette_image{2, 2, {{}}, {0, 0, 0}}), std::invalid_argument);
  CHECK_THROWS_AS(encode_png(palette_image{2, 1, {{}, {}}, {0, 2}}), std::invalid_argument);
}
