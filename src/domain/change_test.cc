#include "domain/change.h"

#include <gtest/gtest.h>

#include <cmath>

#include "domain/test_instruments.h"

namespace rapport {
namespace {

using testing_support::ShippedInstrument;

TEST(ReliableChange, JacobsonTruaxIndexOnThePsc17WorkedExample) {
  // SD 5.62, r .89: S_E = 5.62 * sqrt(.11) = 1.863943; S_diff = sqrt(2) * S_E = 2.636014;
  // 20 -> 12 gives RCI = -8 / 2.636014 = -3.034886, beyond -1.96: reliable improvement.
  const Instrument inst = ShippedInstrument("PSC-17");
  const Scale& total = inst.TotalScale();
  auto c = ComputeChange(total, 20, 12);
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(c->rci.has_value());
  EXPECT_NEAR(*c->rci, -3.034886, 1e-6);
  EXPECT_NEAR(c->reliable_threshold, 5.166587, 1e-6);
  EXPECT_TRUE(c->reliable);
  EXPECT_TRUE(c->improved);
  // Criterion b: 6.74 + 2 * 5.62 = 17.98; 12 is inside the non-clinical range.
  EXPECT_EQ(c->criterion_b, true);
  // Criterion c falls back to the caseness cut-off of 15.
  EXPECT_EQ(c->cutoff_c, 15);
  EXPECT_EQ(c->criterion_c, true);
  EXPECT_EQ(c->criterion_a, std::nullopt);
  EXPECT_EQ(c->category, ChangeCategory::kRecovered);
}

TEST(ReliableChange, IndexJustShortOfSignificanceIsUnchanged) {
  const Instrument inst = ShippedInstrument("PSC-17");
  const Scale& total = inst.TotalScale();
  // 5 points < 5.1666 needed.
  auto c = ComputeChange(total, 20, 15);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->reliable);
  EXPECT_EQ(c->category, ChangeCategory::kUnchanged);
}

TEST(ReliableChange, FixedThresholdOnPhq9) {
  const Instrument inst = ShippedInstrument("PHQ-9");
  const Scale& total = inst.TotalScale();
  EXPECT_EQ(ComputeChange(total, 18, 13)->category, ChangeCategory::kUnchanged);  // 5 < 6
  EXPECT_EQ(ComputeChange(total, 18, 12)->category, ChangeCategory::kImproved);   // still >= 10
  EXPECT_EQ(ComputeChange(total, 18, 8)->category, ChangeCategory::kRecovered);   // below 10
  EXPECT_EQ(ComputeChange(total, 8, 14)->category, ChangeCategory::kDeteriorated);
  EXPECT_EQ(ComputeChange(total, 18, 12)->rci, std::nullopt);
}

TEST(ReliableChange, StartingBelowTheCutoffCannotRecoverOnlyImprove) {
  const Instrument inst = ShippedInstrument("PHQ-9");
  const Scale& total = inst.TotalScale();
  // 9 -> 2: reliable, but the client was never in the clinical range.
  EXPECT_EQ(ComputeChange(total, 9, 2)->category, ChangeCategory::kImproved);
}

TEST(ReliableChange, HigherIsBetterScalesImproveUpwards) {
  const Instrument inst = ShippedInstrument("RAPPORT-CHECK");
  const Scale& total = inst.TotalScale();
  // Rapport Check: reliable from 6 points, cut-off 48 of 60.
  EXPECT_EQ(ComputeChange(total, 40, 50)->category, ChangeCategory::kRecovered);  // +10, to >= 48
  EXPECT_EQ(ComputeChange(total, 58, 51)->category, ChangeCategory::kDeteriorated);  // -7
  EXPECT_EQ(ComputeChange(total, 54, 59)->category, ChangeCategory::kUnchanged);     // +5
}

TEST(ClinicalSignificance, CriterionCFromBothNormsAsJacobsonTruaxDefineIt) {
  Scale s;
  s.direction = Direction::kHigherIsWorse;
  s.min_score = 0;
  s.max_score = 60;
  s.reliable_change.sd = 7;
  s.reliable_change.reliability = 0.8;
  s.norms.clinical = Population{30, 8, ""};
  s.norms.nonclinical = Population{10, 6, ""};
  // c = (8 * 10 + 6 * 30) / (8 + 6) = 18.5714; a: below 30 - 16 = 14; b: below 10 + 12 = 22.
  auto c = ComputeChange(s, 32, 17);
  ASSERT_TRUE(c.has_value());
  EXPECT_NEAR(*c->cutoff_c, 18.571428, 1e-6);
  EXPECT_EQ(c->criterion_a, false);
  EXPECT_EQ(c->criterion_b, true);
  EXPECT_EQ(c->criterion_c, true);
  // S_diff = sqrt(2) * 7 * sqrt(.2) = 4.42719; RCI = -15 / 4.42719 = -3.38815.
  EXPECT_NEAR(*c->rci, -3.38815, 1e-5);
  EXPECT_EQ(c->category, ChangeCategory::kRecovered);
  EXPECT_EQ(ComputeChange(s, 32, 20)->category, ChangeCategory::kImproved);  // 20 > 18.57
}

TEST(ReliableChange, WithoutDataItIsAPreconditionFailure) {
  Scale s;
  EXPECT_EQ(ComputeChange(s, 1, 2).error().code, ErrorCode::kFailedPrecondition);
}

TEST(ExpectedTrajectory, NormCurveStartsAtBaselineAndApproachesItsAsymptote) {
  const Instrument inst = ShippedInstrument("PHQ-9");
  const Scale& total = inst.TotalScale();
  auto t = ExpectedTrajectoryFromNorm(total, 20, 40);
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->size(), 41u);
  EXPECT_DOUBLE_EQ((*t)[0].expected, 20);
  // 20 - 0.5 * 20 * (1 - e^-1.75) = 20 - 10 * 0.826226 = 11.737739; the band is 2.2 points.
  EXPECT_NEAR((*t)[5].expected, 11.737739, 1e-5);
  EXPECT_NEAR((*t)[5].upper, 13.937739, 1e-5);
  EXPECT_NEAR((*t)[40].expected, 10.0, 0.01);
  for (std::size_t n = 1; n < t->size(); ++n) EXPECT_LT((*t)[n].expected, (*t)[n - 1].expected);
}

TEST(ExpectedTrajectory, OnePointOfTheNormIsThatPointOfTheWholeCourse) {
  const Instrument inst = ShippedInstrument("PHQ-9");
  const Scale& total = inst.TotalScale();
  const auto course = ExpectedTrajectoryFromNorm(total, 20, 40).value();
  for (int n : {0, 1, 5, 40}) {
    const auto point = ExpectedPointFromNorm(total, 20, n);
    ASSERT_TRUE(point.has_value()) << n;
    EXPECT_EQ(point->session, n);
    EXPECT_DOUBLE_EQ(point->expected, course[static_cast<std::size_t>(n)].expected) << n;
    EXPECT_DOUBLE_EQ(point->lower, course[static_cast<std::size_t>(n)].lower) << n;
    EXPECT_DOUBLE_EQ(point->upper, course[static_cast<std::size_t>(n)].upper) << n;
  }
  // A session far beyond any course a clinic keeps is as cheap and lies on the asymptote.
  EXPECT_NEAR(ExpectedPointFromNorm(total, 20, 1'000'000)->expected, 10.0, 1e-9);
  Scale no_norm = total;
  no_norm.trajectory.reset();
  EXPECT_EQ(ExpectedPointFromNorm(no_norm, 20, 3).error().code, ErrorCode::kFailedPrecondition);
}

TEST(ExpectedTrajectory, OffTrackMeansWorseThanTheBand) {
  const Instrument inst = ShippedInstrument("PHQ-9");
  const Scale& total = inst.TotalScale();
  const auto t = *ExpectedTrajectoryFromNorm(total, 20, 10);
  EXPECT_FALSE(IsOffTrack(total, t[5], 13));  // upper 13.94
  EXPECT_TRUE(IsOffTrack(total, t[5], 14));
}

// Session 2 is the third measurement: the baseline is session 0.
bool UnchangedIsOffTrackAt(const Scale& scale, double baseline, int session) {
  const auto t = ExpectedTrajectoryFromNorm(scale, baseline, session).value();
  return IsOffTrack(scale, t.back(), baseline);
}

TEST(NotOnTrack, AnUnchangedPhq9ClientIsFlaggedByTheThirdMeasurement) {
  const Instrument inst = ShippedInstrument("PHQ-9");
  const Scale& total = inst.TotalScale();
  // 1 - e^-0.7 = 0.503415. Baseline 11: expected 11 - 5.5 * 0.503415 = 8.231219, upper 10.431219.
  // Baseline 15: 15 - 7.5 * 0.503415 = 11.224390, upper 13.424390.
  // Baseline 22: 22 - 11 * 0.503415 = 16.462438, upper 18.662438. Each unchanged score is above.
  for (double baseline : {11.0, 15.0, 22.0}) {
    EXPECT_FALSE(UnchangedIsOffTrackAt(total, baseline, 0)) << baseline;
    EXPECT_TRUE(UnchangedIsOffTrackAt(total, baseline, 2)) << baseline;
  }
  // At session 1, baseline 11: 11 - 5.5 * (1 - e^-0.35) = 9.375784, upper 11.575784: not yet.
  EXPECT_FALSE(UnchangedIsOffTrackAt(total, 11, 1));
}

TEST(NotOnTrack, AnUnchangedGad7ClientIsFlaggedByTheThirdMeasurement) {
  const Instrument inst = ShippedInstrument("GAD-7");
  const Scale& total = inst.TotalScale();
  // Band 1.4. Baseline 10: 10 - 5 * 0.503415 = 7.482927, upper 8.882927.
  // Baseline 15: 11.224390, upper 12.624390. Baseline 21: 21 - 10.5 * 0.503415 = 15.714146,
  // upper 17.114146.
  for (double baseline : {10.0, 15.0, 21.0}) {
    EXPECT_FALSE(UnchangedIsOffTrackAt(total, baseline, 0)) << baseline;
    EXPECT_TRUE(UnchangedIsOffTrackAt(total, baseline, 2)) << baseline;
  }
}

TEST(NotOnTrack, HoldsForEveryClinicalBaselineOfBothQuestionnaires) {
  for (const char* code : {"PHQ-9", "GAD-7"}) {
    const Instrument inst = ShippedInstrument(code);
    const Scale& total = inst.TotalScale();
    ASSERT_TRUE(total.cutoff.has_value());
    for (double baseline = *total.cutoff; baseline <= total.max_score; ++baseline) {
      EXPECT_TRUE(UnchangedIsOffTrackAt(total, baseline, 2)) << code << " " << baseline;
    }
  }
}

TEST(NotOnTrack, AnUnchangedClientIsNotDeteriorating) {
  const Instrument inst = ShippedInstrument("PHQ-9");
  auto c = ComputeChange(inst.TotalScale(), 15, 15);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->deteriorated);
  EXPECT_EQ(c->category, ChangeCategory::kUnchanged);
}

TEST(ExpectedTrajectory, FromTheClinicsOwnEpisodesUsesSimilarStartsOnly) {
  std::vector<std::vector<double>> episodes;
  // 20 similar episodes starting at 18..19 and falling by i/10 + 1 a session; 5 dissimilar ones.
  for (int i = 0; i < 20; ++i) {
    std::vector<double> e;
    for (int n = 0; n <= 3; ++n) e.push_back(18 + (i % 2) - n * (1 + i / 10.0));
    episodes.push_back(e);
  }
  for (int i = 0; i < 5; ++i) episodes.push_back({3, 3, 3, 3});
  const auto t = ExpectedTrajectoryFromEpisodes(episodes, 18, 2, 5, 10);
  ASSERT_EQ(t.size(), 4u);  // only sessions 0..3 have data
  EXPECT_NEAR(t[0].expected, 18.5, 1e-12);
  EXPECT_LT(t[3].expected, t[1].expected);
  EXPECT_LE(t[3].lower, t[3].expected);
  EXPECT_GE(t[3].upper, t[3].expected);
  EXPECT_TRUE(ExpectedTrajectoryFromEpisodes(episodes, 18, 2, 5, 21).empty());
}

// PHQ-9: caseness 10, reliable change 6. GAD-7: caseness for recovery 8 (its cut-off is 10),
// reliable change 4.
struct Recovery {
  Instrument phq = ShippedInstrument("PHQ-9");
  Instrument gad = ShippedInstrument("GAD-7");
  RecoveryResult Of(FirstAndLatest phq9, FirstAndLatest gad7) const {
    return ReliableRecovery(phq.TotalScale(), phq9, gad.TotalScale(), gad7).value();
  }
};

TEST(ReliableRecovery, ACaseAtTheStartBelowCasenessOnBothAtTheEndWithReliableImprovement) {
  const Recovery r;
  // PHQ-9 15 -> 7: a case at the start (15 >= 10), -8 reliable (>= 6), 7 < 10.
  // GAD-7 9 -> 5: -4 reliable (>= 4), 5 < 8.
  const RecoveryResult out = r.Of({15, 7}, {9, 5});
  EXPECT_TRUE(out.case_at_start);
  EXPECT_TRUE(out.below_caseness_at_end);
  EXPECT_TRUE(out.reliably_improved);
  EXPECT_FALSE(out.reliably_deteriorated);
  EXPECT_TRUE(out.reliable_recovery);
}

TEST(ReliableRecovery, Gad7CasenessIsEightAsTheTalkingTherapiesDefinitionHasIt) {
  const Recovery r;
  // PHQ-9 8 -> 3 is no case at the start; GAD-7 9 is (9 >= 8, though below its cut-off of 10).
  // GAD-7 9 -> 4: -5, reliable; both end below caseness (3 < 10, 4 < 8).
  EXPECT_TRUE(r.Of({8, 3}, {9, 4}).reliable_recovery);
  // GAD-7 ending at 8 is still a case, however much the PHQ-9 fell (16 -> 4).
  const RecoveryResult still = r.Of({16, 4}, {12, 8});
  EXPECT_FALSE(still.below_caseness_at_end);
  EXPECT_FALSE(still.reliable_recovery);
}

TEST(ReliableRecovery, NeedsACaseAtTheStart) {
  const Recovery r;
  // 9 < 10 and 7 < 8: never a case, so there is nothing to recover from.
  const RecoveryResult out = r.Of({9, 2}, {7, 1});
  EXPECT_FALSE(out.case_at_start);
  EXPECT_TRUE(out.reliably_improved);
  EXPECT_FALSE(out.reliable_recovery);
}

TEST(ReliableRecovery, NeedsReliableImprovementOnAtLeastOne) {
  const Recovery r;
  // PHQ-9 11 -> 9 (-2 < 6) and GAD-7 9 -> 6 (-3 < 4): below caseness, but within measurement error.
  const RecoveryResult out = r.Of({11, 9}, {9, 6});
  EXPECT_TRUE(out.case_at_start);
  EXPECT_TRUE(out.below_caseness_at_end);
  EXPECT_FALSE(out.reliably_improved);
  EXPECT_FALSE(out.reliable_recovery);
}

TEST(ReliableRecovery, ReliableDeteriorationOnEitherRulesItOut) {
  const Recovery r;
  // PHQ-9 18 -> 4 improves reliably; GAD-7 2 -> 7 worsens by 5 (>= 4) yet stays under 8.
  const RecoveryResult out = r.Of({18, 4}, {2, 7});
  EXPECT_TRUE(out.case_at_start);
  EXPECT_TRUE(out.below_caseness_at_end);
  EXPECT_TRUE(out.reliably_improved);
  EXPECT_TRUE(out.reliably_deteriorated);
  EXPECT_FALSE(out.reliable_recovery);
}

TEST(ReliableRecovery, WithoutCasenessOrReliableChangeDataItIsAPreconditionFailure) {
  const Recovery r;
  Scale bare;
  bare.reliable_change.threshold = 4;
  EXPECT_EQ(ReliableRecovery(r.phq.TotalScale(), {15, 7}, bare, {9, 5}).error().code,
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(ReliableRecovery(r.phq.TotalScale(), {15, 7}, Scale{}, {9, 5}).error().code,
            ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace rapport
