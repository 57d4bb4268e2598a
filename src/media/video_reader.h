#pragma once
// Reading video files as a stream of 8-bit grey (luma) frames, one frame at a time, for motion
// energy analysis. FFmpeg stays behind this header: callers see bytes, sizes and Result values.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/result.h"

namespace rapport {

// What the container and codec say about the video stream before decoding it.
struct VideoInfo {
  int width = 0;
  int height = 0;
  double frames_per_second = 0;       // 0 when the file does not say
  std::int64_t frame_count_hint = 0;  // from the container or duration x rate; 0 when unknown
  std::string codec;                  // e.g. "h264"
  std::string pixel_format;           // the decoder's output format, e.g. "yuv420p"
};

// One decoded frame's luma: pixel (x, y) is pixels[y * stride + x]. Borrowed from the reader.
struct LumaFrame {
  std::span<const std::uint8_t> pixels;
  int width = 0;
  int height = 0;
  std::ptrdiff_t stride = 0;
  std::int64_t index = 0;  // 0 for the first decoded frame
};

struct VideoReaderOptions {
  // Decoder threads; 0 lets the decoder use every core.
  int thread_count = 0;
};

// VideoReader: decodes the best video stream of a file in presentation order and hands out each
// frame's 8-bit luma. When the decoder's output is 8-bit YUV or grey with luma in its own plane,
// that plane is handed out as is (no copy, no conversion); any other format (RGB, palette,
// 10-bit, packed YUV) goes through libswscale to GRAY8. Frames are never dropped or duplicated.
// Not thread-safe (decoding itself may use several threads internally). Owns the FFmpeg state.
class VideoReader {
 public:
  // Opens `path` and prepares its decoder. Fails with kNotFound when the file is missing and
  // kInvalidArgument when it is not a video FFmpeg can decode.
  static Result<std::unique_ptr<VideoReader>> Open(const std::string& path,
                                                   const VideoReaderOptions& options = {});

  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const;

  // Decodes the next frame. Returns std::nullopt after the last frame. The frame's bytes stay
  // valid until the next call to Next() or the reader's destruction.
  Result<std::optional<LumaFrame>> Next();

  // Whether the last frame came straight from the decoder's luma plane (no conversion).
  bool last_frame_was_direct() const;

 private:
  struct State;
  explicit VideoReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace rapport
