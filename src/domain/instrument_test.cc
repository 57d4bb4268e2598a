#include "domain/instrument.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "domain/shipped_data.h"
#include "domain/test_instruments.h"

namespace rapport {
namespace {

using ::testing::Contains;
using ::testing::Field;

Instrument Shipped(std::string_view code) {
  return testing_support::ShippedInstrument(code);
}

TEST(ShippedInstruments, EveryDefinitionParsesAndSaysWhereItComesFrom) {
  ASSERT_EQ(ShippedInstrumentDefinitions().size(), 9u);
  for (const auto& def : ShippedInstrumentDefinitions()) {
    auto inst = ParseInstrument(Json::parse(def.json));
    ASSERT_TRUE(inst.has_value()) << def.file << ": " << inst.error().message;
    EXPECT_FALSE(inst->source.empty()) << def.file;
    EXPECT_FALSE(inst->licence.empty()) << def.file;
  }
}

TEST(ShippedInstruments, OwnQuestionnairesAreMarkedNotYetValidated) {
  EXPECT_FALSE(Shipped("RAPPORT-CHECK").validated);
  EXPECT_FALSE(Shipped("FIT-CHECK").validated);
  EXPECT_FALSE(Shipped("SUPPORT-CHECK").validated);
  EXPECT_FALSE(Shipped("KIDS-CHECK").validated);
  EXPECT_TRUE(Shipped("PHQ-9").validated);
}

TEST(ShippedInstruments, NoLicensedQuestionnaireIsShipped) {
  for (const auto& def : ShippedInstrumentDefinitions()) {
    const std::string code = Json::parse(def.json).at("code");
    for (const char* licensed : {"ORS", "SRS", "OQ-45", "WAI", "WAI-SR"}) {
      EXPECT_NE(code, licensed);
    }
  }
}

TEST(KidsCheckDefinition, AYoungChildAnswersFourQuestionsOnFiveFaces) {
  const Instrument kc = Shipped("KIDS-CHECK");
  EXPECT_TRUE(kc.faces);
  EXPECT_EQ(kc.purpose, Purpose::kRapport);
  EXPECT_EQ(kc.respondents, std::vector<std::string>{"client"});
  ASSERT_EQ(kc.items.size(), 4u);
  for (const Item& item : kc.items) {
    ASSERT_EQ(item.options.size(), 5u) << item.id;
    EXPECT_EQ(item.options.front().value, 0);
    EXPECT_EQ(item.options.back().value, 4);
  }
  EXPECT_EQ(kc.TotalScale().max_score, 16);
  EXPECT_EQ(InstrumentToJson(kc)["faces"], true);
  EXPECT_EQ(InstrumentToJson(Shipped("RAPPORT-CHECK"))["faces"], false);
}

TEST(KidsCheckDefinition, FacesAreOnlyForChoicesOfFive) {
  Json def;
  for (const auto& d : ShippedInstrumentDefinitions()) {
    if (Json::parse(d.json).at("code") == "KIDS-CHECK") def = Json::parse(d.json);
  }
  ASSERT_TRUE(def.is_object());
  def["items"][0].erase("response_set");
  def["items"][0]["options"] =
      Json::array({{{"value", 0}, {"label", "No"}}, {{"value", 1}, {"label", "Yes"}}});
  auto parsed = ParseInstrument(def);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().fields.at(0).field, "items/0");
}

TEST(RapportCheckDefinition, KeepsTheConstructsAddsRespectAndTurnsOneSentenceRound) {
  const Instrument rc = Shipped("RAPPORT-CHECK");
  EXPECT_EQ(rc.version, "2");
  const Scale& total = rc.TotalScale();
  EXPECT_EQ(total.items, (std::vector<std::string>{"rc_heard", "rc_goals", "rc_approach",
                                                   "rc_held_back", "rc_respect", "rc_overall"}));
  std::vector<std::string> reversed;
  for (const Item& item : rc.items) {
    if (item.reverse) reversed.push_back(item.id);
  }
  EXPECT_EQ(reversed, std::vector<std::string>{"rc_held_back"});
  // Six sliders of 0-10: 0 to 60; the cut-off keeps an average of 8 (6 x 8 = 48) and reliable
  // change one point per sentence (6).
  EXPECT_EQ(total.min_score, 0);
  EXPECT_EQ(total.max_score, 60);
  EXPECT_EQ(total.cutoff, 48);
  EXPECT_EQ(total.reliable_change.threshold, 6);
  const Item* better = rc.FindItem("rc_better");
  ASSERT_NE(better, nullptr);
  EXPECT_EQ(better->type, ItemType::kText);
  EXPECT_FALSE(better->required);
}

TEST(RapportCheckDefinition, NoSentenceEchoesAPublishedAllianceScale) {
  // Phrases of the Session Rating Scale and the Working Alliance Inventory the earlier wording
  // came close to.
  const std::vector<std::string> published = {
      "heard, understood",        "understood and respected", "what i wanted to work on",
      "approach is a good fit",   "was right for me",         "agree on what is important",
      "my therapist and i agree", "the way we are working"};
  const Instrument rc = Shipped("RAPPORT-CHECK");
  for (const Item& item : rc.items) {
    std::string text = item.text;
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    for (const std::string& phrase : published) {
      EXPECT_EQ(text.find(phrase), std::string::npos) << item.id << ": " << phrase;
    }
  }
}

TEST(Phq9Definition, HasLoincCodesBandsAndItemNineAsRisk) {
  const Instrument phq = Shipped("PHQ-9");
  EXPECT_EQ(phq.loinc_panel, "44249-1");
  EXPECT_EQ(phq.loinc_total, "44261-6");
  ASSERT_EQ(phq.risk.size(), 1u);
  EXPECT_EQ(phq.risk[0].item, "phq9_9");
  const Scale& total = phq.TotalScale();
  EXPECT_EQ(total.items.size(), 9u);
  EXPECT_EQ(total.min_score, 0);
  EXPECT_EQ(total.max_score, 27);
  EXPECT_EQ(total.cutoff, 10);
  EXPECT_EQ(total.reliable_change.threshold, 6);
}

TEST(Psc17Definition, SubscalesFollowTheOfficialFormKey) {
  const Instrument psc = Shipped("PSC-17");
  const auto items = [&](std::string_view id) { return psc.FindScale(id)->items; };
  EXPECT_EQ(items("internalizing"),
            (std::vector<std::string>{"psc17_2", "psc17_6", "psc17_9", "psc17_11", "psc17_15"}));
  EXPECT_EQ(items("attention"),
            (std::vector<std::string>{"psc17_1", "psc17_3", "psc17_7", "psc17_13", "psc17_17"}));
  EXPECT_EQ(items("externalizing"),
            (std::vector<std::string>{"psc17_4", "psc17_5", "psc17_8", "psc17_10", "psc17_12",
                                      "psc17_14", "psc17_16"}));
  EXPECT_EQ(psc.FindScale("internalizing")->cutoff, 5);
  EXPECT_EQ(psc.FindScale("attention")->cutoff, 7);
  EXPECT_EQ(psc.FindScale("externalizing")->cutoff, 7);
  EXPECT_EQ(psc.TotalScale().cutoff, 15);
  EXPECT_EQ(psc.respondents, std::vector<std::string>{"guardian"});
}

TEST(AsqDefinition, QuestionsAndScoringFollowTheNimhTool) {
  const Instrument asq = Shipped("ASQ");
  EXPECT_EQ(asq.purpose, Purpose::kScreen);
  EXPECT_EQ(ToString(asq.purpose), "screen");
  EXPECT_TRUE(asq.validated);
  EXPECT_NE(asq.licence.find("public domain"), std::string::npos);
  EXPECT_NE(asq.source.find("Horowitz"), std::string::npos);
  const std::vector<std::pair<std::string, std::string>> wording = {
      {"asq_1", "In the past few weeks, have you wished you were dead?"},
      {"asq_2",
       "In the past few weeks, have you felt that you or your family would be better off if you "
       "were dead?"},
      {"asq_3", "In the past week, have you been having thoughts about killing yourself?"},
      {"asq_4", "Have you ever tried to kill yourself?"},
      {"asq_5", "Are you having thoughts of killing yourself right now?"},
  };
  for (const auto& [id, text] : wording) {
    const Item* item = asq.FindItem(id);
    ASSERT_NE(item, nullptr) << id;
    EXPECT_EQ(item->text, text);
    ASSERT_EQ(item->options.size(), 2u) << id;
    EXPECT_EQ(item->options[0].label, "No");
    EXPECT_EQ(item->options[0].value, 0);
    EXPECT_EQ(item->options[1].label, "Yes");
    EXPECT_EQ(item->options[1].value, 1);
  }
  const Item& acuity = *asq.FindItem("asq_5");
  ASSERT_TRUE(acuity.asked_if.has_value());
  EXPECT_EQ(acuity.asked_if->any_of,
            (std::vector<std::string>{"asq_1", "asq_2", "asq_3", "asq_4"}));
  EXPECT_EQ(acuity.asked_if->at_least, 1);
  ASSERT_TRUE(asq.screen.has_value());
  ASSERT_EQ(asq.screen->results.size(), 2u);
  EXPECT_EQ(asq.screen->results[0].label, "acute positive");
  EXPECT_EQ(asq.screen->results[0].severity, Severity::kCritical);
  EXPECT_EQ(asq.screen->results[1].label, "positive");
  EXPECT_TRUE(asq.screen->results[1].unanswered_counts);
  EXPECT_EQ(asq.screen->results[1].severity, Severity::kCritical);
  EXPECT_EQ(asq.screen->otherwise_label, "negative");
  EXPECT_EQ(asq.risk.size(), 5u);
}

TEST(ParseInstrument, JsonViewCarriesTheScreenAndWhenAnItemIsAsked) {
  const Json view = InstrumentToJson(Shipped("ASQ"));
  EXPECT_EQ(view["purpose"], "screen");
  EXPECT_EQ(view["items"][4]["asked_if"]["any_of"].size(), 4u);
  EXPECT_EQ(view["screen"]["results"][0]["label"], "acute positive");
  EXPECT_EQ(view["screen"]["otherwise"]["label"], "negative");
}

Json Minimal() {
  return Json::parse(R"({
    "code": "TEST-2", "title": "Test", "version": "1", "language": "en", "purpose": "outcome",
    "respondents": ["client"], "source": "tests", "licence": "tests",
    "validation": {"validated": false},
    "items": [
      {"id": "a", "text": "A", "options": [{"value": 0, "label": "no"}, {"value": 1, "label": "yes"}]},
      {"id": "b", "text": "B", "options": [{"value": 0, "label": "no"}, {"value": 1, "label": "yes"}]}
    ],
    "scales": [{"id": "total", "items": ["a", "b"],
                "bands": [{"min": 0, "max": 0, "label": "none"}, {"min": 1, "max": 2, "label": "some"}]}],
    "total": "total"
  })");
}

TEST(ParseInstrument, AcceptsAMinimalDefinition) {
  auto inst = ParseInstrument(Minimal());
  ASSERT_TRUE(inst.has_value()) << inst.error().message;
  EXPECT_EQ(inst->TotalScale().max_score, 2);
}

TEST(ParseInstrument, NamesThePlaceOfEveryProblem) {
  Json j = Minimal();
  j["scales"][0]["items"].push_back("zzz");
  j["items"][1]["response_set"] = "nowhere";
  j["total"] = "sum";
  j["colour"] = "blue";
  auto inst = ParseInstrument(j);
  ASSERT_FALSE(inst.has_value());
  const auto& fields = inst.error().fields;
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "scales/0/items/2")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "items/1/options")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "total")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "colour")));
}

TEST(ParseInstrument, RejectsBandsWithGapsAndCutoffsOutOfRange) {
  Json j = Minimal();
  j["scales"][0]["bands"][1]["min"] = 2;
  j["scales"][0]["cutoff"] = {{"value", 9}};
  auto inst = ParseInstrument(j);
  ASSERT_FALSE(inst.has_value());
  EXPECT_THAT(inst.error().fields, Contains(Field(&FieldError::field, "scales/0/bands")));
  EXPECT_THAT(inst.error().fields, Contains(Field(&FieldError::field, "scales/0/cutoff/value")));
}

TEST(ParseInstrument, BlanksCountAsZeroOrAreProratedButNotBoth) {
  Json j = Minimal();
  j["scales"][0]["missing"] = {{"prorate_up_to", 1}, {"zero_up_to", 1}};
  auto both = ParseInstrument(j);
  ASSERT_FALSE(both.has_value());
  EXPECT_THAT(both.error().fields,
              Contains(Field(&FieldError::field, "scales/0/missing/zero_up_to")));
  j["scales"][0]["missing"] = {{"zero_up_to", 1}, {"counted_over", "form"}};
  auto nowhere = ParseInstrument(j);
  ASSERT_FALSE(nowhere.has_value());
  EXPECT_THAT(nowhere.error().fields,
              Contains(Field(&FieldError::field, "scales/0/missing/counted_over")));
  j["scales"][0]["missing"] = {{"zero_up_to", 1}, {"counted_over", "total"}};
  auto ok = ParseInstrument(j);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->TotalScale().zero_up_to, 1);
  EXPECT_EQ(InstrumentToJson(*ok)["scales"][0]["missing"],
            Json::parse(R"({"zero_up_to": 1, "counted_over": "total"})"));
}

TEST(ShippedInstruments, OutcomeQuestionnairesOpenADayBeforeTheSessionAndTheChecksAfterIt) {
  for (const char* code : {"PHQ-9", "GAD-7", "PSC-17"}) {
    const Instrument inst = Shipped(code);
    ASSERT_TRUE(inst.timing.has_value()) << code;
    EXPECT_EQ(inst.timing->ask, AskWhen::kBeforeSession) << code;
    EXPECT_EQ(inst.timing->opens_hours_before, 24) << code;
  }
  for (const char* code : {"RAPPORT-CHECK", "FIT-CHECK"}) {
    const Instrument inst = Shipped(code);
    ASSERT_TRUE(inst.timing.has_value()) << code;
    EXPECT_EQ(inst.timing->ask, AskWhen::kAfterSession) << code;
    EXPECT_EQ(inst.timing->opens_hours_before, std::nullopt) << code;
  }
}

TEST(ParseInstrument, TimingIsOptionalAndRoundTrips) {
  auto none = ParseInstrument(Minimal());
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->timing, std::nullopt);
  EXPECT_FALSE(InstrumentToJson(*none).contains("timing"));
  Json j = Minimal();
  j["timing"] = {{"ask", "before_session"}, {"opens_hours_before", 48}};
  auto inst = ParseInstrument(j);
  ASSERT_TRUE(inst.has_value()) << inst.error().message;
  EXPECT_EQ(InstrumentToJson(*inst)["timing"], j["timing"]);
  EXPECT_EQ(InstrumentToJson(Shipped("RAPPORT-CHECK"))["timing"],
            Json::parse(R"({"ask": "after_session"})"));
}

TEST(ParseInstrument, TimingProblemsAreNamedByTheirPlace) {
  const auto field_of = [](Json timing) {
    Json j = Minimal();
    j["timing"] = std::move(timing);
    auto inst = ParseInstrument(j);
    return inst ? std::string("parsed") : inst.error().fields.at(0).field;
  };
  EXPECT_EQ(field_of({{"ask", "during_session"}}), "timing/ask");
  EXPECT_EQ(field_of({{"opens_hours_before", 24}}), "timing/ask");
  EXPECT_EQ(field_of({{"ask", "after_session"}, {"opens_hours_before", 24}}),
            "timing/opens_hours_before");
  EXPECT_EQ(field_of({{"ask", "before_session"}, {"opens_hours_before", -1}}),
            "timing/opens_hours_before");
  EXPECT_EQ(field_of({{"ask", "before_session"}, {"opens_hours_before", 169}}),
            "timing/opens_hours_before");
  EXPECT_EQ(field_of({{"ask", "before_session"}, {"when", 1}}), "timing/when");
}

TEST(ParseInstrument, ConditionalItemsAndScreensNameTheirProblems) {
  Json j = Minimal();
  j["items"][0]["asked_if"] = {{"any_of", {"nowhere"}}, {"at_least", 1}};
  j["items"][1]["asked_if"] = {{"any_of", {"b"}}, {"at_least", 1}};
  j["screen"] = Json::parse(R"({
    "results": [{"label": "positive", "any_of": ["a", "c"], "at_least": 1, "severity": "low"}],
    "otherwise": {}})");
  auto inst = ParseInstrument(j);
  ASSERT_FALSE(inst.has_value());
  const auto& fields = inst.error().fields;
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "items/0/asked_if/any_of/0")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "items/1/asked_if/any_of/0")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "screen/results/0/severity")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "screen/otherwise/label")));
  j["purpose"] = "triage";
  EXPECT_THAT(ParseInstrument(j).error().fields, Contains(Field(&FieldError::field, "purpose")));
}

TEST(ParseInstrument, AScreenNamesOnlyItemsThatExist) {
  Json j = Minimal();
  j["screen"] = Json::parse(R"({
    "results": [{"label": "positive", "any_of": ["a", "c"], "at_least": 1}],
    "otherwise": {"label": "negative"}})");
  auto inst = ParseInstrument(j);
  ASSERT_FALSE(inst.has_value());
  EXPECT_EQ(inst.error().fields.at(0).field, "screen/results/0/any_of/1");
}

TEST(ParseInstrument, RequiresAValidationStatement) {
  Json j = Minimal();
  j.erase("validation");
  EXPECT_FALSE(ParseInstrument(j).has_value());
}

TEST(ParseInstrument, RiskRulesMustNameAnItem) {
  Json j = Minimal();
  j["risk"] = Json::parse(R"([{"item": "c", "at_least": 1, "message": "m"}])");
  auto inst = ParseInstrument(j);
  ASSERT_FALSE(inst.has_value());
  EXPECT_EQ(inst.error().fields.at(0).field, "risk/0/item");
}

TEST(ParseInstrument, TheOldAtLeastFormIsOneCriticalLevel) {
  Json j = Minimal();
  j["risk"] = Json::parse(R"([{"item": "a", "at_least": 1, "message": "m"}])");
  auto inst = ParseInstrument(j);
  ASSERT_TRUE(inst.has_value()) << inst.error().message;
  ASSERT_EQ(inst->risk.at(0).levels.size(), 1u);
  EXPECT_EQ(inst->risk[0].levels[0].at_least, 1);
  EXPECT_EQ(inst->risk[0].levels[0].severity, Severity::kCritical);
}

TEST(ParseInstrument, RiskLevelsGradeTheAnswerByTheHighestLevelReached) {
  const Instrument phq = Shipped("PHQ-9");
  const RiskRule& rule = phq.risk.at(0);
  EXPECT_EQ(rule.LevelFor(0), nullptr);
  ASSERT_NE(rule.LevelFor(1), nullptr);
  EXPECT_EQ(rule.LevelFor(1)->severity, Severity::kHigh);
  EXPECT_EQ(rule.LevelFor(2)->severity, Severity::kCritical);
  EXPECT_EQ(rule.LevelFor(3)->severity, Severity::kCritical);
}

TEST(ParseInstrument, RiskLevelsMustRiseAndNeverBeRoutine) {
  Json j = Minimal();
  j["items"][0]["options"].push_back({{"value", 2}, {"label", "often"}});
  j["risk"] = Json::parse(R"([
    {"item": "a", "message": "m", "levels": [{"at_least": 1, "severity": "medium"}]},
    {"item": "a", "message": "m", "levels": [{"at_least": 2, "severity": "high"},
                                             {"at_least": 1, "severity": "critical"}]},
    {"item": "a", "message": "m", "levels": [{"at_least": 1, "severity": "critical"},
                                             {"at_least": 2, "severity": "high"}]},
    {"item": "a", "message": "m", "at_least": 1, "levels": [{"at_least": 1, "severity": "high"}]},
    {"item": "a", "message": "m", "at_least": 0},
    {"item": "a", "message": "m", "levels": [{"at_least": 3, "severity": "high"}]},
    {"item": "a", "message": "m"}
  ])");
  auto inst = ParseInstrument(j);
  ASSERT_FALSE(inst.has_value());
  const auto& fields = inst.error().fields;
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "risk/0/levels/0/severity")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "risk/1/levels/1/at_least")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "risk/2/levels/1/severity")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "risk/3/levels")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "risk/4/at_least")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "risk/5/levels/0/at_least")));
  EXPECT_THAT(fields, Contains(Field(&FieldError::field, "risk/6/levels")));
}

TEST(ParseInstrument, JsonViewListsEveryItemWithItsIdAndTheValidationStatus) {
  const Instrument phq = Shipped("PHQ-9");
  const Json view = InstrumentToJson(phq);
  EXPECT_EQ(view["items"].size(), 10u);
  EXPECT_EQ(view["items"][0]["id"], "phq9_1");
  EXPECT_EQ(view["validation"]["validated"], true);
  EXPECT_EQ(view["risk"][0]["levels"][1],
            Json::parse(R"({"at_least": 2, "severity": "critical"})"));
}

}  // namespace
}  // namespace rapport
