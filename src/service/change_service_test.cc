#include "service/change_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "domain/alerts.h"
#include "domain/test_instruments.h"
#include "service/course_service.h"
#include "service/feedback_service.h"
#include "service/plan_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;
using testing_support::Phq9;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

struct ChangeWorld : World {
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules()};
  PlanService plan{*store, clock, Catalog()};
  CourseService course{*store, clock, Catalog(), feedback, plan, ShippedCrisisDirectory()};
  TherapistChangeService changes{*store, clock, Catalog(), course};

  ChangeWorld() {
    EXPECT_TRUE(store->Write([&](WriteTxn& txn) -> Status {
      for (const auto& a : FeedbackService::DefaultAssignments(e_c1, false, clock.Now())) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
      }
      return Ok();
    }));
  }

  void AnswerFit(int fit, int talk) {
    auto r = feedback.SubmitResponse(
        As(c1), e_c1,
        SubmitRequest{"FIT-CHECK", "client", {{"fit_continue", fit}, {"fit_talk", talk}}, {}});
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  TherapistChangeId Asked() {
    auto asked = changes.AskForChange(As(c1), e_c1);
    EXPECT_TRUE(asked.has_value()) << asked.error().message;
    return asked ? asked->change.id : 0;
  }

  // How many e-mails were queued for `user` with `reason` (each Tell queues one, beside the live
  // event).
  int Told(UserId user, std::string_view reason) {
    auto mail = store->ListMail(clinic_a, DeliveryState::kPending, 0, 500);
    EXPECT_TRUE(mail.has_value());
    if (!mail) return 0;
    return static_cast<int>(std::count_if(mail->begin(), mail->end(), [&](const Notification& n) {
      return n.recipient_id == user && n.reason == reason;
    }));
  }
};

PacketConsent Sharing(std::set<PacketSection> share) {
  PacketConsent c;
  c.share = std::move(share);
  c.what_helped = "Being listened to";
  c.what_did_not = "Homework every week";
  c.preferences = "Someone who speaks plainly";
  return c;
}

TEST(TherapistChange, AClientsRequestGoesToTheCoordinatorAndStaysHiddenFromTheTherapistTheyLeave) {
  ChangeWorld w;
  const TherapistChangeId id = w.Asked();
  EXPECT_EQ(w.Told(w.admin, "therapist_change"), 1) << "the intake coordinator is told";
  EXPECT_EQ(w.Told(w.t1, "therapist_change"), 0) << "the therapist being left is not, yet";
  EXPECT_EQ(w.AuditCount("create", "therapist_change"), 1);
  auto theirs = w.changes.Get(w.As(w.t1), id);
  ASSERT_FALSE(theirs.has_value());
  EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
  // The coordinator sees the request but nothing of the record before the client's consent.
  auto coordinator = w.changes.Get(w.As(w.admin), id);
  ASSERT_TRUE(coordinator.has_value()) << coordinator.error().message;
  EXPECT_EQ(coordinator->change.status, ChangeStatus::kAwaitingConsent);
  EXPECT_FALSE(coordinator->packet.has_value());
  // The client sees the draft with every section, to choose from.
  auto mine = w.changes.Get(w.As(w.c1), id);
  ASSERT_TRUE(mine.has_value()) << mine.error().message;
  ASSERT_TRUE(mine->packet.has_value());
  EXPECT_EQ(mine->packet->shared.size(), 4u);
  EXPECT_EQ(mine->from_therapist_name, "Tara One");
  // A guardian, another clinic's admin: nothing.
  EXPECT_FALSE(w.changes.Get(w.As(w.g1), id).has_value());
  EXPECT_FALSE(w.changes.Get(w.As(w.admin_b), id).has_value());
}

TEST(TherapistChange, OnlyTheSharedSectionsAreKeptAndTheNewTherapistReadsThemFromTheNewEpisode) {
  ChangeWorld w;
  auto phq =
      w.feedback.SubmitResponse(w.As(w.c1), w.e_c1, SubmitRequest{"PHQ-9", "client", Phq9(2), {}});
  ASSERT_TRUE(phq.has_value()) << phq.error().message;
  const TherapistChangeId id = w.Asked();
  auto consented = w.changes.Consent(w.As(w.c1), id,
                                     Sharing({PacketSection::kPlan, PacketSection::kPreferences}));
  ASSERT_TRUE(consented.has_value()) << consented.error().message;
  EXPECT_EQ(consented->change.status, ChangeStatus::kConsented);
  EXPECT_EQ(w.Told(w.admin, "therapist_change"), 2) << "told again: ready to arrange";
  // What was withheld is not kept at all.
  auto kept = w.store->GetTherapistChange(id);
  ASSERT_TRUE(kept.has_value());
  ASSERT_TRUE(kept->packet.has_value());
  EXPECT_TRUE(kept->packet->measures.empty());
  EXPECT_EQ(kept->packet->what_did_not, "");
  EXPECT_EQ(kept->packet->what_helped, "");
  EXPECT_EQ(kept->packet->preferences, "Someone who speaks plainly");

  auto done = w.changes.Assign(w.As(w.admin), id, w.t2);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->change.status, ChangeStatus::kDone);
  ASSERT_TRUE(done->change.new_episode_id.has_value());
  const EpisodeId next = *done->change.new_episode_id;
  // The old episode ended as a transfer; the new one is in intake with the new therapist.
  auto ending = w.store->GetEpisodeEnding(w.e_c1);
  ASSERT_TRUE(ending.has_value());
  EXPECT_EQ(ending->words.reason, EndReason::kTransferred);
  auto started = w.store->GetEpisode(next);
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->therapist_id, w.t2);
  EXPECT_EQ(started->client_id, w.c1);
  EXPECT_EQ(started->status, EpisodeStatus::kIntake);
  // The client's list names who they continue with.
  auto listed = w.changes.List(w.As(w.c1), std::nullopt);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().new_therapist_name, "Theo Two");
  EXPECT_FALSE(listed->front().change.packet.has_value()) << "lists carry no packet";
  EXPECT_EQ(w.Told(w.t1, "therapist_change"), 1) << "the old therapist hears once it is done";
  EXPECT_EQ(w.Told(w.t2, "therapist_change"), 1);

  auto handover = w.changes.Handover(w.As(w.t2), next);
  ASSERT_TRUE(handover.has_value()) << handover.error().message;
  EXPECT_EQ(handover->from_episode_id, w.e_c1);
  EXPECT_EQ(handover->packet.shared,
            (std::set<PacketSection>{PacketSection::kPlan, PacketSection::kPreferences}));
  EXPECT_TRUE(handover->packet.measures.empty());
  EXPECT_EQ(handover->packet.preferences, "Someone who speaks plainly");
  EXPECT_TRUE(w.changes.Handover(w.As(w.c1), next).has_value());
  // The therapist left behind, an admin and a guardian do not read it.
  EXPECT_EQ(w.changes.Handover(w.As(w.t1), next).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.changes.Handover(w.As(w.admin), next).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.changes.Handover(w.As(w.g1), next).error().code, ErrorCode::kPermissionDenied);
  // An episode that did not start from a change has no handover.
  EXPECT_EQ(w.changes.Handover(w.As(w.t2), w.e_c2).error().code, ErrorCode::kNotFound);
}

TEST(TherapistChange, NothingIsArrangedBeforeTheClientConsentsOrWithTheTherapistTheyLeave) {
  ChangeWorld w;
  const TherapistChangeId id = w.Asked();
  auto early = w.changes.Assign(w.As(w.admin), id, w.t2);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(w.changes.Consent(w.As(w.c1), id, Sharing({})).has_value());
  auto same = w.changes.Assign(w.As(w.admin), id, w.t1);
  ASSERT_FALSE(same.has_value());
  EXPECT_THAT(same.error().fields,
              ::testing::Contains(::testing::Field(&FieldError::field, "therapist_id")));
  auto missing = w.changes.Assign(w.As(w.admin), id, std::nullopt);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(w.changes.Assign(w.As(w.t2), id, w.t2).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.changes.Consent(w.As(w.c1), id, Sharing({})).error().code,
            ErrorCode::kFailedPrecondition)
      << "consent is given once";
  // Nothing moved: the episode is open and nobody new has it.
  EXPECT_NE(w.store->GetEpisode(w.e_c1)->status, EpisodeStatus::kEnded);
}

TEST(TherapistChange, AnEpisodeHasOneOpenChangeAndAWithdrawnOneMakesRoomForAnother) {
  ChangeWorld w;
  const TherapistChangeId id = w.Asked();
  auto again = w.changes.AskForChange(w.As(w.c1), w.e_c1);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  auto withdrawn = w.changes.Withdraw(w.As(w.c1), id);
  ASSERT_TRUE(withdrawn.has_value()) << withdrawn.error().message;
  EXPECT_EQ(withdrawn->change.status, ChangeStatus::kWithdrawn);
  EXPECT_EQ(w.changes.Withdraw(w.As(w.c1), id).error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(w.changes.AskForChange(w.As(w.c1), w.e_c1).has_value());
  // Only the client asks for themself; a therapist refers instead.
  EXPECT_EQ(w.changes.AskForChange(w.As(w.t2), w.e_c2).error().code, ErrorCode::kPermissionDenied);
}

TEST(TherapistChange, AReferralOutsideTheClinicEndsAsReferredOutNamingThePlace) {
  ChangeWorld w;
  ReferralRequest referral;
  referral.reason = "Specialist eating-disorder care fits better";
  referral.to_outside = "Eating Disorder Service";
  auto referred = w.changes.Refer(w.As(w.t1), w.e_c1, referral);
  ASSERT_TRUE(referred.has_value()) << referred.error().message;
  EXPECT_EQ(referred->change.kind, TherapistChangeKind::kReferral);
  EXPECT_EQ(w.Told(w.c1, "therapist_change"), 1) << "the client is asked to review first";
  EXPECT_TRUE(w.changes.Get(w.As(w.t1), referred->change.id).has_value())
      << "the referring therapist follows their referral";
  EXPECT_FALSE(w.changes.Get(w.As(w.t2), referred->change.id).has_value());
  // Another therapist's client cannot be referred by them.
  EXPECT_EQ(w.changes.Refer(w.As(w.t2), w.e_c1, referral).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(w.changes.Consent(w.As(w.c1), referred->change.id, Sharing({PacketSection::kPlan}))
                  .has_value());
  auto done = w.changes.Assign(w.As(w.admin), referred->change.id, std::nullopt);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_FALSE(done->change.new_episode_id.has_value());
  auto ending = w.store->GetEpisodeEnding(w.e_c1);
  ASSERT_TRUE(ending.has_value());
  EXPECT_EQ(ending->words.reason, EndReason::kReferredOut);
  ASSERT_EQ(ending->words.referrals.size(), 1u);
  EXPECT_EQ(ending->words.referrals[0].name, "Eating Disorder Service");
}

TEST(TherapistChange, AReferralToAColleagueMustNameATherapistOfTheClinic) {
  ChangeWorld w;
  ReferralRequest referral;
  referral.reason = "Closer to home";
  referral.to_therapist_id = w.tb;
  auto refused = w.changes.Refer(w.As(w.t1), w.e_c1, referral);
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().fields,
              ::testing::Contains(::testing::Field(&FieldError::field, "to_therapist_id")));
  EXPECT_EQ(w.AuditCount("create", "therapist_change"), 0);
}

TEST(TherapistChange, ALowFitCheckOffersAPrivateChoiceOnce) {
  ChangeWorld w;
  auto before = w.changes.FitFollowupOf(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(before.has_value()) << before.error().message;
  EXPECT_FALSE(before->offer) << "no Fit Check answered yet";
  w.AnswerFit(8, 0);
  EXPECT_FALSE(w.changes.FitFollowupOf(w.As(w.c1), w.e_c1)->offer) << "a good fit offers nothing";
  EXPECT_EQ(w.changes.ChooseAfterFit(w.As(w.c1), w.e_c1, FitChoice::kTalk).error().code,
            ErrorCode::kFailedPrecondition);
  w.clock.Advance(std::chrono::hours(24 * 7));
  w.AnswerFit(3, 0);
  EXPECT_TRUE(w.changes.FitFollowupOf(w.As(w.c1), w.e_c1)->offer);
  auto talk = w.changes.ChooseAfterFit(w.As(w.c1), w.e_c1, FitChoice::kTalk);
  ASSERT_TRUE(talk.has_value()) << talk.error().message;
  EXPECT_FALSE(talk->offer);
  ASSERT_TRUE(talk->latest.has_value());
  EXPECT_EQ(talk->latest->choice, FitChoice::kTalk);
  EXPECT_EQ(w.Told(w.t1, "therapist_change"), 1) << "the therapist hears the client would talk";
  // Only the client chooses, and only about their own episode.
  EXPECT_EQ(w.changes.FitFollowupOf(w.As(w.t1), w.e_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.changes.FitFollowupOf(w.As(w.c2), w.e_c1).error().code, ErrorCode::kNotFound);
}

TEST(TherapistChange, AskingToTalkAboutADifferentFitIsALowFitAndChangeOpensTheRequest) {
  ChangeWorld w;
  w.AnswerFit(9, 1);
  ASSERT_TRUE(w.changes.FitFollowupOf(w.As(w.c1), w.e_c1)->offer);
  auto chosen = w.changes.ChooseAfterFit(w.As(w.c1), w.e_c1, FitChoice::kChange);
  ASSERT_TRUE(chosen.has_value()) << chosen.error().message;
  ASSERT_TRUE(chosen->open_change.has_value());
  EXPECT_EQ(w.store->GetTherapistChange(*chosen->open_change)->kind,
            TherapistChangeKind::kClientRequest);
  EXPECT_EQ(w.Told(w.admin, "therapist_change"), 1);
  EXPECT_EQ(w.Told(w.t1, "therapist_change"), 0);
}

}  // namespace
}  // namespace rapport
