#include "domain/support_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/catalog.h"
#include "domain/scoring.h"

namespace rapport {
namespace {

const Instrument& SupportCheck() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  const Instrument* found = catalog.Find("SUPPORT-CHECK");
  EXPECT_NE(found, nullptr);
  return *found;
}

// The scales a response to the Support Check stores, scored as the service scores it.
Json ScalesOf(const Json& answers) {
  const Instrument& inst = SupportCheck();
  auto parsed = AnswersFromJson(inst, answers);
  EXPECT_TRUE(parsed.has_value()) << parsed.error().message;
  auto score = Score(inst, *parsed, Completeness::kRequireRequired);
  EXPECT_TRUE(score.has_value()) << score.error().message;
  return ScaleScoresToJson(*score);
}

Json Answers(int alliance, int motivation, int support, int life_event) {
  return {{"sc_understood", alliance},   {"sc_same_goals", alliance}, {"sc_ready", motivation},
          {"sc_hope", motivation},       {"sc_people", support},      {"sc_backing", support},
          {"sc_life_events", life_event}};
}

TEST(SupportCheck, IsShippedAsTheProjectsOwnAndNotYetValidated) {
  const Instrument& inst = SupportCheck();
  EXPECT_EQ(inst.purpose, Purpose::kSupport);
  EXPECT_FALSE(inst.validated);
  EXPECT_NE(inst.licence.find("Rapport"), std::string::npos);
}

TEST(SupportCheck, TheShippedStrategiesReadAndEachIsCited) {
  const SupportRules& rules = ShippedSupportRules();
  ASSERT_EQ(rules.areas.size(), 4u);
  for (const SupportArea& area : rules.areas) {
    EXPECT_NE(SupportCheck().FindScale(area.scale), nullptr) << area.scale;
    ASSERT_FALSE(area.strategies.empty()) << area.scale;
    for (const RepairStrategy& s : area.strategies) {
      EXPECT_FALSE(s.citation.empty()) << s.title;
      EXPECT_THAT(s.citation, ::testing::ContainsRegex("\\((19|20)[0-9][0-9]\\)")) << s.title;
    }
  }
  // Safran and Muran's metacommunication, and the 2018 meta-analysis of rupture repair.
  const auto& alliance = rules.areas[0].strategies;
  EXPECT_THAT(alliance[0].citation, ::testing::HasSubstr("Safran, J. D., & Muran, J. C."));
  EXPECT_THAT(alliance[1].citation, ::testing::HasSubstr("Eubanks, C. F., Muran, J. C."));
}

TEST(SupportCheck, OnlyAreasOfConcernCarryTheirStrategies) {
  const auto findings =
      SupportFindings(SupportCheck(), ScalesOf(Answers(4, 8, 9, 1)), ShippedSupportRules());
  ASSERT_EQ(findings.size(), 4u);
  EXPECT_EQ(findings[0].scale, "alliance");
  EXPECT_TRUE(findings[0].concern) << "a mean of 4 is below 6";
  EXPECT_EQ(findings[0].mean, 4.0);
  EXPECT_EQ(findings[0].item_max, 10.0);
  EXPECT_FALSE(findings[0].strategies.empty());
  EXPECT_FALSE(findings[1].concern);
  EXPECT_TRUE(findings[1].strategies.empty());
  EXPECT_FALSE(findings[2].concern);
  EXPECT_EQ(findings[3].scale, "life_events");
  EXPECT_TRUE(findings[3].concern) << "a recent life event";
  EXPECT_EQ(findings[3].item_max, 1.0);
}

TEST(SupportCheck, TheBoundaryOfAConcernIsTheRulesValue) {
  const auto at =
      SupportFindings(SupportCheck(), ScalesOf(Answers(6, 6, 6, 0)), ShippedSupportRules());
  for (const SupportFinding& f : at) EXPECT_FALSE(f.concern) << f.scale;
  const auto below =
      SupportFindings(SupportCheck(), ScalesOf(Answers(5, 5, 5, 0)), ShippedSupportRules());
  EXPECT_TRUE(below[0].concern);
  EXPECT_TRUE(below[1].concern);
  EXPECT_TRUE(below[2].concern);
  EXPECT_FALSE(below[3].concern);
}

TEST(SupportCheck, RulesWithoutAThresholdOrCitationAreRefusedNamingTheField) {
  const Json file = Json::parse(R"({"areas": [
      {"scale": "alliance", "strategies": [{"title": "T", "text": "x", "citation": ""}]}]})");
  auto parsed = SupportRulesFromJson(file);
  ASSERT_FALSE(parsed.has_value());
  std::vector<std::string> fields;
  for (const FieldError& e : parsed.error().fields) fields.push_back(e.field);
  EXPECT_THAT(fields, ::testing::Contains("areas/0/concern_below_mean"));
  EXPECT_THAT(fields, ::testing::Contains("areas/0/strategies/0/citation"));
}

}  // namespace
}  // namespace rapport
