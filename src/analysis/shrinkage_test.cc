#include "analysis/shrinkage.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

namespace rapport {
namespace {

constexpr double kTight = 1e-12;

// --- BetaQuantile -----------------------------------------------------------------------------

TEST(BetaQuantileTest, TheUniformQuantileIsTheProbability) {
  for (double q : {1e-9, 0.025, 0.3, 0.5, 0.975, 1 - 1e-9}) {
    EXPECT_NEAR(BetaQuantile(1, 1, q), q, kTight) << q;
  }
}

TEST(BetaQuantileTest, ASymmetricBetaHasItsMedianAtOneHalf) {
  EXPECT_NEAR(BetaQuantile(2, 2, 0.5), 0.5, kTight);
  EXPECT_NEAR(BetaQuantile(7.3, 7.3, 0.5), 0.5, kTight);
  EXPECT_NEAR(BetaQuantile(0.2, 0.2, 0.5), 0.5, kTight);
}

TEST(BetaQuantileTest, TheArcsineQuantileIsTheSquaredSine) {
  // Beta(1/2, 1/2) has F(x) = (2/π) asin(√x), so its q-quantile is sin²(πq/2).
  for (double q : {1e-6, 0.025, 0.1, 0.5, 0.9, 0.975, 1 - 1e-6}) {
    const double s = std::sin(std::numbers::pi * q / 2);
    EXPECT_NEAR(BetaQuantile(0.5, 0.5, q), s * s, kTight) << q;
  }
}

TEST(BetaQuantileTest, AShapeOfOneHasAClosedForm) {
  // Beta(a, 1) has F(x) = x^a, and Beta(1, b) has F(x) = 1 - (1 - x)^b. The very large and very
  // small shapes reach the tails of the continued fraction and of the starting guess.
  for (double shape : {0.01, 0.5, 3.0, 40.0, 1e4, 1e9}) {
    for (double q : {0.025, 0.5, 0.975}) {
      EXPECT_NEAR(BetaQuantile(shape, 1, q), std::pow(q, 1 / shape), kTight) << shape << " " << q;
      EXPECT_NEAR(BetaQuantile(1, shape, q), -std::expm1(std::log1p(-q) / shape), kTight)
          << shape << " " << q;
    }
  }
}

TEST(BetaQuantileTest, MatchesHighPrecisionValues) {
  // From a bisection at 30 significant digits on the regularized incomplete beta (by its
  // hypergeometric series; for the large shapes, by quadrature of the density, and for integer
  // shapes checked against the binomial sum I_x(a, b) = P(Binomial(a + b - 1, x) >= a)).
  struct Case {
    double a, b, q, quantile;
  };
  const std::vector<Case> cases = {
      {2, 5, 0.975, 0.64123457899767479},
      {2, 5, 0.025, 0.043271868292741679},
      {0.5, 10.5, 0.025, 4.7890433157581895e-5},
      {0.5, 10.5, 0.975, 0.21719626750921052},
      {89.0 / 26, 245.0 / 26, 0.025, 0.073566727840546289},
      {89.0 / 26, 245.0 / 26, 0.975, 0.52761509300824363},
      {50, 50, 0.025, 0.40269791659005755},
      {1000, 3000, 0.975, 0.26353457381523409},
      {3, 7, 1e-12, 2.2834339121449881e-5},
      {1e5, 3e5, 0.025, 0.24865929110881049},
      {100, 1e8, 0.975, 1.2052881545533173e-6},
      {1e4, 1e10, 0.025, 9.8049427584291901e-7},
      // Either side of the switch to the Cornish-Fisher expansion.
      {9.9e5, 2e6, 0.025, 0.33057036040780997},
      {1e6, 2e6, 0.025, 0.33280000407595495},
      {1e6, 2e6, 0.975, 0.33386687306914447},
      {3e6, 1e9, 0.025, 0.002987648320132085},
      {1e6, 1e12, 0.975, 1.001959908023666e-6},
  };
  for (const Case& c : cases) {
    EXPECT_NEAR(BetaQuantile(c.a, c.b, c.q), c.quantile, kTight) << c.a << " " << c.b << " " << c.q;
  }
}

TEST(BetaQuantileTest, SwappingTheShapesMirrorsTheQuantile) {
  for (double q : {0.025, 0.3, 0.975}) {
    EXPECT_NEAR(BetaQuantile(3.5, 0.7, q), 1 - BetaQuantile(0.7, 3.5, 1 - q), kTight) << q;
    EXPECT_NEAR(BetaQuantile(12, 30, q), 1 - BetaQuantile(30, 12, 1 - q), kTight) << q;
  }
}

TEST(BetaQuantileTest, ProbabilitiesAtTheEndsAndInfiniteShapesGiveTheEndsAndBadShapesNaN) {
  EXPECT_EQ(BetaQuantile(2, 3, 0), 0);
  EXPECT_EQ(BetaQuantile(2, 3, 1), 1);
  EXPECT_TRUE(std::isnan(BetaQuantile(0, 3, 0.5)));
  EXPECT_TRUE(std::isnan(BetaQuantile(2, -1, 0.5)));
  EXPECT_TRUE(std::isnan(BetaQuantile(2, 3, std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(BetaQuantile(std::numeric_limits<double>::infinity(), 3, 0.5), 1);
  EXPECT_EQ(BetaQuantile(2, std::numeric_limits<double>::infinity(), 0.5), 0);
}

// --- Rates ------------------------------------------------------------------------------------

// Three therapists with 2, 5 and 8 reliable improvements in 10 measured episodes each.
//   p = 15/30 = 0.5; raw rates 0.2, 0.5, 0.8 with mean 0.5
//   s² = (0.3² + 0 + 0.3²) / (3 - 1) = 0.09          (sample variance, k - 1 in the denominator)
//   mean(1/n) = 0.1, so τ² = 0.09 - 0.25·0.1 = 0.065
//   m = 0.25/0.065 - 1 = 37/13 = 2.846..., m·p = 37/26
//   2/10: (2 + 37/26) / (10 + 37/13) = (89/26) / (167/13) = 89/334 = 0.26647
//   5/10: (5 + 37/26) / (167/13) = 1/2;  8/10: (8 + 37/26) / (167/13) = 245/334 = 0.73353
const std::vector<RateCount> kSpreadRates = {{2, 10}, {5, 10}, {8, 10}};

TEST(ShrinkageTest, TheRatePriorMatchesTheWorkedExample) {
  const RatePrior prior = FitRatePrior(kSpreadRates);
  EXPECT_NEAR(prior.p, 0.5, kTight);
  EXPECT_NEAR(prior.tau2, 0.065, kTight);
  EXPECT_NEAR(prior.m, 37.0 / 13, 1e-9);
}

TEST(ShrinkageTest, ShrunkRatesMatchTheWorkedExample) {
  const RatePrior prior = FitRatePrior(kSpreadRates);
  const ShrunkRate low = ShrinkRate(prior, {2, 10});
  EXPECT_DOUBLE_EQ(low.raw, 0.2);
  EXPECT_NEAR(low.estimate, 89.0 / 334, 1e-9);
  EXPECT_NEAR(ShrinkRate(prior, {5, 10}).estimate, 0.5, 1e-9);
  EXPECT_NEAR(ShrinkRate(prior, {8, 10}).estimate, 245.0 / 334, 1e-9);

  // The interval is that of Beta(2 + 37/26, 8 + 37/26) = Beta(89/26, 245/26), and the standard
  // error its standard deviation: ab / ((a + b)²(a + b + 1)) = 283465 / 20080080.
  EXPECT_NEAR(low.lower, 0.073566727840546289, 1e-9);
  EXPECT_NEAR(low.upper, 0.52761509300824363, 1e-9);
  EXPECT_NEAR(low.standard_error, std::sqrt(283465.0 / 20080080), 1e-9);
  // 8/10 mirrors 2/10 about p = 1/2.
  const ShrunkRate high = ShrinkRate(prior, {8, 10});
  EXPECT_NEAR(high.lower, 1 - low.upper, 1e-9);
  EXPECT_NEAR(high.upper, 1 - low.lower, 1e-9);
}

TEST(ShrinkageTest, ATherapistWithFewEpisodesIsPulledMostTowardsTheClinic) {
  // The same raw rate of 0.2 from 10 and from 100 episodes, under the worked example's prior:
  //   2/10:   89/334                          = 0.26647
  //   20/100: (20 + 37/26) / (100 + 37/13)    = 557/2674 = 0.20830
  const RatePrior prior = FitRatePrior(kSpreadRates);
  const ShrunkRate few = ShrinkRate(prior, {2, 10});
  const ShrunkRate many = ShrinkRate(prior, {20, 100});
  EXPECT_NEAR(many.estimate, 557.0 / 2674, 1e-9);
  EXPECT_GT(few.estimate - few.raw, many.estimate - many.raw);
  EXPECT_GT(few.upper - few.lower, many.upper - many.lower);
  EXPECT_GT(few.standard_error, many.standard_error);
}

TEST(ShrinkageTest, RatesWithinBinomialNoiseShrinkToTheClinicRateAndKeepAnHonestInterval) {
  // 3/10, 3/10, 4/10: p = 1/3; s² = ((1/30)² + (1/30)² + (2/30)²) / 2 = 1/300 = 0.0033, below
  // the binomial's p(1 - p)·mean(1/n) = (2/9)·0.1 = 0.022, so τ² = 0: the prior would weigh
  // infinitely, and is capped at the clinic's 30 episodes, m·p = 10.
  //   3/10: (3 + 10) / (10 + 30) = 13/40, Beta(13, 27), sd² = 13·27 / (40²·41) = 351/65600
  //   4/10: (4 + 10) / 40 = 14/40
  const std::vector<RateCount> groups = {{3, 10}, {3, 10}, {4, 10}};
  const RatePrior prior = FitRatePrior(groups);
  EXPECT_NEAR(prior.p, 1.0 / 3, kTight);
  EXPECT_EQ(prior.tau2, 0);
  EXPECT_EQ(prior.m, 30);
  const ShrunkRate three = ShrinkRate(prior, {3, 10});
  EXPECT_NEAR(three.estimate, 13.0 / 40, kTight);
  EXPECT_NEAR(three.standard_error, std::sqrt(351.0 / 65600), kTight);
  EXPECT_NEAR(three.lower, BetaQuantile(13, 27, 0.025), kTight);
  EXPECT_LT(three.lower, three.estimate);
  EXPECT_GT(three.upper, three.estimate);
  EXPECT_NEAR(ShrinkRate(prior, {4, 10}).estimate, 14.0 / 40, kTight);
  EXPECT_DOUBLE_EQ(ShrinkRate(prior, {4, 10}).raw, 0.4);
}

TEST(ShrinkageTest, NoEventsAnywhereOrOnlyEventsLeaveNoSpread) {
  for (const bool all : {false, true}) {
    const std::vector<RateCount> groups = {
        {all ? 10 : 0, 10}, {all ? 4 : 0, 4}, {all ? 25 : 0, 25}};
    const RatePrior prior = FitRatePrior(groups);
    const double p = all ? 1 : 0;
    EXPECT_EQ(prior.p, p);
    EXPECT_EQ(prior.tau2, 0);
    EXPECT_EQ(prior.m, 39);
    // Beta(x + m p, ...) has a zero shape, so the interval is Jeffreys' on the group's own 4:
    // still p as the estimate, but not certain of it.
    const ShrunkRate s = ShrinkRate(prior, groups[1]);
    EXPECT_EQ(s.estimate, p);
    EXPECT_NEAR(all ? s.lower : s.upper,
                all ? 1 - BetaQuantile(0.5, 4.5, 0.975) : BetaQuantile(0.5, 4.5, 0.975), kTight);
    EXPECT_GT(s.standard_error, 0);
  }
}

TEST(ShrinkageTest, GroupsApartBeyondBinomialSpreadAreNotShrunk) {
  // 0/10 and 10/10: p = 0.5, s² = (0.5² + 0.5²) / 1 = 0.5, τ² = 0.5 - 0.25·0.1 = 0.475, and
  // m = 0.25/0.475 - 1 < 0 is clamped to 0: each estimate is its raw rate. Beta(0, 10) is
  // improper, so the interval is Jeffreys', Beta(1/2, 10 + 1/2).
  const std::vector<RateCount> groups = {{0, 10}, {10, 10}};
  const RatePrior prior = FitRatePrior(groups);
  EXPECT_NEAR(prior.tau2, 0.475, kTight);
  EXPECT_EQ(prior.m, 0);
  const ShrunkRate none = ShrinkRate(prior, groups[0]);
  EXPECT_EQ(none.estimate, 0);
  EXPECT_NEAR(none.lower, 4.7890433157581895e-5, 1e-9);
  EXPECT_NEAR(none.upper, 0.21719626750921052, 1e-9);
  // sqrt(ab / ((a + b)²(a + b + 1))) with a = 1/2, b = 21/2: sqrt(5.25 / (121·12)).
  EXPECT_NEAR(none.standard_error, std::sqrt(5.25 / (121.0 * 12)), kTight);
  const ShrunkRate all = ShrinkRate(prior, groups[1]);
  EXPECT_EQ(all.estimate, 1);
  EXPECT_NEAR(all.lower, 1 - 0.21719626750921052, 1e-9);
  EXPECT_NEAR(all.upper, 1 - 4.7890433157581895e-5, 1e-9);
  // With x strictly inside, m = 0 leaves a proper Beta(x, n - x): 3/10 gives Beta(3, 7).
  const ShrunkRate some = ShrinkRate(prior, {3, 10});
  EXPECT_DOUBLE_EQ(some.estimate, 0.3);
  EXPECT_NEAR(some.lower, BetaQuantile(3, 7, 0.025), kTight);
}

TEST(ShrinkageTest, EmptyGroupsAreSkippedAndASingleGroupHasNoSpread) {
  const std::vector<RateCount> with_empty = {{2, 10}, {0, 0}, {5, 10}, {8, 10}};
  const RatePrior prior = FitRatePrior(with_empty);
  EXPECT_NEAR(prior.tau2, 0.065, kTight);
  EXPECT_NEAR(prior.m, 37.0 / 13, 1e-9);

  const std::vector<RateCount> one = {{3, 12}, {0, 0}};
  const RatePrior single = FitRatePrior(one);
  EXPECT_NEAR(single.p, 0.25, kTight);
  EXPECT_EQ(single.tau2, 0);
  EXPECT_EQ(single.m, 12);

  const RatePrior nothing = FitRatePrior({});
  EXPECT_EQ(nothing.p, 0);
  EXPECT_EQ(nothing.tau2, 0);
}

// --- Means ------------------------------------------------------------------------------------

// Three therapists' mean change (n, mean, variance): A (2, 0, 6), B (3, 4, 3), C (6, 2, 4).
//   σ² = (1·6 + 2·3 + 5·4) / (1 + 2 + 5) = 32/8 = 4
//   v = σ²/n = 2, 4/3, 2/3; W = 1/v = 1/2, 3/4, 3/2; ΣW = 11/4
//   ȳ_FE = Σ W ȳ / ΣW = (0 + 3 + 3) / (11/4) = 24/11
//   Q = ½(24/11)² + ¾(20/11)² + (3/2)(2/11)² = (288 + 300 + 6)/121 = 594/121
//   ΣW² = 1/4 + 9/16 + 9/4 = 49/16; ΣW - ΣW²/ΣW = 11/4 - 49/44 = 18/11
//   τ² = (594/121 - 2) / (18/11) = (352/121)(11/18) = 16/9
//   τ² + v = 34/9, 28/9, 22/9, so ȳ = (4/28 + 2/22) / (1/34 + 1/28 + 1/22) = 408/193 = 2.11399
//   w = τ²/(τ² + v) = 8/17, 4/7, 8/11
//   V, the variance of ȳ: 1 / Σ 1/(τ² + v) = 1 / (9/34 + 9/28 + 9/22) = 5236/5211
//   standard error sqrt(w v + (1 - w)² V): sqrt(16/17 + (81/289)V), sqrt(16/21 + (9/49)V),
//   sqrt(16/33 + (9/121)V)
const std::vector<MeanSummary> kSpreadMeans = {{0, 6, 2}, {4, 3, 3}, {2, 4, 6}};

TEST(ShrinkageTest, TheMeanPriorMatchesTheDerSimonianLairdWorkedExample) {
  const MeanPrior prior = FitMeanPrior(kSpreadMeans);
  EXPECT_NEAR(prior.sigma2, 4, kTight);
  EXPECT_NEAR(prior.tau2, 16.0 / 9, kTight);
  EXPECT_NEAR(prior.mean, 408.0 / 193, kTight);
  EXPECT_NEAR(prior.mean_variance, 5236.0 / 5211, kTight);
}

TEST(ShrinkageTest, ShrunkMeansMatchTheWorkedExample) {
  const MeanPrior prior = FitMeanPrior(kSpreadMeans);
  const double mean = 408.0 / 193;
  const ShrunkMean a = ShrinkMean(prior, kSpreadMeans[0]);
  EXPECT_EQ(a.raw, 0);
  EXPECT_NEAR(a.weight, 8.0 / 17, kTight);
  EXPECT_NEAR(a.estimate, 9.0 / 17 * mean, kTight);
  constexpr double kV = 5236.0 / 5211;
  EXPECT_NEAR(a.standard_error, std::sqrt(16.0 / 17 + 81.0 / 289 * kV), kTight);
  const ShrunkMean b = ShrinkMean(prior, kSpreadMeans[1]);
  EXPECT_NEAR(b.weight, 4.0 / 7, kTight);
  EXPECT_NEAR(b.estimate, 4.0 / 7 * 4 + 3.0 / 7 * mean, kTight);
  EXPECT_NEAR(b.standard_error, std::sqrt(16.0 / 21 + 9.0 / 49 * kV), kTight);
  const ShrunkMean c = ShrinkMean(prior, kSpreadMeans[2]);
  EXPECT_NEAR(c.weight, 8.0 / 11, kTight);
  EXPECT_NEAR(c.estimate, 8.0 / 11 * 2 + 3.0 / 11 * mean, kTight);
  EXPECT_NEAR(c.standard_error, std::sqrt(16.0 / 33 + 9.0 / 121 * kV), kTight);
  // A's two episodes are pulled further, in proportion, than C's six.
  EXPECT_LT(a.weight, c.weight);
}

TEST(ShrinkageTest, MeansThatAgreeWithinNoiseShrinkFullyToTheCommonMean) {
  // n = 10, s² = 4 each: σ² = 4, v = 0.4, W = 2.5; means 1, 1.2, 0.8 give ȳ_FE = 1 and
  // Q = 2.5·(0 + 0.04 + 0.04) = 0.2 < k - 1 = 2, so τ² = 0 and every estimate is 1, known as
  // well as the common mean is: V = 1 / (3 · 1/0.4) = 2/15.
  const std::vector<MeanSummary> groups = {{1, 4, 10}, {1.2, 4, 10}, {0.8, 4, 10}};
  const MeanPrior prior = FitMeanPrior(groups);
  EXPECT_NEAR(prior.sigma2, 4, kTight);
  EXPECT_EQ(prior.tau2, 0);
  EXPECT_NEAR(prior.mean, 1, kTight);
  for (const MeanSummary& g : groups) {
    const ShrunkMean s = ShrinkMean(prior, g);
    EXPECT_EQ(s.weight, 0);
    EXPECT_NEAR(s.estimate, 1, kTight);
    EXPECT_NEAR(s.standard_error, std::sqrt(2.0 / 15), kTight);
  }
}

TEST(ShrinkageTest, WithoutWithinGroupVariationMeansAreNotShrunk) {
  // One episode each: no within-group degrees of freedom, so σ² = 0. τ² is the estimator's limit
  // as σ² → 0, Σ n (ȳ - ȳ_FE)² / (Σn - Σn²/Σn) = (4 + 0 + 4) / (3 - 1) = 4, and with no
  // sampling error each group keeps its own mean (weight 1, standard error 0).
  const std::vector<MeanSummary> groups = {{1, 0, 1}, {3, 0, 1}, {5, 0, 1}};
  const MeanPrior prior = FitMeanPrior(groups);
  EXPECT_EQ(prior.sigma2, 0);
  EXPECT_NEAR(prior.tau2, 4, kTight);
  EXPECT_NEAR(prior.mean, 3, kTight);
  const ShrunkMean s = ShrinkMean(prior, groups[0]);
  EXPECT_EQ(s.weight, 1);
  EXPECT_EQ(s.estimate, 1);
  EXPECT_EQ(s.standard_error, 0);
}

TEST(ShrinkageTest, ASingleGroupIsItsOwnMeanWithNoSpread) {
  const std::vector<MeanSummary> groups = {{2.5, 9, 4}, {7, 1, 0}};  // the empty group is skipped
  const MeanPrior prior = FitMeanPrior(groups);
  EXPECT_NEAR(prior.sigma2, 9, kTight);
  EXPECT_EQ(prior.tau2, 0);
  EXPECT_EQ(prior.mean, 2.5);
  const ShrunkMean s = ShrinkMean(prior, groups[0]);
  EXPECT_EQ(s.weight, 0);
  EXPECT_EQ(s.estimate, 2.5);
  EXPECT_NEAR(s.standard_error, 1.5, kTight);  // its own mean's: sqrt(9/4)
}

}  // namespace
}  // namespace rapport
