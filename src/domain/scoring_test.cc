#include "domain/scoring.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "domain/test_instruments.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing_support::ShippedInstrument;

// Answers every listed item of the instrument's total scale with `value`, then applies `overrides`.
Answers All(const Instrument& inst, double value, std::map<std::string, double> overrides = {}) {
  Answers a;
  for (const auto& id : inst.TotalScale().items) a.values[id] = value;
  for (const auto& [id, v] : overrides) a.values[id] = v;
  return a;
}

ScoreResult MustScore(const Instrument& inst, const Answers& a,
                      Completeness c = Completeness::kRequireRequired) {
  auto r = Score(inst, a, c);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r.value_or(ScoreResult{});
}

// A PHQ-9 whose items 1..9 sum to `total` (filling items from the first, item 9 kept at 0).
Answers Phq9WithTotal(const Instrument& phq, int total) {
  Answers a = All(phq, 0);
  for (int i = 1; i <= 8 && total > 0; ++i) {
    const int v = std::min(3, total);
    a.values["phq9_" + std::to_string(i)] = v;
    total -= v;
  }
  return a;
}

TEST(Phq9, AllMinimumIsZeroAndMinimal) {
  const auto phq = ShippedInstrument("PHQ-9");
  const auto r = MustScore(phq, All(phq, 0));
  EXPECT_EQ(r.total, 0);
  EXPECT_EQ(r.band, "minimal");
  EXPECT_THAT(r.risk, IsEmpty());
  EXPECT_THAT(r.missing, IsEmpty());
}

TEST(Phq9, AllMaximumIsTwentySevenSevereWithRisk) {
  const auto phq = ShippedInstrument("PHQ-9");
  const auto r = MustScore(phq, All(phq, 3));
  EXPECT_EQ(r.total, 27);
  EXPECT_EQ(r.band, "severe");
  EXPECT_THAT(r.risk, ElementsAre("phq9_9"));
}

TEST(Phq9, EveryBandBoundary) {
  const auto phq = ShippedInstrument("PHQ-9");
  const std::vector<std::pair<int, std::string>> cases = {{4, "minimal"},
                                                          {5, "mild"},
                                                          {9, "mild"},
                                                          {10, "moderate"},
                                                          {14, "moderate"},
                                                          {15, "moderately severe"},
                                                          {19, "moderately severe"},
                                                          {20, "severe"},
                                                          {24, "severe"}};
  for (const auto& [total, band] : cases) {
    const auto r = MustScore(phq, Phq9WithTotal(phq, total));
    EXPECT_EQ(r.total, total);
    EXPECT_EQ(r.band, band) << total;
    EXPECT_EQ(r.scales[0].clinical, total >= 10) << total;
  }
}

TEST(Phq9, ItemNineAboveZeroRaisesRiskEvenWhenTheTotalIsLow) {
  const auto phq = ShippedInstrument("PHQ-9");
  const auto r = MustScore(phq, All(phq, 0, {{"phq9_9", 1}}));
  EXPECT_EQ(r.total, 1);
  EXPECT_EQ(r.band, "minimal");
  EXPECT_THAT(r.risk, ElementsAre("phq9_9"));
  ASSERT_EQ(r.risk_answers.size(), 1u);
  EXPECT_FALSE(r.risk_answers[0].message.empty());
}

TEST(Phq9, ItemNineAnsweredOneIsAHighRiskAnswerCarryingTheLabelTheClientChose) {
  const auto phq = ShippedInstrument("PHQ-9");
  const auto r = MustScore(phq, All(phq, 0, {{"phq9_9", 1}}));
  ASSERT_EQ(r.risk_answers.size(), 1u);
  EXPECT_EQ(r.risk_answers[0].item, "phq9_9");
  EXPECT_EQ(r.risk_answers[0].value, 1);
  EXPECT_EQ(r.risk_answers[0].label, "Several days");
  EXPECT_EQ(r.risk_answers[0].severity, Severity::kHigh);
}

TEST(Phq9, ItemNineAnsweredTwoOrThreeIsACriticalRiskAnswer) {
  const auto phq = ShippedInstrument("PHQ-9");
  const auto two = MustScore(phq, All(phq, 0, {{"phq9_9", 2}}));
  ASSERT_EQ(two.risk_answers.size(), 1u);
  EXPECT_EQ(two.risk_answers[0].label, "More than half the days");
  EXPECT_EQ(two.risk_answers[0].severity, Severity::kCritical);
  const auto three = MustScore(phq, All(phq, 0, {{"phq9_9", 3}}));
  ASSERT_EQ(three.risk_answers.size(), 1u);
  EXPECT_EQ(three.risk_answers[0].label, "Nearly every day");
  EXPECT_EQ(three.risk_answers[0].severity, Severity::kCritical);
}

TEST(Phq9, ItemNineRiskSurvivesTooManyMissingItems) {
  const auto phq = ShippedInstrument("PHQ-9");
  Answers a;
  a.values["phq9_9"] = 2;
  const auto r = MustScore(phq, a, Completeness::kAllowMissing);
  EXPECT_EQ(r.total, std::nullopt);
  EXPECT_THAT(r.risk, ElementsAre("phq9_9"));
}

TEST(Phq9, OneMissingItemIsProratedAndRounded) {
  const auto phq = ShippedInstrument("PHQ-9");
  Answers a = All(phq, 2);
  a.values.erase("phq9_3");
  const auto r = MustScore(phq, a, Completeness::kAllowMissing);
  // 8 items x 2 = 16, prorated 16 * 9 / 8 = 18.
  EXPECT_EQ(r.total, 18);
  EXPECT_TRUE(r.scales[0].prorated);
  EXPECT_EQ(r.band, "moderately severe");
  EXPECT_THAT(r.missing, ElementsAre("phq9_3"));
}

TEST(Phq9, ProrationRoundsHalvesUp) {
  const auto phq = ShippedInstrument("PHQ-9");
  Answers a = All(phq, 0, {{"phq9_1", 3}, {"phq9_2", 1}});
  a.values.erase("phq9_5");
  // 4 * 9 / 8 = 4.5 -> 5 (mild, not minimal).
  const auto r = MustScore(phq, a, Completeness::kAllowMissing);
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(r.band, "mild");
}

TEST(Phq9, TwoMissingItemsAreProratedFromTheMeanOfTheOthers) {
  const auto phq = ShippedInstrument("PHQ-9");
  Answers a = All(phq, 1, {{"phq9_1", 3}});
  a.values.erase("phq9_2");
  a.values.erase("phq9_3");
  const auto r = MustScore(phq, a, Completeness::kAllowMissing);
  // 3 + 6 x 1 = 9 from 7 items, prorated 9 * 9 / 7 = 11.57 -> 12.
  EXPECT_EQ(r.total, 12);
  EXPECT_TRUE(r.scales[0].prorated);
  EXPECT_EQ(r.band, "moderate");
  EXPECT_THAT(r.missing, ElementsAre("phq9_2", "phq9_3"));
}

TEST(Phq9, ThreeMissingItemsLeaveNoScore) {
  const auto phq = ShippedInstrument("PHQ-9");
  Answers a = All(phq, 1);
  a.values.erase("phq9_1");
  a.values.erase("phq9_2");
  a.values.erase("phq9_3");
  const auto r = MustScore(phq, a, Completeness::kAllowMissing);
  EXPECT_EQ(r.total, std::nullopt);
  EXPECT_EQ(r.band, "not scored: 3 of 9 items unanswered (at most 2 can be prorated)");
  EXPECT_THAT(r.missing, ElementsAre("phq9_1", "phq9_2", "phq9_3"));
}

TEST(Phq9, ALiveSubmissionMayLeaveItemsBlankAndIsScoredByTheMissingItemRule) {
  const auto phq = ShippedInstrument("PHQ-9");
  Answers a = All(phq, 2);
  a.values.erase("phq9_4");
  const auto r = MustScore(phq, a, Completeness::kRequireRequired);
  // 8 x 2 = 16 from 8 items, prorated 16 * 9 / 8 = 18.
  EXPECT_EQ(r.total, 18);
  EXPECT_THAT(r.missing, ElementsAre("phq9_4"));
  EXPECT_THAT(r.risk_unanswered, IsEmpty());
}

TEST(Phq9, ABlankItemNineIsAnUnansweredRiskQuestionNotARiskAnswer) {
  const auto phq = ShippedInstrument("PHQ-9");
  Answers a = All(phq, 1);
  a.values.erase("phq9_9");
  const auto r = MustScore(phq, a, Completeness::kRequireRequired);
  EXPECT_THAT(r.risk, IsEmpty());
  EXPECT_THAT(r.risk_unanswered, ElementsAre("phq9_9"));
  EXPECT_EQ(r.total, 9);  // 8 x 1 = 8, prorated 8 * 9 / 8 = 9
}

TEST(Phq9, RejectsOutOfRangeAndUnknownItems) {
  const auto phq = ShippedInstrument("PHQ-9");
  auto r = Score(phq, All(phq, 0, {{"phq9_1", 4}, {"phq9_99", 1}, {"phq9_2", -1}}),
                 Completeness::kRequireRequired);
  ASSERT_FALSE(r.has_value());
  std::vector<std::string> fields;
  for (const auto& f : r.error().fields) fields.push_back(f.field);
  EXPECT_THAT(fields, ElementsAre("answers/phq9_1", "answers/phq9_2", "answers/phq9_99"));
}

TEST(Gad7, MinimumMaximumAndBandBoundaries) {
  const auto gad = ShippedInstrument("GAD-7");
  EXPECT_EQ(MustScore(gad, All(gad, 0)).band, "minimal");
  const auto max = MustScore(gad, All(gad, 3));
  EXPECT_EQ(max.total, 21);
  EXPECT_EQ(max.band, "severe");
  const std::vector<std::pair<std::map<std::string, double>, std::string>> cases = {
      {{{"gad7_1", 3}, {"gad7_2", 1}}, "minimal"},                                 // 4
      {{{"gad7_1", 3}, {"gad7_2", 2}}, "mild"},                                    // 5
      {{{"gad7_1", 3}, {"gad7_2", 3}, {"gad7_3", 3}}, "mild"},                     // 9
      {{{"gad7_1", 3}, {"gad7_2", 3}, {"gad7_3", 3}, {"gad7_4", 1}}, "moderate"},  // 10
      {{{"gad7_1", 3}, {"gad7_2", 3}, {"gad7_3", 3}, {"gad7_4", 3}, {"gad7_5", 2}}, "moderate"},
      {{{"gad7_1", 3}, {"gad7_2", 3}, {"gad7_3", 3}, {"gad7_4", 3}, {"gad7_5", 3}}, "severe"},
  };
  for (const auto& [overrides, band] : cases) {
    EXPECT_EQ(MustScore(gad, All(gad, 0, overrides)).band, band);
  }
}

TEST(Gad7, CasenessStartsAtTenAsSpitzerEtAlPublishedIt) {
  const auto gad = ShippedInstrument("GAD-7");
  // 3 + 3 + 3 = 9: below; 3 + 3 + 3 + 1 = 10: at the cut-off.
  EXPECT_FALSE(MustScore(gad, All(gad, 0, {{"gad7_1", 3}, {"gad7_2", 3}, {"gad7_3", 3}}))
                   .scales[0]
                   .clinical);
  EXPECT_TRUE(
      MustScore(gad, All(gad, 0, {{"gad7_1", 3}, {"gad7_2", 3}, {"gad7_3", 3}, {"gad7_4", 1}}))
          .scales[0]
          .clinical);
  EXPECT_EQ(gad.TotalScale().recovery_caseness, 8);
}

TEST(Psc17, SubscalesAndTotalWithCutoffs) {
  const auto psc = ShippedInstrument("PSC-17");
  const auto max = MustScore(psc, All(psc, 2));
  EXPECT_EQ(max.total, 34);
  EXPECT_EQ(max.FindScale("internalizing")->score, 10);
  EXPECT_EQ(max.FindScale("attention")->score, 10);
  EXPECT_EQ(max.FindScale("externalizing")->score, 14);

  // Internalizing items only, each "sometimes": I = 5 (at cut-off), total 5 (below 15).
  const auto r = MustScore(
      psc, All(psc, 0,
               {{"psc17_2", 1}, {"psc17_6", 1}, {"psc17_9", 1}, {"psc17_11", 1}, {"psc17_15", 1}}));
  EXPECT_EQ(r.FindScale("internalizing")->score, 5);
  EXPECT_TRUE(r.FindScale("internalizing")->clinical);
  EXPECT_FALSE(r.FindScale("attention")->clinical);
  EXPECT_EQ(r.total, 5);
  EXPECT_EQ(r.band, "below cutoff");
  EXPECT_FALSE(r.scales.back().clinical);
}

TEST(Psc17, ThreeBlankItemsCountAsZeroInTheTotalAndEverySubscale) {
  const auto psc = ShippedInstrument("PSC-17");
  Answers a = All(psc, 2);
  a.values.erase("psc17_1");  // attention
  a.values.erase("psc17_2");  // internalizing
  a.values.erase("psc17_4");  // externalizing
  const auto r = MustScore(psc, a, Completeness::kAllowMissing);
  // 14 answered x 2 = 28, the 3 blanks adding 0; no prorating.
  EXPECT_EQ(r.total, 28);
  EXPECT_FALSE(r.scales.back().prorated);
  EXPECT_EQ(r.band, "at or above cutoff");
  EXPECT_EQ(r.FindScale("attention")->score, 8);       // 4 x 2 + 0
  EXPECT_EQ(r.FindScale("internalizing")->score, 8);   // 4 x 2 + 0
  EXPECT_EQ(r.FindScale("externalizing")->score, 12);  // 6 x 2 + 0
  EXPECT_THAT(r.missing, ElementsAre("psc17_1", "psc17_2", "psc17_4"));
}

TEST(Psc17, FourBlankItemsMakeTheWholeFormInvalid) {
  const auto psc = ShippedInstrument("PSC-17");
  Answers a = All(psc, 1);
  for (const char* id : {"psc17_1", "psc17_3", "psc17_7", "psc17_13"}) a.values.erase(id);
  const auto r = MustScore(psc, a, Completeness::kAllowMissing);
  EXPECT_EQ(r.total, std::nullopt);
  EXPECT_EQ(r.band, "invalid: 4 of 17 items unanswered (4 or more make the form invalid)");
  // Every blank is an attention item, yet the other subscales go unscored too: the form is
  // invalid as a whole.
  for (const char* scale : {"attention", "internalizing", "externalizing"}) {
    EXPECT_EQ(r.FindScale(scale)->score, std::nullopt) << scale;
    EXPECT_THAT(r.FindScale(scale)->band, ::testing::StartsWith("invalid: 4 of 17")) << scale;
  }
}

TEST(RapportCheck, SixSlidersSumToSixtyAndBelowFortyEightIsWorthTalkingAbout) {
  const auto rc = ShippedInstrument("RAPPORT-CHECK");
  const auto top = MustScore(rc, All(rc, 10, {{"rc_held_back", 0}}));
  EXPECT_EQ(top.total, 60);
  EXPECT_EQ(top.band, "going well");
  // 8 + 8 + 8 + (10 - 2) + 8 + 7 = 47.
  const auto low = MustScore(rc, All(rc, 8, {{"rc_held_back", 2}, {"rc_overall", 7}}));
  EXPECT_EQ(low.total, 47);
  EXPECT_EQ(low.band, "worth talking about");
  EXPECT_TRUE(low.scales[0].clinical);
}

TEST(RapportCheck, HoldingThingsBackScoresTheOtherWayRound) {
  const auto rc = ShippedInstrument("RAPPORT-CHECK");
  // Five sliders at 10, and "there were things I could not say" completely true (10): 50 + 0.
  EXPECT_EQ(MustScore(rc, All(rc, 10)).total, 50);
  // The same with it not true at all (0): 50 + (0 + 10 - 0) = 60.
  EXPECT_EQ(MustScore(rc, All(rc, 10, {{"rc_held_back", 0}})).total, 60);
}

TEST(RapportCheck, SliderValuesMustBeWholeStepsWithinRange) {
  const auto rc = ShippedInstrument("RAPPORT-CHECK");
  EXPECT_FALSE(Score(rc, All(rc, 7.5), Completeness::kRequireRequired).has_value());
  EXPECT_FALSE(Score(rc, All(rc, 11), Completeness::kRequireRequired).has_value());
}

TEST(RapportCheck, TheCommentIsOptionalTextWithALimit) {
  const auto rc = ShippedInstrument("RAPPORT-CHECK");
  Answers a = All(rc, 9);
  a.texts["rc_better"] = "More time on the homework, please.";
  EXPECT_TRUE(Score(rc, a, Completeness::kRequireRequired).has_value());
  a.texts["rc_better"] = std::string(2001, 'x');
  EXPECT_FALSE(Score(rc, a, Completeness::kRequireRequired).has_value());
  Answers number_for_text = All(rc, 9);
  number_for_text.values["rc_better"] = 3;
  EXPECT_FALSE(Score(rc, number_for_text, Completeness::kRequireRequired).has_value());
}

// ASQ answers: yes (1) or no (0) by item number, 1 to 5; items not given are left blank.
Answers Asq(std::map<int, double> by_number) {
  Answers a;
  for (const auto& [n, v] : by_number) a.values["asq_" + std::to_string(n)] = v;
  return a;
}

TEST(Asq, AllNoIsANegativeScreenWithoutAskingTheAcuityQuestion) {
  const auto asq = ShippedInstrument("ASQ");
  const auto r = MustScore(asq, Asq({{1, 0}, {2, 0}, {3, 0}, {4, 0}}));
  ASSERT_TRUE(r.screen.has_value());
  EXPECT_EQ(r.screen->label, "negative");
  EXPECT_EQ(r.screen->severity, std::nullopt);
  EXPECT_EQ(r.band, "negative");
  EXPECT_EQ(r.total, 0);
  EXPECT_THAT(r.risk, IsEmpty());
  EXPECT_THAT(r.missing, IsEmpty());  // question 5 was never asked
  EXPECT_THAT(r.risk_unanswered, IsEmpty());
}

TEST(Asq, AYesToAnyOfTheFirstFourIsAPositiveScreen) {
  const auto asq = ShippedInstrument("ASQ");
  const auto r = MustScore(asq, Asq({{1, 0}, {2, 0}, {3, 1}, {4, 0}, {5, 0}}));
  EXPECT_EQ(r.screen->label, "positive");
  EXPECT_EQ(r.screen->severity, Severity::kCritical);
  EXPECT_EQ(r.band, "positive");
  EXPECT_EQ(r.total, 1);  // one yes among questions 1-4
  EXPECT_THAT(r.risk, ElementsAre("asq_3"));
}

TEST(Asq, AYesToTheAcuityQuestionIsAnAcutePositive) {
  const auto asq = ShippedInstrument("ASQ");
  const auto r = MustScore(asq, Asq({{1, 1}, {2, 0}, {3, 0}, {4, 0}, {5, 1}}));
  EXPECT_EQ(r.screen->label, "acute positive");
  EXPECT_EQ(r.screen->note, "imminent risk, needs a full safety assessment now");
  EXPECT_EQ(r.band, "acute positive");
  EXPECT_THAT(r.risk, ElementsAre("asq_1", "asq_5"));
}

TEST(Asq, TheAcuityQuestionNeedsAnAnswerOnceAnyOfTheFirstFourIsYes) {
  const auto asq = ShippedInstrument("ASQ");
  const Answers a = Asq({{1, 0}, {2, 1}, {3, 0}, {4, 0}});
  auto live = Score(asq, a, Completeness::kRequireRequired);
  ASSERT_FALSE(live.has_value());
  EXPECT_EQ(live.error().fields.at(0).field, "answers/asq_5");
  const auto paper = MustScore(asq, a, Completeness::kAllowMissing);
  EXPECT_EQ(paper.screen->label, "positive");
  EXPECT_THAT(paper.missing, ElementsAre("asq_5"));
  EXPECT_THAT(paper.risk_unanswered, ElementsAre("asq_5"));
}

TEST(Asq, RefusingToAnswerOneOfTheFirstFourIsAPositiveScreen) {
  const auto asq = ShippedInstrument("ASQ");
  const auto r = MustScore(asq, Asq({{1, 0}, {2, 0}, {3, 0}}));
  EXPECT_EQ(r.screen->label, "positive");
  EXPECT_THAT(r.screen->unanswered, ElementsAre("asq_4"));
  EXPECT_THAT(r.risk_unanswered, ElementsAre("asq_4"));
  EXPECT_THAT(r.risk, IsEmpty());
  EXPECT_EQ(r.total, std::nullopt);  // the count of yes answers needs all four
}

TEST(ScoreResultJson, CarriesTheScreensResult) {
  const auto asq = ShippedInstrument("ASQ");
  const Json j = ScoreResultToJson(MustScore(asq, Asq({{1, 1}, {2, 1}, {3, 0}, {4, 0}, {5, 1}})));
  EXPECT_EQ(j["screen"]["result"], "acute positive");
  EXPECT_EQ(j["screen"]["severity"], "critical");
  EXPECT_EQ(j["band"], "acute positive");
  EXPECT_EQ(ScoreResultToJson(MustScore(ShippedInstrument("GAD-7"),
                                        All(ShippedInstrument("GAD-7"), 0)))["screen"],
            nullptr);
}

TEST(ReverseKeys, ReverseItemsScoreAsMinPlusMaxMinusValue) {
  auto inst = ParseInstrument(Json::parse(R"({
    "code": "REV", "title": "t", "version": "1", "language": "en", "purpose": "outcome",
    "respondents": ["client"], "source": "s", "licence": "l", "validation": {"validated": false},
    "response_sets": {"five": [{"value": 1, "label": "a"}, {"value": 2, "label": "b"},
                               {"value": 3, "label": "c"}, {"value": 4, "label": "d"},
                               {"value": 5, "label": "e"}]},
    "items": [{"id": "x", "text": "x", "response_set": "five"},
              {"id": "y", "text": "y", "response_set": "five", "reverse": true}],
    "scales": [{"id": "total", "items": ["x", "y"]}], "total": "total"})"));
  ASSERT_TRUE(inst.has_value()) << inst.error().message;
  Answers a;
  a.values = {{"x", 5}, {"y", 5}};
  EXPECT_EQ(MustScore(*inst, a).total, 6);  // 5 + (1 + 5 - 5)
  a.values = {{"x", 1}, {"y", 2}};
  EXPECT_EQ(MustScore(*inst, a).total, 5);  // 1 + (1 + 5 - 2)
}

TEST(AnswersFromList, FollowsItemOrderAndTreatsEmptyAsMissing) {
  const auto phq = ShippedInstrument("PHQ-9");
  auto a = AnswersFromList(phq, "2,1,,0,3,1,1,0,1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->values.size(), 8u);
  EXPECT_EQ(a->values.at("phq9_1"), 2);
  EXPECT_FALSE(a->values.contains("phq9_3"));
  EXPECT_FALSE(AnswersFromList(phq, "2,x").has_value());
  EXPECT_FALSE(AnswersFromList(phq, "0,0,0,0,0,0,0,0,0,0,0").has_value());
}

TEST(AnswersFromJson, NullIsUnansweredAndTypesAreChecked) {
  const auto rc = ShippedInstrument("RAPPORT-CHECK");
  auto a =
      AnswersFromJson(rc, Json::parse(R"({"rc_heard": 9, "rc_goals": null, "rc_better": "ok"})"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->values.size(), 1u);
  EXPECT_EQ(a->texts.at("rc_better"), "ok");
  auto bad = AnswersFromJson(rc, Json::parse(R"({"rc_heard": "nine", "nope": 1})"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.size(), 2u);
  EXPECT_THAT(bad.error().message, ::testing::HasSubstr("answers/rc_heard must be a number"));
}

TEST(ScoreResultJson, CarriesTotalSubscalesBandRiskAndMissing) {
  const auto psc = ShippedInstrument("PSC-17");
  const Json j = ScoreResultToJson(MustScore(psc, All(psc, 2)));
  EXPECT_EQ(j["total"], 34);
  EXPECT_EQ(j["subscales"]["attention"], 10);
  EXPECT_FALSE(j["subscales"].contains("total"));
  EXPECT_EQ(j["band"], "at or above cutoff");
  EXPECT_TRUE(j["risk"].is_array());
  EXPECT_TRUE(j["missing"].is_array());
}

TEST(ScoreResultJson, EachRiskAnswerCarriesItsValueLabelAndSeverity) {
  const auto phq = ShippedInstrument("PHQ-9");
  const Json j = ScoreResultToJson(MustScore(phq, All(phq, 0, {{"phq9_9", 2}})));
  EXPECT_EQ(j["risk"], Json::array({"phq9_9"}));
  ASSERT_EQ(j["risk_answers"].size(), 1u);
  EXPECT_EQ(j["risk_answers"][0]["item"], "phq9_9");
  EXPECT_EQ(j["risk_answers"][0]["value"], 2);
  EXPECT_EQ(j["risk_answers"][0]["label"], "More than half the days");
  EXPECT_EQ(j["risk_answers"][0]["severity"], "critical");
}

}  // namespace
}  // namespace rapport

namespace rapport {
namespace {

TEST(AnswersToJson, RoundTripsThroughAnswersFromJson) {
  const auto rc = testing_support::ShippedInstrument("RAPPORT-CHECK");
  Answers a;
  a.values = {{"rc_heard", 9}, {"rc_goals", 7}};
  a.texts = {{"rc_better", "Slower, please."}};
  auto back = AnswersFromJson(rc, AnswersToJson(a));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->values, a.values);
  EXPECT_EQ(back->texts, a.texts);
}

TEST(ScaleScoresToJson, ListsEveryScaleWithNullForUnscored) {
  const auto psc = testing_support::ShippedInstrument("PSC-17");
  Answers a;
  for (const auto& id : psc.TotalScale().items) a.values[id] = 1;
  for (const char* id : {"psc17_1", "psc17_3", "psc17_7", "psc17_13"}) a.values.erase(id);
  const Json j = ScaleScoresToJson(Score(psc, a, Completeness::kAllowMissing).value());
  EXPECT_EQ(j["internalizing"], nullptr);  // four blanks: the form is invalid
  EXPECT_EQ(j["attention"], nullptr);
  EXPECT_EQ(j["total"], nullptr);
  a.values["psc17_13"] = 1;
  const Json three = ScaleScoresToJson(Score(psc, a, Completeness::kAllowMissing).value());
  EXPECT_EQ(three["attention"], 2);  // 1 + 1 answered, 3 blanks counting 0
}

}  // namespace
}  // namespace rapport
