#include "domain/family.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/test_names.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing_support::ExpectNamesReadBack;
using testing_support::FieldNames;

// 2026-12-06 12:00 UTC.
constexpr Timestamp kNow = 1'796'558'400'000;
constexpr Timestamp kDay = 24LL * 60 * 60 * 1000;

ClientProfile BornOn(std::string date) {
  ClientProfile p;
  p.user_id = 5;
  p.date_of_birth = std::move(date);
  return p;
}

TEST(AgeBandTest, FollowsTheClinicsAgesOnTheDayOfTheBirthday) {
  ClinicSettings s;  // adolescent from 12, consents alone from 16, of age at 18
  EXPECT_EQ(AgeBandOf(BornOn("2017-05-01"), kNow, s), AgeBand::kChild);
  EXPECT_EQ(AgeBandOf(BornOn("2014-12-07"), kNow, s), AgeBand::kChild);  // 12 tomorrow
  EXPECT_EQ(AgeBandOf(BornOn("2014-12-06"), kNow, s), AgeBand::kAdolescent);
  EXPECT_EQ(AgeBandOf(BornOn("2010-12-06"), kNow, s), AgeBand::kConsentingMinor);
  EXPECT_EQ(AgeBandOf(BornOn("2008-12-06"), kNow, s), AgeBand::kAdult);
  s.minor_consent_age = 14;
  EXPECT_EQ(AgeBandOf(BornOn("2012-01-01"), kNow, s), AgeBand::kConsentingMinor);
}

TEST(AgeBandTest, AnUnknownDateOfBirthCountsAsAnAdult) {
  EXPECT_EQ(AgeBandOf(BornOn(""), kNow, ClinicSettings{}), AgeBand::kAdult);
}

TEST(AgeBandTest, TheBandsMustFollowOneAnother) {
  ClinicSettings s;
  EXPECT_TRUE(ValidateAgeBands(s).has_value());
  s.adolescent_from_age = 7;
  EXPECT_THAT(FieldNames(ValidateAgeBands(s).error()), ElementsAre("adolescent_from_age"));
  s.adolescent_from_age = 17;  // after the age of consent
  EXPECT_THAT(FieldNames(ValidateAgeBands(s).error()), ElementsAre("adolescent_from_age"));
  s.adolescent_from_age = 12;
  s.minor_consent_age = 19;  // after the age of majority
  EXPECT_THAT(FieldNames(ValidateAgeBands(s).error()), ElementsAre("minor_consent_age"));
}

TEST(GuardianSectionsTest, ReadBackFromJsonAndRefuseWhatIsNotASection) {
  GuardianSections s;
  s.plan = true;
  s.summaries = true;
  const Json json = GuardianSectionsToJson(s);
  EXPECT_EQ(json.size(), 5u);
  EXPECT_EQ(GuardianSectionsFromJson(json, "sections").value(), s);
  // A missing section is not shared.
  EXPECT_EQ(GuardianSectionsFromJson(Json{{"plan", true}}, "sections").value().plan, true);
  EXPECT_EQ(GuardianSectionsFromJson(Json{{"plan", true}}, "sections").value().measures, false);
  EXPECT_THAT(FieldNames(GuardianSectionsFromJson(Json{{"diagnosis", true}}, "sections").error()),
              ElementsAre("sections/diagnosis"));
  EXPECT_THAT(FieldNames(GuardianSectionsFromJson(Json{{"plan", "yes"}}, "sections").error()),
              ElementsAre("sections/plan"));
  EXPECT_THAT(FieldNames(GuardianSectionsFromJson(Json::array(), "sections").error()),
              ElementsAre("sections"));
}

TEST(GuardianSectionsTest, APolicyReadsBackBandByBand) {
  GuardianPolicy policy;
  policy.adolescent.measures = false;
  EXPECT_EQ(GuardianPolicyFromJson(GuardianPolicyToJson(policy), "guardian_policy").value(),
            policy);
  EXPECT_THAT(
      FieldNames(
          GuardianPolicyFromJson(Json{{"toddler", Json::object()}}, "guardian_policy").error()),
      ElementsAre("guardian_policy/toddler"));
}

TEST(GuardianSectionsTest, TheDefaultPolicyOpensLessAsTheChildGrows) {
  const GuardianPolicy policy;
  EXPECT_TRUE(policy.child.messages);
  EXPECT_FALSE(policy.adolescent.messages);
  EXPECT_TRUE(policy.adolescent.plan);
  EXPECT_FALSE(policy.consenting_minor.plan);
  EXPECT_TRUE(policy.consenting_minor.appointments);
  EXPECT_EQ(PolicyFor(policy, AgeBand::kAdult), policy.consenting_minor);
}

TEST(SectionsForTest, TheCareTeamsChoiceOverridesThePolicy) {
  ClinicSettings settings;
  GuardianStanding standing = DefaultStanding(3);
  EXPECT_EQ(SectionsFor(standing, AgeBand::kChild, settings), settings.guardian_policy.child);
  GuardianSections chosen;
  chosen.appointments = true;
  chosen.messages = true;
  standing.sections = chosen;
  EXPECT_EQ(SectionsFor(standing, AgeBand::kChild, settings), chosen);
}

TEST(SectionsForTest, ACourtOrderSharesNothingUntilTheCareTeamChooses) {
  ClinicSettings settings;
  GuardianStanding standing = DefaultStanding(3);
  standing.authority = LegalAuthority::kLimitedByCourtOrder;
  standing.court_order = "Order of 3 March 2026: appointment times only.";
  EXPECT_EQ(SectionsFor(standing, AgeBand::kChild, settings), GuardianSections{});
  GuardianSections allowed;
  allowed.appointments = true;
  standing.sections = allowed;
  EXPECT_EQ(SectionsFor(standing, AgeBand::kChild, settings), allowed);
}

TEST(SectionsForTest, AClinicThatDoesNotShareKeepsOnlyAppointments) {
  ClinicSettings settings;
  settings.share_with_guardians = false;
  GuardianStanding standing = DefaultStanding(3);
  standing.sections = GuardianSections{true, true, true, true, true};
  GuardianSections expected;
  expected.appointments = true;
  EXPECT_EQ(SectionsFor(standing, AgeBand::kChild, settings), expected);
}

TEST(StandingTest, ALimitingCourtOrderMustBeDescribed) {
  GuardianStanding standing = DefaultStanding(3);
  standing.authority = LegalAuthority::kLimitedByCourtOrder;
  standing.court_order = "   ";
  EXPECT_THAT(FieldNames(ValidatedStanding(standing).error()), ElementsAre("court_order"));
  standing.court_order = "  Appointments only.  ";
  standing.contact_note = " evenings ";
  auto valid = ValidatedStanding(standing);
  ASSERT_TRUE(valid.has_value());
  EXPECT_EQ(valid->court_order, "Appointments only.");
  EXPECT_EQ(valid->contact_note, "evenings");
  standing.contact_note = std::string(501, 'x');
  EXPECT_THAT(FieldNames(ValidatedStanding(standing).error()), ElementsAre("contact_note"));
}

TEST(StandingTest, NamesReadBack) {
  ExpectNamesReadBack<GuardianRelationship>(
      {{GuardianRelationship::kParent, "parent"},
       {GuardianRelationship::kStepParent, "step_parent"},
       {GuardianRelationship::kGrandparent, "grandparent"},
       {GuardianRelationship::kFosterCarer, "foster_carer"},
       {GuardianRelationship::kOtherRelative, "other_relative"},
       {GuardianRelationship::kOther, "other"}},
      ParseGuardianRelationship, "aunt", "relationship");
  ExpectNamesReadBack<LegalAuthority>(
      {{LegalAuthority::kParentalResponsibility, "parental_responsibility"},
       {LegalAuthority::kSharedCustody, "shared_custody"},
       {LegalAuthority::kLimitedByCourtOrder, "limited_by_court_order"},
       {LegalAuthority::kNone, "none"}},
      ParseLegalAuthority, "full", "authority");
  ExpectNamesReadBack<ContactChannel>({{ContactChannel::kEmail, "email"},
                                       {ContactChannel::kPhone, "phone"},
                                       {ContactChannel::kText, "text"},
                                       {ContactChannel::kPost, "post"}},
                                      ParseContactChannel, "fax", "contact_channel");
  ExpectNamesReadBack<ConsentKind>({{ConsentKind::kGuardianConsent, "guardian_consent"},
                                    {ConsentKind::kAssent, "assent"},
                                    {ConsentKind::kOwnConsent, "own_consent"}},
                                   ParseConsentKind, "verbal", "kind");
}

PlanContent TwoProblemPlan() {
  PlanContent c;
  c.problems = {Problem{"p1", "Mornings before school", "", "", ProblemStatus::kActive, false},
                Problem{"p2", "Drinking at weekends", "", "", ProblemStatus::kActive, true}};
  c.agreed_order = {"p2", "p1"};
  Goal open;
  open.key = "g1";
  open.problem_key = "p1";
  open.description = "Get to school on time four days a week";
  Goal under_private;
  under_private.key = "g2";
  under_private.problem_key = "p2";
  under_private.description = "No more than two drinks on a Saturday";
  Goal own_private;
  own_private.key = "g3";
  own_private.problem_key = "p1";
  own_private.description = "Tell my therapist about the fights at home";
  own_private.confidential = true;
  c.goals = {open, under_private, own_private};
  // Each goal as a stored plan holds it: a due date and a benchmark.
  int n = 0;
  for (Goal& g : c.goals) {
    g.due_date = "2027-03-01";
    Benchmark b;
    b.key = "b" + std::to_string(++n);
    b.kind = BenchmarkKind::kGas;
    b.levels = {"much less", "less", "as expected", "more", "much more"};
    g.benchmarks = {b};
  }
  return c;
}

TEST(ConfidentialTest, AGuardianSeesNeitherAPrivateItemNorTheGoalsOfAPrivateProblem) {
  PlanContent c = TwoProblemPlan();
  EXPECT_TRUE(WithholdConfidential(c, {}));
  ASSERT_EQ(c.problems.size(), 1u);
  EXPECT_EQ(c.problems[0].key, "p1");
  EXPECT_THAT(c.agreed_order, ElementsAre("p1"));
  ASSERT_EQ(c.goals.size(), 1u);
  EXPECT_EQ(c.goals[0].key, "g1");
}

TEST(ConfidentialTest, ADisclosedItemIsShownAndOnlyThatOne) {
  PlanContent c = TwoProblemPlan();
  EXPECT_TRUE(WithholdConfidential(c, {"g3"}));
  std::vector<std::string> goals;
  for (const Goal& g : c.goals) goals.push_back(g.key);
  EXPECT_THAT(goals, ElementsAre("g1", "g3"));
  EXPECT_EQ(c.problems.size(), 1u);
}

TEST(ConfidentialTest, APlanWithoutPrivateItemsIsLeftAsItIs) {
  PlanContent c = TwoProblemPlan();
  c.problems[1].confidential = false;
  c.goals[2].confidential = false;
  const PlanContent before = c;
  EXPECT_FALSE(WithholdConfidential(c, {}));
  EXPECT_EQ(c, before);
}

TEST(ConfidentialTest, TheFlagIsWrittenOnlyWhenSetSoOlderSignaturesStillMatch) {
  PlanContent c = TwoProblemPlan();
  c.problems[1].confidential = false;
  c.goals[2].confidential = false;
  const std::string dumped = PlanContentToJson(c).dump();
  EXPECT_EQ(dumped.find("confidential"), std::string::npos);
  c.goals[2].confidential = true;
  const Json json = PlanContentToJson(c);
  EXPECT_EQ(json["goals"][2]["confidential"], true);
  EXPECT_EQ(ParseStoredPlanContent(json).value().goals[2].confidential, true);
}

SafetyDisclosure Disclosure(std::string item, std::string reason) {
  SafetyDisclosure d;
  d.episode_id = 1;
  d.guardian_link_id = 2;
  d.item_key = std::move(item);
  d.reason = std::move(reason);
  return d;
}

TEST(DisclosureTest, OnlyAPrivateItemWithAStatedReason) {
  const PlanContent c = TwoProblemPlan();
  const std::string reason = "  She told me she has been driving after drinking.  ";
  auto valid = ValidatedDisclosure(Disclosure("g2", reason), c);
  ASSERT_TRUE(valid.has_value());
  EXPECT_EQ(valid->reason, "She told me she has been driving after drinking.");
  EXPECT_TRUE(ValidatedDisclosure(Disclosure("p2", reason), c).has_value());
  EXPECT_THAT(FieldNames(ValidatedDisclosure(Disclosure("g1", reason), c).error()),
              ElementsAre("item"));
  EXPECT_THAT(FieldNames(ValidatedDisclosure(Disclosure("g9", reason), c).error()),
              ElementsAre("item"));
  EXPECT_THAT(FieldNames(ValidatedDisclosure(Disclosure("g2", "worried"), c).error()),
              ElementsAre("reason"));
  EXPECT_THAT(FieldNames(ValidatedDisclosure(Disclosure("g2", " "), c).error()),
              ElementsAre("reason"));
}

CareConsent Consent(ConsentKind kind, GuardianLinkId link, std::string given, std::string renew,
                    Timestamp recorded_at = kNow) {
  CareConsent c;
  c.child_id = 5;
  c.kind = kind;
  c.guardian_link_id = link;
  c.given_on = std::move(given);
  c.renew_by = std::move(renew);
  c.recorded_at = recorded_at;
  return c;
}

TEST(ConsentTest, DatesAndTheGuardianAreChecked) {
  EXPECT_TRUE(
      ValidatedConsent(Consent(ConsentKind::kGuardianConsent, 3, "2026-09-01", "2027-09-01"), kNow)
          .has_value());
  EXPECT_THAT(
      FieldNames(ValidatedConsent(
                     Consent(ConsentKind::kGuardianConsent, 0, "2026-09-01", "2027-09-01"), kNow)
                     .error()),
      ElementsAre("guardian_link_id"));
  EXPECT_THAT(FieldNames(ValidatedConsent(
                             Consent(ConsentKind::kAssent, 3, "2026-09-01", "2027-09-01"), kNow)
                             .error()),
              ElementsAre("guardian_link_id"));
  EXPECT_THAT(FieldNames(ValidatedConsent(
                             Consent(ConsentKind::kAssent, 0, "2026-12-31", "2027-09-01"), kNow)
                             .error()),
              ElementsAre("given_on"));
  EXPECT_THAT(
      FieldNames(
          ValidatedConsent(Consent(ConsentKind::kAssent, 0, "1 Sept", "2027-09-01"), kNow).error()),
      ElementsAre("given_on"));
  EXPECT_THAT(FieldNames(ValidatedConsent(
                             Consent(ConsentKind::kAssent, 0, "2026-09-01", "2026-09-01"), kNow)
                             .error()),
              ElementsAre("renew_by"));
  EXPECT_THAT(FieldNames(ValidatedConsent(
                             Consent(ConsentKind::kAssent, 0, "2026-09-01", "2030-09-01"), kNow)
                             .error()),
              ElementsAre("renew_by"));
}

TEST(ConsentTest, IsCurrentThenDueForRenewalThenLapsed) {
  const CareConsent c = Consent(ConsentKind::kAssent, 0, "2026-01-10", "2027-01-10");
  EXPECT_EQ(StateOf(c, kNow), ConsentState::kCurrent);                // 35 days left
  EXPECT_EQ(StateOf(c, kNow + 6 * kDay), ConsentState::kRenewalDue);  // 29 days left
  EXPECT_EQ(StateOf(c, kNow + 40 * kDay), ConsentState::kLapsed);
}

TEST(ConsentTest, AChildNeedsAGuardiansConsentAndTheirOwnAssent) {
  EXPECT_THAT(ConsentsNeeded(AgeBand::kChild),
              ElementsAre(ConsentKind::kGuardianConsent, ConsentKind::kAssent));
  EXPECT_THAT(ConsentsNeeded(AgeBand::kConsentingMinor), ElementsAre(ConsentKind::kOwnConsent));
  const std::vector<CareConsent> none;
  EXPECT_THAT(MissingConsents(AgeBand::kAdolescent, none, kNow),
              ElementsAre(ConsentKind::kGuardianConsent, ConsentKind::kAssent));
  const std::vector<CareConsent> given{
      Consent(ConsentKind::kGuardianConsent, 3, "2026-09-01", "2027-09-01"),
      Consent(ConsentKind::kAssent, 0, "2026-09-01", "2027-09-01")};
  EXPECT_THAT(MissingConsents(AgeBand::kAdolescent, given, kNow), IsEmpty());
}

TEST(ConsentTest, TheNewestRecordCountsSoALapsedOneIsRenewedByANewOne) {
  CareConsent old_assent =
      Consent(ConsentKind::kAssent, 0, "2025-01-01", "2026-01-01", kNow - 400 * kDay);
  old_assent.id = 1;
  EXPECT_THAT(MissingConsents(AgeBand::kChild, {old_assent}, kNow),
              ElementsAre(ConsentKind::kGuardianConsent, ConsentKind::kAssent));
  CareConsent renewed = Consent(ConsentKind::kAssent, 0, "2026-12-01", "2027-12-01", kNow);
  renewed.id = 2;
  CareConsent mother = Consent(ConsentKind::kGuardianConsent, 3, "2026-12-01", "2027-12-01");
  mother.id = 3;
  CareConsent father = Consent(ConsentKind::kGuardianConsent, 4, "2026-12-01", "2027-12-01");
  father.id = 4;
  const std::vector<CareConsent> all{old_assent, renewed, mother, father};
  std::vector<ConsentId> latest;
  for (const CareConsent& c : LatestConsents(all)) latest.push_back(c.id);
  // One assent (the renewal) and each guardian's own consent.
  EXPECT_THAT(latest, ElementsAre(2, 3, 4));
  EXPECT_THAT(MissingConsents(AgeBand::kChild, all, kNow), IsEmpty());
}

}  // namespace
}  // namespace rapport
