#include "domain/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr Timestamp kDay = 86'400'000;

// The value, or NaN (which fails every comparison) when there is none.
double V(const std::optional<double>& value) {
  return value.value_or(std::nan(""));
}

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = [] {
    auto shipped = InstrumentCatalog::Shipped();
    EXPECT_TRUE(shipped.has_value());
    return shipped.value_or(InstrumentCatalog{});
  }();
  return catalog;
}

// A plan as a therapist might send it: two problems, one goal with a PHQ-9 and a GAS benchmark.
Json SampleJson() {
  return Json::parse(R"({
    "summary": "Low mood since the move; we start with sleep and activity.",
    "problems": [
      {"key": "p1", "client_words": "I can't get out of bed", "formulation": "Withdrawal maintains low mood",
       "diagnosis": "F32.1", "status": "active"},
      {"key": "p2", "client_words": "I worry about money", "formulation": "", "diagnosis": "", "status": "active"}
    ],
    "agreed_order": ["p2", "p1"],
    "goals": [
      {"key": "g1", "problem_key": "p1", "description": "Feel less low", "due_date": "2026-06-30",
       "benchmarks": [
         {"key": "b1", "kind": "questionnaire", "instrument": "PHQ-9", "comparator": "below", "target": 10},
         {"key": "b2", "kind": "gas", "weight": 2,
          "levels": ["in bed all day", "up by noon", "up by ten", "up by nine", "up by eight"]}
       ],
       "interventions": [{"key": "i1", "description": "Activity scheduling", "approach": "behavioural activation"}],
       "homework": [{"key": "h1", "description": "Walk every morning", "due_date": "2026-03-01"}]}
    ],
    "guardian": {"problems": true, "goals": false, "homework": false, "ask_agreement": false}
  })");
}

PlanContent Sample() {
  auto parsed = ParsePlanContent(SampleJson(), Catalog());
  EXPECT_TRUE(parsed.has_value()) << parsed.error().message;
  return parsed.value_or(PlanContent{});
}

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> out;
  out.reserve(error.fields.size());
  for (const auto& f : error.fields) out.push_back(f.field);
  return out;
}

bool HasField(const Error& error, std::string_view field) {
  return std::any_of(error.fields.begin(), error.fields.end(),
                     [&](const FieldError& f) { return f.field == field; });
}

std::string MessageOf(const Error& error, std::string_view field) {
  for (const auto& f : error.fields) {
    if (f.field == field) return f.message;
  }
  return {};
}

// --- Parsing and the canonical form -------------------------------------------------------------

TEST(PlanContent, ParsesEveryPartOfAWellFormedPlan) {
  const PlanContent c = Sample();
  ASSERT_EQ(c.problems.size(), 2u);
  EXPECT_EQ(c.problems[0].diagnosis, "F32.1");
  EXPECT_THAT(c.agreed_order, ElementsAre("p2", "p1"));
  ASSERT_EQ(c.goals.size(), 1u);
  const Goal& g = c.goals[0];
  ASSERT_EQ(g.benchmarks.size(), 2u);
  EXPECT_EQ(g.benchmarks[0].kind, BenchmarkKind::kQuestionnaire);
  EXPECT_EQ(g.benchmarks[0].instrument, "PHQ-9");
  EXPECT_EQ(g.benchmarks[0].comparator, Comparator::kBelow);
  EXPECT_EQ(g.benchmarks[0].target, 10);
  EXPECT_EQ(g.benchmarks[1].kind, BenchmarkKind::kGas);
  EXPECT_EQ(g.benchmarks[1].weight, 2);
  EXPECT_EQ(g.benchmarks[1].levels[2], "up by ten");
  EXPECT_EQ(g.interventions[0].approach, "behavioural activation");
  EXPECT_EQ(g.homework[0].due_date, "2026-03-01");
  EXPECT_TRUE(c.guardian.problems);
  EXPECT_FALSE(c.guardian.ask_agreement);
}

TEST(PlanContent, JsonRoundTripGivesTheSameContentAndText) {
  const PlanContent c = Sample();
  const Json json = PlanContentToJson(c);
  auto again = ParsePlanContent(json, Catalog());
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, c);
  EXPECT_EQ(PlanContentToJson(*again).dump(), json.dump());
}

TEST(PlanContent, QuestionnaireBenchmarksCarryNoGasFieldsAndGasNoTarget) {
  const Json json = PlanContentToJson(Sample());
  const Json& q = json["goals"][0]["benchmarks"][0];
  const Json& gas = json["goals"][0]["benchmarks"][1];
  EXPECT_FALSE(q.contains("levels"));
  EXPECT_FALSE(q.contains("weight"));
  EXPECT_FALSE(gas.contains("instrument"));
  EXPECT_FALSE(gas.contains("target"));
  EXPECT_EQ(gas["levels"].size(), 5u);
}

TEST(PlanContent, StoredContentStaysReadableWhenItsQuestionnaireIsNoLongerInTheCatalog) {
  const InstrumentCatalog without_phq9;  // the clinic withdrew every questionnaire
  const auto fresh = ParsePlanContent(SampleJson(), without_phq9);
  ASSERT_FALSE(fresh.has_value());
  EXPECT_TRUE(HasField(fresh.error(), "goals/0/benchmarks/0/instrument"));

  const auto stored = ParseStoredPlanContent(SampleJson());
  ASSERT_TRUE(stored.has_value()) << stored.error().message;
  EXPECT_EQ(*stored, Sample());
}

TEST(PlanContent, StoredContentIsStillCheckedForShape) {
  Json bad = SampleJson();
  bad["goals"][0]["due_date"] = "2026-02-30";
  const auto stored = ParseStoredPlanContent(bad);
  ASSERT_FALSE(stored.has_value());
  EXPECT_TRUE(HasField(stored.error(), "goals/0/due_date"));
}

TEST(PlanContent, EmptyObjectIsAnEmptyPlan) {
  auto parsed = ParsePlanContent(Json::object(), Catalog());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(*parsed, PlanContent{});
}

TEST(PlanContent, HashIsStableAndFollowsTheContent) {
  const PlanContent c = Sample();
  const std::string hash = PlanContentHash(c);
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(PlanContentHash(Sample()), hash);
  PlanContent changed = c;
  changed.goals[0].due_date = "2026-07-01";
  EXPECT_NE(PlanContentHash(changed), hash);
}

TEST(PlanContent, MissingKeysAreAcceptedAsEmpty) {
  Json json = SampleJson();
  json["problems"][1].erase("key");
  json["agreed_order"] = Json::array({"p1"});
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->problems[1].key, "");
}

TEST(PlanContentErrors, ReportsEveryBadFieldAtOnce) {
  Json json = SampleJson();
  json["problems"][0]["client_words"] = "";
  json["problems"][1]["status"] = "sleeping";
  json["goals"][0]["due_date"] = "2026-02-30";
  json["goals"][0]["benchmarks"][0]["instrument"] = "NOPE-1";
  json["goals"][0]["homework"][0]["due_date"] = "tomorrow";
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_TRUE(HasField(parsed.error(), "problems/0/client_words")) << parsed.error().message;
  EXPECT_TRUE(HasField(parsed.error(), "problems/1/status"));
  EXPECT_TRUE(HasField(parsed.error(), "goals/0/due_date"));
  EXPECT_TRUE(HasField(parsed.error(), "goals/0/benchmarks/0/instrument"));
  EXPECT_EQ(MessageOf(parsed.error(), "goals/0/benchmarks/0/instrument"), "unknown questionnaire");
  EXPECT_TRUE(HasField(parsed.error(), "goals/0/homework/0/due_date"));
  EXPECT_THAT(parsed.error().message, HasSubstr("5 fields of the plan need attention: "));
  EXPECT_EQ(MessageOf(parsed.error(), "goals/0/due_date"),
            "must be a real date such as 2026-06-30");
}

TEST(PlanContentErrors, UnknownMembersAreRejected) {
  Json json = SampleJson();
  json["colour"] = "blue";
  json["goals"][0]["benchmarks"][0]["levels"] = Json::array();
  json["guardian"]["everything"] = true;
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_TRUE(HasField(parsed.error(), "colour"));
  EXPECT_TRUE(HasField(parsed.error(), "goals/0/benchmarks/0/levels"));
  EXPECT_TRUE(HasField(parsed.error(), "guardian/everything"));
}

TEST(PlanContentErrors, TextLongerThanAllowedIsRejected) {
  Json json = SampleJson();
  json["summary"] = std::string(4001, 'a');
  json["problems"][0]["client_words"] = std::string(2001, 'a');
  json["problems"][0]["diagnosis"] = std::string(201, 'a');
  json["goals"][0]["interventions"][0]["approach"] = std::string(101, 'a');
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()),
              ::testing::IsSupersetOf({"summary", "problems/0/client_words", "problems/0/diagnosis",
                                       "goals/0/interventions/0/approach"}));
}

TEST(PlanContentErrors, KeysMustHaveTheirKindsLetterAndBeUnique) {
  Json json = SampleJson();
  json["problems"][0]["key"] = "g1";
  json["problems"][1]["key"] = "p2x";
  json["goals"][0]["interventions"][0]["key"] = "h1";
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_TRUE(HasField(parsed.error(), "problems/0/key"));
  EXPECT_TRUE(HasField(parsed.error(), "problems/1/key"));
  EXPECT_TRUE(HasField(parsed.error(), "goals/0/interventions/0/key"));

  Json twice = SampleJson();
  twice["problems"][1]["key"] = "p1";
  twice["agreed_order"] = Json::array({"p1"});
  auto dup = ParsePlanContent(twice, Catalog());
  ASSERT_FALSE(dup.has_value());
  EXPECT_TRUE(HasField(dup.error(), "problems/1/key")) << dup.error().message;
}

TEST(PlanContentErrors, GoalMustAddressAProblemOfThePlan) {
  Json json = SampleJson();
  json["goals"][0]["problem_key"] = "p9";
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("goals/0/problem_key"));
}

TEST(PlanContentErrors, AGoalOfAProblemWithErrorsIsNotBlamedAsWell) {
  Json json = SampleJson();
  json["problems"][0]["client_words"] = "";
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("problems/0/client_words"));
}

TEST(PlanContentErrors, AgreedOrderNamesDistinctProblems) {
  Json json = SampleJson();
  json["agreed_order"] = Json::array({"p1", "p7", "p1", 3});
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()),
              ElementsAre("agreed_order/1", "agreed_order/2", "agreed_order/3"));
}

TEST(PlanContentErrors, EveryGoalNeedsABenchmark) {
  Json json = SampleJson();
  json["goals"][0]["benchmarks"] = Json::array();
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("goals/0/benchmarks"));
}

TEST(PlanContentErrors, GasNeedsFiveDescribedLevelsAndAWeightUpTo100) {
  Json json = SampleJson();
  json["goals"][0]["benchmarks"][1]["levels"][3] = "  ";
  json["goals"][0]["benchmarks"][1]["weight"] = 0;
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()),
              ::testing::UnorderedElementsAre("goals/0/benchmarks/1/levels/3",
                                              "goals/0/benchmarks/1/weight"));

  Json four = SampleJson();
  four["goals"][0]["benchmarks"][1]["levels"].erase(4);
  four["goals"][0]["benchmarks"][1]["weight"] = 100.5;
  auto parsed_four = ParsePlanContent(four, Catalog());
  ASSERT_FALSE(parsed_four.has_value());
  EXPECT_THAT(Fields(parsed_four.error()),
              ::testing::UnorderedElementsAre("goals/0/benchmarks/1/levels",
                                              "goals/0/benchmarks/1/weight"));
}

TEST(PlanContentErrors, UnknownBenchmarkKindIsTheOnlyComplaint) {
  Json json = SampleJson();
  json["goals"][0]["benchmarks"][0]["kind"] = "feeling";
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("goals/0/benchmarks/0/kind"));
}

TEST(PlanContentErrors, TooManyProblemsOrPerGoalItems) {
  Json json = SampleJson();
  Json problems = Json::array();
  for (int i = 1; i <= 51; ++i) {
    problems.push_back({{"key", "p" + std::to_string(i)}, {"client_words", "x"}});
  }
  json["problems"] = problems;
  Json homework = Json::array();
  for (int i = 1; i <= 21; ++i) {
    homework.push_back({{"description", "x"}, {"due_date", "2026-03-01"}});
  }
  json["goals"][0]["homework"] = homework;
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_TRUE(HasField(parsed.error(), "problems"));
  EXPECT_TRUE(HasField(parsed.error(), "goals/0/homework"));
}

struct TargetCase {
  const char* comparator;
  double target;
  bool reachable;
};

class Phq9Target : public ::testing::TestWithParam<TargetCase> {};

// PHQ-9 totals run from 0 to 27.
TEST_P(Phq9Target, IsAcceptedOnlyWhenTheTotalCanReachIt) {
  Json json = SampleJson();
  json["goals"][0]["benchmarks"][0]["comparator"] = GetParam().comparator;
  json["goals"][0]["benchmarks"][0]["target"] = GetParam().target;
  auto parsed = ParsePlanContent(json, Catalog());
  EXPECT_EQ(parsed.has_value(), GetParam().reachable)
      << GetParam().comparator << " " << GetParam().target;
  if (!parsed.has_value()) {
    EXPECT_THAT(Fields(parsed.error()), ElementsAre("goals/0/benchmarks/0/target"));
    EXPECT_THAT(parsed.error().fields[0].message, HasSubstr("PHQ-9 totals run from 0 to 27"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Comparators, Phq9Target,
    ::testing::Values(TargetCase{"below", 0, false}, TargetCase{"below", 1, true},
                      TargetCase{"at_most", 0, true}, TargetCase{"at_most", -1, false},
                      TargetCase{"at_most", 28, false}, TargetCase{"above", 27, false},
                      TargetCase{"above", 26, true}, TargetCase{"at_least", 27, true},
                      TargetCase{"at_least", 28, false}, TargetCase{"at_least", -1, false}));

TEST(PlanContentErrors, BelowZeroOnPhq9SaysItCanNeverBeReached) {
  Json json = SampleJson();
  json["goals"][0]["benchmarks"][0]["target"] = 0;
  auto parsed = ParsePlanContent(json, Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(MessageOf(parsed.error(), "goals/0/benchmarks/0/target"),
            "PHQ-9 totals run from 0 to 27: a total below 0 can never be reached");
}

TEST(PlanContentErrors, NotAnObjectIsReported) {
  auto parsed = ParsePlanContent(Json::array(), Catalog());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
}

TEST(PlanContent, FindHelpersReturnTheItemOrNull) {
  const PlanContent c = Sample();
  ASSERT_NE(c.FindProblem("p2"), nullptr);
  EXPECT_EQ(c.FindProblem("p2")->client_words, "I worry about money");
  EXPECT_EQ(c.FindProblem("p3"), nullptr);
  ASSERT_NE(c.FindGoal("g1"), nullptr);
  EXPECT_EQ(c.FindGoal("g2"), nullptr);
  const auto [goal, benchmark] = c.FindBenchmark("b2");
  ASSERT_NE(benchmark, nullptr);
  EXPECT_EQ(goal->key, "g1");
  EXPECT_EQ(benchmark->kind, BenchmarkKind::kGas);
  EXPECT_EQ(c.FindBenchmark("b3").second, nullptr);
  ASSERT_NE(c.FindHomework("h1"), nullptr);
  EXPECT_EQ(c.FindHomework("h2"), nullptr);
}

TEST(Satisfies, EachComparatorMeansWhatItSays) {
  EXPECT_TRUE(Satisfies(9, Comparator::kBelow, 10));
  EXPECT_FALSE(Satisfies(10, Comparator::kBelow, 10));
  EXPECT_TRUE(Satisfies(10, Comparator::kAtMost, 10));
  EXPECT_FALSE(Satisfies(11, Comparator::kAtMost, 10));
  EXPECT_TRUE(Satisfies(11, Comparator::kAbove, 10));
  EXPECT_FALSE(Satisfies(10, Comparator::kAbove, 10));
  EXPECT_TRUE(Satisfies(10, Comparator::kAtLeast, 10));
  EXPECT_FALSE(Satisfies(9, Comparator::kAtLeast, 10));
}

TEST(PlanEnums, NamesRoundTrip) {
  for (auto s : {PlanVersionStatus::kDraft, PlanVersionStatus::kChangesRequested,
                 PlanVersionStatus::kSuperseded}) {
    auto parsed = ParsePlanVersionStatus(ToString(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, s);
  }
  EXPECT_EQ(*ParseComparator("at_least"), Comparator::kAtLeast);
  EXPECT_EQ(*ParseSignerRole("guardian"), SignerRole::kGuardian);
  EXPECT_EQ(*ParsePlanEventKind("thought_record"), PlanEventKind::kThoughtRecord);
  EXPECT_EQ(*ParseProblemStatus("deferred"), ProblemStatus::kDeferred);
  EXPECT_FALSE(ParseComparator("under").has_value());
  EXPECT_EQ(ToString(PlanAction::kRequestChanges), "request_changes");
  EXPECT_EQ(ToString(Achievement::kNotAchieved), "not-achieved");
  EXPECT_EQ(Display(Achievement::kInProgress), "In progress");
}

// --- Keys ------------------------------------------------------------------------------------

TEST(AssignKeys, NewItemsGetTheNextNumberNeverUsedInTheHistory) {
  PlanContent earlier = Sample();
  earlier.problems.push_back({"p5", "old problem", "", "", ProblemStatus::kResolved});
  PlanContent c = Sample();
  c.problems.push_back({"", "new problem", "", "", ProblemStatus::kActive});
  Goal goal;
  goal.problem_key = "p1";
  goal.description = "new goal";
  goal.due_date = "2026-05-01";
  goal.benchmarks.push_back({});
  goal.interventions.push_back({"", "talk", ""});
  goal.homework.push_back({"", "write", "2026-04-01"});
  goal.homework.push_back({"", "read", "2026-04-02"});
  c.goals.push_back(goal);
  AssignKeys(c, {earlier});
  EXPECT_EQ(c.problems[2].key, "p6");  // p5 was used in an earlier version
  EXPECT_EQ(c.goals[1].key, "g2");
  EXPECT_EQ(c.goals[1].benchmarks[0].key, "b3");
  EXPECT_EQ(c.goals[1].interventions[0].key, "i2");
  EXPECT_EQ(c.goals[1].homework[0].key, "h2");
  EXPECT_EQ(c.goals[1].homework[1].key, "h3");
  EXPECT_EQ(c.problems[0].key, "p1");  // existing keys stay
}

TEST(AssignKeys, AnEmptyPlanStartsAtOne) {
  PlanContent c;
  c.problems.push_back({"", "x", "", "", ProblemStatus::kActive});
  AssignKeys(c, {});
  EXPECT_EQ(c.problems[0].key, "p1");
}

// --- Problem edits ---------------------------------------------------------------------------

TEST(ApplyProblemEdit, ClientMayRewordTheirProblem) {
  PlanContent c = Sample();
  ProblemEdit edit;
  edit.client_words = "Mornings are the hardest";
  ASSERT_TRUE(ApplyProblemEdit(c, "p1", edit, /*by_client=*/true).has_value());
  EXPECT_EQ(c.problems[0].client_words, "Mornings are the hardest");
}

TEST(ApplyProblemEdit, ClientMayNotChangeTheFormulationDiagnosisOrStatus) {
  PlanContent c = Sample();
  const PlanContent before = c;
  for (const char* field : {"formulation", "diagnosis", "status"}) {
    ProblemEdit edit;
    if (std::string(field) == "formulation") edit.formulation = "x";
    if (std::string(field) == "diagnosis") edit.diagnosis = "x";
    if (std::string(field) == "status") edit.status = ProblemStatus::kResolved;
    auto applied = ApplyProblemEdit(c, "p1", edit, /*by_client=*/true);
    ASSERT_FALSE(applied.has_value()) << field;
    EXPECT_EQ(applied.error().code, ErrorCode::kPermissionDenied);
    EXPECT_THAT(applied.error().message, HasSubstr(field));
  }
  EXPECT_EQ(c, before);
}

TEST(ApplyProblemEdit, TherapistMayChangeEveryField) {
  PlanContent c = Sample();
  ProblemEdit edit;
  edit.formulation = "Avoidance";
  edit.diagnosis = "6A70";
  edit.status = ProblemStatus::kDeferred;
  ASSERT_TRUE(ApplyProblemEdit(c, "p2", edit, /*by_client=*/false).has_value());
  EXPECT_EQ(c.problems[1].formulation, "Avoidance");
  EXPECT_EQ(c.problems[1].diagnosis, "6A70");
  EXPECT_EQ(c.problems[1].status, ProblemStatus::kDeferred);
  EXPECT_EQ(c.problems[1].client_words, "I worry about money");
}

TEST(ApplyProblemEdit, UnknownProblemIsNotFound) {
  PlanContent c = Sample();
  auto applied = ApplyProblemEdit(c, "p9", ProblemEdit{}, false);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::kNotFound);
}

TEST(ApplyProblemEdit, BadValuesNameTheFieldWithoutPrefix) {
  PlanContent c = Sample();
  const PlanContent before = c;
  ProblemEdit edit;
  edit.client_words = "";
  edit.diagnosis = std::string(201, 'x');
  auto applied = ApplyProblemEdit(c, "p1", edit, false);
  ASSERT_FALSE(applied.has_value());
  EXPECT_EQ(applied.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Fields(applied.error()), ElementsAre("client_words", "diagnosis"));
  EXPECT_EQ(c, before);
}

// --- Versions --------------------------------------------------------------------------------

TEST(NextStatus, FollowsTheDiagram) {
  using S = PlanVersionStatus;
  EXPECT_EQ(*NextStatus(S::kDraft, PlanAction::kPropose, 1), S::kProposed);
  EXPECT_EQ(*NextStatus(S::kProposed, PlanAction::kAccept, 1), S::kAgreed);
  EXPECT_EQ(*NextStatus(S::kProposed, PlanAction::kRequestChanges, 1), S::kChangesRequested);
  EXPECT_EQ(*NextStatus(S::kProposed, PlanAction::kDecline, 1), S::kDeclined);
  EXPECT_EQ(*NextStatus(S::kProposed, PlanAction::kWithdraw, 1), S::kWithdrawn);
  EXPECT_EQ(*NextStatus(S::kAgreed, PlanAction::kSupersede, 1), S::kSuperseded);
}

TEST(NextStatus, EverythingElseIsRefusedWithAPlainReason) {
  using S = PlanVersionStatus;
  const std::vector<S> all = {S::kDraft,     S::kProposed, S::kChangesRequested, S::kDeclined,
                              S::kWithdrawn, S::kAgreed,   S::kSuperseded};
  const std::vector<PlanAction> actions = {PlanAction::kPropose,        PlanAction::kAccept,
                                           PlanAction::kRequestChanges, PlanAction::kDecline,
                                           PlanAction::kWithdraw,       PlanAction::kSupersede};
  int allowed = 0;
  for (S from : all) {
    for (PlanAction action : actions) {
      auto next = NextStatus(from, action, 3);
      if (next.has_value()) {
        ++allowed;
      } else {
        EXPECT_EQ(next.error().code, ErrorCode::kFailedPrecondition);
        EXPECT_THAT(next.error().message, HasSubstr("Version 3"));
      }
    }
  }
  EXPECT_EQ(allowed, 6);
  auto agreed = NextStatus(S::kAgreed, PlanAction::kAccept, 3);
  ASSERT_FALSE(agreed.has_value());
  EXPECT_EQ(agreed.error().message,
            "Version 3 has been agreed and signed, so it can no longer change. Start a new draft "
            "to revise the plan.");
}

PlanVersion Version(int number, PlanVersionStatus status) {
  PlanVersion v;
  v.id = PlanVersionId{number} * 10;
  v.number = number;
  v.status = status;
  return v;
}

TEST(CheckLatestProposal, OnlyTheNewestProposedVersionCanBeAnswered) {
  const std::vector<PlanVersion> versions = {Version(3, PlanVersionStatus::kProposed),
                                             Version(1, PlanVersionStatus::kAgreed),
                                             Version(2, PlanVersionStatus::kWithdrawn)};
  EXPECT_TRUE(CheckLatestProposal(versions, 3).has_value());
  auto older = CheckLatestProposal(versions, 2);
  ASSERT_FALSE(older.has_value());
  EXPECT_EQ(older.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(CheckLatestProposal(versions, 7).has_value());
}

TEST(CheckLatestProposal, ADraftCannotBeAnswered) {
  const std::vector<PlanVersion> versions = {Version(1, PlanVersionStatus::kAgreed),
                                             Version(2, PlanVersionStatus::kDraft)};
  auto draft = CheckLatestProposal(versions, 2);
  ASSERT_FALSE(draft.has_value());
  EXPECT_THAT(draft.error().message, HasSubstr("draft"));
  EXPECT_FALSE(CheckLatestProposal({}, 1).has_value());
}

PlanSignature Sig(SignerRole role, const std::string& hash) {
  PlanSignature s;
  s.role = role;
  s.content_hash = hash;
  return s;
}

TEST(AgreementComplete, NeedsTherapistAndClientOverTheSameContent) {
  EXPECT_FALSE(AgreementComplete({Sig(SignerRole::kTherapist, "h")}, "h", false));
  EXPECT_TRUE(AgreementComplete({Sig(SignerRole::kTherapist, "h"), Sig(SignerRole::kClient, "h")},
                                "h", false));
  EXPECT_FALSE(AgreementComplete(
      {Sig(SignerRole::kTherapist, "h"), Sig(SignerRole::kClient, "other")}, "h", false));
  EXPECT_FALSE(AgreementComplete({}, "", false));
}

TEST(AgreementComplete, NeedsTheGuardianOnlyWhenAsked) {
  const std::vector<PlanSignature> two = {Sig(SignerRole::kTherapist, "h"),
                                          Sig(SignerRole::kClient, "h")};
  EXPECT_FALSE(AgreementComplete(two, "h", true));
  std::vector<PlanSignature> three = two;
  three.push_back(Sig(SignerRole::kGuardian, "h"));
  EXPECT_TRUE(AgreementComplete(three, "h", true));
}

// --- Differences -----------------------------------------------------------------------------

TEST(DiffPlans, EqualPlansHaveNoDifferences) {
  EXPECT_TRUE(DiffPlans(Sample(), Sample()).empty());
}

TEST(DiffPlans, ProblemAddedRemovedAndChanged) {
  const PlanContent before = Sample();
  PlanContent after = before;
  after.problems[0].client_words = "Mornings are hard";
  after.problems.erase(after.problems.begin() + 1);
  after.agreed_order = {"p1"};
  after.problems.push_back({"p3", "I sleep badly", "", "", ProblemStatus::kActive});
  const auto rows = DiffPlans(before, after);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].section, "problem");
  EXPECT_EQ(rows[0].key, "p1");
  EXPECT_EQ(rows[0].field, "client_words");
  EXPECT_EQ(rows[0].change, DiffChange::kChanged);
  EXPECT_EQ(rows[0].before, "I can't get out of bed");
  EXPECT_EQ(rows[0].after, "Mornings are hard");
  EXPECT_EQ(rows[1].key, "p3");
  EXPECT_EQ(rows[1].change, DiffChange::kAdded);
  EXPECT_EQ(rows[1].after, "I sleep badly");
  EXPECT_EQ(rows[2].key, "p2");
  EXPECT_EQ(rows[2].change, DiffChange::kRemoved);
  EXPECT_EQ(rows[2].before, "I worry about money");
  EXPECT_EQ(rows[3].section, "order");
  EXPECT_EQ(rows[3].before, "p2, p1");
  EXPECT_EQ(rows[3].after, "p1");
}

TEST(DiffPlans, GoalDueDateBenchmarkTargetAndSharing) {
  const PlanContent before = Sample();
  PlanContent after = before;
  after.goals[0].due_date = "2026-09-30";
  after.goals[0].benchmarks[0].target = 5;
  after.guardian.goals = true;
  const auto rows = DiffPlans(before, after);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].section, "goal");
  EXPECT_EQ(rows[0].key, "g1");
  EXPECT_EQ(rows[0].field, "due_date");
  EXPECT_EQ(rows[0].before, "2026-06-30");
  EXPECT_EQ(rows[0].after, "2026-09-30");
  EXPECT_EQ(rows[1].section, "benchmark");
  EXPECT_EQ(rows[1].key, "b1");
  EXPECT_EQ(rows[1].field, "target");
  EXPECT_EQ(rows[1].before, "10");
  EXPECT_EQ(rows[1].after, "5");
  EXPECT_EQ(rows[2].section, "sharing");
  EXPECT_EQ(rows[2].field, "goals");
  EXPECT_EQ(rows[2].before, "no");
  EXPECT_EQ(rows[2].after, "yes");
}

TEST(DiffPlans, SummaryInterventionAndHomeworkChangesAreListed) {
  const PlanContent before = Sample();
  PlanContent after = before;
  after.summary = "New outline";
  after.goals[0].interventions.clear();
  after.goals[0].homework.push_back({"h2", "Call a friend", "2026-03-08"});
  const auto rows = DiffPlans(before, after);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].section, "summary");
  EXPECT_EQ(rows[0].after, "New outline");
  EXPECT_EQ(rows[1].section, "intervention");
  EXPECT_EQ(rows[1].change, DiffChange::kRemoved);
  EXPECT_EQ(rows[2].section, "homework");
  EXPECT_EQ(rows[2].key, "h2");
  EXPECT_EQ(rows[2].change, DiffChange::kAdded);
}

TEST(DiffPlans, AWholeNewGoalIsOneRow) {
  const PlanContent before = Sample();
  PlanContent after = before;
  Goal g = after.goals[0];
  g.key = "g2";
  g.description = "Sleep better";
  after.goals.push_back(g);
  const auto rows = DiffPlans(before, after);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].section, "goal");
  EXPECT_EQ(rows[0].key, "g2");
  EXPECT_EQ(rows[0].field, "");
  EXPECT_EQ(rows[0].change, DiffChange::kAdded);
  EXPECT_EQ(rows[0].after, "Sleep better");
}

// --- Consensus -------------------------------------------------------------------------------

TEST(GoalConsensus, IdenticalRankingsGiveTauOne) {
  const auto c = GoalConsensus({"a", "b", "c", "d"}, {"a", "b", "c", "d"});
  ASSERT_TRUE(c.tau.has_value());
  EXPECT_DOUBLE_EQ(V(c.tau), 1.0);
  EXPECT_EQ(c.compared, 4);
  EXPECT_TRUE(c.most_different.empty());
  EXPECT_EQ(c.plain_words, "You and your therapist put these problems in much the same order.");
}

// [a,b,c,d] vs [b,a,c,d]: 5 of the 6 pairs agree, 1 (a,b) disagrees: tau = (5-1)/6 = 0.6667.
TEST(GoalConsensus, OneSwappedPairOfFourGivesTwoThirds) {
  const auto c = GoalConsensus({"a", "b", "c", "d"}, {"b", "a", "c", "d"});
  ASSERT_TRUE(c.tau.has_value());
  EXPECT_NEAR(V(c.tau), 4.0 / 6.0, 1e-12);
  EXPECT_THAT(c.most_different, ElementsAre("a", "b"));
  EXPECT_THAT(c.plain_words, HasSubstr("broadly similar order"));
}

// Reversed: all 6 pairs disagree: tau = -6/6 = -1.
TEST(GoalConsensus, ReversedRankingsGiveMinusOne) {
  const auto c = GoalConsensus({"a", "b", "c", "d"}, {"d", "c", "b", "a"});
  ASSERT_TRUE(c.tau.has_value());
  EXPECT_DOUBLE_EQ(V(c.tau), -1.0);
  // a and d moved 3 places, b and c 1 place.
  EXPECT_THAT(c.most_different, ElementsAre("a", "d", "b"));
  EXPECT_THAT(c.plain_words, HasSubstr("nearly opposite orders"));
}

// [a,b,c] vs [c,a,b]: pairs (a,b) agree, (a,c) and (b,c) disagree: tau = (1-2)/3 = -0.3333.
TEST(GoalConsensus, MostlyDisagreeingRankingsAreNearlyOpposite) {
  const auto c = GoalConsensus({"a", "b", "c"}, {"c", "a", "b"});
  ASSERT_TRUE(c.tau.has_value());
  EXPECT_NEAR(V(c.tau), -1.0 / 3.0, 1e-12);
  EXPECT_EQ(c.most_different.front(), "c");
  EXPECT_THAT(c.plain_words, HasSubstr("nearly opposite"));
}

// [a,b,c,d,e] vs [b,a,d,c,e]: 2 of 10 pairs disagree: tau = (8-2)/10 = 0.6.
TEST(GoalConsensus, TwoSwapsOfFiveAreBroadlySimilar) {
  const auto c = GoalConsensus({"a", "b", "c", "d", "e"}, {"b", "a", "d", "c", "e"});
  EXPECT_NEAR(V(c.tau), 0.6, 1e-12);
}

// [a,b,c,d] vs [c,d,a,b]: pairs (a,b),(c,d) agree, the other 4 disagree: tau = (2-4)/6 = -0.3333;
// [a,b,c,d] vs [b,c,a,d]: (a,b),(a,c) disagree, 4 agree: tau = (4-2)/6 = 0.3333.
TEST(GoalConsensus, PlainWordsFollowTheThresholds) {
  EXPECT_THAT(GoalConsensus({"a", "b", "c", "d"}, {"b", "c", "a", "d"}).plain_words,
              HasSubstr("broadly similar"));
  EXPECT_THAT(GoalConsensus({"a", "b", "c", "d"}, {"c", "d", "a", "b"}).plain_words,
              HasSubstr("nearly opposite"));
  // [a,b,c,d] vs [b,d,a,c]: (a,c),(b,c),(b,d) agree; (a,b),(a,d),(c,d) disagree: tau = 0.
  const auto zero = GoalConsensus({"a", "b", "c", "d"}, {"b", "d", "a", "c"});
  EXPECT_NEAR(V(zero.tau), 0.0, 1e-12);
  EXPECT_THAT(zero.plain_words, HasSubstr("quite different orders"));
}

TEST(GoalConsensus, KeysInOnlyOneRankingAreIgnored) {
  const auto c = GoalConsensus({"a", "x", "b", "c"}, {"a", "b", "y", "c"});
  EXPECT_EQ(c.compared, 3);
  EXPECT_DOUBLE_EQ(V(c.tau), 1.0);
}

TEST(GoalConsensus, FewerThanTwoSharedCannotBeCompared) {
  const auto c = GoalConsensus({"a", "b"}, {"a"});
  EXPECT_FALSE(c.tau.has_value());
  EXPECT_EQ(c.compared, 1);
  EXPECT_EQ(c.plain_words,
            "Both of you need to put the problems in order before they can be compared.");
  EXPECT_FALSE(GoalConsensus({}, {}).tau.has_value());
}

// --- GAS -------------------------------------------------------------------------------------

// Weights 1, 2, 3 at levels 0, +1, -1: sum(w*x) = 0 + 2 - 3 = -1; sum(w^2) = 14; sum(w) = 6;
// T = 50 + 10 * -1 / sqrt(0.7 * 14 + 0.3 * 36) = 50 - 10 / sqrt(20.6) = 50 - 2.2033 = 47.797.
TEST(GasTScore, WeightedWorkedExampleIs47Point797) {
  const auto t = GasTScore({{0, 1}, {1, 2}, {-1, 3}});
  ASSERT_TRUE(t.has_value());
  EXPECT_NEAR(V(t), 47.797, 0.0005);
}

// Three unweighted goals at +1: T = 50 + 10 * 3 / sqrt(0.7 * 3 + 0.3 * 9) = 50 + 30 / sqrt(4.8)
// = 50 + 13.693 = 63.693.
TEST(GasTScore, ThreeGoalsOneAboveExpectedIs63Point693) {
  const auto t = GasTScore({{1, 1}, {1, 1}, {1, 1}});
  ASSERT_TRUE(t.has_value());
  EXPECT_NEAR(V(t), 63.693, 0.0005);
}

TEST(GasTScore, EveryGoalAtTheExpectedLevelIs50) {
  EXPECT_DOUBLE_EQ(V(GasTScore({{0, 1}, {0, 2}, {0, 5}})), 50.0);
}

TEST(GasTScore, NoScoresNoTScore) {
  EXPECT_FALSE(GasTScore({}).has_value());
}

// One goal at +2: 50 + 10 * 2 / sqrt(0.7 + 0.3) = 70, whatever rho.
TEST(GasTScore, OneGoalIsTenPointsPerLevel) {
  EXPECT_NEAR(V(GasTScore({{2, 1}})), 70.0, 1e-9);
  EXPECT_NEAR(V(GasTScore({{-1, 4}}, 0.5)), 40.0, 1e-9);
}

// --- Progress --------------------------------------------------------------------------------

Benchmark Phq9Below(double target) {
  Benchmark b;
  b.key = "b1";
  b.instrument = "PHQ-9";
  b.comparator = Comparator::kBelow;
  b.target = target;
  return b;
}

constexpr Timestamp kDue = 100 * kDay;
constexpr Timestamp kBeforeDue = 50 * kDay;
constexpr Timestamp kAfterDue = 101 * kDay;

TEST(QuestionnaireBenchmarkProgress, FallingPhq9TowardsTargetIsImprovingWithFraction) {
  // Baseline 20, target below 10, latest 15: half the way (20-15)/(20-10) = 0.5.
  const auto p =
      QuestionnaireBenchmarkProgress(Phq9Below(10), {{1, 20}, {2, 17}, {3, 15}}, kDue, kBeforeDue);
  EXPECT_EQ(p.key, "b1");
  EXPECT_EQ(V(p.baseline), 20);
  EXPECT_EQ(V(p.latest), 15);
  EXPECT_EQ(p.latest_at, 3);
  EXPECT_NEAR(V(p.fraction), 0.5, 1e-12);
  EXPECT_FALSE(p.met);
  EXPECT_EQ(p.achievement, Achievement::kImproving);
}

TEST(QuestionnaireBenchmarkProgress, RisingPhq9IsWorseningAndFractionClampsAtZero) {
  const auto p =
      QuestionnaireBenchmarkProgress(Phq9Below(10), {{1, 20}, {2, 22}}, kDue, kBeforeDue);
  EXPECT_EQ(p.achievement, Achievement::kWorsening);
  EXPECT_EQ(V(p.fraction), 0.0);
}

TEST(QuestionnaireBenchmarkProgress, SameTotalIsNoChange) {
  const auto p =
      QuestionnaireBenchmarkProgress(Phq9Below(10), {{1, 20}, {2, 18}, {3, 18}}, kDue, kBeforeDue);
  EXPECT_EQ(p.achievement, Achievement::kNoChange);
}

TEST(QuestionnaireBenchmarkProgress, MeetingTheTargetIsAchievedWithFractionOne) {
  const auto p = QuestionnaireBenchmarkProgress(Phq9Below(10), {{1, 20}, {2, 9}}, kDue, kAfterDue);
  EXPECT_TRUE(p.met);
  EXPECT_EQ(V(p.fraction), 1.0);
  EXPECT_EQ(p.achievement, Achievement::kAchieved);
}

TEST(QuestionnaireBenchmarkProgress, PastTheDueDateWithoutMeetingIsNotAchieved) {
  const auto p = QuestionnaireBenchmarkProgress(Phq9Below(10), {{1, 20}, {2, 12}}, kDue, kAfterDue);
  EXPECT_EQ(p.achievement, Achievement::kNotAchieved);
  EXPECT_EQ(QuestionnaireBenchmarkProgress(Phq9Below(10), {}, kDue, kAfterDue).achievement,
            Achievement::kNotAchieved);
}

TEST(QuestionnaireBenchmarkProgress, OneTotalIsInProgress) {
  const auto p = QuestionnaireBenchmarkProgress(Phq9Below(10), {{1, 20}}, kDue, kBeforeDue);
  EXPECT_EQ(p.achievement, Achievement::kInProgress);
  EXPECT_NEAR(V(p.fraction), 0.0, 1e-12);
  const auto none = QuestionnaireBenchmarkProgress(Phq9Below(10), {}, kDue, kBeforeDue);
  EXPECT_EQ(none.achievement, Achievement::kInProgress);
  EXPECT_FALSE(none.baseline.has_value());
  EXPECT_FALSE(none.fraction.has_value());
}

TEST(QuestionnaireBenchmarkProgress, HigherIsBetterForAtLeast) {
  Benchmark b = Phq9Below(20);
  b.comparator = Comparator::kAtLeast;
  // Baseline 10, target 20, latest 15: (15-10)/(20-10) = 0.5; rising is improving.
  const auto p = QuestionnaireBenchmarkProgress(b, {{1, 10}, {2, 15}}, kDue, kBeforeDue);
  EXPECT_NEAR(V(p.fraction), 0.5, 1e-12);
  EXPECT_EQ(p.achievement, Achievement::kImproving);
}

TEST(QuestionnaireBenchmarkProgress, NoFractionWhenBaselineEqualsTheTarget) {
  Benchmark b = Phq9Below(10);  // below 10: a baseline of exactly 10 does not meet it
  const auto p = QuestionnaireBenchmarkProgress(b, {{1, 10}, {2, 12}}, kDue, kBeforeDue);
  EXPECT_FALSE(p.fraction.has_value());
  EXPECT_EQ(p.achievement, Achievement::kWorsening);
}

Benchmark Gas() {
  Benchmark b;
  b.key = "b2";
  b.kind = BenchmarkKind::kGas;
  return b;
}

TEST(GasProgress, LevelZeroOrAboveIsAchieved) {
  const auto p = GasProgress(Gas(), {{1, -2}, {2, 0}}, kDue, kBeforeDue);
  EXPECT_TRUE(p.met);
  EXPECT_EQ(p.achievement, Achievement::kAchieved);
  EXPECT_EQ(V(p.baseline), -2);
  EXPECT_EQ(V(p.latest), 0);
  EXPECT_FALSE(p.fraction.has_value());
}

TEST(GasProgress, BelowZeroMovesByThePreviousLevel) {
  EXPECT_EQ(GasProgress(Gas(), {{1, -2}, {2, -1}}, kDue, kBeforeDue).achievement,
            Achievement::kImproving);
  EXPECT_EQ(GasProgress(Gas(), {{1, -1}, {2, -2}}, kDue, kBeforeDue).achievement,
            Achievement::kWorsening);
  EXPECT_EQ(GasProgress(Gas(), {{1, -1}, {2, -1}}, kDue, kBeforeDue).achievement,
            Achievement::kNoChange);
  EXPECT_EQ(GasProgress(Gas(), {{1, -1}}, kDue, kBeforeDue).achievement, Achievement::kInProgress);
  EXPECT_EQ(GasProgress(Gas(), {{1, -1}}, kDue, kAfterDue).achievement, Achievement::kNotAchieved);
}

BenchmarkProgress WithAchievement(Achievement a, bool has_data = true) {
  BenchmarkProgress p;
  p.achievement = a;
  if (has_data) p.latest = 1;
  return p;
}

TEST(GoalAchievement, CombinesItsBenchmarks) {
  using A = Achievement;
  EXPECT_EQ(GoalAchievement({WithAchievement(A::kAchieved), WithAchievement(A::kAchieved)}),
            A::kAchieved);
  EXPECT_EQ(GoalAchievement({WithAchievement(A::kAchieved), WithAchievement(A::kNotAchieved),
                             WithAchievement(A::kWorsening)}),
            A::kNotAchieved);
  EXPECT_EQ(GoalAchievement({WithAchievement(A::kImproving), WithAchievement(A::kWorsening)}),
            A::kWorsening);
  EXPECT_EQ(GoalAchievement({WithAchievement(A::kImproving), WithAchievement(A::kNoChange)}),
            A::kImproving);
  EXPECT_EQ(GoalAchievement({WithAchievement(A::kNoChange),
                             WithAchievement(A::kInProgress, /*has_data=*/false)}),
            A::kNoChange);
  EXPECT_EQ(GoalAchievement({WithAchievement(A::kNoChange), WithAchievement(A::kInProgress)}),
            A::kInProgress);
  EXPECT_EQ(GoalAchievement({}), A::kInProgress);
}

TEST(EndOfDate, IsTheLastMillisecondOfTheDayInUtc) {
  auto end = EndOfDate("1970-01-02");
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(*end, 2 * kDay - 1);
  EXPECT_EQ(*EndOfDate("2024-02-29"), *EndOfDate("2024-02-28") + kDay);
}

TEST(EndOfDate, RejectsDatesNotOnTheCalendar) {
  for (const char* bad : {"2026-02-30", "2025-02-29", "2026-13-01", "2026-1-01", "26-01-01",
                          "2026-01-01T00:00", "", "2026-0a-01"}) {
    auto end = EndOfDate(bad, "goals/0/due_date");
    ASSERT_FALSE(end.has_value()) << bad;
    EXPECT_THAT(Fields(end.error()), ElementsAre("goals/0/due_date"));
  }
}

// --- Reviews ---------------------------------------------------------------------------------

TEST(PlanReviewDue, SixSessionsSinceAgreementMakeItDue) {
  const Timestamp since = 10 * kDay;
  std::vector<Timestamp> sessions = {5 * kDay, 10 * kDay};  // before or at `since`: not counted
  for (int i = 1; i <= 6; ++i) sessions.push_back(since + kDay * 7 * i);
  const ReviewPolicy policy{6, 90};
  const auto at_five = PlanReviewDue(since, sessions, since + kDay * 7 * 5, policy);
  EXPECT_FALSE(at_five.due);
  EXPECT_EQ(at_five.sessions_since, 5);
  EXPECT_EQ(at_five.reason, "");
  const auto at_six = PlanReviewDue(since, sessions, since + kDay * 7 * 6, policy);
  EXPECT_TRUE(at_six.due);
  EXPECT_EQ(at_six.sessions_since, 6);
  EXPECT_EQ(at_six.reason, "6 sessions since the plan was last reviewed");
}

TEST(PlanReviewDue, NinetyDaysMakeItDueWithoutSessions) {
  const Timestamp since = 10 * kDay;
  const ReviewPolicy policy{6, 90};
  const auto before = PlanReviewDue(since, {}, since + 90 * kDay - 1, policy);
  EXPECT_FALSE(before.due);
  EXPECT_EQ(before.due_at, since + 90 * kDay);
  const auto on = PlanReviewDue(since, {}, since + 90 * kDay, policy);
  EXPECT_TRUE(on.due);
  EXPECT_EQ(on.reason, "90 days since the plan was last reviewed");
}

TEST(PlanReviewDue, FutureSessionsAreNotCounted) {
  const auto r = PlanReviewDue(0, {kDay, 2 * kDay, 50 * kDay}, 10 * kDay, ReviewPolicy{2, 90});
  EXPECT_EQ(r.sessions_since, 2);
  EXPECT_TRUE(r.due);
  EXPECT_EQ(PlanReviewDue(0, {kDay}, 10 * kDay, ReviewPolicy{1, 90}).reason,
            "1 session since the plan was last reviewed");
}

// --- Rankings, thought records, events --------------------------------------------------------

TEST(ValidateRanking, AcceptsExactlyTheActiveProblems) {
  PlanContent c = Sample();
  EXPECT_TRUE(ValidateRanking(c, {"p2", "p1"}).has_value());
  c.problems[1].status = ProblemStatus::kResolved;
  EXPECT_TRUE(ValidateRanking(c, {"p1"}).has_value());
  auto with_resolved = ValidateRanking(c, {"p1", "p2"});
  ASSERT_FALSE(with_resolved.has_value());
  EXPECT_THAT(Fields(with_resolved.error()), ElementsAre("order/1"));
}

TEST(ValidateRanking, NamesEveryProblemWithTheList) {
  const PlanContent c = Sample();
  auto empty = ValidateRanking(c, {});
  ASSERT_FALSE(empty.has_value());
  EXPECT_THAT(Fields(empty.error()), ElementsAre("order"));
  auto bad = ValidateRanking(c, {"p1", "p9", "p1"});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Fields(bad.error()), ElementsAre("order/1", "order/2", "order"));
  EXPECT_THAT(MessageOf(bad.error(), "order"), HasSubstr("p2"));
}

Json SampleThoughtRecord() {
  return Json::parse(R"({
    "goal_key": "g1", "situation": "Alarm went off", "automatic_thoughts": "Today will be awful",
    "feelings": [{"feeling": "hopeless", "intensity": 80}],
    "evidence_for": "Yesterday was bad", "evidence_against": "Tuesday was fine",
    "balanced_thought": "Some days go better than I expect",
    "feelings_after": [{"feeling": "hopeless", "intensity": 50}]})");
}

TEST(ThoughtRecord, RoundTripsThroughJson) {
  const PlanContent c = Sample();
  auto record = ParseThoughtRecord(SampleThoughtRecord(), c);
  ASSERT_TRUE(record.has_value()) << record.error().message;
  EXPECT_EQ(record->feelings[0].intensity, 80);
  EXPECT_EQ(record->feelings_after[0].intensity, 50);
  const Json json = ThoughtRecordToJson(*record);
  EXPECT_EQ(json, SampleThoughtRecord());
  auto again = ParseThoughtRecord(json, c);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *record);
}

TEST(ThoughtRecord, OnlyTheRequiredColumnsAreNeeded) {
  auto record = ParseThoughtRecord(Json::parse(R"({"goal_key": "g1", "situation": "s",
      "automatic_thoughts": "t", "feelings": [{"feeling": "sad", "intensity": 0}]})"),
                                   Sample());
  ASSERT_TRUE(record.has_value()) << record.error().message;
  EXPECT_TRUE(record->feelings_after.empty());
}

TEST(ThoughtRecord, BadFieldsAreAllNamed) {
  Json json = SampleThoughtRecord();
  json["goal_key"] = "g7";
  json["situation"] = "";
  json["feelings"][0]["intensity"] = 101;
  json["feelings_after"][0]["feeling"] = "";
  json["mood"] = 3;
  auto record = ParseThoughtRecord(json, Sample());
  ASSERT_FALSE(record.has_value());
  EXPECT_THAT(Fields(record.error()),
              ::testing::UnorderedElementsAre("goal_key", "situation", "feelings/0/intensity",
                                              "feelings_after/0/feeling", "mood"));
}

TEST(ThoughtRecord, NeedsBetweenOneAndTenFeelings) {
  Json none = SampleThoughtRecord();
  none["feelings"] = Json::array();
  auto record = ParseThoughtRecord(none, Sample());
  ASSERT_FALSE(record.has_value());
  EXPECT_THAT(Fields(record.error()), ElementsAre("feelings"));
  Json many = SampleThoughtRecord();
  for (int i = 0; i < 10; ++i) many["feelings"].push_back({{"feeling", "x"}, {"intensity", 1}});
  EXPECT_FALSE(ParseThoughtRecord(many, Sample()).has_value());
}

PlanEvent Event(PlanEventId id, PlanEventKind kind, std::string subject, std::string payload,
                Timestamp at) {
  PlanEvent e;
  e.id = id;
  e.episode_id = 1;
  e.kind = kind;
  e.subject = std::move(subject);
  e.payload_json = std::move(payload);
  e.actor_id = 7;
  e.at = at;
  return e;
}

TEST(FoldPlanEvents, LaterEventsWinWhateverTheInputOrder) {
  const std::vector<PlanEvent> events = {
      Event(3, PlanEventKind::kRanking, "client", R"({"order": ["p1", "p2"]})", 300),
      Event(1, PlanEventKind::kRanking, "client", R"({"order": ["p2", "p1"]})", 100),
      Event(2, PlanEventKind::kRanking, "therapist", R"({"order": ["p2", "p1"]})", 200),
      Event(5, PlanEventKind::kHomework, "h1", R"({"done": false})", 500),
      Event(4, PlanEventKind::kHomework, "h1", R"({"done": true})", 500),  // same time, lower id
  };
  const PlanActivity a = FoldPlanEvents(events);
  ASSERT_TRUE(a.client_ranking.has_value());
  EXPECT_THAT(a.client_ranking, ::testing::Optional(ElementsAre("p1", "p2")));
  EXPECT_EQ(a.client_ranked_at, 300);
  EXPECT_THAT(a.therapist_ranking, ::testing::Optional(ElementsAre("p2", "p1")));
  EXPECT_EQ(a.therapist_ranked_at, 200);
  EXPECT_FALSE(a.homework_done.at("h1"));
}

TEST(FoldPlanEvents, CollectsRatingsLevelsRecordsAndReviewsOldestFirst) {
  const std::vector<PlanEvent> events = {
      Event(2, PlanEventKind::kSelfRating, "g1", R"({"rating": 6, "note": "better"})", 200),
      Event(1, PlanEventKind::kSelfRating, "g1", R"({"rating": 3})", 100),
      Event(3, PlanEventKind::kGasLevel, "b2", R"({"level": -1})", 150),
      Event(4, PlanEventKind::kGasLevel, "b2", R"({"level": 1})", 250),
      Event(6, PlanEventKind::kThoughtRecord, "g1", ThoughtRecordToJson({}).dump(), 400),
      Event(5, PlanEventKind::kThoughtRecord, "g1", ThoughtRecordToJson({}).dump(), 300),
      Event(8, PlanEventKind::kReview, "1", R"({"notes": "first"})", 600),
      Event(7, PlanEventKind::kReview, "1", R"({"notes": "earlier"})", 500),
  };
  const PlanActivity a = FoldPlanEvents(events);
  ASSERT_EQ(a.self_ratings.at("g1").size(), 2u);
  EXPECT_EQ(a.self_ratings.at("g1")[0].rating, 3);
  EXPECT_EQ(a.self_ratings.at("g1")[1].rating, 6);
  EXPECT_EQ(a.self_ratings.at("g1")[1].note, "better");
  EXPECT_EQ(a.self_ratings.at("g1")[1].at, 200);
  ASSERT_EQ(a.gas_levels.at("b2").size(), 2u);
  EXPECT_EQ(a.gas_levels.at("b2")[0].level, -1);
  EXPECT_EQ(a.gas_levels.at("b2")[1].level, 1);
  ASSERT_EQ(a.thought_records.size(), 2u);
  EXPECT_EQ(a.thought_records[0].first, 5);
  EXPECT_EQ(a.thought_records[1].first, 6);
  EXPECT_EQ(a.last_review_at, 600);
  EXPECT_FALSE(a.client_ranking.has_value());
}

TEST(FoldPlanEvents, MalformedPayloadsAreSkipped) {
  const std::vector<PlanEvent> events = {
      Event(1, PlanEventKind::kRanking, "client", "{not json", 100),
      Event(2, PlanEventKind::kSelfRating, "g1", R"({"rating": 11})", 100),
      Event(3, PlanEventKind::kGasLevel, "b2", R"({"level": "high"})", 100),
      Event(4, PlanEventKind::kHomework, "h1", R"({"done": "yes"})", 100),
      Event(5, PlanEventKind::kRanking, "someone", R"({"order": ["p1"]})", 100),
      Event(6, PlanEventKind::kReview, "1", "[]", 100),
  };
  const PlanActivity a = FoldPlanEvents(events);
  EXPECT_FALSE(a.client_ranking.has_value());
  EXPECT_FALSE(a.therapist_ranking.has_value());
  EXPECT_TRUE(a.self_ratings.empty());
  EXPECT_TRUE(a.gas_levels.empty());
  EXPECT_TRUE(a.homework_done.empty());
  EXPECT_FALSE(a.last_review_at.has_value());
}

}  // namespace
}  // namespace rapport
