#include "domain/rupture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/test_names.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

std::vector<std::string> Fields(const Error& error) {
  return testing_support::FieldNames(error);
}

constexpr Timestamp kHour = 3'600'000;
constexpr Timestamp kNoted = 1'700'000'000'000;

Rupture Noted() {
  Rupture r;
  r.id = 3;
  r.episode_id = 9;
  r.noted_by = 4;
  r.noted_at = kNoted;
  r.note = {RuptureSource::kInSession, std::nullopt, "Went quiet after homework came up"};
  return r;
}

Rupture Repaired(Timestamp at) {
  Rupture r = Noted();
  r.repaired_by = 4;
  r.repaired_at = at;
  r.repair = RepairNote{"I asked how the homework landed", "Shorter tasks, chosen together"};
  return r;
}

std::vector<Timestamp> Times(const std::vector<RapportPoint>& points) {
  std::vector<Timestamp> out;
  for (const RapportPoint& p : points) out.push_back(p.at);
  return out;
}

// --- Names -------------------------------------------------------------------------------------

TEST(RuptureSourceTest, EverySourceReadsBackFromItsNameAndABadOneNamesTheSourceField) {
  testing_support::ExpectNamesReadBack<RuptureSource>(
      {{RuptureSource::kRapportAlert, "rapport-alert"},
       {RuptureSource::kInSession, "in-session"},
       {RuptureSource::kOther, "other"}},
      ParseRuptureSource, "alert", "source");
}

// --- The rupture note --------------------------------------------------------------------------

TEST(RuptureNoteTest, ReadsANoteAndNormalisesWhatHappened) {
  auto note = RuptureNoteFromJson(
      {{"source", "in-session"}, {"what_happened", "  She went quiet.\r\nThen left early. "}});
  ASSERT_TRUE(note) << note.error().message;
  EXPECT_EQ(note->source, RuptureSource::kInSession);
  EXPECT_EQ(note->alert_id, std::nullopt);
  EXPECT_EQ(note->what_happened, "She went quiet.\nThen left early.");
}

TEST(RuptureNoteTest, WhatHappenedIsRequiredAndABlankOneIsNothing) {
  auto missing = RuptureNoteFromJson({{"source", "other"}});
  ASSERT_FALSE(missing);
  EXPECT_THAT(Fields(missing.error()), ElementsAre("what_happened"));
  auto blank = RuptureNoteFromJson({{"source", "other"}, {"what_happened", "\r\n  "}});
  ASSERT_FALSE(blank);
  EXPECT_THAT(Fields(blank.error()), ElementsAre("what_happened"));
}

TEST(RuptureNoteTest, WhatHappenedHoldsAtMost4000Characters) {
  EXPECT_TRUE(
      RuptureNoteFromJson({{"source", "other"}, {"what_happened", std::string(4000, 'w')}}));
  auto long_text =
      RuptureNoteFromJson({{"source", "other"}, {"what_happened", std::string(4001, 'w')}});
  ASSERT_FALSE(long_text);
  EXPECT_THAT(Fields(long_text.error()), ElementsAre("what_happened"));
}

TEST(RuptureNoteTest, RefusesCharactersThatHideOrReverseText) {
  auto reversed =
      RuptureNoteFromJson({{"source", "other"}, {"what_happened", "ok\u2066hidden\u2069"}});
  ASSERT_FALSE(reversed);
  EXPECT_THAT(Fields(reversed.error()), ElementsAre("what_happened"));
}

TEST(RuptureNoteTest, ARapportAlertSourceNeedsTheAlertsId) {
  auto without = RuptureNoteFromJson({{"source", "rapport-alert"}, {"what_happened", "Low check"}});
  ASSERT_FALSE(without);
  EXPECT_THAT(Fields(without.error()), ElementsAre("alert_id"));

  auto zero = RuptureNoteFromJson(
      {{"source", "rapport-alert"}, {"alert_id", 0}, {"what_happened", "Low check"}});
  ASSERT_FALSE(zero);
  EXPECT_THAT(Fields(zero.error()), ElementsAre("alert_id"));

  auto with = RuptureNoteFromJson(
      {{"source", "rapport-alert"}, {"alert_id", 17}, {"what_happened", "Low check"}});
  ASSERT_TRUE(with) << with.error().message;
  EXPECT_EQ(with->source, RuptureSource::kRapportAlert);
  EXPECT_EQ(with->alert_id, 17);
}

TEST(RuptureNoteTest, AnyOtherSourceRefusesAnAlertId) {
  for (const char* source : {"in-session", "other"}) {
    auto with = RuptureNoteFromJson({{"source", source}, {"alert_id", 17}, {"what_happened", "x"}});
    ASSERT_FALSE(with) << source;
    EXPECT_THAT(Fields(with.error()), ElementsAre("alert_id")) << source;
  }
}

TEST(RuptureNoteTest, NamesEveryProblemAtOnce) {
  auto bad = RuptureNoteFromJson({{"source", "alert"}, {"alert_id", "17"}, {"mood", "low"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Fields(bad.error()),
              UnorderedElementsAre("source", "alert_id", "what_happened", "mood"));
}

// --- The repair note ---------------------------------------------------------------------------

TEST(RepairNoteTest, WhatWasSaidIsRequiredAndWhatChangesIsNot) {
  auto said = RepairNoteFromJson({{"what_was_said", " We talked it through.\r\n"}});
  ASSERT_TRUE(said) << said.error().message;
  EXPECT_EQ(said->what_was_said, "We talked it through.");
  EXPECT_EQ(said->what_changes, "");

  auto missing = RepairNoteFromJson({{"what_changes", "Shorter tasks"}});
  ASSERT_FALSE(missing);
  EXPECT_THAT(Fields(missing.error()), ElementsAre("what_was_said"));
  auto blank = RepairNoteFromJson({{"what_was_said", "   "}});
  ASSERT_FALSE(blank);
  EXPECT_THAT(Fields(blank.error()), ElementsAre("what_was_said"));
}

TEST(RepairNoteTest, EachTextHoldsAtMost4000CharactersAndUnknownFieldsAreErrors) {
  auto bad = RepairNoteFromJson({{"what_was_said", std::string(4001, 's')},
                                 {"what_changes", std::string(4001, 'c')},
                                 {"who", "me"}});
  ASSERT_FALSE(bad);
  EXPECT_THAT(Fields(bad.error()), UnorderedElementsAre("what_was_said", "what_changes", "who"));
  auto most = RepairNoteFromJson(
      {{"what_was_said", std::string(4000, 's')}, {"what_changes", std::string(4000, 'c')}});
  ASSERT_TRUE(most) << most.error().message;
  EXPECT_EQ(most->what_changes.size(), 4000u);
}

// --- Recovery ----------------------------------------------------------------------------------

TEST(RecoveryTest, WithNoCheckBeforeTheRuptureTheCutoffIsTheTarget) {
  const std::vector<RapportPoint> checks = {{kNoted, 20}, {kNoted + 5 * kHour, 45}};
  const Recovery r = RecoveryOf(Repaired(kNoted + kHour), checks, 40);
  EXPECT_EQ(r.before, std::nullopt);
  EXPECT_EQ(r.target, 40);
  EXPECT_EQ(r.recovered_at, kNoted + 5 * kHour);
}

TEST(RecoveryTest, AHighLevelBeforeIsTheTarget) {
  const std::vector<RapportPoint> checks = {
      {kNoted - 10 * kHour, 30}, {kNoted - kHour, 52}, {kNoted + 3 * kHour, 45}};
  const Recovery r = RecoveryOf(Repaired(kNoted + kHour), checks, 40);
  EXPECT_EQ(r.before, 52);
  EXPECT_EQ(r.target, 52);
  EXPECT_EQ(r.recovered_at, std::nullopt);  // 45 is above the cutoff but below the level before
}

TEST(RecoveryTest, ComingBackToALowLevelBeforeIsNotRecovery) {
  const std::vector<RapportPoint> checks = {
      {kNoted - kHour, 20}, {kNoted + 2 * kHour, 30}, {kNoted + 4 * kHour, 40}};
  const Recovery r = RecoveryOf(Repaired(kNoted + kHour), checks, 40);
  EXPECT_EQ(r.before, 20);
  EXPECT_EQ(r.target, 40);
  EXPECT_EQ(r.recovered_at, kNoted + 4 * kHour);  // not the 30, which only matched the level before
}

TEST(RecoveryTest, RecoveredAtIsTheFirstCheckAfterTheRepairAtOrAboveTheTargetInTimeOrder) {
  // Given out of order: the answer must not depend on the order the store returns them in.
  const std::vector<RapportPoint> checks = {{kNoted + 9 * kHour, 55},
                                            {kNoted - kHour, 50},
                                            {kNoted + 3 * kHour, 35},
                                            {kNoted + 6 * kHour, 50},
                                            {kNoted - 2 * kHour, 58}};
  const Recovery r = RecoveryOf(Repaired(kNoted + kHour), checks, 40);
  EXPECT_EQ(r.before, 50);  // the latest before, not the first listed or the highest
  EXPECT_EQ(r.target, 50);
  EXPECT_THAT(Times(r.after_repair),
              ElementsAre(kNoted + 3 * kHour, kNoted + 6 * kHour, kNoted + 9 * kHour));
  EXPECT_EQ(r.after_repair[0].total, 35);
  EXPECT_EQ(r.recovered_at, kNoted + 6 * kHour);
}

TEST(RecoveryTest, ChecksBeforeTheRepairDoNotCountAsRecovery) {
  const Timestamp repaired = kNoted + 5 * kHour;
  const std::vector<RapportPoint> checks = {{kNoted - kHour, 50},
                                            {kNoted, 60},  // at the rupture: not "before" it
                                            {kNoted + 2 * kHour, 60},
                                            {repaired, 60},  // at the repair: not after it
                                            {repaired + kHour, 30}};
  const Recovery r = RecoveryOf(Repaired(repaired), checks, 40);
  EXPECT_EQ(r.before, 50);
  EXPECT_THAT(Times(r.after_repair), ElementsAre(repaired + kHour));
  EXPECT_EQ(r.recovered_at, std::nullopt);
}

TEST(RecoveryTest, AnUnrepairedRuptureHasNoChecksAfterRepairAndNoRecovery) {
  const std::vector<RapportPoint> checks = {{kNoted - kHour, 50}, {kNoted + 2 * kHour, 60}};
  const Recovery r = RecoveryOf(Noted(), checks, 40);
  EXPECT_EQ(r.before, 50);
  EXPECT_EQ(r.target, 50);
  EXPECT_THAT(r.after_repair, IsEmpty());
  EXPECT_EQ(r.recovered_at, std::nullopt);
}

TEST(RecoveryTest, NoChecksAtAllLeaveTheCutoffAsTargetAndNothingElse) {
  const Recovery r = RecoveryOf(Repaired(kNoted + kHour), {}, 40);
  EXPECT_EQ(r.before, std::nullopt);
  EXPECT_EQ(r.target, 40);
  EXPECT_THAT(r.after_repair, IsEmpty());
  EXPECT_EQ(r.recovered_at, std::nullopt);
}

// --- Waiting for repair ------------------------------------------------------------------------

TEST(UnrepairedTest, IsShownOnlyOnceMoreThanTheAllowedTimeHasPassed) {
  const Timestamp within = 72 * kHour;
  EXPECT_FALSE(IsUnrepairedPast(Noted(), kNoted + within, within));
  EXPECT_TRUE(IsUnrepairedPast(Noted(), kNoted + within + 1, within));
  EXPECT_FALSE(IsUnrepairedPast(Noted(), kNoted, within));
}

TEST(UnrepairedTest, ARepairedRuptureIsNeverShownHowEverLate) {
  EXPECT_FALSE(IsUnrepairedPast(Repaired(kNoted + 500 * kHour), kNoted + 1000 * kHour, kHour));
}

// --- JSON --------------------------------------------------------------------------------------

TEST(RuptureJsonTest, AnUnrepairedRuptureHasANullRepairAndItsRecoverySoFar) {
  const Rupture rupture = Noted();
  const Recovery recovery = RecoveryOf(rupture, std::vector<RapportPoint>{{kNoted - 1, 44.5}}, 40);
  EXPECT_EQ(RuptureToJson(rupture, recovery), Json::parse(R"({
              "id": 3, "episode_id": 9, "noted_by": 4, "noted_at": "2023-11-14T22:13:20.000Z",
              "source": "in-session", "alert_id": null,
              "what_happened": "Went quiet after homework came up",
              "repair": null,
              "recovery": {"before": 44.5, "target": 44.5, "after_repair": [],
                           "recovered_at": null}})"));
}

TEST(RuptureJsonTest, ARepairedRuptureCarriesItsRepairAndTheChecksAfterIt) {
  Rupture rupture = Repaired(kNoted + kHour);
  rupture.note = {RuptureSource::kRapportAlert, 17, "Low Rapport Check"};
  const std::vector<RapportPoint> checks = {{kNoted + 2 * kHour, 48}};
  const Json json = RuptureToJson(rupture, RecoveryOf(rupture, checks, 40));
  EXPECT_EQ(json["source"], "rapport-alert");
  EXPECT_EQ(json["alert_id"], 17);
  EXPECT_EQ(json["repair"], Json::parse(R"({
              "what_was_said": "I asked how the homework landed",
              "what_changes": "Shorter tasks, chosen together",
              "repaired_by": 4, "repaired_at": "2023-11-14T23:13:20.000Z"})"));
  EXPECT_EQ(json["recovery"], Json::parse(R"({
              "before": null, "target": 40,
              "after_repair": [{"at": "2023-11-15T00:13:20.000Z", "total": 48}],
              "recovered_at": "2023-11-15T00:13:20.000Z"})"));
}

}  // namespace
}  // namespace rapport
