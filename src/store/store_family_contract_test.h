#pragma once
// The Store contract for the adults around a child: each guardian's standing, consent and assent,
// safety disclosures (never changed), and the clinic's jurisdiction settings. Part of the contract
// suite (store/store_contract_test.h); include from exactly one .cc per test binary, after
// store_course_contract_test.h, and instantiate StoreFamilyContractTest there.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_course_contract_test.h"

namespace rapport {

class StoreFamilyContractTest : public StoreCourseContractTest {
 protected:
  struct Family {
    FeedbackContractWorld w;
    UserId mum = 0;
    GuardianLinkId link = 0;
  };

  // The feedback world with one active guardian of its client.
  Family MakeFamily() {
    Family f;
    f.w = MakeWorld();
    f.mum = AddUser(f.w.clinic, "mum@example.org", Role::kGuardian);
    f.link = Put([&](WriteTxn& txn) {
      return txn.InsertGuardianLink(
          EstablishedGuardianLink(f.mum, f.w.client, kT0, "Both parents, in session"));
    });
    return f;
  }
};

TEST_P(StoreFamilyContractTest, AStandingReadsBackAndIsReplacedWhole) {
  const Family f = MakeFamily();
  EXPECT_THAT(store().GetGuardianStanding(f.link), FailsWith(ErrorCode::kNotFound));
  GuardianStanding s = DefaultStanding(f.link);
  s.relationship = GuardianRelationship::kParent;
  s.authority = LegalAuthority::kLimitedByCourtOrder;
  s.court_order = "Order of 3 March 2026:\nappointment times only.";
  s.contact_channel = ContactChannel::kText;
  s.contact_note = "after 6 pm";
  GuardianSections allowed;
  allowed.appointments = true;
  s.sections = allowed;
  s.updated_by = f.w.therapist;
  s.updated_at = kT0 + 5;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutGuardianStanding(s); }), IsOk());
  auto read = store().GetGuardianStanding(f.link);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(*read, s);
  // Replaced: back to the clinic's policy, no longer limited.
  GuardianStanding again = DefaultStanding(f.link);
  again.relationship = GuardianRelationship::kStepParent;
  again.authority = LegalAuthority::kNone;
  again.updated_by = f.w.therapist;
  again.updated_at = kT0 + 9;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutGuardianStanding(again); }), IsOk());
  EXPECT_EQ(store().GetGuardianStanding(f.link).value(), again);
  EXPECT_FALSE(store().GetGuardianStanding(f.link)->sections.has_value());
  // A limiting court order without its words is refused by the store itself.
  GuardianStanding undescribed = again;
  undescribed.authority = LegalAuthority::kLimitedByCourtOrder;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.PutGuardianStanding(undescribed); }),
              ::testing::Not(IsOk()));
  EXPECT_EQ(store().GetGuardianStanding(f.link).value(), again);
  // A standing of no link is refused.
  GuardianStanding orphan = again;
  orphan.link_id = f.link + 100;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.PutGuardianStanding(orphan); }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreFamilyContractTest, ConsentsAreListedInTheOrderRecordedAndOutliveTheirLink) {
  const Family f = MakeFamily();
  CareConsent mum;
  mum.child_id = f.w.client;
  mum.kind = ConsentKind::kGuardianConsent;
  mum.guardian_link_id = f.link;
  mum.given_on = "2026-09-01";
  mum.renew_by = "2027-09-01";
  mum.note = "Signed form, scanned";
  mum.recorded_by = f.w.therapist;
  mum.recorded_at = kT0 + 1;
  CareConsent assent = mum;
  assent.kind = ConsentKind::kAssent;
  assent.guardian_link_id = 0;
  assent.note = "In his words: 'OK, I'll come'";
  assent.recorded_at = kT0 + 2;
  const ConsentId first = Put([&](WriteTxn& txn) { return txn.InsertCareConsent(mum); });
  const ConsentId second = Put([&](WriteTxn& txn) { return txn.InsertCareConsent(assent); });
  ASSERT_LT(first, second);
  auto listed = store().ListCareConsentsOfChild(f.w.client);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, first);
  EXPECT_EQ((*listed)[0].kind, ConsentKind::kGuardianConsent);
  EXPECT_EQ((*listed)[0].guardian_link_id, f.link);
  EXPECT_EQ((*listed)[0].note, "Signed form, scanned");
  EXPECT_EQ((*listed)[1].kind, ConsentKind::kAssent);
  EXPECT_EQ((*listed)[1].guardian_link_id, 0);
  EXPECT_EQ((*listed)[1].renew_by, "2027-09-01");
  EXPECT_EQ((*listed)[1].recorded_at, kT0 + 2);
  // The consent was given all the same when the link goes.
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteGuardianLink(f.link); }), IsOk());
  listed = store().ListCareConsentsOfChild(f.w.client);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].guardian_link_id, 0);
  // Dates out of order are refused.
  CareConsent backwards = assent;
  backwards.renew_by = "2026-01-01";
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertCareConsent(backwards));
                return Ok();
              }),
              ::testing::Not(IsOk()));
  EXPECT_EQ(store().ListCareConsentsOfChild(f.w.client)->size(), 2u);
}

TEST_P(StoreFamilyContractTest, ASafetyDisclosureIsKeptAsItWasMade) {
  const Family f = MakeFamily();
  SafetyDisclosure d;
  d.episode_id = f.w.episode;
  d.guardian_link_id = f.link;
  d.item_key = "g2";
  d.reason = "He told me he has been driving after drinking.";
  d.disclosed_by = f.w.therapist;
  d.disclosed_at = kT0 + 3;
  const DisclosureId id = Put([&](WriteTxn& txn) { return txn.InsertSafetyDisclosure(d); });
  auto listed = store().ListSafetyDisclosuresOfEpisode(f.w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, id);
  EXPECT_EQ((*listed)[0].item_key, "g2");
  EXPECT_EQ((*listed)[0].reason, d.reason);
  EXPECT_EQ((*listed)[0].guardian_link_id, f.link);
  EXPECT_EQ((*listed)[0].disclosed_at, kT0 + 3);
  EXPECT_TRUE(store().ListSafetyDisclosuresOfEpisode(f.w.episode + 100)->empty());
  SafetyDisclosure orphan = d;
  orphan.episode_id = f.w.episode + 100;
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.InsertSafetyDisclosure(orphan));
                return Ok();
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreFamilyContractTest, TheClinicsJurisdictionReadsBack) {
  ClinicSettings s;
  s.adolescent_from_age = 11;
  s.minor_consent_age = 15;
  s.guardian_policy.adolescent.plan = false;
  s.guardian_policy.child.messages = false;
  const ClinicId id = AddClinic("Harbour Clinic", s);
  EXPECT_EQ(store().GetClinic(id)->settings.adolescent_from_age, 11);
  EXPECT_EQ(store().GetClinic(id)->settings.minor_consent_age, 15);
  EXPECT_EQ(store().GetClinic(id)->settings.guardian_policy, s.guardian_policy);
  s.guardian_policy = GuardianPolicy{};
  s.minor_consent_age = 16;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateClinicSettings(id, s); }), IsOk());
  EXPECT_EQ(store().GetClinic(id)->settings.guardian_policy, GuardianPolicy{});
  EXPECT_EQ(store().GetClinic(id)->settings.minor_consent_age, 16);
  // A clinic made before these settings existed has the defaults.
  EXPECT_EQ(store().GetClinic(AddClinic())->settings.guardian_policy, GuardianPolicy{});
}

TEST_P(StoreFamilyContractTest, APlanDecisionRemembersWhoMadeIt) {
  const Family f = MakeFamily();
  PlanVersion v;
  v.episode_id = f.w.episode;
  v.number = 1;
  v.status = PlanVersionStatus::kProposed;
  v.content_json = "{}";
  v.content_hash = Blake2b256Hex(v.content_json);
  v.created_by = f.w.therapist;
  v.created_at = kT0;
  v.updated_at = kT0;
  v.proposed_at = kT0;
  v.id = Put([&](WriteTxn& txn) { return txn.InsertPlanVersion(v); });
  EXPECT_EQ(store().GetPlanVersion(f.w.episode, 1)->decided_by, 0);
  v.status = PlanVersionStatus::kChangesRequested;
  v.decided_at = kT0 + 1;
  v.decided_by = f.mum;
  v.client_comment = "Could mornings come first?";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdatePlanVersion(v); }), IsOk());
  EXPECT_EQ(store().GetPlanVersion(f.w.episode, 1)->decided_by, f.mum);
}

}  // namespace rapport
