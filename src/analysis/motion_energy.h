#pragma once
// Motion energy analysis (MEA): for each frame and each region of interest, the number of pixels
// whose grey level changed by more than a threshold since the previous frame, after removing
// isolated changed pixels (sensor and compression noise). Pure: no decoding, no files; frames
// arrive as borrowed 8-bit grey images. docs/sync-mea.md states the definition exactly.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace rapport {

// A borrowed 8-bit grey image: pixel (x, y) is pixels[y * stride + x]. The caller keeps the
// bytes alive while a function that takes the image runs; nothing here keeps a pointer to it.
struct GreyImage {
  std::span<const std::uint8_t> pixels;
  int width = 0;
  int height = 0;
  std::ptrdiff_t stride = 0;  // bytes from one row's start to the next; at least `width`
};

// A named rectangle of a frame, in pixels; (x, y) is its top-left corner.
struct Roi {
  std::string name;
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
  friend bool operator==(const Roi&, const Roi&) = default;
};

enum class NoiseFilter : std::uint8_t {
  kNone,            // every pixel above the threshold counts
  kIsolatedPixels,  // a changed pixel counts only if one of its 8 neighbours changed too
};

// Grey levels on 0..255. Above the few levels of flicker that sensors and lossy codecs add to a
// still scene, below the change a moving edge makes.
inline constexpr int kDefaultMotionThreshold = 10;

struct MotionEnergyOptions {
  // A pixel changed when |current - previous| > threshold; valid range 0..254.
  int threshold = kDefaultMotionThreshold;
  NoiseFilter noise_filter = NoiseFilter::kIsolatedPixels;
};

// Checks the threshold range.
Status ValidateMotionEnergyOptions(const MotionEnergyOptions& options);

// Checks that every region has a unique non-empty name, a positive size, and lies wholly inside a
// width x height frame. The error names the offending region and the frame size.
Status ValidateRois(std::span<const Roi> rois, int width, int height);

// Counts changed pixels between two frames of the same size, one count per region, into
// `counts` (counts.size() must equal rois.size()). Stateless; allocates a few rows of scratch.
Status CountChangedPixels(const GreyImage& previous, const GreyImage& current,
                          std::span<const Roi> rois, const MotionEnergyOptions& options,
                          std::span<std::uint32_t> counts);

// MotionEnergyCounter: feeds frames one by one and yields one row of counts per frame; the first
// frame has no predecessor and yields zeros, so there is exactly one row per frame. It keeps its
// own copy of the part of the previous frame the regions need, so the caller's frame buffer may
// be reused at once. Not thread-safe: one counter per stream. Movable, owns its buffers.
class MotionEnergyCounter {
 public:
  // Fails when the options or regions are invalid for a width x height frame.
  static Result<MotionEnergyCounter> Create(int width, int height, std::vector<Roi> rois,
                                            const MotionEnergyOptions& options);

  // Takes the next frame (it must have the size given to Create) and writes one count per region
  // into `counts`, whose size must equal the number of regions.
  Status Push(const GreyImage& frame, std::span<std::uint32_t> counts);

  const std::vector<Roi>& rois() const { return rois_; }
  std::int64_t frames_seen() const { return frames_seen_; }

 private:
  MotionEnergyCounter() = default;

  int width_ = 0;
  int height_ = 0;
  std::vector<Roi> rois_;
  MotionEnergyOptions options_;
  // The union of the regions grown by one pixel (the filter's neighbourhood), clipped to the
  // frame: the only pixels ever compared, so the only ones kept from the previous frame.
  int box_x_ = 0;
  int box_y_ = 0;
  int box_width_ = 0;
  int box_height_ = 0;
  std::vector<std::uint8_t> previous_;  // box_height_ rows of box_width_ bytes
  std::vector<std::uint8_t> scratch_;
  std::int64_t frames_seen_ = 0;
};

}  // namespace rapport
