#include "analysis/motion_energy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <vector>

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An owned grey frame filled with one level, handed out as a GreyImage view.
struct Frame {
  int width;
  int height;
  std::ptrdiff_t stride;
  std::vector<std::uint8_t> bytes;

  Frame(int w, int h, std::uint8_t level = 0, std::ptrdiff_t row_stride = 0)
      : width(w),
        height(h),
        stride(row_stride == 0 ? w : row_stride),
        bytes(static_cast<std::size_t>(stride * h), level) {}

  std::uint8_t& at(int x, int y) { return bytes[static_cast<std::size_t>(y * stride + x)]; }
  std::uint8_t at(int x, int y) const { return bytes[static_cast<std::size_t>(y * stride + x)]; }
  void Fill(int x, int y, int w, int h, std::uint8_t level) {
    for (int r = y; r < y + h; ++r) {
      for (int c = x; c < x + w; ++c) at(c, r) = level;
    }
  }
  GreyImage view() const { return GreyImage{bytes, width, height, stride}; }
};

std::vector<std::uint32_t> Count(const Frame& before, const Frame& after,
                                 const std::vector<Roi>& rois, MotionEnergyOptions options = {}) {
  std::vector<std::uint32_t> counts(rois.size(), 12345);
  auto status = CountChangedPixels(before.view(), after.view(), rois, options, counts);
  EXPECT_TRUE(status.has_value()) << status.error().message;
  return counts;
}

// The definition in docs/sync-mea.md, written the slow and obvious way.
std::vector<std::uint32_t> ReferenceCount(const Frame& before, const Frame& after,
                                          const std::vector<Roi>& rois,
                                          const MotionEnergyOptions& options) {
  const auto changed = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= after.width || y >= after.height) return false;
    return std::abs(int{after.at(x, y)} - int{before.at(x, y)}) > options.threshold;
  };
  std::vector<std::uint32_t> counts;
  for (const Roi& roi : rois) {
    std::uint32_t count = 0;
    for (int y = roi.y; y < roi.y + roi.height; ++y) {
      for (int x = roi.x; x < roi.x + roi.width; ++x) {
        if (!changed(x, y)) continue;
        bool neighbour = options.noise_filter == NoiseFilter::kNone;
        for (int dy = -1; dy <= 1 && !neighbour; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            if ((dx != 0 || dy != 0) && changed(x + dx, y + dy)) neighbour = true;
          }
        }
        if (neighbour) ++count;
      }
    }
    counts.push_back(count);
  }
  return counts;
}

TEST(MotionEnergy, IdenticalFramesCountNothing) {
  Frame a(40, 30, 77);
  EXPECT_THAT(Count(a, a, {{"all", 0, 0, 40, 30}}), ElementsAre(0U));
}

TEST(MotionEnergy, MovingBlockCountsEveryChangedPixel) {
  Frame before(64, 48, 0);
  Frame after(64, 48, 0);
  after.Fill(10, 10, 5, 4, 200);
  EXPECT_THAT(Count(before, after, {{"all", 0, 0, 64, 48}}), ElementsAre(20U));
}

TEST(MotionEnergy, IsolatedPixelIsFilteredAsNoise) {
  Frame before(32, 32, 50);
  Frame after = before;
  after.at(16, 16) = 200;
  EXPECT_THAT(Count(before, after, {{"all", 0, 0, 32, 32}}), ElementsAre(0U));
  EXPECT_THAT(Count(before, after, {{"all", 0, 0, 32, 32}}, {.noise_filter = NoiseFilter::kNone}),
              ElementsAre(1U));
}

TEST(MotionEnergy, DiagonalNeighbourKeepsAPairOfPixels) {
  Frame before(32, 32, 50);
  Frame after = before;
  after.at(5, 5) = 0;
  after.at(6, 6) = 0;
  EXPECT_THAT(Count(before, after, {{"all", 0, 0, 32, 32}}), ElementsAre(2U));
}

TEST(MotionEnergy, ChangeEqualToThresholdDoesNotCount) {
  Frame before(20, 20, 100);
  Frame at_threshold(20, 20, 100 + kDefaultMotionThreshold);
  Frame above_threshold(20, 20, 100 + kDefaultMotionThreshold + 1);
  Frame below(20, 20, 100 - kDefaultMotionThreshold - 1);
  const std::vector<Roi> rois = {{"all", 0, 0, 20, 20}};
  EXPECT_THAT(Count(before, at_threshold, rois), ElementsAre(0U));
  EXPECT_THAT(Count(before, above_threshold, rois), ElementsAre(400U));
  EXPECT_THAT(Count(before, below, rois), ElementsAre(400U));
}

TEST(MotionEnergy, FullBlackToWhiteChangeCountsBothWays) {
  Frame black(17, 3, 0);
  Frame white(17, 3, 255);
  const std::vector<Roi> rois = {{"all", 0, 0, 17, 3}};
  EXPECT_THAT(Count(black, white, rois, {.threshold = 254}), ElementsAre(51U));
  EXPECT_THAT(Count(white, black, rois, {.threshold = 254}), ElementsAre(51U));
}

TEST(MotionEnergy, MotionInOneRegionLeavesTheOtherAtZero) {
  Frame before(100, 50, 20);
  Frame after = before;
  after.Fill(60, 10, 8, 8, 220);
  const std::vector<Roi> rois = {{"therapist", 0, 0, 50, 50}, {"client", 50, 0, 50, 50}};
  EXPECT_THAT(Count(before, after, rois), ElementsAre(0U, 64U));
}

TEST(MotionEnergy, OverlappingRegionsEachCountTheSharedPixels) {
  Frame before(40, 40, 0);
  Frame after = before;
  after.Fill(18, 18, 4, 4, 255);
  const std::vector<Roi> rois = {{"a", 0, 0, 20, 40}, {"b", 0, 0, 40, 40}};
  EXPECT_THAT(Count(before, after, rois), ElementsAre(8U, 16U));
}

TEST(MotionEnergy, NeighbourOutsideTheRegionStillKeepsAnEdgePixel) {
  Frame before(30, 30, 0);
  Frame after = before;
  after.at(9, 5) = 255;   // the region's last column
  after.at(10, 5) = 255;  // just outside it
  EXPECT_THAT(Count(before, after, {{"left", 0, 0, 10, 30}}), ElementsAre(1U));
}

TEST(MotionEnergy, BytesBetweenRowsAreIgnored) {
  Frame before(20, 10, 0, /*row_stride=*/32);
  Frame after(20, 10, 0, 32);
  for (int y = 0; y < 10; ++y) {
    for (int x = 20; x < 32; ++x) after.at(x, y) = 255;  // padding, not picture
  }
  after.Fill(2, 2, 3, 3, 255);
  EXPECT_THAT(Count(before, after, {{"all", 0, 0, 20, 10}}), ElementsAre(9U));
}

TEST(MotionEnergy, AgreesWithTheDefinitionOnRandomFrames) {
  std::mt19937 rng(20111);
  for (int trial = 0; trial < 80; ++trial) {
    const int width = std::uniform_int_distribution<int>(1, 70)(rng);
    const int height = std::uniform_int_distribution<int>(1, 40)(rng);
    const std::ptrdiff_t stride = width + std::uniform_int_distribution<int>(0, 5)(rng);
    Frame before(width, height, 0, stride);
    Frame after(width, height, 0, stride);
    std::uniform_int_distribution<int> level(0, 255);
    // Sparse motion leaves whole rows quiet, which the counter skips.
    std::bernoulli_distribution moves(trial % 2 == 0 ? 0.3 : 0.01);
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        before.at(x, y) = static_cast<std::uint8_t>(level(rng));
        after.at(x, y) = moves(rng) ? static_cast<std::uint8_t>(level(rng)) : before.at(x, y);
      }
    }
    std::vector<Roi> rois;
    const int roi_count = std::uniform_int_distribution<int>(1, 3)(rng);
    for (int k = 0; k < roi_count; ++k) {
      const int x = std::uniform_int_distribution<int>(0, width - 1)(rng);
      const int y = std::uniform_int_distribution<int>(0, height - 1)(rng);
      const int w = std::uniform_int_distribution<int>(1, width - x)(rng);
      const int h = std::uniform_int_distribution<int>(1, height - y)(rng);
      rois.push_back({"r" + std::to_string(k), x, y, w, h});
    }
    for (NoiseFilter filter : {NoiseFilter::kNone, NoiseFilter::kIsolatedPixels}) {
      const MotionEnergyOptions options{.threshold = std::uniform_int_distribution<int>(0, 80)(rng),
                                        .noise_filter = filter};
      EXPECT_EQ(Count(before, after, rois, options), ReferenceCount(before, after, rois, options))
          << "trial " << trial << " " << width << "x" << height;
    }
  }
}

TEST(MotionEnergy, RegionOutsideTheFrameIsAClearError) {
  Frame a(64, 48);
  std::vector<std::uint32_t> counts(1);
  auto status = CountChangedPixels(a.view(), a.view(), std::vector<Roi>{{"client", 40, 0, 30, 48}},
                                   {}, counts);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message, HasSubstr("'client'"));
  EXPECT_THAT(status.error().message, HasSubstr("outside the 64x48 frame"));
}

TEST(MotionEnergy, RejectsNegativeOriginEmptyAreaAndRepeatedNames) {
  EXPECT_FALSE(ValidateRois(std::vector<Roi>{{"a", -1, 0, 5, 5}}, 10, 10).has_value());
  EXPECT_FALSE(ValidateRois(std::vector<Roi>{{"a", 0, 0, 0, 5}}, 10, 10).has_value());
  EXPECT_FALSE(
      ValidateRois(std::vector<Roi>{{"a", 0, 0, 5, 5}, {"a", 5, 5, 5, 5}}, 10, 10).has_value());
  EXPECT_FALSE(ValidateRois(std::vector<Roi>{}, 10, 10).has_value());
  EXPECT_FALSE(ValidateRois(std::vector<Roi>{{"huge", 1, 0, 2147483647, 5}}, 10, 10).has_value());
  EXPECT_TRUE(ValidateRois(std::vector<Roi>{{"a", 0, 0, 10, 10}}, 10, 10).has_value());
}

TEST(MotionEnergy, ThresholdOutsideZeroTo254IsRejected) {
  EXPECT_FALSE(ValidateMotionEnergyOptions({.threshold = 255}).has_value());
  EXPECT_FALSE(ValidateMotionEnergyOptions({.threshold = -1}).has_value());
  EXPECT_TRUE(ValidateMotionEnergyOptions({.threshold = 0}).has_value());
}

TEST(MotionEnergy, FramesOfDifferentSizesAreRejected) {
  Frame a(10, 10);
  Frame b(10, 11);
  std::vector<std::uint32_t> counts(1);
  EXPECT_FALSE(
      CountChangedPixels(a.view(), b.view(), std::vector<Roi>{{"a", 0, 0, 5, 5}}, {}, counts)
          .has_value());
}

TEST(MotionEnergy, TooFewBytesForTheDeclaredShapeIsRejected) {
  std::vector<std::uint8_t> bytes(99);
  const GreyImage short_image{bytes, 10, 10, 10};
  std::vector<std::uint32_t> counts(1);
  auto status =
      CountChangedPixels(short_image, short_image, std::vector<Roi>{{"a", 0, 0, 5, 5}}, {}, counts);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message, HasSubstr("needs 100"));
}

TEST(MotionEnergyCounter, FirstFrameYieldsZerosThenEachFrameComparesWithItsPredecessor) {
  auto counter =
      MotionEnergyCounter::Create(50, 20, {{"left", 0, 0, 25, 20}, {"right", 25, 0, 25, 20}}, {});
  ASSERT_TRUE(counter.has_value()) << counter.error().message;
  std::vector<std::uint32_t> counts(2, 99);

  Frame frame(50, 20, 0);
  ASSERT_TRUE(counter->Push(frame.view(), counts).has_value());
  EXPECT_THAT(counts, ElementsAre(0U, 0U));

  frame.Fill(2, 2, 4, 4, 255);  // appears on the left
  ASSERT_TRUE(counter->Push(frame.view(), counts).has_value());
  EXPECT_THAT(counts, ElementsAre(16U, 0U));

  ASSERT_TRUE(counter->Push(frame.view(), counts).has_value());  // holds still
  EXPECT_THAT(counts, ElementsAre(0U, 0U));

  frame.Fill(2, 2, 4, 4, 0);  // leaves the left, appears on the right
  frame.Fill(30, 5, 3, 3, 255);
  ASSERT_TRUE(counter->Push(frame.view(), counts).has_value());
  EXPECT_THAT(counts, ElementsAre(16U, 9U));
  EXPECT_EQ(counter->frames_seen(), 4);
}

TEST(MotionEnergyCounter, AgreesWithTheStatelessCountOverASequence) {
  const std::vector<Roi> rois = {{"a", 3, 1, 40, 20}, {"b", 30, 10, 33, 25}};
  auto counter = MotionEnergyCounter::Create(70, 40, rois, {});
  ASSERT_TRUE(counter.has_value());
  std::mt19937 rng(7);
  Frame previous(70, 40, 0, 80);
  std::vector<std::uint32_t> counts(2);
  ASSERT_TRUE(counter->Push(previous.view(), counts).has_value());
  for (int step = 0; step < 10; ++step) {
    Frame next = previous;
    for (int k = 0; k < 300; ++k) {
      next.at(std::uniform_int_distribution<int>(0, 69)(rng),
              std::uniform_int_distribution<int>(0, 39)(rng)) =
          static_cast<std::uint8_t>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    ASSERT_TRUE(counter->Push(next.view(), counts).has_value());
    EXPECT_EQ(counts, Count(previous, next, rois)) << "step " << step;
    previous = next;
  }
}

TEST(MotionEnergyCounter, FrameOfAnotherSizeIsAnError) {
  auto counter = MotionEnergyCounter::Create(20, 20, {{"a", 0, 0, 20, 20}}, {});
  ASSERT_TRUE(counter.has_value());
  std::vector<std::uint32_t> counts(1);
  Frame small(10, 10);
  auto status = counter->Push(small.view(), counts);
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message, HasSubstr("the first frame was 20x20"));
}

TEST(MotionEnergyCounter, CreateRejectsRegionsOutsideTheFrame) {
  auto counter = MotionEnergyCounter::Create(20, 20, {{"a", 0, 15, 20, 10}}, {});
  ASSERT_FALSE(counter.has_value());
  EXPECT_THAT(counter.error().message, HasSubstr("outside the 20x20 frame"));
}

}  // namespace
}  // namespace rapport
