#include "media/video_reader.h"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <mutex>
#include <utility>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

namespace rapport {
namespace {

std::string AvErrorText(int code) {
  char buffer[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(code, buffer, sizeof buffer) < 0) return fmt::format("error {}", code);
  return buffer;
}

// FFmpeg's own log would repeat on stderr what our errors already say, and chatter about
// harmless stream details; only its errors stay visible.
void QuietFfmpegLogOnce() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_level(AV_LOG_ERROR); });
}

// Whether plane 0 of `format` is 8-bit luma stored one byte per pixel, so it can be used as is.
bool LumaPlaneIsUsable(int format) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(format));
  if (desc == nullptr || desc->nb_components < 1) return false;
  constexpr std::uint64_t kNotLuma = AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL |
                                     AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_HWACCEL |
                                     AV_PIX_FMT_FLAG_FLOAT | AV_PIX_FMT_FLAG_BAYER;
  if ((desc->flags & kNotLuma) != 0) return false;
  const AVComponentDescriptor& luma = desc->comp[0];
  return luma.plane == 0 && luma.depth == 8 && luma.step == 1 && luma.offset == 0 &&
         luma.shift == 0;
}

struct FormatCloser {
  void operator()(AVFormatContext* context) const { avformat_close_input(&context); }
};
struct CodecFreer {
  void operator()(AVCodecContext* context) const { avcodec_free_context(&context); }
};
struct FrameFreer {
  void operator()(AVFrame* frame) const { av_frame_free(&frame); }
};
struct PacketFreer {
  void operator()(AVPacket* packet) const { av_packet_free(&packet); }
};
struct ScalerFreer {
  void operator()(SwsContext* context) const { sws_freeContext(context); }
};

}  // namespace

struct VideoReader::State {
  std::string path;
  std::unique_ptr<AVFormatContext, FormatCloser> format;
  std::unique_ptr<AVCodecContext, CodecFreer> codec;
  std::unique_ptr<AVFrame, FrameFreer> frame;
  std::unique_ptr<AVPacket, PacketFreer> packet;
  std::unique_ptr<SwsContext, ScalerFreer> scaler;
  std::vector<std::uint8_t> grey;  // swscale output, used only for formats without a luma plane
  std::ptrdiff_t grey_stride = 0;
  int stream_index = -1;
  bool draining = false;  // the demuxer is exhausted and the decoder has been told so
  bool finished = false;
  bool last_direct = false;
  std::int64_t next_index = 0;
  VideoInfo info;
};

VideoReader::VideoReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
VideoReader::~VideoReader() = default;

const VideoInfo& VideoReader::info() const {
  return state_->info;
}
bool VideoReader::last_frame_was_direct() const {
  return state_->last_direct;
}

Result<std::unique_ptr<VideoReader>> VideoReader::Open(const std::string& path,
                                                       const VideoReaderOptions& options) {
  QuietFfmpegLogOnce();
  if (options.thread_count < 0) {
    return Fail(Error::InvalidArgument(fmt::format(
        "decoder thread count must be 0 (automatic) or more, got {}", options.thread_count)));
  }
  auto state = std::make_unique<State>();
  state->path = path;

  AVFormatContext* raw_format = nullptr;
  if (int rc = avformat_open_input(&raw_format, path.c_str(), nullptr, nullptr); rc < 0) {
    std::string message = fmt::format("cannot open video '{}': {}", path, AvErrorText(rc));
    if (rc == AVERROR(ENOENT)) return Fail(Error::NotFound(std::move(message)));
    return Fail(Error::InvalidArgument(std::move(message)));
  }
  state->format.reset(raw_format);
  if (int rc = avformat_find_stream_info(raw_format, nullptr); rc < 0) {
    return Fail(Error::InvalidArgument(
        fmt::format("cannot read the streams of '{}': {}", path, AvErrorText(rc))));
  }
  const AVCodec* decoder = nullptr;
  const int stream_index = av_find_best_stream(raw_format, AVMEDIA_TYPE_VIDEO, -1, -1, &decoder, 0);
  if (stream_index < 0) {
    return Fail(Error::InvalidArgument(
        stream_index == AVERROR_DECODER_NOT_FOUND
            ? fmt::format("'{}' has a video stream but no decoder for its codec here", path)
            : fmt::format("'{}' has no video stream", path)));
  }
  state->stream_index = stream_index;
  for (unsigned i = 0; i < raw_format->nb_streams; ++i) {
    // Not demuxing audio and data streams saves work; their packets would be dropped anyway.
    if (static_cast<int>(i) != stream_index) raw_format->streams[i]->discard = AVDISCARD_ALL;
  }
  AVStream* stream = raw_format->streams[stream_index];

  state->codec.reset(avcodec_alloc_context3(decoder));
  if (!state->codec) return Fail(Error::Internal("out of memory allocating a video decoder"));
  if (int rc = avcodec_parameters_to_context(state->codec.get(), stream->codecpar); rc < 0) {
    return Fail(Error::InvalidArgument(
        fmt::format("cannot configure the decoder for '{}': {}", path, AvErrorText(rc))));
  }
  state->codec->thread_count = options.thread_count;
  state->codec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  if (int rc = avcodec_open2(state->codec.get(), decoder, nullptr); rc < 0) {
    return Fail(Error::InvalidArgument(fmt::format("cannot open the {} decoder for '{}': {}",
                                                   decoder->name, path, AvErrorText(rc))));
  }
  state->frame.reset(av_frame_alloc());
  state->packet.reset(av_packet_alloc());
  if (!state->frame || !state->packet) {
    return Fail(Error::Internal("out of memory allocating video frames"));
  }

  VideoInfo& info = state->info;
  info.width = state->codec->width;
  info.height = state->codec->height;
  info.codec = decoder->name;
  const char* pixel_format = av_get_pix_fmt_name(state->codec->pix_fmt);
  info.pixel_format = pixel_format != nullptr ? pixel_format : "unknown";
  const AVRational rate = av_guess_frame_rate(raw_format, stream, nullptr);
  if (rate.num > 0 && rate.den > 0) info.frames_per_second = av_q2d(rate);
  if (stream->nb_frames > 0) {
    info.frame_count_hint = stream->nb_frames;
  } else if (info.frames_per_second > 0) {
    double seconds = 0;
    if (stream->duration != AV_NOPTS_VALUE) {
      seconds = static_cast<double>(stream->duration) * av_q2d(stream->time_base);
    } else if (raw_format->duration != AV_NOPTS_VALUE) {
      seconds = static_cast<double>(raw_format->duration) / AV_TIME_BASE;
    }
    info.frame_count_hint = std::llround(seconds * info.frames_per_second);
  }
  return std::unique_ptr<VideoReader>(new VideoReader(std::move(state)));
}

Result<std::optional<LumaFrame>> VideoReader::Next() {
  State& s = *state_;
  if (s.finished) return std::optional<LumaFrame>();
  AVCodecContext* codec = s.codec.get();
  AVFrame* frame = s.frame.get();
  av_frame_unref(frame);
  while (true) {
    const int received = avcodec_receive_frame(codec, frame);
    if (received == 0) break;
    if (received == AVERROR_EOF) {
      s.finished = true;
      return std::optional<LumaFrame>();
    }
    if (received != AVERROR(EAGAIN)) {
      return Fail(Error::InvalidArgument(fmt::format("cannot decode frame {} of '{}': {}",
                                                     s.next_index, s.path, AvErrorText(received))));
    }
    // The decoder wants more input.
    if (s.draining) {
      return Fail(Error::Internal(
          fmt::format("the decoder for '{}' asked for input after the end of the file", s.path)));
    }
    const int read = av_read_frame(s.format.get(), s.packet.get());
    if (read == AVERROR_EOF) {
      s.draining = true;
      if (int rc = avcodec_send_packet(codec, nullptr); rc < 0 && rc != AVERROR_EOF) {
        return Fail(Error::InvalidArgument(
            fmt::format("cannot finish decoding '{}': {}", s.path, AvErrorText(rc))));
      }
      continue;
    }
    if (read < 0) {
      return Fail(Error::InvalidArgument(fmt::format("cannot read '{}' after frame {}: {}", s.path,
                                                     s.next_index, AvErrorText(read))));
    }
    if (s.packet->stream_index != s.stream_index) {
      av_packet_unref(s.packet.get());
      continue;
    }
    const int sent = avcodec_send_packet(codec, s.packet.get());
    av_packet_unref(s.packet.get());
    if (sent < 0 && sent != AVERROR(EAGAIN)) {
      return Fail(Error::InvalidArgument(fmt::format("cannot decode '{}' near frame {}: {}", s.path,
                                                     s.next_index, AvErrorText(sent))));
    }
  }

  LumaFrame luma;
  luma.width = frame->width;
  luma.height = frame->height;
  luma.index = s.next_index++;
  if (frame->width <= 0 || frame->height <= 0) {
    return Fail(
        Error::InvalidArgument(fmt::format("frame {} of '{}' has no pixels", luma.index, s.path)));
  }
  if (LumaPlaneIsUsable(frame->format) && frame->linesize[0] >= frame->width) {
    luma.stride = frame->linesize[0];
    const auto size = static_cast<std::size_t>((frame->height - 1) * luma.stride + frame->width);
    luma.pixels = std::span<const std::uint8_t>(frame->data[0], size);
    s.last_direct = true;
    return std::optional<LumaFrame>(luma);
  }

  // No usable luma plane: let swscale make one. The context is cached, so a steady stream
  // builds it once.
  SwsContext* scaler = sws_getCachedContext(
      s.scaler.release(), frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
      frame->width, frame->height, AV_PIX_FMT_GRAY8, SWS_BILINEAR, nullptr, nullptr, nullptr);
  s.scaler.reset(scaler);
  if (scaler == nullptr) {
    const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format));
    return Fail(Error::InvalidArgument(fmt::format("cannot convert '{}' frames of '{}' to grey",
                                                   name != nullptr ? name : "unknown", s.path)));
  }
  s.grey_stride =
      std::ptrdiff_t{(frame->width + 63) / 64} * 64;  // aligned rows suit swscale's vector code
  s.grey.resize(static_cast<std::size_t>(s.grey_stride * frame->height));
  std::uint8_t* planes[4] = {s.grey.data(), nullptr, nullptr, nullptr};
  const int strides[4] = {static_cast<int>(s.grey_stride), 0, 0, 0};
  const int rows =
      sws_scale(scaler, frame->data, frame->linesize, 0, frame->height, planes, strides);
  if (rows != frame->height) {
    return Fail(Error::Internal(
        fmt::format("converting frame {} of '{}' to grey failed", luma.index, s.path)));
  }
  luma.stride = s.grey_stride;
  luma.pixels = s.grey;
  s.last_direct = false;
  return std::optional<LumaFrame>(luma);
}

}  // namespace rapport
