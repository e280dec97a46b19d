#include "media/png.hpp"

#include <zlib.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace reel::media {

namespace {

constexpr std::string_view png_signature{"\x89PNG\r\n\x1a\n", 8};
constexpr std::uint8_t colour_type_palette = 3;

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

// Length, type, data, and the CRC-32 of type and data (PNG spec 5.3).
void put_chunk(std::string& out, std::string_view type, std::string_view data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const auto checked_from = out.size();
  out += type;
  out += data;
  const auto crc = ::crc32(::crc32(0, nullptr, 0), reinterpret_cast<const Bytef*>(out.data() + checked_from),
                           static_cast<uInt>(out.size() - checked_from));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

int bit_depth_for(std::size_t colours) {
  if (colours <= 2) return 1;
  if (colours <= 4) return 2;
  if (colours <= 16) return 4;
  return 8;
}

void check(const palette_image& image) {
  if (image.width == 0 || image.height == 0 || image.width > 0x7fffffff || image.height > 0x7fffffff)
    throw std::invalid_argument("encode_png: width and height must be 1 .. 2^31-1");
  if (image.palette.empty() || image.palette.size() > 256)
    throw std::invalid_argument("encode_png: the palette must hold 1 .. 256 colours");
  if (image.pixels.size() != std::size_t{image.width} * image.height)
    throw std::invalid_argument("encode_png: pixels must hold width * height indices");
  if (*std::max_element(image.pixels.begin(), image.pixels.end()) >= image.palette.size())
    throw std::invalid_argument("encode_png: a pixel is outside the palette");
}

// `width` indices of `depth` bits into `out`, leftmost pixel in the high bits of a byte
// (PNG spec 7.2), the last byte padded with zero bits.
void pack_row(const std::uint8_t* index, std::uint32_t width, int depth, char* out) {
  unsigned bits = 0;
  int filled = 0;
  for (std::uint32_t x = 0; x < width; ++x) {
    bits = (bits << depth) | index[x];
    filled += depth;
    if (filled == 8) {
      *out++ = static_cast<char>(bits);
      bits = 0;
      filled = 0;
    }
  }
  if (filled > 0) *out = static_cast<char>(bits << (8 - filled));
}

constexpr std::uint8_t filter_none = 0;
constexpr std::uint8_t filter_up = 2;  // each byte minus the byte above it

// Rows of packed indices, each led by its filter type (PNG spec 9): a row equal to the one
// above is sent as "up", all zeros, so that the runs of equal rows in blocky images become
// runs of zeros for deflate.
std::string scanlines(const palette_image& image, int depth) {
  const std::size_t row_bytes = (std::size_t{image.width} * depth + 7) / 8;
  std::string raw(image.height * (row_bytes + 1), '\0');
  for (std::uint32_t y = 0; y < image.height; ++y) {
    const std::uint8_t* index = image.pixels.data() + std::size_t{y} * image.width;
    char* row = raw.data() + y * (row_bytes + 1);
    // Comparing indices is cheaper than packing them, which is then done once per run.
    if (y > 0 && std::equal(index, index + image.width, index - image.width)) {
      row[0] = static_cast<char>(filter_up);  // the rest stays zero
    } else {
      row[0] = static_cast<char>(filter_none);
      pack_row(index, image.width, depth, row + 1);
    }
  }
  return raw;
}

// Z_RLE: what is left after the filtering are runs of equal bytes (flat colours, zero rows),
// which run-length matching finds at a fraction of the default strategy's cost (~80 against
// ~200 µs for a 960x320 banner) for a file of similar size.
std::string deflate(const std::string& raw) {
  z_stream stream{};
  if (::deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK)
    throw std::runtime_error("encode_png: zlib deflateInit2 failed");
  std::string out(::deflateBound(&stream, static_cast<uLong>(raw.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  stream.avail_in = static_cast<uInt>(raw.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = ::deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  ::deflateEnd(&stream);
  if (result != Z_STREAM_END) throw std::runtime_error("encode_png: zlib deflate failed");
  return out;
}

}  // namespace

std::string encode_png(const palette_image& image) {
  check(image);
  const int depth = bit_depth_for(image.palette.size());

  std::string header;
  put_u32(header, image.width);
  put_u32(header, image.height);
  header += static_cast<char>(depth);
  header += static_cast<char>(colour_type_palette);
  header += std::string(3, '\0');  // compression 0 (deflate), filter method 0, no interlace

  std::string palette;
  for (const auto& c : image.palette)
    palette += {static_cast<char>(c.r), static_cast<char>(c.g), static_cast<char>(c.b)};

  const std::string data = deflate(scanlines(image, depth));
  std::string out;
  out.reserve(png_signature.size() + 12 * 4 + header.size() + palette.size() + data.size());
  out += png_signature;
  put_chunk(out, "IHDR", header);
  put_chunk(out, "PLTE", palette);
  put_chunk(out, "IDAT", data);
  put_chunk(out, "IEND", {});
  return out;
}

}  // namespace reel::media
