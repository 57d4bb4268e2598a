#include "analysis/sync_ccf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

// Movement-like series: non-negative, autocorrelated, person 2 partly following person 1.
void MakeDyad(std::size_t n, unsigned seed, std::vector<double>& x, std::vector<double>& y,
              double offset = 0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise;
  x.resize(n);
  y.resize(n);
  double ax = 0, ay = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ax = 0.8 * ax + noise(rng);
    ay = 0.8 * ay + noise(rng) + (i >= 3 ? 0.3 * x[i - 3] / 40 : 0);
    x[i] = offset + 40 * std::abs(ax);
    y[i] = offset + 30 * std::abs(ay);
  }
}

// The definition, cell by cell, with the two-pass Pearson of the complete pairs.
double ReferenceCell(const std::vector<double>& x, const std::vector<double>& y,
                     const CcfGeometry& g, int window, int lag) {
  const std::size_t start = static_cast<std::size_t>(window * g.increment);
  const std::size_t shift = static_cast<std::size_t>(std::abs(lag));
  const std::size_t xs = start + (lag < 0 ? shift : 0);
  const std::size_t ys = start + (lag < 0 ? 0 : shift);
  return PearsonComplete(
      std::span<const double>(x).subspan(xs, static_cast<std::size_t>(g.window)),
      std::span<const double>(y).subspan(ys, static_cast<std::size_t>(g.window)));
}

CcfOptions SmallOptions() {
  CcfOptions o;
  o.fps = 10;
  o.window_seconds = 6;
  o.increment_seconds = 3;
  o.lag_seconds = 1.2;
  return o;
}

TEST(Ccf, HandComputedSmallCase) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> y = {2, 1, 4, 3, 6};
  CcfOptions o;
  o.fps = 1;
  o.window_seconds = 4;
  o.increment_seconds = 1;
  o.lag_seconds = 1;
  auto m = ComputeCcf(x, y, o);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->geometry.n_windows, 1);
  EXPECT_NEAR(m->at(0, 0), 0.6, 1e-15);                  // lag -1: x 2,3,4,5 with y 2,1,4,3
  EXPECT_NEAR(m->at(0, 1), 0.6, 1e-15);                  // lag 0: 1,2,3,4 with 2,1,4,3
  EXPECT_NEAR(m->at(0, 2), 7 / std::sqrt(65.0), 1e-15);  // lag +1: 1,2,3,4 with 1,4,3,6
}

TEST(Ccf, CountsWindowsAsRmea) {
  CcfOptions o;  // 25 fps, 60 s window, 30 s increment, 5 s lag
  auto g = MakeCcfGeometry(o, 15000);
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->window, 1500);
  EXPECT_EQ(g->max_lag, 125);
  EXPECT_EQ(g->n_lags(), 251);
  EXPECT_EQ(g->n_windows, 18);  // ceiling((15000 - 1500 - 125 + 1) / 750)
  EXPECT_FALSE(MakeCcfGeometry(o, 1624).has_value());
  EXPECT_TRUE(MakeCcfGeometry(o, 1625).has_value());
}

TEST(Ccf, RejectsSecondsThatAreNotWholeSamples) {
  CcfOptions o;
  o.lag_seconds = 0.01;  // a quarter of a sample at 25 fps
  auto g = MakeCcfGeometry(o, 100000);
  ASSERT_FALSE(g.has_value());
  EXPECT_NE(g.error().message.find("--lag"), std::string::npos);
}

TEST(Ccf, EveryCellMatchesTheDefinition) {
  std::vector<double> x, y;
  MakeDyad(400, 7, x, y);
  for (bool compat : {false, true}) {
    CcfOptions o = SmallOptions();
    o.rmea_compat = compat;
    auto m = ComputeCcf(x, y, o);
    ASSERT_TRUE(m.has_value());
    for (int w = 0; w < m->geometry.n_windows; ++w) {
      for (int c = 0; c < m->geometry.n_lags(); ++c) {
        EXPECT_NEAR(m->at(w, c), ReferenceCell(x, y, m->geometry, w, c - m->geometry.max_lag),
                    1e-13)
            << "window " << w << " column " << c;
      }
    }
  }
}

TEST(Ccf, LagZeroEqualsPearson) {
  std::vector<double> x, y;
  MakeDyad(1000, 3, x, y);
  auto m = ComputeCcf(x, y, SmallOptions());
  ASSERT_TRUE(m.has_value());
  for (int w = 0; w < m->geometry.n_windows; ++w) {
    const auto start = static_cast<std::size_t>(w * m->geometry.increment);
    const auto len = static_cast<std::size_t>(m->geometry.window);
    const double r = PearsonComplete(std::span<const double>(x).subspan(start, len),
                                     std::span<const double>(y).subspan(start, len));
    EXPECT_NEAR(m->at(w, m->geometry.max_lag), r, 1e-13);
  }
}

TEST(Ccf, StaysExactWhereTheLevelIsFarFromTheSessionMean) {
  // The first half sits 1e6 above the second, with an SD near 30: sums centred on the session
  // mean would lose about ten digits there, so those windows must be recomputed exactly.
  std::vector<double> x, y;
  MakeDyad(400, 11, x, y);
  for (std::size_t i = 0; i < 200; ++i) {
    x[i] += 1e6;
    y[i] += 1e6;
  }
  std::vector<double> x0(x), y0(y);
  for (std::size_t i = 0; i < 200; ++i) {
    x0[i] -= 1e6;  // exact: both values lie within a factor of two
    y0[i] -= 1e6;
  }
  auto m = ComputeCcf(x, y, SmallOptions());
  ASSERT_TRUE(m.has_value());
  for (int w = 0; w <= 4; ++w) {  // windows wholly inside the high half
    for (int c = 0; c < m->geometry.n_lags(); ++c) {
      EXPECT_NEAR(m->at(w, c), ReferenceCell(x0, y0, m->geometry, w, c - m->geometry.max_lag),
                  1e-12);
    }
  }
}

TEST(Ccf, SwappingPersonsMirrorsLags) {
  std::vector<double> x, y;
  MakeDyad(500, 5, x, y);
  auto a = ComputeCcf(x, y, SmallOptions());
  auto b = ComputeCcf(y, x, SmallOptions());
  ASSERT_TRUE(a.has_value() && b.has_value());
  const int n_lags = a->geometry.n_lags();
  for (int w = 0; w < a->geometry.n_windows; ++w) {
    for (int c = 0; c < n_lags; ++c) {
      EXPECT_NEAR(a->at(w, c), b->at(w, n_lags - 1 - c), 1e-13);
    }
  }
}

TEST(Ccf, DelayedCopyPeaksAtThatLag) {
  std::vector<double> x, noise;
  MakeDyad(600, 9, x, noise);
  const int k = 4;
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = i >= k ? x[i - k] : 0;  // person 2 follows
  auto m = ComputeCcf(x, y, SmallOptions());
  ASSERT_TRUE(m.has_value());
  const CcfSummary s = Summarize(*m);
  for (int w = 0; w < m->geometry.n_windows; ++w) {
    EXPECT_DOUBLE_EQ(s.peak_lag[static_cast<std::size_t>(w)], k / 10.0) << "window " << w;
    EXPECT_NEAR(s.peak[static_cast<std::size_t>(w)], 1.0, 1e-12);
  }
}

TEST(Ccf, ConstantWindowIsMissing) {
  std::vector<double> x, y;
  MakeDyad(400, 2, x, y);
  for (std::size_t i = 0; i < 100; ++i) x[i] = 7;  // person 1 still for the first 10 s
  auto m = ComputeCcf(x, y, SmallOptions());
  ASSERT_TRUE(m.has_value());
  for (int c = 0; c < m->geometry.n_lags(); ++c) EXPECT_TRUE(IsMissing(m->at(0, c)));
  const CcfSummary s = Summarize(*m);
  EXPECT_TRUE(IsMissing(s.all_lags[0]));
  EXPECT_TRUE(IsMissing(s.peak_lag[0]));
  EXPECT_FALSE(IsMissing(s.all_lags[2]));
  EXPECT_TRUE(std::isfinite(s.grand_average));
}

TEST(Ccf, WindowMoreThanHalfMissingIsMissing) {
  std::vector<double> x, y;
  MakeDyad(400, 4, x, y);
  for (std::size_t i = 0; i < 45; ++i) y[i] = kNaN;  // 45 of window 0's 72 samples
  for (bool compat : {false, true}) {
    CcfOptions o = SmallOptions();
    o.rmea_compat = compat;
    auto m = ComputeCcf(x, y, o);
    ASSERT_TRUE(m.has_value());
    for (int c = 0; c < m->geometry.n_lags(); ++c) EXPECT_TRUE(IsMissing(m->at(0, c)));
    EXPECT_FALSE(IsMissing(m->at(1, 0)));
  }
}

TEST(Ccf, FewMissingSamplesUseCompleteCases) {
  std::vector<double> x, y;
  MakeDyad(400, 8, x, y);
  x[10] = kNaN;
  y[20] = kNaN;
  for (bool compat : {false, true}) {
    CcfOptions o = SmallOptions();
    o.rmea_compat = compat;
    auto m = ComputeCcf(x, y, o);
    ASSERT_TRUE(m.has_value());
    for (int c = 0; c < m->geometry.n_lags(); ++c) {
      EXPECT_NEAR(m->at(0, c), ReferenceCell(x, y, m->geometry, 0, c - m->geometry.max_lag), 1e-13);
    }
  }
}

TEST(Ccf, FisherZIsClampedAtTen) {
  std::vector<double> x, unused;
  MakeDyad(400, 6, x, unused);
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = 2 * x[i] + 1;
  CcfOptions o = SmallOptions();
  o.fisher_z = true;
  auto m = ComputeCcf(x, y, o);
  ASSERT_TRUE(m.has_value());
  EXPECT_DOUBLE_EQ(m->at(0, m->geometry.max_lag), 10.0);
  o.absolute = true;
  auto negative = ComputeCcf(x, std::vector<double>(y.rbegin(), y.rend()), o);
  ASSERT_TRUE(negative.has_value());
  for (double v : negative->values) EXPECT_TRUE(IsMissing(v) || v >= 0);
}

TEST(Ccf, RmeaCompatMissesNearlyIdenticalSeries) {
  std::vector<double> x, unused;
  MakeDyad(400, 12, x, unused);
  std::vector<double> y = x;
  y[5] += 1;  // one difference at lag 0 in window 0
  CcfOptions o = SmallOptions();
  auto clean = ComputeCcf(x, y, o);
  o.rmea_compat = true;
  auto compat = ComputeCcf(x, y, o);
  ASSERT_TRUE(clean.has_value() && compat.has_value());
  const int zero = clean->geometry.max_lag;
  EXPECT_GT(clean->at(0, zero), 0.99);
  EXPECT_TRUE(IsMissing(compat->at(0, zero)));
  EXPECT_FALSE(IsMissing(compat->at(0, zero + 1)));
}

TEST(Ccf, ThreadCountDoesNotChangeAnyValue) {
  std::vector<double> x, y;
  MakeDyad(20000, 13, x, y);
  CcfOptions o;
  auto one = ComputeCcf(x, y, o);
  o.threads = 3;
  auto three = ComputeCcf(x, y, o);
  ASSERT_TRUE(one.has_value() && three.has_value());
  ASSERT_EQ(one->values.size(), three->values.size());
  for (std::size_t i = 0; i < one->values.size(); ++i) {
    EXPECT_EQ(std::memcmp(&one->values[i], &three->values[i], sizeof(double)), 0) << i;
  }
}

TEST(Ccf, SummariesFollowRmeaColumns) {
  CcfMatrix m;
  m.fps = 1;
  m.geometry = CcfGeometry{4, 2, 2, 2};
  m.values = {0.1,  0.2,  0.3,  0.4,  0.5,  //
              kNaN, kNaN, kNaN, kNaN, kNaN};
  const CcfSummary s = Summarize(m);
  EXPECT_DOUBLE_EQ(s.all_lags[0], 0.3);
  EXPECT_DOUBLE_EQ(s.lag_zero[0], 0.3);
  EXPECT_DOUBLE_EQ(s.s1_lead[0], 0.45);  // lags +1, +2
  EXPECT_DOUBLE_EQ(s.s2_lead[0], 0.15);  // lags -2, -1
  EXPECT_DOUBLE_EQ(s.s1_lead_0[0], 0.4);
  EXPECT_DOUBLE_EQ(s.s2_lead_0[0], 0.2);
  EXPECT_DOUBLE_EQ(s.peak[0], 0.5);
  EXPECT_DOUBLE_EQ(s.peak_lag[0], 2);
  EXPECT_TRUE(IsMissing(s.all_lags[1]));
  EXPECT_DOUBLE_EQ(s.grand_average, 0.3);
  const SessionSynchrony session = SummarizeSession(s);
  EXPECT_DOUBLE_EQ(session.all_lags, 0.3);
  EXPECT_DOUBLE_EQ(session.peak, 0.5);
}

TEST(CcfCsv, HasAHeaderOfLagsAndARowPerWindowWithNaForMissingValues) {
  CcfMatrix m;
  m.fps = 2;
  m.geometry.max_lag = 1;
  m.geometry.window = 4;
  m.geometry.increment = 2;
  m.geometry.n_windows = 2;
  m.values = {0.1, -0.25, 1.0 / 3, kNaN, 0.5, 1e-7};
  EXPECT_EQ(CcfMatrixCsv(m),
            "start_s,-0.5,0,0.5\n"
            "0,0.1,-0.25,0.3333333333333333\n"
            "1,NA,0.5,1e-07\n");
}

TEST(CcfCsv, EveryValueReadsBackAsTheSameDouble) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> uniform(-1, 1);
  CcfMatrix m;
  m.geometry.max_lag = 2;
  m.geometry.window = 10;
  m.geometry.increment = 5;
  m.geometry.n_windows = 40;
  for (int i = 0; i < 40 * 5; ++i) m.values.push_back(std::atanh(uniform(rng)));
  const std::string csv = CcfMatrixCsv(m);
  std::vector<double> read;
  std::size_t line_start = csv.find('\n') + 1;
  while (line_start < csv.size()) {
    const std::size_t line_end = csv.find('\n', line_start);
    std::size_t cell = csv.find(',', line_start) + 1;  // past the window start
    while (cell < line_end) {
      const std::size_t next = std::min(csv.find(',', cell), line_end);
      read.push_back(std::stod(csv.substr(cell, next - cell)));
      cell = next + 1;
    }
    line_start = line_end + 1;
  }
  ASSERT_EQ(read.size(), m.values.size());
  for (std::size_t i = 0; i < read.size(); ++i) EXPECT_EQ(read[i], m.values[i]) << i;
}

}  // namespace
}  // namespace rapport
