#include "media/validation.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "media/avio.hpp"
#include "media/container.hpp"
#include "media/cover.hpp"

namespace reel::media {

namespace {

constexpr double cover_window_s = 3.0;   // seconds of video decoded for the cover
constexpr int cover_window_frames = 90;  // and at most this many frames
constexpr double timestamp_slack_s = 1e-3;

media_error fail(failure kind, std::string message) { return media_error{kind, std::move(message)}; }

double seconds(std::int64_t ts, AVRational time_base) { return static_cast<double>(ts) * av_q2d(time_base); }

std::string one_decimal(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

// `length_s` when the container declares it; nullopt when only reading showed the excess.
media_error too_long(std::optional<double> length_s, const limits& lim) {
  std::string limit = std::to_string(lim.max_duration.count()) + " s";
  if (!length_s) return fail(failure::too_long, "the video is longer than the limit of " + limit);
  return fail(failure::too_long, "the video is " + one_decimal(*length_s) + " s long; the limit is " + limit);
}

// The container's own duration in seconds; nullopt when absent or merely guessed from the
// bitrate (a guess must neither reject a video nor be reported as its length).
std::optional<double> declared_duration(const AVFormatContext& fmt) {
  if (fmt.duration == AV_NOPTS_VALUE || fmt.duration <= 0) return std::nullopt;
  if (fmt.duration_estimation_method == AVFMT_DURATION_FROM_BITRATE) return std::nullopt;
  return static_cast<double>(fmt.duration) / AV_TIME_BASE;
}

struct stream_choice {
  int video = -1;  // index of the first real video stream (cover art does not count)
  bool has_audio = false;
};

stream_choice choose_streams(const AVFormatContext& fmt) {
  stream_choice choice;
  for (unsigned i = 0; i < fmt.nb_streams; ++i) {
    const AVStream* st = fmt.streams[i];
    auto type = st->codecpar->codec_type;
    bool attached_picture = (st->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0;
    if (type == AVMEDIA_TYPE_AUDIO) choice.has_audio = true;
    if (type == AVMEDIA_TYPE_VIDEO && !attached_picture && choice.video < 0) choice.video = static_cast<int>(i);
  }
  return choice;
}

std::optional<media_error> check_declared_length(const AVFormatContext& fmt, const AVStream& video, const limits& lim) {
  double declared = declared_duration(fmt).value_or(0);
  if (video.duration != AV_NOPTS_VALUE && video.duration > 0)
    declared = std::max(declared, seconds(video.duration, video.time_base));
  if (declared > static_cast<double>(lim.max_duration.count()) + timestamp_slack_s) return too_long(declared, lim);
  return std::nullopt;
}

// Decodes the video frames of the first seconds and offers them to a cover picker, then
// stops decoding (the rest of the file is only demuxed).
class cover_decoder {
 public:
  static std::optional<cover_decoder> open(const AVStream& video);

  void feed(const AVPacket& packet) {
    // A packet the decoder rejects is skipped: whether the stream decodes at all is judged
    // by the frames that come out.
    if (ctx_ && avcodec_send_packet(ctx_.get(), &packet) >= 0) receive();
  }
  // Drains the frames the decoder still holds (a short clip ends inside the window).
  void finish() {
    if (ctx_ && avcodec_send_packet(ctx_.get(), nullptr) >= 0) receive();
    ctx_.reset();
  }
  const cover_picker& picker() const { return picker_; }

 private:
  cover_decoder(av::codec_ptr ctx, AVRational time_base) : ctx_(std::move(ctx)), time_base_(time_base) {}
  void receive();
  bool in_window(const AVFrame& frame);

  av::codec_ptr ctx_;  // null once the window is over
  av::frame_ptr frame_ = av::make_frame();
  cover_picker picker_;
  AVRational time_base_;
  std::int64_t first_ts_ = AV_NOPTS_VALUE;
  int frames_ = 0;
};

std::optional<cover_decoder> cover_decoder::open(const AVStream& video) {
  const AVCodec* codec = avcodec_find_decoder(video.codecpar->codec_id);
  if (codec == nullptr) return std::nullopt;
  av::codec_ptr ctx(avcodec_alloc_context3(codec));
  if (!ctx || avcodec_parameters_to_context(ctx.get(), video.codecpar) < 0) return std::nullopt;
  ctx->pkt_timebase = video.time_base;
  ctx->thread_count = 1;  // the media pool runs one ingest per core
  if (avcodec_open2(ctx.get(), codec, nullptr) < 0) return std::nullopt;
  return cover_decoder(std::move(ctx), video.time_base);
}

void cover_decoder::receive() {
  while (ctx_ && avcodec_receive_frame(ctx_.get(), frame_.get()) == 0) {
    if (in_window(*frame_)) {
      picker_.offer(*frame_);
      ++frames_;
    } else {
      ctx_.reset();
    }
    av_frame_unref(frame_.get());
  }
}

bool cover_decoder::in_window(const AVFrame& frame) {
  if (frames_ >= cover_window_frames) return false;
  std::int64_t ts = frame.best_effort_timestamp;
  if (ts == AV_NOPTS_VALUE) return true;
  if (first_ts_ == AV_NOPTS_VALUE) first_ts_ = ts;
  return seconds(ts - first_ts_, time_base_) <= cover_window_s;
}

struct packet_tally {
  std::int64_t video_packets = 0;
  double end_s = 0;  // latest packet end over all streams, seconds after the file's start
};

media_error truncated(const std::string& why) {
  return fail(failure::truncated, "the file is incomplete or damaged (" + why + "); was the upload cut short?");
}

// Reads every packet to the end: demuxing all of it is what exposes a cut-off file whose
// index (at the front) still describes the missing part.
std::optional<media_error> read_all_packets(av::memory_input& in, int video, cover_decoder& decoder, const limits& lim,
                                            packet_tally& tally) {
  AVFormatContext* fmt = in.fmt();
  double start = fmt->start_time == AV_NOPTS_VALUE ? 0 : static_cast<double>(fmt->start_time) / AV_TIME_BASE;
  double limit = static_cast<double>(lim.max_duration.count()) + timestamp_slack_s;
  auto packet = av::make_packet();
  for (;;) {
    int ret = av_read_frame(fmt, packet.get());
    if (ret == AVERROR_EOF) break;
    if (ret < 0) return truncated(av::error_text(ret));
    if ((packet->flags & AV_PKT_FLAG_CORRUPT) != 0) return truncated("a packet is incomplete");
    if (packet->pos >= 0 && packet->pos + packet->size > in.size()) return truncated("a packet lies past the end");
    const AVStream* st = fmt->streams[packet->stream_index];
    std::int64_t ts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
    if (ts != AV_NOPTS_VALUE)
      tally.end_s = std::max(tally.end_s, seconds(ts + packet->duration, st->time_base) - start);
    if (tally.end_s > limit) return too_long(std::nullopt, lim);
    if (packet->stream_index == video) {
      ++tally.video_packets;
      decoder.feed(*packet);
    }
    av_packet_unref(packet.get());
  }
  decoder.finish();
  return std::nullopt;
}

std::optional<media_error> check_complete(container c, const AVFormatContext& fmt, const AVStream& video,
                                          const packet_tally& tally) {
  if (tally.video_packets == 0) return fail(failure::empty, "the video has no frames");
  if (video.nb_frames > 0 && tally.video_packets < video.nb_frames)
    return truncated(std::to_string(tally.video_packets) + " of " + std::to_string(video.nb_frames) +
                     " video frames are present");
  // Matroska and AVI carry no frame count but do carry a duration: content that stops well
  // short of it was cut off.
  bool frame_indexed = c == container::mp4 || c == container::quicktime;
  auto declared = declared_duration(fmt);
  if (!frame_indexed && declared && tally.end_s < *declared - std::max(0.5, 0.05 * *declared))
    return truncated("it ends at " + one_decimal(tally.end_s) + " s of " + one_decimal(*declared) + " s");
  return std::nullopt;
}

video_info describe(container c, const AVFormatContext& fmt, const AVStream& video, bool has_audio,
                    const packet_tally& tally, const AVFrame& cover_frame) {
  video_info info;
  info.content_type = std::string(content_type_of(c));
  info.codec = avcodec_get_name(video.codecpar->codec_id);
  bool sized = video.codecpar->width > 0 && video.codecpar->height > 0;
  info.width = sized ? video.codecpar->width : cover_frame.width;
  info.height = sized ? video.codecpar->height : cover_frame.height;
  info.duration_s = declared_duration(fmt).value_or(tally.end_s);
  info.has_audio = has_audio;
  return info;
}

std::variant<validated, media_error> validate_opened(av::memory_input& in, container c, const limits& lim) {
  const AVFormatContext& fmt = *in.fmt();
  auto streams = choose_streams(fmt);
  if (streams.video < 0) {
    if (streams.has_audio) return fail(failure::audio_only, "the file has sound but no picture; upload a video");
    return fail(failure::not_a_video, "the file contains no video stream");
  }
  const AVStream& video = *fmt.streams[streams.video];
  if (auto error = check_declared_length(fmt, video, lim)) return *error;
  auto decoder = cover_decoder::open(video);
  if (!decoder)
    return fail(failure::not_a_video,
                std::string("the video codec (") + avcodec_get_name(video.codecpar->codec_id) + ") is not supported");
  packet_tally tally;
  if (auto error = read_all_packets(in, streams.video, *decoder, lim, tally)) return *error;
  if (auto error = check_complete(c, fmt, video, tally)) return *error;
  const AVFrame* frame = decoder->picker().best();
  if (frame == nullptr) return fail(failure::not_a_video, "the video stream cannot be decoded");
  std::string jpeg = encode_jpeg(*frame, lim.cover_max_edge);
  if (jpeg.empty()) return fail(failure::not_a_video, "no cover picture could be made from the video");
  return validated{describe(c, fmt, video, streams.has_audio, tally, *frame), std::move(jpeg)};
}

}  // namespace

std::variant<validated, media_error> validate(std::string_view bytes, const limits& lim) {
  if (bytes.empty()) return fail(failure::empty, "the upload is empty");
  container c = sniff_container(bytes);
  if (c == container::unknown)
    return fail(failure::not_a_video, "the upload is not a video; accepted are MP4, QuickTime, WebM, Matroska and AVI");
  if (!structure_complete(bytes)) return truncated("its structure runs past the end of the file");
  int err = 0;
  auto in = av::memory_input::open(bytes, demuxer_of(c), accepted_demuxers, &err);
  if (!in)
    return fail(failure::not_a_video, "the file is damaged or not a supported video (" + av::error_text(err) + ")");
  if (avformat_find_stream_info(in->fmt(), nullptr) < 0)
    return fail(failure::not_a_video, "the file's streams cannot be read");
  return validate_opened(*in, c, lim);
}

}  // namespace reel::media
