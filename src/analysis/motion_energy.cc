#include "analysis/motion_energy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string_view>
#include <utility>

namespace rapport {
namespace {

// Sixteen bytes handled as one value. GCC and Clang lower this to SSE2 / NEON, which the default
// optimisation level would not do for these loops on its own (its cost model skips loops whose
// trip count is unknown).
using Bytes16 = std::uint8_t __attribute__((vector_size(16)));
constexpr int kLanes = 16;

Bytes16 Load(const std::uint8_t* p) {
  Bytes16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

void Store(std::uint8_t* p, Bytes16 v) {
  std::memcpy(p, &v, sizeof v);
}

Bytes16 Splat(std::uint8_t value) {
  Bytes16 v;
  for (int k = 0; k < kLanes; ++k) v[k] = value;
  return v;
}

// mask[i] = 1 when |current[i] - previous[i]| > threshold, else 0. With kAdvance, advance[i]
// (the same bytes as previous[i] in a counter) becomes current[i] in the same pass, sparing a
// counter a second trip through memory. Returns
// whether any mask byte is set, so quiet rows (most of a seated conversation) skip the filter.
template <bool kAdvance>
bool ChangeMask(const std::uint8_t* current, const std::uint8_t* previous, std::uint8_t* advance,
                int n, std::uint8_t threshold, std::uint8_t* mask) {
  const Bytes16 limit = Splat(threshold);
  const Bytes16 one = Splat(1);
  const Bytes16 zero = Splat(0);
  Bytes16 any = zero;
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const Bytes16 now = Load(current + i);
    const Bytes16 before = Load(previous + i);
    if constexpr (kAdvance) Store(advance + i, now);
    // max - min: SSE2 and NEON have both as single instructions, unlike a branchy |a - b|.
    const Bytes16 diff = (now > before ? now : before) - (now > before ? before : now);
    const Bytes16 changed = diff > limit ? one : zero;
    any |= changed;
    Store(mask + i, changed);
  }
  int any_tail = 0;
  for (; i < n; ++i) {
    const int now = current[i];
    const int before = previous[i];
    if constexpr (kAdvance) advance[i] = current[i];
    const int diff = now > before ? now - before : before - now;
    mask[i] = diff > threshold ? 1 : 0;
    any_tail |= mask[i];
  }
  for (int k = 0; k < kLanes; ++k) any_tail |= any[k];
  return any_tail != 0;
}

// kept[i] = mid[i] when one of the eight neighbours of i is set in above/mid/below. The three
// rows carry one zero byte of padding on each side, so index i of the row is at [i + 1].
void KeepConnected(const std::uint8_t* above, const std::uint8_t* mid, const std::uint8_t* below,
                   int n, std::uint8_t* kept) {
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const Bytes16 left = Load(above + i) | Load(mid + i) | Load(below + i);
    const Bytes16 right = Load(above + i + 2) | Load(mid + i + 2) | Load(below + i + 2);
    const Bytes16 neighbours = left | right | Load(above + i + 1) | Load(below + i + 1);
    Store(kept + i, Load(mid + i + 1) & neighbours);
  }
  for (; i < n; ++i) {
    const int neighbours = above[i] | mid[i] | below[i] | above[i + 2] | mid[i + 2] | below[i + 2] |
                           above[i + 1] | below[i + 1];
    kept[i] = static_cast<std::uint8_t>(mid[i + 1] & neighbours);
  }
}

// Sum of n bytes that are each 0 or 1.
std::uint32_t SumFlags(const std::uint8_t* p, int n) {
  std::uint32_t total = 0;
  int i = 0;
  while (i + kLanes <= n) {
    // Each lane of a byte accumulator holds at most 255 ones before it must be emptied.
    Bytes16 acc = Splat(0);
    const int end = std::min(n - kLanes, i + 254 * kLanes);
    for (; i <= end; i += kLanes) acc += Load(p + i);
    for (int k = 0; k < kLanes; ++k) total += acc[k];
  }
  for (; i < n; ++i) total += p[i];
  return total;
}

struct Box {
  int x = 0;
  int y = 0;
  int width = 0;
  int height = 0;
};

// The union of the regions grown by one pixel and clipped to the frame.
Box NeighbourhoodBox(std::span<const Roi> rois, int width, int height) {
  int x0 = width;
  int y0 = height;
  int x1 = 0;
  int y1 = 0;
  for (const Roi& roi : rois) {
    x0 = std::min(x0, roi.x - 1);
    y0 = std::min(y0, roi.y - 1);
    x1 = std::max(x1, roi.x + roi.width + 1);
    y1 = std::max(y1, roi.y + roi.height + 1);
  }
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, width);
  y1 = std::min(y1, height);
  if (x1 <= x0 || y1 <= y0) return Box{};
  return Box{x0, y0, x1 - x0, y1 - y0};
}

// Rows of the previous frame inside the box. When `advance` is set (a counter's own copy, the
// same bytes as `base`), each row receives the current row once compared, so the copy of the
// previous frame moves on in the same pass.
struct PreviousRows {
  const std::uint8_t* base = nullptr;  // the box's top-left pixel
  std::ptrdiff_t stride = 0;
  std::uint8_t* advance = nullptr;
};

// The scratch CountInBox needs for a box `width` wide.
std::size_t ScratchSize(int width) {
  const auto padded = static_cast<std::size_t>(width) + 2;
  return 4 * padded + static_cast<std::size_t>(width);
}

// Counts for every region, all of which lie inside `box`. counts must be zeroed by the caller.
void CountInBox(const Box& box, const PreviousRows& previous, const GreyImage& current,
                std::span<const Roi> rois, const MotionEnergyOptions& options,
                std::span<std::uint8_t> scratch, std::span<std::uint32_t> counts) {
  if (box.width == 0 || box.height == 0) return;
  const auto threshold = static_cast<std::uint8_t>(options.threshold);
  const std::ptrdiff_t padded = box.width + 2;
  // Three rolling mask rows (row r lives in slot r % 3), one all-zero row for beyond the
  // frame, then the filtered row.
  std::fill(scratch.begin(), scratch.end(), std::uint8_t{0});
  std::uint8_t* slots[3] = {scratch.data(), scratch.data() + padded, scratch.data() + 2 * padded};
  const std::uint8_t* zero_row = scratch.data() + 3 * padded;
  std::uint8_t* kept = scratch.data() + 4 * padded;

  const auto current_row = [&](int r) {
    return current.pixels.data() + (box.y + r) * current.stride + box.x;
  };
  bool row_changed[3] = {false, false, false};  // whether slot's mask has any byte set
  const auto make_mask = [&](int r) {
    const std::ptrdiff_t offset = r * previous.stride;
    std::uint8_t* mask = slots[r % 3] + 1;
    row_changed[r % 3] =
        previous.advance != nullptr
            ? ChangeMask<true>(current_row(r), previous.base + offset, previous.advance + offset,
                               box.width, threshold, mask)
            : ChangeMask<false>(current_row(r), previous.base + offset, nullptr, box.width,
                                threshold, mask);
  };
  const bool filter = options.noise_filter == NoiseFilter::kIsolatedPixels;

  make_mask(0);
  for (int r = 0; r < box.height; ++r) {
    if (r + 1 < box.height) make_mask(r + 1);
    if (!row_changed[r % 3]) continue;  // nothing changed, nothing to count
    const std::uint8_t* row = slots[r % 3] + 1;
    if (filter) {
      const std::uint8_t* above = r == 0 ? zero_row : slots[(r - 1) % 3];
      const std::uint8_t* below = r + 1 < box.height ? slots[(r + 1) % 3] : zero_row;
      KeepConnected(above, slots[r % 3], below, box.width, kept);
      row = kept;
    }
    const int y = box.y + r;
    for (std::size_t k = 0; k < rois.size(); ++k) {
      const Roi& roi = rois[k];
      if (y < roi.y || y >= roi.y + roi.height) continue;
      counts[k] += SumFlags(row + (roi.x - box.x), roi.width);
    }
  }
}

Status ValidateImage(const GreyImage& image, std::string_view what) {
  if (image.width <= 0 || image.height <= 0) {
    return Fail(Error::InvalidArgument(
        fmt::format("{} frame has no pixels ({}x{})", what, image.width, image.height)));
  }
  if (image.stride < image.width) {
    return Fail(Error::InvalidArgument(fmt::format("{} frame's stride {} is less than its width {}",
                                                   what, image.stride, image.width)));
  }
  const auto needed = static_cast<std::size_t>((image.height - 1) * image.stride + image.width);
  if (image.pixels.size() < needed) {
    return Fail(Error::InvalidArgument(
        fmt::format("{} frame holds {} bytes, {}x{} with stride {} needs {}", what,
                    image.pixels.size(), image.width, image.height, image.stride, needed)));
  }
  return Ok();
}

}  // namespace

Status ValidateMotionEnergyOptions(const MotionEnergyOptions& options) {
  if (options.threshold < 0 || options.threshold > 254) {
    return Fail(Error::Field("--threshold", fmt::format("threshold must be between 0 and 254 grey "
                                                        "levels, got {}",
                                                        options.threshold)));
  }
  return Ok();
}

Status ValidateRois(std::span<const Roi> rois, int width, int height) {
  if (rois.empty()) return Fail(Error::Field("--roi", "at least one region is needed"));
  std::set<std::string_view> names;
  for (const Roi& roi : rois) {
    if (roi.name.empty()) return Fail(Error::Field("--roi", "a region has an empty name"));
    if (!names.insert(roi.name).second) {
      return Fail(Error::Field("--roi", fmt::format("region name '{}' is used twice", roi.name)));
    }
    if (roi.width <= 0 || roi.height <= 0) {
      return Fail(Error::Field("--roi", fmt::format("region '{}' has no area ({}x{})", roi.name,
                                                    roi.width, roi.height)));
    }
    // 64-bit sums: x + width may not fit an int for hostile input.
    const std::int64_t right = std::int64_t{roi.x} + roi.width;
    const std::int64_t bottom = std::int64_t{roi.y} + roi.height;
    if (roi.x < 0 || roi.y < 0 || right > width || bottom > height) {
      return Fail(Error::Field(
          "--roi", fmt::format("region '{}' (x={}, y={}, w={}, h={}) lies outside the {}x{} frame",
                               roi.name, roi.x, roi.y, roi.width, roi.height, width, height)));
    }
  }
  return Ok();
}

Status CountChangedPixels(const GreyImage& previous, const GreyImage& current,
                          std::span<const Roi> rois, const MotionEnergyOptions& options,
                          std::span<std::uint32_t> counts) {
  RAPPORT_RETURN_IF_ERROR(ValidateMotionEnergyOptions(options));
  RAPPORT_RETURN_IF_ERROR(ValidateImage(previous, "previous"));
  RAPPORT_RETURN_IF_ERROR(ValidateImage(current, "current"));
  if (previous.width != current.width || previous.height != current.height) {
    return Fail(Error::InvalidArgument(fmt::format("frames differ in size: {}x{} then {}x{}",
                                                   previous.width, previous.height, current.width,
                                                   current.height)));
  }
  RAPPORT_RETURN_IF_ERROR(ValidateRois(rois, current.width, current.height));
  if (counts.size() != rois.size()) {
    return Fail(Error::InvalidArgument(
        fmt::format("{} counts for {} regions", counts.size(), rois.size())));
  }
  std::fill(counts.begin(), counts.end(), 0U);
  const Box box = NeighbourhoodBox(rois, current.width, current.height);
  std::vector<std::uint8_t> scratch(ScratchSize(box.width));
  const PreviousRows rows{previous.pixels.data() + box.y * previous.stride + box.x, previous.stride,
                          nullptr};
  CountInBox(box, rows, current, rois, options, scratch, counts);
  return Ok();
}

Result<MotionEnergyCounter> MotionEnergyCounter::Create(int width, int height,
                                                        std::vector<Roi> rois,
                                                        const MotionEnergyOptions& options) {
  RAPPORT_RETURN_IF_ERROR(ValidateMotionEnergyOptions(options));
  if (width <= 0 || height <= 0) {
    return Fail(Error::InvalidArgument(fmt::format("frame has no pixels ({}x{})", width, height)));
  }
  RAPPORT_RETURN_IF_ERROR(ValidateRois(rois, width, height));
  MotionEnergyCounter counter;
  counter.width_ = width;
  counter.height_ = height;
  counter.options_ = options;
  const Box box = NeighbourhoodBox(rois, width, height);
  counter.box_x_ = box.x;
  counter.box_y_ = box.y;
  counter.box_width_ = box.width;
  counter.box_height_ = box.height;
  counter.rois_ = std::move(rois);
  counter.previous_.resize(static_cast<std::size_t>(box.width) *
                           static_cast<std::size_t>(box.height));
  counter.scratch_.resize(ScratchSize(box.width));
  return counter;
}

Status MotionEnergyCounter::Push(const GreyImage& frame, std::span<std::uint32_t> counts) {
  RAPPORT_RETURN_IF_ERROR(ValidateImage(frame, "video"));
  if (frame.width != width_ || frame.height != height_) {
    return Fail(Error::InvalidArgument(fmt::format("frame {} is {}x{}, the first frame was {}x{}",
                                                   frames_seen_, frame.width, frame.height, width_,
                                                   height_)));
  }
  if (counts.size() != rois_.size()) {
    return Fail(Error::InvalidArgument(
        fmt::format("{} counts for {} regions", counts.size(), rois_.size())));
  }
  std::fill(counts.begin(), counts.end(), 0U);
  const Box box{box_x_, box_y_, box_width_, box_height_};
  if (frames_seen_ == 0) {
    for (int r = 0; r < box.height; ++r) {
      std::memcpy(previous_.data() + static_cast<std::ptrdiff_t>(r) * box.width,
                  frame.pixels.data() + (box.y + r) * frame.stride + box.x,
                  static_cast<std::size_t>(box.width));
    }
  } else {
    const PreviousRows rows{previous_.data(), box.width, previous_.data()};
    CountInBox(box, rows, frame, rois_, options_, scratch_, counts);
  }
  ++frames_seen_;
  return Ok();
}

}  // namespace rapport
