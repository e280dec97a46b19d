// Helpers for the PNG tests: the chunks of a file, and the file decoded back with FFmpeg's
// PNG decoder, so tests check the picture itself and not only its bytes.
#pragma once

#include <doctest/doctest.h>
#include <zlib.h>

#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "media/avio.hpp"
#include "media/png.hpp"

namespace reel::unit {

inline std::uint32_t be32(std::string_view bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(bytes[at + i]);
  return v;
}

struct chunk {
  std::string type;
  std::string data;
  bool crc_ok = false;
};

// The chunks after the signature; REQUIREs that they exactly fill the file.
inline std::vector<chunk> chunks_of(std::string_view png) {
  REQUIRE(png.size() >= 8);
  std::vector<chunk> out;
  std::size_t at = 8;
  while (at < png.size()) {
    REQUIRE(at + 12 <= png.size());
    const std::uint32_t length = be32(png, at);
    REQUIRE(at + 12 + length <= png.size());
    chunk c{std::string(png.substr(at + 4, 4)), std::string(png.substr(at + 8, length))};
    const auto crc = ::crc32(0, reinterpret_cast<const Bytef*>(png.data() + at + 4), 4 + length);
    c.crc_ok = crc == be32(png, at + 8 + length);
    out.push_back(std::move(c));
    at += 12 + length;
  }
  return out;
}

struct decoded {
  int width = 0;
  int height = 0;
  std::vector<media::rgb> pixels;
};

// The file decoded by FFmpeg's PNG decoder and converted to RGB24 by swscale: a reading
// independent of the encoder. nullopt when FFmpeg cannot decode it.
inline std::optional<decoded> decode_png(const std::string& png) {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_PNG);
  media::av::codec_ptr ctx(avcodec_alloc_context3(codec));
  if (!ctx || avcodec_open2(ctx.get(), codec, nullptr) < 0) return std::nullopt;
  auto packet = media::av::make_packet();
  if (av_new_packet(packet.get(), static_cast<int>(png.size())) < 0) return std::nullopt;
  std::memcpy(packet->data, png.data(), png.size());
  auto frame = media::av::make_frame();
  if (avcodec_send_packet(ctx.get(), packet.get()) < 0 || avcodec_send_packet(ctx.get(), nullptr) < 0 ||
      avcodec_receive_frame(ctx.get(), frame.get()) < 0)
    return std::nullopt;
  const int w = frame->width, h = frame->height;
  media::av::sws_ptr scale(sws_getContext(w, h, static_cast<AVPixelFormat>(frame->format), w, h, AV_PIX_FMT_RGB24,
                                          SWS_POINT, nullptr, nullptr, nullptr));
  if (!scale) return std::nullopt;
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(w) * h * 3);
  std::uint8_t* planes[1] = {bytes.data()};
  const int strides[1] = {3 * w};
  if (sws_scale(scale.get(), frame->data, frame->linesize, 0, h, planes, strides) != h) return std::nullopt;
  decoded out{w, h, {}};
  for (std::size_t i = 0; i < bytes.size(); i += 3) out.pixels.push_back({bytes[i], bytes[i + 1], bytes[i + 2]});
  return out;
}

// The colour of every pixel of a palette image.
inline std::vector<media::rgb> colours_of(const media::palette_image& image) {
  std::vector<media::rgb> out;
  out.reserve(image.pixels.size());
  for (auto index : image.pixels) out.push_back(image.palette.at(index));
  return out;
}

// REQUIREs that FFmpeg decodes the PNG of `image`; CHECKs its size and every pixel's colour.
inline void check_round_trip(const media::palette_image& image) {
  const std::string png = media::encode_png(image);
  auto back = decode_png(png);
  REQUIRE_MESSAGE(back, "FFmpeg cannot decode the PNG");
  CHECK(back->width == static_cast<int>(image.width));
  CHECK(back->height == static_cast<int>(image.height));
  CHECK(back->pixels == colours_of(image));
}

}  // namespace reel::unit
