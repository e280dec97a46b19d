// FFmpeg plumbing for media/: RAII owners for libav* objects and a demuxer that reads an
// upload from memory. Nothing here knows about validation rules or storage.
#pragma once

#include <cstdint>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>
#include <string_view>

namespace reel::media::av {

struct format_closer {
  void operator()(AVFormatContext* p) const noexcept { avformat_close_input(&p); }
};
struct codec_freer {
  void operator()(AVCodecContext* p) const noexcept { avcodec_free_context(&p); }
};
struct frame_freer {
  void operator()(AVFrame* p) const noexcept { av_frame_free(&p); }
};
struct packet_freer {
  void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
};
struct avio_freer {
  void operator()(AVIOContext* p) const noexcept;
};
struct sws_freer {
  void operator()(SwsContext* p) const noexcept { sws_freeContext(p); }
};

using format_ptr = std::unique_ptr<AVFormatContext, format_closer>;
using codec_ptr = std::unique_ptr<AVCodecContext, codec_freer>;
using frame_ptr = std::unique_ptr<AVFrame, frame_freer>;
using packet_ptr = std::unique_ptr<AVPacket, packet_freer>;
using avio_ptr = std::unique_ptr<AVIOContext, avio_freer>;
using sws_ptr = std::unique_ptr<SwsContext, sws_freer>;

// Both throw std::bad_alloc when FFmpeg cannot allocate.
frame_ptr make_frame();
packet_ptr make_packet();

// FFmpeg's text for an AVERROR code (av_err2str is a C99 compound literal, not C++).
std::string error_text(int err);

// Drops every av_log message, once per process: a library must not write to stderr, and
// FFmpeg's messages about hostile uploads are noise, not diagnostics.
void silence_logging();

// An opened demuxer over bytes in memory, read through a custom AVIOContext (no temp file).
// The demuxer named `demuxer` is used without probing, and only if `format_whitelist` lists
// it; it may not open any other resource (io_open refuses), so a playlist or reference
// cannot reach the disk. The bytes must outlive the object.
class memory_input {
 public:
  // The opened input, or nullptr with *err set to the AVERROR code.
  static std::unique_ptr<memory_input> open(std::string_view bytes, const char* demuxer, const char* format_whitelist,
                                            int* err);

  AVFormatContext* fmt() const { return fmt_.get(); }
  std::int64_t size() const { return static_cast<std::int64_t>(bytes_.size()); }

  memory_input(const memory_input&) = delete;
  memory_input& operator=(const memory_input&) = delete;
  ~memory_input() = default;

 private:
  explicit memory_input(std::string_view bytes) : bytes_(bytes) {}
  static int read(void* opaque, std::uint8_t* buf, int buf_size);
  static std::int64_t seek(void* opaque, std::int64_t offset, int whence);

  std::string_view bytes_;
  std::int64_t pos_ = 0;  // bytes from the start
  // Declaration order matters: the demuxer is closed before the AVIOContext it reads from.
  avio_ptr avio_;
  format_ptr fmt_;
};

}  // namespace reel::media::av
