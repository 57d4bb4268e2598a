#include "service/family_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "domain/test_family.h"
#include "service/clinic_service.h"
#include "service/course_service.h"
#include "service/crisis_help.h"
#include "service/feedback_service.h"
#include "service/messaging_service.h"
#include "service/plan_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

using testing_support::kPrivateGoalWords;

Json AdolescentPlan(bool ask_guardian = false) {
  return testing_support::PlanWithPrivateGoal(ask_guardian);
}

struct FamilyWorld : testing::World {
  FamilyService family{*store, clock};
  PlanService plans{*store, clock, Catalog()};
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules()};
  MessagingService messaging{*store, clock};
  ClinicService clinic{*store, clock, testing::FastAuth()};
  UserId g3 = 0;  // a second guardian of k1, the child

  FamilyWorld() {
    const Status written = store->Write([&](WriteTxn& txn) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(g3, txn.InsertUser(NewUser{clinic_a, "g3@a.test", "Gil Guardian",
                                                          Role::kGuardian, "", clock.Now(), true}));
      RAPPORT_RETURN_IF_ERROR(
          txn.InsertGuardianLink(EstablishedGuardianLink(g3, k1, clock.Now(), "test world")));
      return Ok();
    });
    EXPECT_TRUE(written.has_value()) << written.error().message;
  }

  GuardianLinkId LinkOf(UserId guardian, UserId child) {
    auto links = store->ListGuardianLinksOfGuardian(guardian);
    EXPECT_TRUE(links.has_value());
    for (const GuardianLink& l : *links) {
      if (l.child_id == child) return l.id;
    }
    ADD_FAILURE() << "no link";
    return 0;
  }

  // k2's plan proposed by t2 and, unless only proposed, accepted by k2.
  int AdolescentPlanOf(bool agree, bool ask_guardian = false) {
    auto draft = plans.StartDraft(As(t2), e_k2, AdolescentPlan(ask_guardian));
    EXPECT_TRUE(draft.has_value()) << draft.error().message;
    if (!draft) return 0;
    const int n = draft->version.number;
    EXPECT_TRUE(plans.Propose(As(t2), e_k2, n).has_value());
    if (agree) {
      auto accepted = plans.Accept(As(k2), e_k2, n);
      EXPECT_TRUE(accepted.has_value()) << accepted.error().message;
    }
    return n;
  }

  GuardianStanding CourtLimited() {
    GuardianStanding s;
    s.relationship = GuardianRelationship::kParent;
    s.authority = LegalAuthority::kLimitedByCourtOrder;
    s.court_order = "Family court order of 3 March 2026: appointment times only.";
    s.contact_channel = ContactChannel::kEmail;
    GuardianSections only;
    only.appointments = true;
    s.sections = only;
    return s;
  }

  int Told(UserId user, std::string_view reason) {
    auto mail = store->ListMail(clinic_a, DeliveryState::kPending, 0, 500);
    EXPECT_TRUE(mail.has_value());
    if (!mail) return 0;
    return static_cast<int>(std::count_if(mail->begin(), mail->end(), [&](const Notification& n) {
      return n.recipient_id == user && n.reason == reason;
    }));
  }
};

TEST(FamilyServiceTest, AChildsFamilyShowsEachGuardianWhatTheySeeAndWhatConsentIsMissing) {
  FamilyWorld w;
  auto family = w.family.Family(w.As(w.t1), w.k1);
  ASSERT_TRUE(family.has_value()) << family.error().message;
  EXPECT_EQ(family->band, AgeBand::kChild);
  EXPECT_EQ(family->child_name, "Kit");
  ASSERT_EQ(family->guardians.size(), 2u);
  EXPECT_EQ(family->guardians[0].guardian_name, "Gina Guardian");
  EXPECT_FALSE(family->guardians[0].standing_recorded);
  EXPECT_TRUE(family->guardians[0].sees_by_policy);
  EXPECT_EQ(family->guardians[0].sees, ClinicSettings{}.guardian_policy.child);
  EXPECT_THAT(family->missing, ElementsAre(ConsentKind::kGuardianConsent, ConsentKind::kAssent));
  EXPECT_EQ(w.AuditCount("read", "family"), 1);
}

TEST(FamilyServiceTest, ACourtOrderLimitsOneGuardianToAppointmentsWhileTheOtherSeesThePlan) {
  FamilyWorld w;
  PlanService& plans = w.plans;
  auto draft = plans.StartDraft(w.As(w.t1), w.e_k1, AdolescentPlan());
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  ASSERT_TRUE(plans.Propose(w.As(w.t1), w.e_k1, draft->version.number).has_value());

  auto set = w.family.SetStanding(w.As(w.t1), w.LinkOf(w.g3, w.k1), w.CourtLimited());
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_FALSE(set->sees_by_policy);
  EXPECT_TRUE(set->sees.appointments);
  EXPECT_FALSE(set->sees.plan);
  EXPECT_EQ(w.AuditCount("family.standing", "guardian_link"), 1);

  // The limited parent: the appointment, nothing of the record.
  EXPECT_EQ(plans.Overview(w.As(w.g3), w.e_k1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.feedback.Progress(w.As(w.g3), w.e_k1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.messaging.Thread(w.As(w.g3), w.e_k1).error().code, ErrorCode::kNotFound);
  auto appointments = w.clinic.ListUpcomingAppointments(w.As(w.g3));
  ASSERT_TRUE(appointments.has_value()) << appointments.error().message;
  ASSERT_EQ(appointments->size(), 1u);
  EXPECT_EQ((*appointments)[0].appointment.id, w.a_k1);
  auto detail = w.clinic.GetClient(w.As(w.g3), w.k1);
  ASSERT_TRUE(detail.has_value());
  EXPECT_FALSE(detail->clinical);
  EXPECT_TRUE(detail->episodes.empty());
  // A guardian learns of no other guardian through Rapport.
  ASSERT_EQ(detail->guardians.size(), 1u);
  EXPECT_EQ(detail->guardians[0].guardian_id, w.g3);

  // The other parent still sees the plan, and a young child's messages.
  EXPECT_TRUE(plans.Overview(w.As(w.g1), w.e_k1).has_value());
  EXPECT_TRUE(w.messaging.Thread(w.As(w.g1), w.e_k1).has_value());

  // Nothing at all shared: not even the appointment.
  GuardianStanding none = w.CourtLimited();
  none.sections = GuardianSections{};
  ASSERT_TRUE(w.family.SetStanding(w.As(w.t1), w.LinkOf(w.g3, w.k1), none).has_value());
  EXPECT_TRUE(w.clinic.ListUpcomingAppointments(w.As(w.g3))->empty());
}

TEST(FamilyServiceTest, AGuardianSeesOnlyTheirOwnPlaceInTheFamily) {
  FamilyWorld w;
  auto mine = w.family.Family(w.As(w.g1), w.k1);
  ASSERT_TRUE(mine.has_value()) << mine.error().message;
  ASSERT_EQ(mine->guardians.size(), 1u);
  EXPECT_EQ(mine->guardians[0].guardian_id, w.g1);
  EXPECT_TRUE(mine->missing.empty());
  EXPECT_EQ(w.family.Family(w.As(w.g2), w.k1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.family.Family(w.As(w.admin), w.k1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.family.Family(w.As(w.t2), w.k1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.family.Family(w.As(w.c1), w.k1).error().code, ErrorCode::kNotFound);
}

TEST(FamilyServiceTest, AnAdolescentsConfidentialGoalNeverReachesTheirGuardian) {
  FamilyWorld w;
  const int n = w.AdolescentPlanOf(/*agree=*/true);
  auto overview = w.plans.Overview(w.As(w.g2), w.e_k2);
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  ASSERT_TRUE(overview->current.has_value());
  EXPECT_TRUE(overview->current->guardian_filtered);
  EXPECT_THAT(overview->current->version.content_json,
              Not(HasSubstr(std::string(kPrivateGoalWords))));
  ASSERT_EQ(overview->goals.size(), 1u);
  EXPECT_EQ(overview->goals[0].key, "g1");
  auto version = w.plans.GetVersion(w.As(w.g2), w.e_k2, n);
  ASSERT_TRUE(version.has_value());
  EXPECT_THAT(version->version.content_json, Not(HasSubstr(std::string(kPrivateGoalWords))));
  // The young person and their therapist see it, and the young person sees what is kept.
  auto own = w.plans.Overview(w.As(w.k2), w.e_k2);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(own->goals.size(), 2u);
  auto family = w.family.Family(w.As(w.k2), w.k2);
  ASSERT_TRUE(family.has_value()) << family.error().message;
  EXPECT_EQ(family->band, AgeBand::kAdolescent);
  ASSERT_EQ(family->confidential.size(), 1u);
  EXPECT_EQ(family->confidential[0].key, "g2");
  EXPECT_EQ(family->confidential[0].words, kPrivateGoalWords);
  ASSERT_EQ(family->guardians.size(), 1u);
  EXPECT_TRUE(family->guardians[0].sees.plan);
  EXPECT_FALSE(family->guardians[0].sees.messages);
  // An adolescent's messages stay theirs by default.
  EXPECT_EQ(w.messaging.Thread(w.As(w.g2), w.e_k2).error().code, ErrorCode::kNotFound);
}

TEST(FamilyServiceTest, ASafetyDisclosureShowsOneItemToOneGuardianAndTellsTheYoungPerson) {
  FamilyWorld w;
  w.AdolescentPlanOf(/*agree=*/true);
  const GuardianLinkId link = w.LinkOf(w.g2, w.k2);
  const std::string reason = "He told me he drove home after drinking; his father must know.";
  // Refused: not the care team, not confidential, no real reason. Nothing is written.
  EXPECT_EQ(w.family.DiscloseForSafety(w.As(w.t1), w.e_k2, link, "g2", reason).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(w.family.DiscloseForSafety(w.As(w.g2), w.e_k2, link, "g2", reason).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(
      w.family.DiscloseForSafety(w.As(w.t2), w.e_k2, link, "g1", reason).error().fields[0].field,
      "item");
  EXPECT_EQ(
      w.family.DiscloseForSafety(w.As(w.t2), w.e_k2, link, "g2", "worried").error().fields[0].field,
      "reason");
  EXPECT_EQ(w.family.DiscloseForSafety(w.As(w.t2), w.e_k2, w.LinkOf(w.g1, w.k1), "g2", reason)
                .error()
                .fields[0]
                .field,
            "guardian_link_id");
  EXPECT_TRUE(w.store->ListSafetyDisclosuresOfEpisode(w.e_k2)->empty());

  auto disclosed = w.family.DiscloseForSafety(w.As(w.t2), w.e_k2, link, "g2", reason);
  ASSERT_TRUE(disclosed.has_value()) << disclosed.error().message;
  EXPECT_EQ(disclosed->item_words, kPrivateGoalWords);
  EXPECT_EQ(disclosed->guardian_name, "Gus Guardian");
  EXPECT_EQ(w.AuditCount("family.safety_disclosure", "safety_disclosure"), 1);
  EXPECT_EQ(w.Told(w.k2, "safety_disclosure"), 1);
  auto overview = w.plans.Overview(w.As(w.g2), w.e_k2);
  ASSERT_TRUE(overview.has_value());
  EXPECT_EQ(overview->goals.size(), 2u);
  auto family = w.family.Family(w.As(w.k2), w.k2);
  ASSERT_TRUE(family.has_value());
  ASSERT_EQ(family->disclosures.size(), 1u);
  EXPECT_EQ(family->disclosures[0].disclosure.reason, reason);
}

TEST(FamilyServiceTest, ConsentIsRecordedByTheCareTeamAndRenewedByANewRecord) {
  FamilyWorld w;
  CareConsent mum;
  mum.kind = ConsentKind::kGuardianConsent;
  mum.guardian_link_id = w.LinkOf(w.g1, w.k1);
  mum.given_on = "2026-05-20";
  mum.renew_by = "2027-05-20";
  mum.note = "Signed the consent form at intake";
  EXPECT_EQ(w.family.RecordConsent(w.As(w.g1), w.k1, mum).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.family.RecordConsent(w.As(w.t2), w.k1, mum).error().code, ErrorCode::kNotFound);
  CareConsent wrong_link = mum;
  wrong_link.guardian_link_id = w.LinkOf(w.g2, w.k2);
  EXPECT_EQ(w.family.RecordConsent(w.As(w.t1), w.k1, wrong_link).error().fields[0].field,
            "guardian_link_id");
  CareConsent future = mum;
  future.given_on = "2026-07-01";
  EXPECT_EQ(w.family.RecordConsent(w.As(w.t1), w.k1, future).error().fields[0].field, "given_on");
  EXPECT_TRUE(w.store->ListCareConsentsOfChild(w.k1)->empty());

  auto recorded = w.family.RecordConsent(w.As(w.t1), w.k1, mum);
  ASSERT_TRUE(recorded.has_value()) << recorded.error().message;
  EXPECT_EQ(recorded->given_by_name, "Gina Guardian");
  EXPECT_EQ(recorded->state, ConsentState::kCurrent);
  CareConsent assent;
  assent.kind = ConsentKind::kAssent;
  assent.given_on = "2026-05-20";
  assent.renew_by = "2026-06-20";  // due for renewal within the month
  assent.note = "Kit said yes, with a thumbs up";
  ASSERT_TRUE(w.family.RecordConsent(w.As(w.supervisor), w.k1, assent).has_value());
  auto family = w.family.Family(w.As(w.t1), w.k1);
  ASSERT_TRUE(family.has_value());
  EXPECT_THAT(family->missing, IsEmpty());
  ASSERT_EQ(family->consents.size(), 2u);
  EXPECT_EQ(family->consents[1].state, ConsentState::kRenewalDue);
  EXPECT_EQ(family->consents[1].given_by_name, "Kit");
  EXPECT_EQ(w.AuditCount("family.consent", "care_consent"), 2);
}

TEST(FamilyServiceTest, AStandingThatCannotBeRecordedLeavesTheOldOne) {
  FamilyWorld w;
  GuardianStanding bad = w.CourtLimited();
  bad.court_order = " ";
  const GuardianLinkId link = w.LinkOf(w.g3, w.k1);
  EXPECT_EQ(w.family.SetStanding(w.As(w.t1), link, bad).error().fields[0].field, "court_order");
  EXPECT_EQ(w.store->GetGuardianStanding(link).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.family.SetStanding(w.As(w.admin), link, w.CourtLimited()).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.family.SetStanding(w.As(w.t2), link, w.CourtLimited()).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(w.family.SetStanding(w.As(w.t1), link + 100, w.CourtLimited()).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(w.store->GetGuardianStanding(link).error().code, ErrorCode::kNotFound);
}

TEST(FamilyServiceTest, AGuardianAskedToAgreeMayAskForChangesOrDecline) {
  FamilyWorld w;
  const int n = w.AdolescentPlanOf(/*agree=*/false, /*ask_guardian=*/true);
  EXPECT_EQ(w.plans.RequestChanges(w.As(w.g2), w.e_k2, n, " ").error().fields[0].field, "comment");
  auto asked = w.plans.RequestChanges(w.As(w.g2), w.e_k2, n, "Could mornings come first?");
  ASSERT_TRUE(asked.has_value()) << asked.error().message;
  EXPECT_EQ(asked->version.status, PlanVersionStatus::kChangesRequested);
  EXPECT_EQ(asked->version.decided_by, w.g2);
  EXPECT_EQ(asked->version.client_comment, "Could mornings come first?");

  // Not asked: the guardian only reads.
  const int again = w.AdolescentPlanOf(/*agree=*/false, /*ask_guardian=*/false);
  EXPECT_EQ(w.plans.Decline(w.As(w.g2), w.e_k2, again, "No").error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.store->GetPlanVersion(w.e_k2, again)->status, PlanVersionStatus::kProposed);
}

TEST(FamilyServiceTest, AYoungChildReadsTheirPlanWithoutTheFormulationOrADiagnosisCode) {
  FamilyWorld w;
  Json content = AdolescentPlan();
  content["problems"][0]["formulation"] = "Test anxiety kept going by avoidance";
  content["problems"][0]["diagnosis"] = "F41.1";
  for (const auto& [therapist, episode] : {std::pair{w.t1, w.e_k1}, std::pair{w.t2, w.e_k2}}) {
    auto draft = w.plans.StartDraft(w.As(therapist), episode, content);
    ASSERT_TRUE(draft.has_value()) << draft.error().message;
    ASSERT_TRUE(w.plans.Propose(w.As(therapist), episode, draft->version.number).has_value());
  }
  // Kit is nine: the plan in his own words.
  auto kit = w.plans.Overview(w.As(w.k1), w.e_k1);
  ASSERT_TRUE(kit.has_value()) << kit.error().message;
  ASSERT_TRUE(kit->current.has_value());
  EXPECT_EQ(kit->current->content.problems[0].client_words, "Panicky before tests");
  EXPECT_EQ(kit->current->content.problems[0].diagnosis, "");
  EXPECT_EQ(kit->current->content.problems[0].formulation, "");
  EXPECT_THAT(kit->current->version.content_json, Not(HasSubstr("F41.1")));
  // Kai is fourteen, and his therapist still reads all of Kit's.
  auto kai = w.plans.Overview(w.As(w.k2), w.e_k2);
  ASSERT_TRUE(kai.has_value());
  EXPECT_EQ(kai->current->content.problems[0].diagnosis, "F41.1");
  EXPECT_EQ(w.plans.Overview(w.As(w.t1), w.e_k1)->current->content.problems[0].diagnosis, "F41.1");
}

TEST(FamilyServiceTest, AClinicsPolicyDecidesWhatGuardiansSeeAtEachAge) {
  FamilyWorld w;
  ClinicSettings s = w.store->GetClinic(w.clinic_a)->settings;
  s.guardian_policy.adolescent.plan = false;
  ASSERT_TRUE(w.clinic.UpdateClinicSettings(w.As(w.admin), s).has_value());
  w.AdolescentPlanOf(/*agree=*/true);
  EXPECT_EQ(w.plans.Overview(w.As(w.g2), w.e_k2).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(w.plans.Overview(w.As(w.t2), w.e_k2).has_value());
  // The bands must follow one another.
  s.minor_consent_age = 10;
  EXPECT_EQ(w.clinic.UpdateClinicSettings(w.As(w.admin), s).error().fields[0].field,
            "adolescent_from_age");
  EXPECT_EQ(w.store->GetClinic(w.clinic_a)->settings.minor_consent_age, 16);
}

}  // namespace
}  // namespace rapport
