#include "domain/feedback.h"

#include <gtest/gtest.h>

#include <string>

namespace rapport {
namespace {

constexpr Timestamp kRaised = 1'790'000'000'000;
constexpr UserId kTherapist = 7;

FeedbackAlert AlertIn(AlertState state, AlertKind kind = AlertKind::kRisk) {
  FeedbackAlert alert;
  alert.id = 1;
  alert.kind = kind;
  alert.raised_at = kRaised;
  alert.state = state;
  return alert;
}

TEST(Respondent, NamesRoundTripAndAnUnknownOneNamesTheField) {
  for (Respondent r : {Respondent::kClient, Respondent::kGuardian, Respondent::kTherapist}) {
    auto parsed = ParseRespondent(ToString(r));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, r);
  }
  auto bad = ParseRespondent("parent");
  ASSERT_FALSE(bad.has_value());
  ASSERT_EQ(bad.error().fields.size(), 1U);
  EXPECT_EQ(bad.error().fields[0].field, "respondent");
}

TEST(AlertState, NamesRoundTripAndAnUnknownOneNamesTheField) {
  for (AlertState s : {AlertState::kOpen, AlertState::kAcknowledged, AlertState::kResolved}) {
    auto parsed = ParseAlertState(ToString(s));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, s);
  }
  auto bad = ParseAlertState("closed");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.at(0).field, "state");
}

TEST(AlertStateMachine, AcknowledgingAnOpenAlertRecordsWhoWhenAndTheTrimmedNote) {
  auto acknowledged =
      Acknowledged(AlertIn(AlertState::kOpen), kTherapist, kRaised + 60'000, "  Called her.\n");
  ASSERT_TRUE(acknowledged.has_value());
  EXPECT_EQ(acknowledged->state, AlertState::kAcknowledged);
  EXPECT_EQ(acknowledged->acknowledged_by, kTherapist);
  EXPECT_EQ(acknowledged->acknowledged_at, kRaised + 60'000);
  EXPECT_EQ(acknowledged->acknowledge_note, "Called her.");
  EXPECT_FALSE(acknowledged->resolved_at.has_value());
}

TEST(AlertStateMachine, AcknowledgingNeedsANoteOfWhatWasDone) {
  for (const char* note : {"", "   \n\t"}) {
    auto refused = Acknowledged(AlertIn(AlertState::kOpen), kTherapist, kRaised, note);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(refused.error().fields.at(0).field, "note");
  }
  auto too_long = Acknowledged(AlertIn(AlertState::kOpen), kTherapist, kRaised,
                               std::string(kMaxAlertNoteLength + 1, 'x'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().fields.at(0).field, "note");
  EXPECT_TRUE(Acknowledged(AlertIn(AlertState::kOpen), kTherapist, kRaised,
                           std::string(kMaxAlertNoteLength, 'x'))
                  .has_value());
}

TEST(AlertStateMachine, OnlyAnOpenAlertCanBeAcknowledged) {
  for (AlertState state : {AlertState::kAcknowledged, AlertState::kResolved}) {
    auto refused = Acknowledged(AlertIn(state), kTherapist, kRaised, "Called her.");
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
    EXPECT_EQ(refused.error().message,
              "This alert is already " + std::string(ToString(state)) + ".");
  }
}

TEST(AlertStateMachine, AnAcknowledgedAlertResolvesWithOrWithoutANote) {
  auto acknowledged = Acknowledged(AlertIn(AlertState::kOpen), kTherapist, kRaised, "Called.");
  ASSERT_TRUE(acknowledged.has_value());
  auto resolved = Resolved(*acknowledged, kTherapist + 1, kRaised + 1, "");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->state, AlertState::kResolved);
  EXPECT_EQ(resolved->resolved_by, kTherapist + 1);
  EXPECT_EQ(resolved->resolved_at, kRaised + 1);
  EXPECT_EQ(resolved->acknowledge_note, "Called.");  // the earlier step is kept
}

TEST(AlertStateMachine, ResolvingStraightFromOpenNeedsTheNoteAnAcknowledgementWouldHave) {
  auto refused = Resolved(AlertIn(AlertState::kOpen), kTherapist, kRaised, "  ");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().fields.at(0).field, "note");
  auto resolved = Resolved(AlertIn(AlertState::kOpen), kTherapist, kRaised, " Safety plan made ");
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(resolved->resolve_note, "Safety plan made");
  EXPECT_FALSE(resolved->acknowledged_at.has_value());
}

TEST(AlertStateMachine, AResolvedAlertStaysResolved) {
  auto refused = Resolved(AlertIn(AlertState::kResolved), kTherapist, kRaised, "again");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  auto too_long = Resolved(AlertIn(AlertState::kAcknowledged), kTherapist, kRaised,
                           std::string(kMaxAlertNoteLength + 1, 'x'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().fields.at(0).field, "note");
}

TEST(AlertStateMachine, ARiskIsFollowedUpWhileOpenOrRecentlyAcknowledged) {
  const Timestamp later = kRaised + kRiskFollowUpMs;
  EXPECT_TRUE(RiskBeingFollowedUp(AlertIn(AlertState::kOpen), later + 1));
  EXPECT_TRUE(RiskBeingFollowedUp(AlertIn(AlertState::kAcknowledged), later));
  EXPECT_FALSE(RiskBeingFollowedUp(AlertIn(AlertState::kAcknowledged), later + 1));
  EXPECT_FALSE(RiskBeingFollowedUp(AlertIn(AlertState::kResolved), kRaised));
  EXPECT_TRUE(RiskBeingFollowedUp(AlertIn(AlertState::kOpen, AlertKind::kRiskUnanswered), kRaised));
  EXPECT_FALSE(RiskBeingFollowedUp(AlertIn(AlertState::kOpen, AlertKind::kRapportDrop), kRaised));
}

}  // namespace
}  // namespace rapport
