#include "analysis/sync_surrogate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

namespace rapport {
namespace {

DyadSeries MakeSession(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise;
  DyadSeries d;
  d.fps = 10;
  double a = 0, b = 0;
  for (std::size_t i = 0; i < n; ++i) {
    a = 0.8 * a + noise(rng);
    b = 0.8 * b + noise(rng) + (i >= 2 ? 0.5 * d.s1[i - 2] : 0);
    d.s1.push_back(std::abs(a));
    d.s2.push_back(std::abs(b));
  }
  return d;
}

CcfOptions SmallCcf() {
  CcfOptions o;
  o.fps = 10;
  o.window_seconds = 6;
  o.increment_seconds = 3;
  o.lag_seconds = 1;
  o.fisher_z = true;
  o.absolute = true;
  return o;
}

TEST(SplitMix64, BelowStaysInRangeAndStreamsDiffer) {
  SplitMix64 a = SurrogateStream(42, 0), b = SurrogateStream(42, 1);
  EXPECT_NE(a.Next(), b.Next());
  for (int i = 0; i < 1000; ++i) EXPECT_LT(a.Below(7), 7u);
  SplitMix64 c = SurrogateStream(42, 0), d = SurrogateStream(42, 0);
  EXPECT_EQ(c.Next(), d.Next());
}

TEST(ShuffleSegments, ReordersWholeSegmentsOfEachPerson) {
  DyadSeries d;
  d.fps = 1;
  for (int i = 0; i < 23; ++i) {
    d.s1.push_back(i);
    d.s2.push_back(100 + i);
  }
  SplitMix64 rng = SurrogateStream(1, 0);
  auto s = ShuffleSegments(d, 5, rng);
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->size(), 20u);  // the partial last segment is dropped
  std::multiset<double> original(d.s1.begin(), d.s1.begin() + 20),
      shuffled(s->s1.begin(), s->s1.end());
  EXPECT_EQ(original, shuffled);
  for (std::size_t seg = 0; seg < 4; ++seg) {
    const double first = s->s1[seg * 5];
    EXPECT_EQ(static_cast<int>(first) % 5, 0);  // segments start on a boundary
    for (std::size_t k = 1; k < 5; ++k)
      EXPECT_EQ(s->s1[seg * 5 + k], first + static_cast<double>(k));
  }
  EXPECT_NE(s->s1, std::vector<double>(d.s1.begin(), d.s1.begin() + 20));
}

TEST(SegmentSurrogates, SameSeedSameResultForAnyThreadCount) {
  const DyadSeries d = MakeSession(900, 3);
  SurrogateOptions o;
  o.count = 12;
  o.seed = 99;
  o.segment_seconds = 3;
  o.threads = 1;
  auto one = RunSegmentSurrogates(d, SmallCcf(), o);
  o.threads = 3;
  auto three = RunSegmentSurrogates(d, SmallCcf(), o);
  ASSERT_TRUE(one.has_value() && three.has_value());
  for (std::size_t i = 0; i < one->size(); ++i) {
    for (int f = 0; f < kSessionSynchronyFields; ++f) {
      EXPECT_EQ(SessionSynchronyValue((*one)[i], f), SessionSynchronyValue((*three)[i], f));
    }
  }
  o.seed = 100;
  auto other = RunSegmentSurrogates(d, SmallCcf(), o);
  ASSERT_TRUE(other.has_value());
  EXPECT_NE((*one)[0].grand_average, (*other)[0].grand_average);
}

// Many surrogates take the segment-pair table; each must equal a fresh cross-correlation of
// the same shuffled series.
void ExpectTableMatchesFreshComputation(const CcfOptions& ccf, double segment_seconds) {
  const DyadSeries d = MakeSession(905, 8);
  SurrogateOptions o;
  o.count = 40;  // more surrogates than segments: the table applies
  o.seed = 21;
  o.segment_seconds = segment_seconds;
  o.threads = 2;
  auto fast = RunSegmentSurrogates(d, ccf, o);
  ASSERT_TRUE(fast.has_value()) << fast.error().message;
  for (int i = 0; i < o.count; ++i) {
    SplitMix64 rng = SurrogateStream(o.seed, static_cast<std::uint64_t>(i));
    auto shuffled = ShuffleSegments(d, static_cast<int>(segment_seconds * d.fps), rng);
    ASSERT_TRUE(shuffled.has_value());
    auto m = ComputeCcf(shuffled->s1, shuffled->s2, ccf);
    ASSERT_TRUE(m.has_value());
    const SessionSynchrony fresh = SummarizeSession(Summarize(*m));
    for (int f = 0; f < kSessionSynchronyFields; ++f) {
      EXPECT_NEAR(SessionSynchronyValue((*fast)[static_cast<std::size_t>(i)], f),
                  SessionSynchronyValue(fresh, f), 1e-12)
          << "surrogate " << i << " " << SessionSynchronyName(f);
    }
  }
}

TEST(SegmentSurrogates, PairTableMatchesFreshComputation) {
  ExpectTableMatchesFreshComputation(SmallCcf(), 3);  // one block per segment
  CcfOptions fine = SmallCcf();
  fine.increment_seconds = 1.5;  // blocks of 15 samples, two per 30-sample segment
  fine.lag_seconds = 2;          // the lag spans more than a block
  fine.fisher_z = false;
  fine.absolute = false;
  ExpectTableMatchesFreshComputation(fine, 3);
  fine.rmea_compat = true;
  ExpectTableMatchesFreshComputation(fine, 6);
}

TEST(SegmentSurrogates, RealCouplingStandsAboveShuffledSegments) {
  const DyadSeries d = MakeSession(3000, 4);
  auto real = ComputeCcf(d.s1, d.s2, SmallCcf());
  ASSERT_TRUE(real.has_value());
  SurrogateOptions o;
  o.count = 40;
  o.segment_seconds = 6;
  auto surrogates = RunSegmentSurrogates(d, SmallCcf(), o);
  ASSERT_TRUE(surrogates.has_value());
  std::vector<double> peaks;
  for (const SessionSynchrony& s : *surrogates) peaks.push_back(s.peak);
  const double real_peak = SummarizeSession(Summarize(*real)).peak;
  const SurrogateComparison c = CompareToSurrogates(std::vector<double>{real_peak}, peaks);
  EXPECT_GT(c.z, 3);
  EXPECT_DOUBLE_EQ(c.percentile, 100);
}

TEST(CompareToSurrogates, HandComputedDistribution) {
  const SurrogateComparison c =
      CompareToSurrogates(std::vector<double>{3}, std::vector<double>{1, 2, 3, 4});
  EXPECT_DOUBLE_EQ(c.mean, 2.5);
  EXPECT_NEAR(c.sd, std::sqrt(5.0 / 3), 1e-15);
  EXPECT_NEAR(c.z, 0.5 / std::sqrt(5.0 / 3), 1e-15);
  EXPECT_DOUBLE_EQ(c.percentile, 62.5);  // two below, one tie
  EXPECT_DOUBLE_EQ(c.effect_size, c.z);
  EXPECT_EQ(c.n, 4);
}

TEST(CompareToSurrogates, EffectSizeUsesPooledSdForSeveralSessions) {
  const SurrogateComparison c =
      CompareToSurrogates(std::vector<double>{4, 6}, std::vector<double>{1, 3});
  // Means 5 and 2, both SDs sqrt(2): d = 3 / sqrt(2).
  EXPECT_NEAR(c.effect_size, 3 / std::sqrt(2.0), 1e-15);
}

TEST(PseudoPairs, AllPairsOfDifferentSessionsOrASeededSample) {
  const std::vector<PseudoPair> all = ChoosePseudoPairs(4, 0, 1);
  EXPECT_EQ(all.size(), 12u);
  for (const PseudoPair& p : all) EXPECT_NE(p.p1_session, p.p2_session);
  const std::vector<PseudoPair> some = ChoosePseudoPairs(4, 5, 7);
  EXPECT_EQ(some.size(), 5u);
  EXPECT_EQ(some, ChoosePseudoPairs(4, 5, 7));
  std::set<std::pair<int, int>> distinct;
  for (const PseudoPair& p : some) distinct.insert({p.p1_session, p.p2_session});
  EXPECT_EQ(distinct.size(), 5u);
}

TEST(PseudoPairs, SummariesAreIndependentOfThreads) {
  std::vector<DyadSeries> sessions = {MakeSession(700, 1), MakeSession(650, 2),
                                      MakeSession(800, 3)};
  const std::vector<PseudoPair> pairs = ChoosePseudoPairs(3, 0, 1);
  auto a = RunPseudoPairs(sessions, pairs, SmallCcf(), 1);
  auto b = RunPseudoPairs(sessions, pairs, SmallCcf(), 4);
  ASSERT_EQ(a.size(), 6u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].grand_average, b[i].grand_average);
}

TEST(Susy, LagZeroOfRealSegmentsIsMeanFisherZOfSegmentPearson) {
  const DyadSeries d = MakeSession(600, 5);
  SusyOptions o;
  o.fps = 10;
  o.segment_seconds = 10;  // 100 samples, 6 segments
  o.max_lag_seconds = 1;
  auto r = ComputeSusy(d, o);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->n_segments, 6);
  EXPECT_EQ(r->n_lags, 21);
  double expected = 0;
  for (int i = 0; i < 6; ++i) {
    const auto off = static_cast<std::size_t>(i * 100);
    const double p = PearsonComplete(std::span<const double>(d.s1).subspan(off, 100),
                                     std::span<const double>(d.s2).subspan(off, 100));
    expected += std::atanh(p);
  }
  EXPECT_NEAR(r->real_z[10], expected / 6, 1e-12);
  EXPECT_GT(r->zabs, r->pseudo_zabs_mean);  // person 2 follows person 1 by 0.2 s
  EXPECT_GT(r->es_abs, 0);
  EXPECT_GT(r->zabs_lead1, r->zabs_lead2);  // person 1 leads: negative lags of ccf(a, b)
}

TEST(Susy, RejectsSegmentsShorterThanTwiceTheLag) {
  const DyadSeries d = MakeSession(600, 5);
  SusyOptions o;
  o.fps = 10;
  o.segment_seconds = 1;
  o.max_lag_seconds = 1;
  EXPECT_FALSE(ComputeSusy(d, o).has_value());
}

}  // namespace
}  // namespace rapport
