#include "analysis/sync_preprocess.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

TEST(SmoothCentred, AveragesNeighboursAndShrinksAtTheEdges) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> s = SmoothCentred(x, 3, 1);
  const std::vector<double> expected = {1.5, 2, 3, 4, 4.5};
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(s[i], expected[i], 1e-14);
}

TEST(SmoothCentred, EvenWidthBecomesTheNextOddWidth) {
  const std::vector<double> x = {0, 0, 6, 0, 0};
  EXPECT_NEAR(SmoothCentred(x, 2, 1)[1], 2.0, 1e-14);  // width 3
}

TEST(SmoothCentred, MissingInputStaysMissingAndIsNotAveragedIn) {
  const std::vector<double> x = {1, kNaN, 3, 5};
  const std::vector<double> s = SmoothCentred(x, 3, 1);
  EXPECT_TRUE(IsMissing(s[1]));
  EXPECT_NEAR(s[0], 1, 1e-14);
  EXPECT_NEAR(s[2], 4, 1e-14);
}

TEST(SmoothRmea, ReproducesSasFiltBEdges) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> s = SmoothRmea(x, 3, 1);
  // t=1: a[1:2]/3; t=5 runs past the end, which rMEA turns into 0.
  const std::vector<double> expected = {1, 2, 3, 4, 0};
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(s[i], expected[i], 1e-15) << i;
}

TEST(SmoothRmea, FractionalWidthTruncatesIndicesLikeR) {
  const std::vector<double> x = {1, 2, 3, 4, 5, 6};
  const std::vector<double> s = SmoothRmea(x, 2.5, 1);  // n = 2.5, half-width 0.75
  EXPECT_NEAR(s[0], 1 / 2.5, 1e-15);                    // a[1:1.75] = a[1]
  EXPECT_NEAR(s[1], (1 + 2) / 2.5, 1e-15);              // a[1.25:2.75] = a[1], a[2]
}

TEST(SmoothRmea, MissingNeighbourGivesZeroAndMissingStaysMissing) {
  const std::vector<double> x = {1, 2, kNaN, 4, 5, 6, 7};
  const std::vector<double> s = SmoothRmea(x, 3, 1);
  EXPECT_EQ(s[1], 0.0);
  EXPECT_TRUE(IsMissing(s[2]));
  EXPECT_NEAR(s[4], 5, 1e-15);
}

TEST(ScaleBySd, DividesBySampleSdWithoutCentring) {
  const std::vector<double> x = {2, 4, 6, kNaN};
  auto s = ScaleBySd(x);
  ASSERT_TRUE(s.has_value());
  EXPECT_NEAR((*s)[0], 1, 1e-15);
  EXPECT_NEAR((*s)[2], 3, 1e-15);
  EXPECT_TRUE(IsMissing((*s)[3]));
  EXPECT_FALSE(ScaleBySd(std::vector<double>{3, 3, 3}).has_value());
}

TEST(Preprocess, SkipsThenSmoothsThenScales) {
  DyadSeries d;
  d.fps = 2;
  d.s1 = {100, 100, 1, 2, 3, 4};
  d.s2 = {100, 100, 2, 4, 6, 8};
  PreprocessOptions o;
  o.skip_seconds = 1;
  o.scale = true;
  auto p = Preprocess(d, o);
  ASSERT_TRUE(p.has_value());
  ASSERT_EQ(p->size(), 4u);
  EXPECT_NEAR(p->s2[0] / p->s1[0], 1.0, 1e-15);  // scaling removes the factor of two
  o.skip_seconds = 3;
  EXPECT_FALSE(Preprocess(d, o).has_value());
}

}  // namespace
}  // namespace rapport
