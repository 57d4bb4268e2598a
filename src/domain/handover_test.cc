#include "domain/handover.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "domain/test_names.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

using testing_support::FieldNames;

std::vector<std::string> Fields(const Error& error) {
  return FieldNames(error);
}

constexpr Timestamp kStart = 1'700'000'000'123;

// A draft packet with every section filled, each value one that could be lost on the way.
HandoverPacket FullDraft() {
  HandoverPacket p;
  p.client_name = "Ana Lima";
  p.from_therapist_name = "Dr. Jonas Berg";
  p.started_at = kStart;
  p.sessions_attended = 11;
  p.shared = {std::begin(kAllSections), std::end(kAllSections)};
  p.goals.push_back({"g1", "Sleep through most nights", Achievement::kImproving, 1});
  p.goals.push_back({"g2", "Go back to choir", Achievement::kInProgress, std::nullopt});
  p.gas_t_score = 53.712345678901234;

  MeasureSummary phq;
  phq.instrument = "PHQ-9";
  phq.title = "Mood (PHQ-9)";
  phq.direction = Direction::kHigherIsWorse;
  phq.max = 27;
  phq.answers = 6;
  phq.first = 18;
  phq.last = 7.5;
  phq.first_at = kStart + 1;
  phq.last_at = kStart + 86'400'000LL * 70 + 999;
  ChangeResult change;
  change.first = 18;
  change.latest = 7.5;
  change.difference = -10.5;
  change.rci = 0.1 + 0.2 - 3.7;
  change.reliable_threshold = 5.2;
  change.reliable = true;
  change.improved = true;
  change.deteriorated = false;
  change.criterion_a = true;
  change.criterion_b = std::nullopt;
  change.criterion_c = false;
  change.cutoff_c = 9.75;
  change.category = ChangeCategory::kImproved;
  phq.change = change;
  p.measures.push_back(phq);

  MeasureSummary wb;
  wb.instrument = "WB-5";
  wb.title = "Wellbeing";
  wb.direction = Direction::kHigherIsBetter;
  wb.max = 25;
  wb.answers = 1;
  wb.first = 12;
  wb.last = 12;
  wb.first_at = kStart + 5;
  wb.last_at = kStart + 5;
  p.measures.push_back(wb);

  p.what_helped = "Writing things down.\nThe walks.";
  p.what_did_not = "Homework sheets";
  p.preferences = "Someone who can meet in the evenings";
  return p;
}

std::set<PacketSection> AllBut(PacketSection section) {
  std::set<PacketSection> out(std::begin(kAllSections), std::end(kAllSections));
  out.erase(section);
  return out;
}

void ExpectSameChange(const ChangeResult& a, const ChangeResult& b) {
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.latest, b.latest);
  EXPECT_EQ(a.difference, b.difference);
  EXPECT_EQ(a.rci, b.rci);
  EXPECT_EQ(a.reliable_threshold, b.reliable_threshold);
  EXPECT_EQ(a.reliable, b.reliable);
  EXPECT_EQ(a.improved, b.improved);
  EXPECT_EQ(a.deteriorated, b.deteriorated);
  EXPECT_EQ(a.criterion_a, b.criterion_a);
  EXPECT_EQ(a.criterion_b, b.criterion_b);
  EXPECT_EQ(a.criterion_c, b.criterion_c);
  EXPECT_EQ(a.cutoff_c, b.cutoff_c);
  EXPECT_EQ(a.category, b.category);
}

void ExpectSamePacket(const HandoverPacket& a, const HandoverPacket& b) {
  EXPECT_EQ(a.client_name, b.client_name);
  EXPECT_EQ(a.from_therapist_name, b.from_therapist_name);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.sessions_attended, b.sessions_attended);
  EXPECT_EQ(a.shared, b.shared);
  ASSERT_EQ(a.goals.size(), b.goals.size());
  for (std::size_t i = 0; i < a.goals.size(); ++i) {
    EXPECT_EQ(a.goals[i].key, b.goals[i].key);
    EXPECT_EQ(a.goals[i].description, b.goals[i].description);
    EXPECT_EQ(a.goals[i].achievement, b.goals[i].achievement);
    EXPECT_EQ(a.goals[i].gas_level, b.goals[i].gas_level);
  }
  EXPECT_EQ(a.gas_t_score, b.gas_t_score);
  ASSERT_EQ(a.measures.size(), b.measures.size());
  for (std::size_t i = 0; i < a.measures.size(); ++i) {
    const MeasureSummary& x = a.measures[i];
    const MeasureSummary& y = b.measures[i];
    EXPECT_EQ(x.instrument, y.instrument);
    EXPECT_EQ(x.title, y.title);
    EXPECT_EQ(x.direction, y.direction);
    EXPECT_EQ(x.max, y.max);
    EXPECT_EQ(x.answers, y.answers);
    EXPECT_EQ(x.first, y.first);
    EXPECT_EQ(x.last, y.last);
    EXPECT_EQ(x.first_at, y.first_at);
    EXPECT_EQ(x.last_at, y.last_at);
    ASSERT_EQ(x.change.has_value(), y.change.has_value());
    if (x.change) ExpectSameChange(*x.change, *y.change);
  }
  EXPECT_EQ(a.what_helped, b.what_helped);
  EXPECT_EQ(a.what_did_not, b.what_did_not);
  EXPECT_EQ(a.preferences, b.preferences);
}

// --- Names -------------------------------------------------------------------------------------

TEST(TherapistChangeTest, KindsAreNamedAsTheApiAndTheStoreSpellThem) {
  EXPECT_EQ(ToString(TherapistChangeKind::kClientRequest), "client-request");
  EXPECT_EQ(ToString(TherapistChangeKind::kReferral), "referral");
}

TEST(TherapistChangeTest, EveryStatusReadsBackFromItsNameAndABadOneNamesTheStatusField) {
  testing_support::ExpectNamesReadBack<ChangeStatus>(
      {{ChangeStatus::kAwaitingConsent, "awaiting-consent"},
       {ChangeStatus::kConsented, "consented"},
       {ChangeStatus::kDone, "done"},
       {ChangeStatus::kWithdrawn, "withdrawn"}},
      ParseChangeStatus, "Done", "status");
}

TEST(TherapistChangeTest, OnlyAwaitingConsentAndConsentedAreOpen) {
  EXPECT_TRUE(IsOpen(ChangeStatus::kAwaitingConsent));
  EXPECT_TRUE(IsOpen(ChangeStatus::kConsented));
  EXPECT_FALSE(IsOpen(ChangeStatus::kDone));
  EXPECT_FALSE(IsOpen(ChangeStatus::kWithdrawn));
}

TEST(PacketSectionTest, EverySectionReadsBackFromItsNameAndABadOneNamesTheShareField) {
  testing_support::ExpectNamesReadBack<PacketSection>(
      {{PacketSection::kPlan, "plan"},
       {PacketSection::kMeasures, "measures"},
       {PacketSection::kWhatHelped, "what-helped"},
       {PacketSection::kPreferences, "preferences"}},
      ParsePacketSection, "what_helped", "share");
}

// --- The client's consent ----------------------------------------------------------------------

TEST(PacketConsentTest, ReadsTheSharedSectionsAndNormalisesTheClientsWords) {
  const Json body = {{"share", {"preferences", "plan"}},
                     {"what_helped", "  The walks.\r\nWriting it down.  "},
                     {"preferences", "Evenings\rif possible"}};
  auto consent = PacketConsentFromJson(body);
  ASSERT_TRUE(consent) << consent.error().message;
  EXPECT_EQ(consent->share, (std::set{PacketSection::kPlan, PacketSection::kPreferences}));
  EXPECT_EQ(consent->what_helped, "The walks.\nWriting it down.");
  EXPECT_EQ(consent->what_did_not, "");
  EXPECT_EQ(consent->preferences, "Evenings\nif possible");
}

TEST(PacketConsentTest, ShareIsRequiredButMayBeEmpty) {
  auto missing = PacketConsentFromJson(Json::object());
  ASSERT_FALSE(missing);
  EXPECT_THAT(Fields(missing.error()), ElementsAre("share"));

  auto nothing = PacketConsentFromJson({{"share", Json::array()}});
  ASSERT_TRUE(nothing) << nothing.error().message;
  EXPECT_THAT(nothing->share, IsEmpty());

  auto not_a_list = PacketConsentFromJson({{"share", "plan"}});
  ASSERT_FALSE(not_a_list);
  EXPECT_THAT(Fields(not_a_list.error()), ElementsAre("share"));
}

TEST(PacketConsentTest, ASectionListedTwiceIsNamedByItsPlaceInTheList) {
  auto twice = PacketConsentFromJson({{"share", {"plan", "measures", "plan"}}});
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Fields(twice.error()), ElementsAre("share/2"));
}

TEST(PacketConsentTest, AnUnknownSectionIsNamedByItsPlaceInTheList) {
  auto unknown = PacketConsentFromJson({{"share", {"plan", "diagnosis", 3}}});
  ASSERT_FALSE(unknown);
  EXPECT_THAT(Fields(unknown.error()), ElementsAre("share/1", "share/2"));
}

TEST(PacketConsentTest, AnUnknownFieldIsAnError) {
  auto extra = PacketConsentFromJson({{"share", Json::array()}, {"diagnosis", "F32.1"}});
  ASSERT_FALSE(extra);
  EXPECT_THAT(Fields(extra.error()), ElementsAre("diagnosis"));
}

TEST(PacketConsentTest, TextsMayHold4000CharactersButNotMore) {
  const std::string most(4000, 'a');
  auto fits = PacketConsentFromJson({{"share", Json::array()},
                                     {"what_helped", most},
                                     {"what_did_not", most},
                                     {"preferences", most}});
  ASSERT_TRUE(fits) << fits.error().message;
  EXPECT_EQ(fits->preferences.size(), 4000u);

  const std::string over(4001, 'a');
  for (const char* field : {"what_helped", "what_did_not", "preferences"}) {
    auto long_text = PacketConsentFromJson({{"share", Json::array()}, {field, over}});
    ASSERT_FALSE(long_text) << field;
    EXPECT_THAT(Fields(long_text.error()), ElementsAre(field));
  }
}

TEST(PacketConsentTest, RefusesCharactersThatHideOrReverseText) {
  auto reversed =
      PacketConsentFromJson({{"share", Json::array()}, {"what_did_not", "fine\u202Eenif"}});
  ASSERT_FALSE(reversed);
  EXPECT_THAT(Fields(reversed.error()), ElementsAre("what_did_not"));
}

TEST(PacketConsentTest, NamesEveryProblemAtOnce) {
  const Json body = {{"share", {"plan", "plan", "diagnosis"}},
                     {"what_helped", std::string(4001, 'x')},
                     {"preferences", 7},
                     {"colour", "blue"}};
  auto consent = PacketConsentFromJson(body);
  ASSERT_FALSE(consent);
  EXPECT_EQ(consent.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Fields(consent.error()),
              UnorderedElementsAre("share/1", "share/2", "what_helped", "preferences", "colour"));
}

// --- A referral --------------------------------------------------------------------------------

TEST(ReferralRequestTest, ReadsAReasonAndWhereTo) {
  auto inside = ReferralRequestFromJson({{"reason", "  Needs EMDR.\r\n"}, {"to_therapist_id", 42}});
  ASSERT_TRUE(inside) << inside.error().message;
  EXPECT_EQ(inside->reason, "Needs EMDR.");
  EXPECT_EQ(inside->to_therapist_id, 42);
  EXPECT_EQ(inside->to_outside, "");

  auto outside =
      ReferralRequestFromJson({{"reason", "Eating disorder"}, {"to_outside", " ED service "}});
  ASSERT_TRUE(outside) << outside.error().message;
  EXPECT_EQ(outside->to_therapist_id, std::nullopt);
  EXPECT_EQ(outside->to_outside, "ED service");
}

TEST(ReferralRequestTest, AReasonIsRequiredAndABlankOneIsNoReason) {
  auto missing = ReferralRequestFromJson(Json::object());
  ASSERT_FALSE(missing);
  EXPECT_THAT(Fields(missing.error()), ElementsAre("reason"));
  auto blank = ReferralRequestFromJson({{"reason", " \r\n\t "}});
  ASSERT_FALSE(blank);
  EXPECT_THAT(Fields(blank.error()), ElementsAre("reason"));
}

TEST(ReferralRequestTest, TheReasonHoldsAtMost2000AndTheOutsidePlace500Characters) {
  EXPECT_TRUE(ReferralRequestFromJson({{"reason", std::string(2000, 'r')}}));
  auto reason = ReferralRequestFromJson({{"reason", std::string(2001, 'r')}});
  ASSERT_FALSE(reason);
  EXPECT_THAT(Fields(reason.error()), ElementsAre("reason"));

  EXPECT_TRUE(ReferralRequestFromJson({{"reason", "r"}, {"to_outside", std::string(500, 'o')}}));
  auto outside = ReferralRequestFromJson({{"reason", "r"}, {"to_outside", std::string(501, 'o')}});
  ASSERT_FALSE(outside);
  EXPECT_THAT(Fields(outside.error()), ElementsAre("to_outside"));
}

TEST(ReferralRequestTest, RefersInsideTheClinicOrOutsideItNotBoth) {
  auto both =
      ReferralRequestFromJson({{"reason", "r"}, {"to_therapist_id", 42}, {"to_outside", "ED"}});
  ASSERT_FALSE(both);
  EXPECT_THAT(Fields(both.error()), ElementsAre("to_outside"));
  // A blank outside place is no place.
  EXPECT_TRUE(
      ReferralRequestFromJson({{"reason", "r"}, {"to_therapist_id", 42}, {"to_outside", "  "}}));
}

TEST(ReferralRequestTest, NamesEveryProblemAtOnce) {
  auto bad = ReferralRequestFromJson({{"to_therapist_id", 0}, {"to_outside", 5}, {"urgent", true}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(Fields(bad.error()),
              UnorderedElementsAre("reason", "to_therapist_id", "to_outside", "urgent"));
}

// --- Cutting the packet to what is shared ------------------------------------------------------

TEST(SharedOnlyTest, AWithheldPlanIsEmptiedNotHidden) {
  const HandoverPacket p = SharedOnly(FullDraft(), AllBut(PacketSection::kPlan));
  EXPECT_THAT(p.goals, IsEmpty());
  EXPECT_EQ(p.gas_t_score, std::nullopt);
  EXPECT_EQ(p.measures.size(), 2u);
  EXPECT_EQ(p.what_helped, FullDraft().what_helped);
  EXPECT_EQ(p.preferences, FullDraft().preferences);
  EXPECT_EQ(p.shared, AllBut(PacketSection::kPlan));
}

TEST(SharedOnlyTest, WithheldMeasuresAreEmptiedNotHidden) {
  const HandoverPacket p = SharedOnly(FullDraft(), AllBut(PacketSection::kMeasures));
  EXPECT_THAT(p.measures, IsEmpty());
  EXPECT_EQ(p.goals.size(), 2u);
  EXPECT_EQ(p.gas_t_score, FullDraft().gas_t_score);
  EXPECT_EQ(p.what_did_not, FullDraft().what_did_not);
  EXPECT_EQ(p.shared, AllBut(PacketSection::kMeasures));
}

TEST(SharedOnlyTest, WithheldWhatHelpedEmptiesBothWhatHelpedAndWhatDidNot) {
  const HandoverPacket p = SharedOnly(FullDraft(), AllBut(PacketSection::kWhatHelped));
  EXPECT_EQ(p.what_helped, "");
  EXPECT_EQ(p.what_did_not, "");
  EXPECT_EQ(p.preferences, FullDraft().preferences);
  EXPECT_EQ(p.goals.size(), 2u);
  EXPECT_EQ(p.measures.size(), 2u);
}

TEST(SharedOnlyTest, WithheldPreferencesAreEmptiedNotHidden) {
  const HandoverPacket p = SharedOnly(FullDraft(), AllBut(PacketSection::kPreferences));
  EXPECT_EQ(p.preferences, "");
  EXPECT_EQ(p.what_helped, FullDraft().what_helped);
  EXPECT_EQ(p.what_did_not, FullDraft().what_did_not);
}

TEST(SharedOnlyTest, SharingNothingLeavesOnlyWhoWhenAndHowManySessions) {
  const HandoverPacket p = SharedOnly(FullDraft(), {});
  EXPECT_EQ(p.client_name, "Ana Lima");
  EXPECT_EQ(p.from_therapist_name, "Dr. Jonas Berg");
  EXPECT_EQ(p.started_at, kStart);
  EXPECT_EQ(p.sessions_attended, 11);
  EXPECT_THAT(p.shared, IsEmpty());
  EXPECT_THAT(p.goals, IsEmpty());
  EXPECT_EQ(p.gas_t_score, std::nullopt);
  EXPECT_THAT(p.measures, IsEmpty());
  EXPECT_EQ(p.what_helped + p.what_did_not + p.preferences, "");
}

// --- The packet's JSON -------------------------------------------------------------------------

TEST(HandoverPacketJsonTest, HasNoKeyOfASectionThatIsNotShared) {
  const std::vector<std::pair<PacketSection, std::vector<std::string>>> keys = {
      {PacketSection::kPlan, {"goals", "gas_t_score"}},
      {PacketSection::kMeasures, {"measures"}},
      {PacketSection::kWhatHelped, {"what_helped", "what_did_not"}},
      {PacketSection::kPreferences, {"preferences"}}};
  for (const auto& [section, its_keys] : keys) {
    // Not cut first: the JSON itself must leave the section out, whatever the struct holds.
    HandoverPacket p = FullDraft();
    p.shared = AllBut(section);
    const Json json = HandoverPacketToJson(p);
    for (const std::string& key : its_keys) {
      EXPECT_FALSE(json.contains(key)) << key;
    }
    for (const auto& [other, other_keys] : keys) {
      if (other == section) continue;
      for (const std::string& key : other_keys) EXPECT_TRUE(json.contains(key)) << key;
    }
  }
  const Json none = HandoverPacketToJson(SharedOnly(FullDraft(), {}));
  EXPECT_EQ(none, Json({{"client_name", "Ana Lima"},
                        {"from_therapist_name", "Dr. Jonas Berg"},
                        {"started_at", "2023-11-14T22:13:20.123Z"},
                        {"sessions_attended", 11},
                        {"shared", Json::array()}}));
}

TEST(HandoverPacketJsonTest, ListsTheSharedSectionsInTheirOwnOrder) {
  HandoverPacket p = FullDraft();
  p.shared = {PacketSection::kPreferences, PacketSection::kPlan, PacketSection::kWhatHelped};
  EXPECT_EQ(HandoverPacketToJson(p)["shared"], Json({"plan", "what-helped", "preferences"}));
}

TEST(HandoverPacketJsonTest, GoalsAndMeasuresHaveTheDischargeSummarysShape) {
  const HandoverPacket p = FullDraft();
  DischargeSummary s;
  s.goals = p.goals;
  s.measures = p.measures;
  const Json summary = DischargeSummaryToJson(s);
  const Json packet = HandoverPacketToJson(p);
  EXPECT_EQ(packet["goals"], summary["goals"]);
  EXPECT_EQ(packet["measures"], summary["measures"]);
  EXPECT_EQ(packet["measures"][0]["sentence"], MeasureSentence(p.measures[0]));
  EXPECT_EQ(packet["gas_t_score"], 53.712345678901234);
}

TEST(HandoverPacketJsonTest, AFullPacketRoundTripsExactlyThroughTheStoredText) {
  const HandoverPacket p = FullDraft();
  const Json json = HandoverPacketToJson(p);
  auto parsed = ParseJson(json.dump());
  ASSERT_TRUE(parsed);
  auto back = HandoverPacketFromJson(*parsed);
  ASSERT_TRUE(back) << back.error().message;
  ExpectSamePacket(*back, p);
  EXPECT_EQ(HandoverPacketToJson(*back), json);
}

TEST(HandoverPacketJsonTest, APartlySharedPacketRoundTripsExactly) {
  for (const PacketSection section : kAllSections) {
    const HandoverPacket p = SharedOnly(FullDraft(), AllBut(section));
    auto back = HandoverPacketFromJson(*ParseJson(HandoverPacketToJson(p).dump()));
    ASSERT_TRUE(back) << back.error().message;
    ExpectSamePacket(*back, p);
  }
  const HandoverPacket nothing = SharedOnly(FullDraft(), {});
  auto back = HandoverPacketFromJson(HandoverPacketToJson(nothing));
  ASSERT_TRUE(back) << back.error().message;
  ExpectSamePacket(*back, nothing);
}

TEST(HandoverPacketJsonTest, ReadingRefusesASectionTheClientDidNotShare) {
  Json json = HandoverPacketToJson(SharedOnly(FullDraft(), {PacketSection::kMeasures}));
  json["goals"] = Json::array();
  json["what_helped"] = "leaked";
  auto back = HandoverPacketFromJson(json);
  ASSERT_FALSE(back);
  EXPECT_THAT(Fields(back.error()), UnorderedElementsAre("goals", "what_helped"));
}

TEST(HandoverPacketJsonTest, ReadingNamesABadTimeAndABadMeasureByTheirPlace) {
  Json json = HandoverPacketToJson(FullDraft());
  json["started_at"] = "yesterday";
  json["measures"][1]["higher_is"] = "sideways";
  json["measures"][0]["change"]["category"] = "better";
  json["goals"][0]["gas_level"] = 3;
  auto back = HandoverPacketFromJson(json);
  ASSERT_FALSE(back);
  EXPECT_THAT(Fields(back.error()),
              UnorderedElementsAre("started_at", "measures/1/higher_is",
                                   "measures/0/change/category", "goals/0/gas_level"));
}

TEST(FitChoiceTest, EveryChoiceReadsBackFromItsNameAndAnUnknownOneNamesTheChoiceField) {
  testing_support::ExpectNamesReadBack<FitChoice>({{FitChoice::kTalk, "talk"},
                                                   {FitChoice::kMoreSessions, "more-sessions"},
                                                   {FitChoice::kChange, "change"}},
                                                  ParseFitChoice, "later", "choice");
}

}  // namespace
}  // namespace rapport
