#include "media/avio.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>

namespace reel::media::av {

namespace {

constexpr int avio_buffer_size = 64 * 1024;  // bytes handed to the demuxer per read

void drop_log_line(void*, int, const char*, va_list) {}

// Nested opens (mov external references, HLS segments, ...) are never allowed for uploads.
int refuse_nested_open(AVFormatContext*, AVIOContext**, const char*, int, AVDictionary**) { return AVERROR(EPERM); }

}  // namespace

void avio_freer::operator()(AVIOContext* p) const noexcept {
  if (p == nullptr) return;
  av_freep(&p->buffer);  // the buffer may have been reallocated by FFmpeg: free its current one
  avio_context_free(&p);
}

frame_ptr make_frame() {
  frame_ptr f(av_frame_alloc());
  if (!f) throw std::bad_alloc();
  return f;
}

packet_ptr make_packet() {
  packet_ptr p(av_packet_alloc());
  if (!p) throw std::bad_alloc();
  return p;
}

std::string error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

void silence_logging() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_level(AV_LOG_QUIET);
    av_log_set_callback(drop_log_line);
  });
}

int memory_input::read(void* opaque, std::uint8_t* buf, int buf_size) {
  auto* self = static_cast<memory_input*>(opaque);
  std::int64_t left = self->size() - self->pos_;
  if (left <= 0) return AVERROR_EOF;
  auto n = static_cast<int>(std::min<std::int64_t>(left, buf_size));
  std::memcpy(buf, self->bytes_.data() + self->pos_, static_cast<std::size_t>(n));
  self->pos_ += n;
  return n;
}

std::int64_t memory_input::seek(void* opaque, std::int64_t offset, int whence) {
  auto* self = static_cast<memory_input*>(opaque);
  whence &= ~AVSEEK_FORCE;
  if (whence == AVSEEK_SIZE) return self->size();
  std::int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? self->pos_ : whence == SEEK_END ? self->size() : -1;
  if (base < 0) return AVERROR(EINVAL);
  std::int64_t target = base + offset;
  // Seeking past the end fails: a demuxer jumping to data the upload lacks reports an error
  // (which validation counts as truncation) instead of reading an empty tail.
  if (target < 0 || target > self->size()) return AVERROR(EINVAL);
  self->pos_ = target;
  return target;
}

std::unique_ptr<memory_input> memory_input::open(std::string_view bytes, const char* demuxer,
                                                 const char* format_whitelist, int* err) {
  silence_logging();
  const AVInputFormat* format = av_find_input_format(demuxer);
  if (format == nullptr) {
    *err = AVERROR_DEMUXER_NOT_FOUND;
    return nullptr;
  }
  std::unique_ptr<memory_input> in(new memory_input(bytes));
  auto* buffer = static_cast<std::uint8_t*>(av_malloc(avio_buffer_size));
  if (buffer == nullptr) throw std::bad_alloc();
  in->avio_.reset(
      avio_alloc_context(buffer, avio_buffer_size, 0, in.get(), &memory_input::read, nullptr, &memory_input::seek));
  if (!in->avio_) {
    av_free(buffer);
    throw std::bad_alloc();
  }
  AVFormatContext* fmt = avformat_alloc_context();
  if (fmt == nullptr) throw std::bad_alloc();
  fmt->pb = in->avio_.get();
  fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
  fmt->io_open = refuse_nested_open;
  fmt->format_whitelist = av_strdup(format_whitelist);
  // On failure avformat_open_input frees fmt itself (but never a custom pb).
  *err = avformat_open_input(&fmt, nullptr, format, nullptr);
  if (*err < 0) return nullptr;
  in->fmt_.reset(fmt);
  return in;
}

}  // namespace reel::media::av
