#include "media/cover.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace reel::media {

namespace {

constexpr int thumb_edge = 64;      // pixels: luma is measured on a 64x64 grey thumbnail
constexpr double blank_mean = 16;   // below: near black
constexpr double blank_stddev = 8;  // below: near uniform
constexpr int jpeg_qscale = 4;      // mjpeg q (2 best .. 31 worst)

// Tell swscale how the source is coded (range, matrix): full-range phone videos otherwise
// come out washed out. RGB sources have no such details; the call is then a no-op.
void apply_source_colorimetry(SwsContext* sws, const AVFrame& frame) {
  int* inv_table = nullptr;
  int* table = nullptr;
  int src_range = 0, dst_range = 0, brightness = 0, contrast = 0, saturation = 0;
  if (sws_getColorspaceDetails(sws, &inv_table, &src_range, &table, &dst_range, &brightness, &contrast, &saturation) <
      0)
    return;
  if (frame.color_range == AVCOL_RANGE_JPEG) src_range = 1;
  int space = frame.colorspace == AVCOL_SPC_UNSPECIFIED ? SWS_CS_DEFAULT : static_cast<int>(frame.colorspace);
  sws_setColorspaceDetails(sws, sws_getCoefficients(space), src_range, table, dst_range, brightness, contrast,
                           saturation);
}

struct cover_size {
  int width;
  int height;
};

int even_at_least_two(double v) { return std::max(2, static_cast<int>(std::lround(v)) & ~1); }

cover_size fit(const AVFrame& frame, int max_edge) {
  double sar = 1;
  if (frame.sample_aspect_ratio.num > 0 && frame.sample_aspect_ratio.den > 0)
    sar = std::clamp(av_q2d(frame.sample_aspect_ratio), 0.1, 10.0);
  double w = frame.width * sar, h = frame.height;
  double scale = std::min(1.0, max_edge / std::max(w, h));
  return {even_at_least_two(w * scale), even_at_least_two(h * scale)};
}

av::frame_ptr scale_for_jpeg(const AVFrame& frame, cover_size size) {
  av::sws_ptr sws(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format), size.width,
                                 size.height, AV_PIX_FMT_YUVJ420P, SWS_BICUBIC, nullptr, nullptr, nullptr));
  if (!sws) return nullptr;
  apply_source_colorimetry(sws.get(), frame);
  auto out = av::make_frame();
  out->format = AV_PIX_FMT_YUVJ420P;
  out->width = size.width;
  out->height = size.height;
  out->color_range = AVCOL_RANGE_JPEG;
  if (av_frame_get_buffer(out.get(), 0) < 0) return nullptr;
  if (sws_scale(sws.get(), frame.data, frame.linesize, 0, frame.height, out->data, out->linesize) <= 0) return nullptr;
  return out;
}

av::codec_ptr open_jpeg_encoder(const AVFrame& picture) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) return nullptr;
  av::codec_ptr enc(avcodec_alloc_context3(codec));
  if (!enc) return nullptr;
  enc->width = picture.width;
  enc->height = picture.height;
  enc->pix_fmt = AV_PIX_FMT_YUVJ420P;
  enc->color_range = AVCOL_RANGE_JPEG;
  enc->time_base = AVRational{1, 25};
  enc->flags |= AV_CODEC_FLAG_QSCALE;
  enc->global_quality = FF_QP2LAMBDA * jpeg_qscale;
  if (avcodec_open2(enc.get(), codec, nullptr) < 0) return nullptr;
  return enc;
}

}  // namespace

bool looks_blank(const luma_stats& s) { return s.mean < blank_mean || s.stddev < blank_stddev; }

bool better_cover(const luma_stats& a, const luma_stats& b) {
  if (looks_blank(a) != looks_blank(b)) return !looks_blank(a);
  return a.stddev > b.stddev;
}

std::optional<luma_stats> measure_luma(const AVFrame& frame, av::sws_ptr& scratch) {
  av::silence_logging();
  scratch.reset(sws_getCachedContext(scratch.release(), frame.width, frame.height,
                                     static_cast<AVPixelFormat>(frame.format), thumb_edge, thumb_edge, AV_PIX_FMT_GRAY8,
                                     SWS_AREA, nullptr, nullptr, nullptr));
  if (!scratch) return std::nullopt;
  apply_source_colorimetry(scratch.get(), frame);
  std::vector<std::uint8_t> grey(std::size_t{thumb_edge} * thumb_edge);
  std::uint8_t* planes[4] = {grey.data(), nullptr, nullptr, nullptr};
  int strides[4] = {thumb_edge, 0, 0, 0};
  if (sws_scale(scratch.get(), frame.data, frame.linesize, 0, frame.height, planes, strides) <= 0) return std::nullopt;
  double sum = 0, sum_sq = 0;
  for (std::uint8_t v : grey) {
    sum += v;
    sum_sq += double(v) * v;
  }
  double n = static_cast<double>(grey.size());
  double mean = sum / n;
  return luma_stats{mean, std::sqrt(std::max(0.0, sum_sq / n - mean * mean))};
}

void cover_picker::offer(const AVFrame& frame) {
  if (offered_++ % sample_every != 0) return;
  auto stats = measure_luma(frame, scratch_);
  if (!stats || (best_ && !better_cover(*stats, best_stats_))) return;
  av::frame_ptr copy(av_frame_clone(&frame));  // a new reference, not a pixel copy
  if (!copy) return;
  best_ = std::move(copy);
  best_stats_ = *stats;
}

std::string encode_jpeg(const AVFrame& frame, int max_edge) {
  av::silence_logging();
  if (frame.width <= 0 || frame.height <= 0 || max_edge < 2) return {};
  auto picture = scale_for_jpeg(frame, fit(frame, max_edge));
  if (!picture) return {};
  auto enc = open_jpeg_encoder(*picture);
  if (!enc) return {};
  picture->pts = 0;
  picture->quality = enc->global_quality;
  if (avcodec_send_frame(enc.get(), picture.get()) < 0 || avcodec_send_frame(enc.get(), nullptr) < 0) return {};
  auto packet = av::make_packet();
  if (avcodec_receive_packet(enc.get(), packet.get()) < 0) return {};
  return std::string(reinterpret_cast<const char*>(packet->data), static_cast<std::size_t>(packet->size));
}

}  // namespace reel::media
