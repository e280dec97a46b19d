// Helpers for the media/ tests: synthetic frames and decoding a produced JPEG back with
// FFmpeg, so tests check the picture itself and not only its bytes.
#pragma once

#include <doctest/doctest.h>

#include <cstring>
#include <optional>
#include <string_view>

#include "media/avio.hpp"
#include "media/cover.hpp"

namespace reel::unit {

struct decoded_picture {
  int width = 0;
  int height = 0;
  media::luma_stats luma;
};

// The JPEG decoded with FFmpeg's mjpeg decoder; nullopt when it is not a decodable JPEG.
inline std::optional<decoded_picture> decode_jpeg(std::string_view jpeg) {
  if (jpeg.size() < 4 || jpeg.substr(0, 2) != "\xFF\xD8") return std::nullopt;
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_MJPEG);
  media::av::codec_ptr ctx(avcodec_alloc_context3(codec));
  if (!ctx || avcodec_open2(ctx.get(), codec, nullptr) < 0) return std::nullopt;
  auto packet = media::av::make_packet();
  if (av_new_packet(packet.get(), static_cast<int>(jpeg.size())) < 0) return std::nullopt;
  std::memcpy(packet->data, jpeg.data(), jpeg.size());
  auto frame = media::av::make_frame();
  if (avcodec_send_packet(ctx.get(), packet.get()) < 0 || avcodec_send_packet(ctx.get(), nullptr) < 0 ||
      avcodec_receive_frame(ctx.get(), frame.get()) < 0)
    return std::nullopt;
  media::av::sws_ptr scratch;
  auto luma = media::measure_luma(*frame, scratch);
  if (!luma) return std::nullopt;
  return decoded_picture{frame->width, frame->height, *luma};
}

// A YUV 4:2:0 (limited range) frame whose luma is `luma(x, y)` and chroma neutral.
template <class Luma>
media::av::frame_ptr make_yuv_frame(int width, int height, Luma&& luma) {
  auto frame = media::av::make_frame();
  frame->format = AV_PIX_FMT_YUV420P;
  frame->width = width;
  frame->height = height;
  REQUIRE(av_frame_get_buffer(frame.get(), 0) == 0);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) frame->data[0][y * frame->linesize[0] + x] = static_cast<std::uint8_t>(luma(x, y));
  for (int plane = 1; plane <= 2; ++plane)
    for (int y = 0; y < (height + 1) / 2; ++y)
      std::memset(frame->data[plane] + y * frame->linesize[plane], 128, (width + 1) / 2);
  return frame;
}

inline media::av::frame_ptr black_frame(int width, int height) {
  return make_yuv_frame(width, height, [](int, int) { return 16; });
}

// Vertical bars 40 pixels wide alternating dark and light: high contrast at any scale.
inline media::av::frame_ptr striped_frame(int width, int height) {
  return make_yuv_frame(width, height, [](int x, int) { return (x / 40) % 2 == 0 ? 40 : 220; });
}

}  // namespace reel::unit
