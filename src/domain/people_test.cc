#include "domain/people.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

constexpr Timestamp kNov25_2026 = 1'795'564'800'000;  // 2026-11-25T00:00:00Z

TEST(NormalizeEmail, TrimsAndLowerCases) {
  EXPECT_EQ(NormalizeEmail("  Therapist@Demo.Rapport ").value(), "therapist@demo.rapport");
}

TEST(NormalizeEmail, RejectsThingsThatAreNotAddresses) {
  for (const char* bad : {"", "plain", "@x.org", "a@b", "a@@b.org", "a b@c.org", "a@b.org.",
                          "<script>@x.org", "a'--@x.org"}) {
    auto r = NormalizeEmail(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_EQ(r.error().fields.at(0).field, "email");
  }
}

TEST(ValidateNewPassword, CountsCharactersNotBytes) {
  std::string eleven, twelve, many;
  for (int i = 0; i < 11; ++i) eleven += "\u00e9";  // "é", two bytes each
  twelve = eleven + "\u00e9";
  for (int i = 0; i < 256; ++i) many += "\u00e9";
  EXPECT_FALSE(ValidateNewPassword(eleven).has_value());
  EXPECT_TRUE(ValidateNewPassword(twelve).has_value());
  EXPECT_TRUE(ValidateNewPassword(many).has_value());
  EXPECT_FALSE(ValidateNewPassword(many + "\u00e9").has_value());
}

TEST(ValidateNewPassword, NeedsTwelveToTwoHundredFiftySixCharacters) {
  EXPECT_FALSE(ValidateNewPassword("short").has_value());
  EXPECT_TRUE(ValidateNewPassword("twelve chars").has_value());
  EXPECT_FALSE(ValidateNewPassword(std::string(257, 'x')).has_value());
}

TEST(ValidateDisplayName, RefusesInvisibleCharactersThatReorderOrBreakTheText) {
  // U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LEFT-TO-RIGHT ISOLATE, U+200F RIGHT-TO-LEFT MARK,
  // U+2028 LINE SEPARATOR, U+0085 NEXT LINE.
  for (const char* name : {"Alex \u202Enagrom", "Alex \u2066Morgan\u2069", "Alex\u200F Morgan",
                           "Alex\u2028Morgan", "Alex\u0085Morgan"}) {
    auto refused = ValidateDisplayName(name);
    ASSERT_FALSE(refused.has_value()) << name;
    ASSERT_EQ(refused.error().fields.size(), 1U);
    EXPECT_EQ(refused.error().fields[0].field, "display_name");
  }
  // Names in right-to-left scripts and with accents are names.
  for (const char* name : {"\u05D3\u05E0\u05D4 \u05DB\u05D4\u05DF", "\u0633\u0627\u0631\u0629",
                           "Zo\u00EB \u00C9lise", "\u674E\u534E"}) {
    EXPECT_TRUE(ValidateDisplayName(name).has_value()) << name;
  }
}

TEST(ValidateDisplayName, TrimsAndRejectsEmptyOrMultiLine) {
  EXPECT_EQ(ValidateDisplayName("  Alex Morgan ").value(), "Alex Morgan");
  EXPECT_FALSE(ValidateDisplayName("   ").has_value());
  EXPECT_FALSE(ValidateDisplayName("two\nlines").has_value());
}

TEST(DateOfBirth, AgeCountsWholeYearsAndMinorsAreUnderTheClinicsAgeOfMajority) {
  EXPECT_EQ(AgeInYears("2008-11-25", kNov25_2026), 18);
  EXPECT_EQ(AgeInYears("2008-11-26", kNov25_2026), 17);
  const auto born = [](std::string date) {
    return ClientProfile{
        .user_id = 1, .date_of_birth = std::move(date), .preferred_name = "", .country = ""};
  };
  EXPECT_TRUE(IsMinor(born("2014-05-30"), kNov25_2026, 18));
  EXPECT_FALSE(IsMinor(born("1990-01-01"), kNov25_2026, 18));
  EXPECT_FALSE(IsMinor(born(""), kNov25_2026, 18));
  // Seventeen is a minor where majority is 18 and not where it is 16.
  EXPECT_TRUE(IsMinor(born("2008-11-26"), kNov25_2026, 18));
  EXPECT_FALSE(IsMinor(born("2008-11-26"), kNov25_2026, 16));
  EXPECT_TRUE(ValidateAgeOfMajority(14).has_value());
  EXPECT_TRUE(ValidateAgeOfMajority(21).has_value());
  EXPECT_FALSE(ValidateAgeOfMajority(13).has_value());
  EXPECT_FALSE(ValidateAgeOfMajority(22).has_value());
}

TEST(GuardianLink, SharesNothingUntilAcceptedAndConsented) {
  GuardianLink link;
  EXPECT_EQ(StateOf(link), GuardianLinkState::kAwaitingGuardian);
  link.consent_recorded_at = 5;  // consent first: still waiting for the guardian
  EXPECT_EQ(StateOf(link), GuardianLinkState::kAwaitingGuardian);
  link.consent_recorded_at.reset();
  link.accepted_at = 7;
  EXPECT_EQ(StateOf(link), GuardianLinkState::kAwaitingConsent);
  link.consent_recorded_at = 9;
  EXPECT_EQ(StateOf(link), GuardianLinkState::kActive);
  EXPECT_EQ(ToString(GuardianLinkState::kAwaitingConsent), "awaiting_consent");
}

TEST(ValidateLineOfText, NamesTheFieldItChecks) {
  auto long_text = ValidateLineOfText(std::string(501, 'a'), "note", 500);
  ASSERT_FALSE(long_text.has_value());
  EXPECT_EQ(long_text.error().fields.at(0).field, "note");
  EXPECT_FALSE(ValidateLineOfText("a\u202Eb", "note", 500).has_value());
  EXPECT_EQ(ValidateLineOfText("  in session  ", "note", 500).value(), "in session");
}

TEST(DateOfBirth, RejectsFutureAndMalformedDates) {
  EXPECT_TRUE(ValidateDateOfBirth("2014-05-30", kNov25_2026).has_value());
  EXPECT_FALSE(ValidateDateOfBirth("2027-01-01", kNov25_2026).has_value());
  EXPECT_FALSE(ValidateDateOfBirth("2014-02-30", kNov25_2026).has_value());
  EXPECT_FALSE(ValidateDateOfBirth("30/05/2014", kNov25_2026).has_value());
  EXPECT_FALSE(ValidateDateOfBirth("2014-05-30T00:00Z", kNov25_2026).has_value());
}

TEST(EpisodeTransition, EndedIsFinalAndIntakeMayStartOrEnd) {
  EXPECT_TRUE(CheckEpisodeTransition(EpisodeStatus::kIntake, EpisodeStatus::kActive).has_value());
  EXPECT_TRUE(CheckEpisodeTransition(EpisodeStatus::kIntake, EpisodeStatus::kEnded).has_value());
  EXPECT_TRUE(CheckEpisodeTransition(EpisodeStatus::kActive, EpisodeStatus::kEnded).has_value());
  auto back = CheckEpisodeTransition(EpisodeStatus::kEnded, EpisodeStatus::kActive);
  ASSERT_FALSE(back.has_value());
  EXPECT_EQ(back.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(CheckEpisodeTransition(EpisodeStatus::kActive, EpisodeStatus::kIntake).has_value());
}

TEST(Appointment, DurationBoundsAndFinalOutcomes) {
  EXPECT_FALSE(ValidateAppointmentDuration(4).has_value());
  EXPECT_TRUE(ValidateAppointmentDuration(5).has_value());
  EXPECT_TRUE(ValidateAppointmentDuration(480).has_value());
  EXPECT_FALSE(ValidateAppointmentDuration(481).has_value());
  EXPECT_TRUE(
      CheckAppointmentTransition(AppointmentStatus::kScheduled, AppointmentStatus::kCompleted)
          .has_value());
  EXPECT_FALSE(
      CheckAppointmentTransition(AppointmentStatus::kCompleted, AppointmentStatus::kCancelled)
          .has_value());
}

TEST(EnumNames, RoundTripAndNameTheFieldOnError) {
  for (auto m : {Modality::kInPerson, Modality::kVideo, Modality::kPhone, Modality::kText}) {
    EXPECT_EQ(ParseModality(ToString(m)).value(), m);
  }
  EXPECT_EQ(ParseRole("guardian").value(), Role::kGuardian);
  auto bad = ParseRole("superuser");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.at(0).field, "role");
  EXPECT_EQ(ParseAppointmentStatus("no-show").value(), AppointmentStatus::kNoShow);
}

TEST(AppointmentRequests, ShortNoticeIsInsideTheClinicsNoticePeriod) {
  const Timestamp starts = 1'780'304'400'000;
  const Timestamp hour = 60 * 60 * 1000;
  EXPECT_FALSE(IsShortNotice(starts, starts - 25 * hour, 24));
  EXPECT_FALSE(IsShortNotice(starts, starts - 24 * hour, 24));
  EXPECT_TRUE(IsShortNotice(starts, starts - 24 * hour + 1, 24));
  EXPECT_TRUE(IsShortNotice(starts, starts + hour, 24));  // already begun
  EXPECT_FALSE(IsShortNotice(starts, starts - 1, 0));
  EXPECT_EQ(ParseChangeKind("move").value(), ChangeKind::kMove);
  EXPECT_EQ(ParseChangeKind("skip").error().fields.at(0).field, "kind");
}

}  // namespace
}  // namespace rapport
