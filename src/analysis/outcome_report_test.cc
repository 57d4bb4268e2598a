#include "analysis/outcome_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace rapport {
namespace {

constexpr double kTight = 1e-12;

EpisodeOutcome Measured(std::int64_t therapist, std::string domain, bool improved,
                        double change = 0) {
  return {.therapist_id = therapist,
          .domain = std::move(domain),
          .measured = true,
          .improved = improved,
          .deteriorated = false,
          .dropped_out = false,
          .change = change};
}

EpisodeOutcome Unmeasured(std::int64_t therapist, std::string domain, bool dropped_out = false) {
  return {.therapist_id = therapist,
          .domain = std::move(domain),
          .measured = false,
          .improved = false,
          .deteriorated = false,
          .dropped_out = dropped_out,
          .change = 0};
}

// `improved` of `n` measured episodes for one therapist in one domain.
void AddMeasured(std::vector<EpisodeOutcome>& out, std::int64_t therapist,
                 const std::string& domain, int improved, int n) {
  for (int i = 0; i < n; ++i) out.push_back(Measured(therapist, domain, i < improved));
}

const OutcomeRow* FindRow(const OutcomeReport& report, const std::string& domain,
                          std::int64_t therapist) {
  for (const OutcomeRow& row : report.rows) {
    if (row.domain == domain && row.therapist_id == therapist) return &row;
  }
  return nullptr;
}

TEST(OutcomeReportTest, RowsComeByDomainNameWithTheClinicFirstThenTherapistsById) {
  std::vector<EpisodeOutcome> outcomes = {
      Measured(7, "depression", true),   Measured(3, "anxiety", false),
      Measured(12, "depression", false), Measured(7, "anxiety", true),
      Measured(3, "depression", true),   Measured(12, "child-and-family", true),
  };
  const OutcomeReport report = BuildOutcomeReport(outcomes, 10);
  EXPECT_EQ(report.min_episodes, 10);
  struct Key {
    std::string domain;
    std::int64_t therapist;
  };
  const std::vector<Key> expected = {
      {"anxiety", 0},          {"anxiety", 3},           {"anxiety", 7},
      {"child-and-family", 0}, {"child-and-family", 12}, {"depression", 0},
      {"depression", 3},       {"depression", 7},        {"depression", 12},
  };
  ASSERT_EQ(report.rows.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(report.rows[i].domain, expected[i].domain) << i;
    EXPECT_EQ(report.rows[i].therapist_id, expected[i].therapist) << i;
  }
}

TEST(OutcomeReportTest, ATherapistBelowTheMinimumHasNoFiguresWhileTheClinicHas) {
  std::vector<EpisodeOutcome> outcomes;
  AddMeasured(outcomes, 1, "anxiety", 6, 12);
  AddMeasured(outcomes, 2, "anxiety", 1, 4);
  const OutcomeReport report = BuildOutcomeReport(outcomes, 10);

  const OutcomeRow* clinic = FindRow(report, "anxiety", 0);
  ASSERT_NE(clinic, nullptr);
  EXPECT_EQ(clinic->ended, 16);
  EXPECT_EQ(clinic->measured, 16);
  ASSERT_TRUE(clinic->improvement.has_value());
  EXPECT_EQ(clinic->improvement->events, 7);
  EXPECT_EQ(clinic->improvement->n, 16);
  EXPECT_TRUE(clinic->deterioration.has_value());
  EXPECT_TRUE(clinic->dropout.has_value());
  EXPECT_TRUE(clinic->change.has_value());

  const OutcomeRow* enough = FindRow(report, "anxiety", 1);
  ASSERT_NE(enough, nullptr);
  EXPECT_TRUE(enough->improvement.has_value());
  EXPECT_TRUE(enough->dropout.has_value());

  const OutcomeRow* few = FindRow(report, "anxiety", 2);
  ASSERT_NE(few, nullptr);
  EXPECT_EQ(few->ended, 4);
  EXPECT_EQ(few->measured, 4);
  EXPECT_EQ(few->improvement, std::nullopt);
  EXPECT_EQ(few->deterioration, std::nullopt);
  EXPECT_EQ(few->change, std::nullopt);
  EXPECT_EQ(few->dropout, std::nullopt);
}

TEST(OutcomeReportTest, DropoutIsCountedOverEndedEpisodesNotMeasuredOnes) {
  // Ten ended episodes, six of them measured; three dropouts, two of them never measured.
  std::vector<EpisodeOutcome> outcomes;
  AddMeasured(outcomes, 5, "depression", 3, 5);
  outcomes.push_back(Measured(5, "depression", false));
  outcomes.back().dropped_out = true;
  for (int i = 0; i < 4; ++i) outcomes.push_back(Unmeasured(5, "depression", i < 2));
  const OutcomeReport report = BuildOutcomeReport(outcomes, 8);

  const OutcomeRow* row = FindRow(report, "depression", 5);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->ended, 10);
  EXPECT_EQ(row->measured, 6);
  ASSERT_TRUE(row->dropout.has_value());  // 10 ended reach the minimum of 8 ...
  EXPECT_EQ(row->dropout->events, 3);
  EXPECT_EQ(row->dropout->n, 10);
  EXPECT_EQ(row->improvement, std::nullopt);  // ... 6 measured do not

  const OutcomeRow* clinic = FindRow(report, "depression", 0);
  ASSERT_NE(clinic, nullptr);
  ASSERT_TRUE(clinic->dropout.has_value());
  EXPECT_EQ(clinic->dropout->events, 3);
  EXPECT_EQ(clinic->dropout->n, 10);
  EXPECT_DOUBLE_EQ(clinic->dropout->shrunk.estimate, 0.3);
  ASSERT_TRUE(clinic->improvement.has_value());
  EXPECT_EQ(clinic->improvement->events, 3);
  EXPECT_EQ(clinic->improvement->n, 6);
}

TEST(OutcomeReportTest, UnmeasuredEpisodesDoNotCountTowardsImprovementOrChange) {
  std::vector<EpisodeOutcome> outcomes = {Measured(1, "anxiety", false, 2.0)};
  EpisodeOutcome stray = Unmeasured(1, "anxiety");
  stray.improved = true;  // flags on an unmeasured outcome mean nothing
  stray.deteriorated = true;
  stray.change = 100;
  outcomes.push_back(stray);
  const OutcomeReport report = BuildOutcomeReport(outcomes, 1);

  const OutcomeRow* row = FindRow(report, "anxiety", 1);
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(row->improvement.has_value());
  EXPECT_EQ(row->improvement->events, 0);
  EXPECT_EQ(row->improvement->n, 1);
  EXPECT_EQ(row->deterioration->events, 0);
  ASSERT_TRUE(row->change.has_value());
  EXPECT_EQ(row->change->n, 1);
  EXPECT_EQ(row->change->shrunk.raw, 2.0);
}

TEST(OutcomeReportTest, ADomainWithNoMeasuredEpisodesHasOnlyDropout) {
  const std::vector<EpisodeOutcome> outcomes = {Unmeasured(4, "anxiety", true),
                                                Unmeasured(4, "anxiety", false)};
  const OutcomeReport report = BuildOutcomeReport(outcomes, 2);
  const OutcomeRow* clinic = FindRow(report, "anxiety", 0);
  ASSERT_NE(clinic, nullptr);
  EXPECT_EQ(clinic->measured, 0);
  EXPECT_EQ(clinic->improvement, std::nullopt);
  EXPECT_EQ(clinic->change, std::nullopt);
  ASSERT_TRUE(clinic->dropout.has_value());
  EXPECT_DOUBLE_EQ(clinic->dropout->shrunk.estimate, 0.5);
  const OutcomeRow* row = FindRow(report, "anxiety", 4);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->improvement, std::nullopt);
  EXPECT_TRUE(row->dropout.has_value());
}

TEST(OutcomeReportTest, TherapistRatesAreShrunkTowardsTheClinicAndTheClinicRowIsNot) {
  // The worked example of shrinkage_test.cc: 2/10, 5/10 and 8/10 give m = 37/13, and 2/10
  // becomes 89/334.
  std::vector<EpisodeOutcome> outcomes;
  AddMeasured(outcomes, 1, "depression", 2, 10);
  AddMeasured(outcomes, 2, "depression", 5, 10);
  AddMeasured(outcomes, 3, "depression", 8, 10);
  const OutcomeReport report = BuildOutcomeReport(outcomes, 10);

  const OutcomeRow* low = FindRow(report, "depression", 1);
  ASSERT_NE(low, nullptr);
  ASSERT_TRUE(low->improvement.has_value());
  EXPECT_DOUBLE_EQ(low->improvement->shrunk.raw, 0.2);
  EXPECT_NEAR(low->improvement->shrunk.estimate, 89.0 / 334, 1e-9);
  EXPECT_NEAR(low->improvement->shrunk.lower, 0.073566727840546289, 1e-9);

  // The clinic's 15/30 as it is, with Jeffreys' interval, Beta(15.5, 15.5): symmetric about 1/2,
  // and its standard deviation sqrt(15.5² / (31²·32)) = sqrt(1/128).
  const OutcomeRow* clinic = FindRow(report, "depression", 0);
  ASSERT_NE(clinic, nullptr);
  ASSERT_TRUE(clinic->improvement.has_value());
  const ShrunkRate& c = clinic->improvement->shrunk;
  EXPECT_EQ(c.raw, 0.5);
  EXPECT_EQ(c.estimate, 0.5);
  EXPECT_NEAR(c.lower, BetaQuantile(15.5, 15.5, 0.025), kTight);
  EXPECT_NEAR(c.upper, 1 - c.lower, kTight);
  EXPECT_LT(c.lower, 0.5);
  EXPECT_NEAR(c.standard_error, std::sqrt(1.0 / 128), kTight);
  // No deterioration at all: p = 0, nothing to spread, every therapist's estimate is 0, with
  // Jeffreys' interval on their own ten episodes, Beta(1/2, 21/2): none seen is not none possible.
  ASSERT_TRUE(low->deterioration.has_value());
  EXPECT_EQ(low->deterioration->shrunk.estimate, 0);
  EXPECT_NEAR(low->deterioration->shrunk.upper, BetaQuantile(0.5, 10.5, 0.975), kTight);
}

TEST(OutcomeReportTest, TherapistsBelowTheMinimumStillShapeThePrior) {
  // A fourth therapist with one improved episode has no row figure of their own but moves the
  // clinic's rate to 16/31 and so the prior every other therapist is shrunk towards.
  std::vector<EpisodeOutcome> outcomes;
  AddMeasured(outcomes, 1, "depression", 2, 10);
  AddMeasured(outcomes, 2, "depression", 5, 10);
  AddMeasured(outcomes, 3, "depression", 8, 10);
  AddMeasured(outcomes, 4, "depression", 1, 1);
  const OutcomeReport report = BuildOutcomeReport(outcomes, 10);

  const std::vector<RateCount> everyone = {{2, 10}, {5, 10}, {8, 10}, {1, 1}};
  const RatePrior prior = FitRatePrior(everyone);
  EXPECT_NEAR(prior.p, 16.0 / 31, kTight);
  const OutcomeRow* low = FindRow(report, "depression", 1);
  ASSERT_NE(low, nullptr);
  ASSERT_TRUE(low->improvement.has_value());
  EXPECT_NEAR(low->improvement->shrunk.estimate, ShrinkRate(prior, {2, 10}).estimate, kTight);
  EXPECT_GT(std::abs(low->improvement->shrunk.estimate - 89.0 / 334), 1e-3);
  EXPECT_EQ(FindRow(report, "depression", 4)->improvement, std::nullopt);
}

TEST(OutcomeReportTest, ChangeIsShrunkByDerSimonianLairdAndTheClinicRowIsTheEpisodeMean) {
  // Therapist 1 changes 1 and 3 (mean 2, s² = 2 with n - 1); therapist 2 changes 5, 7, 9 (mean
  // 7, s² = 4).
  //   σ² = (1·2 + 2·4) / 3 = 10/3; W = n/σ² = 0.6, 0.9; ȳ_FE = (2·2 + 3·7)/5 = 5
  //   Q = 0.6·3² + 0.9·2² = 9; ΣW - ΣW²/ΣW = 1.5 - 1.17/1.5 = 0.72; τ² = (9 - 1)/0.72 = 100/9
  //   v = σ²/n = 5/3, 10/9; w = τ²/(τ² + v) = 20/23, 10/11
  //   ȳ = (2/(115/9) + 7/(110/9)) / (9/115 + 9/110) = (2·110 + 7·115)/225 = 41/9
  //   V = 1 / (9/115 + 9/110) = 506/81, the variance of ȳ
  //   therapist 1: (20/23)·2 + (3/23)·(41/9) = 7/3,
  //     standard error sqrt((20/23)(5/3) + (3/23)²V) = sqrt(100/69 + 22/207) = sqrt(14/9)
  //   therapist 2: (10/11)·7 + (1/11)·(41/9) = 61/9,
  //     standard error sqrt((10/11)(10/9) + (1/11)²V) = sqrt(100/99 + 506/9801)
  // The clinic: the five changes' mean 5, s² = (16 + 4 + 0 + 4 + 16)/4 = 10, s/√n = √2.
  std::vector<EpisodeOutcome> outcomes;
  for (double change : {1.0, 3.0}) outcomes.push_back(Measured(1, "anxiety", true, change));
  for (double change : {5.0, 7.0, 9.0}) outcomes.push_back(Measured(2, "anxiety", true, change));
  const OutcomeReport report = BuildOutcomeReport(outcomes, 2);

  const OutcomeRow* one = FindRow(report, "anxiety", 1);
  ASSERT_NE(one, nullptr);
  ASSERT_TRUE(one->change.has_value());
  EXPECT_EQ(one->change->n, 2);
  EXPECT_NEAR(one->change->shrunk.raw, 2, kTight);
  EXPECT_NEAR(one->change->shrunk.weight, 20.0 / 23, kTight);
  EXPECT_NEAR(one->change->shrunk.estimate, 7.0 / 3, kTight);
  EXPECT_NEAR(one->change->shrunk.standard_error, std::sqrt(14.0 / 9), kTight);
  const OutcomeRow* two = FindRow(report, "anxiety", 2);
  ASSERT_NE(two, nullptr);
  ASSERT_TRUE(two->change.has_value());
  EXPECT_NEAR(two->change->shrunk.estimate, 61.0 / 9, kTight);
  EXPECT_NEAR(two->change->shrunk.standard_error, std::sqrt(100.0 / 99 + 506.0 / 9801), kTight);

  const OutcomeRow* clinic = FindRow(report, "anxiety", 0);
  ASSERT_NE(clinic, nullptr);
  ASSERT_TRUE(clinic->change.has_value());
  EXPECT_EQ(clinic->change->n, 5);
  EXPECT_NEAR(clinic->change->shrunk.raw, 5, kTight);
  EXPECT_NEAR(clinic->change->shrunk.estimate, 5, kTight);
  EXPECT_EQ(clinic->change->shrunk.weight, 1);
  EXPECT_NEAR(clinic->change->shrunk.standard_error, std::sqrt(2.0), kTight);
}

TEST(OutcomeReportTest, ASingleMeasuredEpisodeHasNoSpread) {
  const std::vector<EpisodeOutcome> outcomes = {Measured(9, "anxiety", true, 4.5)};
  const OutcomeReport report = BuildOutcomeReport(outcomes, 1);
  const OutcomeRow* clinic = FindRow(report, "anxiety", 0);
  ASSERT_NE(clinic, nullptr);
  ASSERT_TRUE(clinic->change.has_value());
  EXPECT_EQ(clinic->change->shrunk.estimate, 4.5);
  EXPECT_EQ(clinic->change->shrunk.standard_error, 0);
  const OutcomeRow* row = FindRow(report, "anxiety", 9);
  ASSERT_NE(row, nullptr);
  ASSERT_TRUE(row->change.has_value());
  EXPECT_EQ(row->change->shrunk.estimate, 4.5);
  // 1/1 improved: one group, so no spread, and the estimate is the clinic's rate, 1.
  EXPECT_EQ(row->improvement->shrunk.estimate, 1);
}

TEST(OutcomeReportTest, AnOutcomeWithoutATherapistCountsTowardsTheClinicButHasNoRow) {
  std::vector<EpisodeOutcome> outcomes;
  AddMeasured(outcomes, 0, "anxiety", 1, 2);
  AddMeasured(outcomes, 6, "anxiety", 3, 4);
  const OutcomeReport report = BuildOutcomeReport(outcomes, 1);
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0].therapist_id, 0);
  EXPECT_EQ(report.rows[0].measured, 6);
  EXPECT_EQ(report.rows[0].improvement->events, 4);
  EXPECT_EQ(report.rows[1].therapist_id, 6);
}

TEST(OutcomeReportTest, NoOutcomesGiveNoRows) {
  const OutcomeReport report = BuildOutcomeReport({}, 10);
  EXPECT_EQ(report.min_episodes, 10);
  EXPECT_TRUE(report.rows.empty());
}

TEST(OutcomeReportTest, ALargeClinicsYearsGiveEveryRowWithIntervalsAroundTheEstimates) {
  // A large clinic's years: 200 therapists over five domains. How long it takes is measured in
  // bench/matching, not here.
  const std::vector<std::string> domains = {"anxiety", "child-and-family", "depression", "eating",
                                            "trauma"};
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> therapist(1, 200);
  std::uniform_int_distribution<std::size_t> domain(0, domains.size() - 1);
  std::bernoulli_distribution coin(0.4);
  std::normal_distribution<double> change(4, 5);
  std::vector<EpisodeOutcome> outcomes;
  outcomes.reserve(20'000);
  for (int i = 0; i < 20'000; ++i) {
    EpisodeOutcome o;
    o.therapist_id = therapist(rng);
    o.domain = domains[domain(rng)];
    o.measured = !coin(rng) || coin(rng);
    o.improved = o.measured && coin(rng);
    o.deteriorated = o.measured && !o.improved && coin(rng) && coin(rng);
    o.dropped_out = coin(rng) && coin(rng);
    o.change = o.measured ? change(rng) : 0;
    outcomes.push_back(std::move(o));
  }
  const OutcomeReport report = BuildOutcomeReport(outcomes, 10);

  std::int64_t ended = 0;
  for (const OutcomeRow& row : report.rows) {
    if (row.therapist_id == 0) ended += row.ended;
    if (row.improvement) {
      EXPECT_LE(row.improvement->shrunk.lower, row.improvement->shrunk.estimate);
      EXPECT_GE(row.improvement->shrunk.upper, row.improvement->shrunk.estimate);
    }
  }
  EXPECT_EQ(ended, 20'000);
  EXPECT_EQ(report.rows.size(), 5u * 201);
}

}  // namespace
}  // namespace rapport
