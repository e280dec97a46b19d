#include "media/user_images.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <string_view>

namespace reel::media {

namespace {

using digest = std::array<std::uint8_t, 32>;

// Keeps these bits apart from any other hash of a user id.
constexpr std::string_view hash_domain = "reel user images";

digest hash_of(std::uint64_t user_id) {
  std::array<std::uint8_t, hash_domain.size() + 8> input{};
  std::copy(hash_domain.begin(), hash_domain.end(), input.begin());
  for (int i = 0; i < 8; ++i) input[input.size() - 1 - i] = static_cast<std::uint8_t>(user_id >> (8 * i));
  digest out{};
  crypto_generichash(out.data(), out.size(), input.data(), input.size(), nullptr, 0);
  return out;
}

// HSV to RGB in integers (hue 0..359, saturation and value 0..255): the same bytes from
// every compiler and CPU, which a floating-point conversion does not promise.
rgb from_hsv(int hue, int sat, int val) {
  const int region = hue / 60;
  const int rest = (hue % 60) * 255 / 60;
  const auto p = static_cast<std::uint8_t>(val * (255 - sat) / 255);
  const auto q = static_cast<std::uint8_t>(val * (255 - sat * rest / 255) / 255);
  const auto t = static_cast<std::uint8_t>(val * (255 - sat * (255 - rest) / 255) / 255);
  const auto v = static_cast<std::uint8_t>(val);
  switch (region) {
    case 0:
      return {v, t, p};
    case 1:
      return {q, v, p};
    case 2:
      return {p, v, t};
    case 3:
      return {p, q, v};
    case 4:
      return {t, p, v};
    default:
      return {v, p, q};
  }
}

int hue_of(const digest& h) { return ((h[2] << 8) | h[3]) % 360; }

// Fills the cell (column, row) of a grid of `cell`-pixel squares whose top left corner is
// at (margin, margin) with palette index `index`.
void fill_cell(palette_image& image, std::uint32_t margin, std::uint32_t cell, std::uint32_t column, std::uint32_t row,
               std::uint8_t index) {
  for (std::uint32_t y = margin + row * cell; y < margin + (row + 1) * cell; ++y) {
    auto* line = image.pixels.data() + std::size_t{y} * image.width;
    std::fill(line + margin + column * cell, line + margin + (column + 1) * cell, index);
  }
}

palette_image draw_avatar(const digest& h) {
  constexpr std::uint32_t cells = 5, cell = 40, margin = 20;
  constexpr std::array<int, 3> saturations{140, 170, 200};
  constexpr std::array<int, 3> values{170, 195, 220};
  palette_image image;
  image.width = image.height = cells * cell + 2 * margin;
  image.palette = {{240, 240, 240}, from_hsv(hue_of(h), saturations[h[4] % 3], values[h[5] % 3])};
  image.pixels.assign(std::size_t{image.width} * image.height, 0);
  const unsigned bits = h[0] | (h[1] << 8);
  // Columns 0..2 come from the bits; 3 and 4 mirror 1 and 0, as faces and logos do.
  for (std::uint32_t row = 0; row < cells; ++row) {
    for (std::uint32_t column = 0; column < 3; ++column) {
      if (((bits >> (row * 3 + column)) & 1) == 0) continue;
      fill_cell(image, margin, cell, column, row, 1);
      fill_cell(image, margin, cell, cells - 1 - column, row, 1);
    }
  }
  return image;
}

palette_image draw_background(const digest& h) {
  constexpr std::uint32_t columns = 24, rows = 8, cell = 40;
  const int hue = hue_of(h);
  palette_image image;
  image.width = columns * cell;
  image.height = rows * cell;
  // Light shades only: clients draw the name and counts over the banner.
  image.palette = {from_hsv(hue, 25, 250), from_hsv(hue, 55, 240), from_hsv(hue, 85, 228), from_hsv(hue, 115, 215)};
  image.pixels.assign(std::size_t{image.width} * image.height, 0);
  // Two bits a tile for the left half (12 x 8 tiles = 24 bytes from byte 8); the right half
  // mirrors it.
  for (std::uint32_t row = 0; row < rows; ++row) {
    for (std::uint32_t column = 0; column < columns / 2; ++column) {
      const std::uint32_t tile = row * (columns / 2) + column;
      const auto shade = static_cast<std::uint8_t>((h[8 + tile / 4] >> (2 * (tile % 4))) & 3);
      fill_cell(image, 0, cell, column, row, shade);
      fill_cell(image, 0, cell, columns - 1 - column, row, shade);
    }
  }
  return image;
}

}  // namespace

palette_image draw_user_image(std::uint64_t user_id, user_image which) {
  const digest h = hash_of(user_id);
  return which == user_image::avatar ? draw_avatar(h) : draw_background(h);
}

std::string user_image_png(std::uint64_t user_id, user_image which) {
  return encode_png(draw_user_image(user_id, which));
}

}  // namespace reel::media
