#include "domain/escalation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/shipped_data.h"

namespace rapport {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Not;

constexpr int kMonday = 0, kTuesday = 1, kFriday = 4, kSaturday = 5;

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> out;
  for (const auto& f : error.fields) out.push_back(f.field);
  return out;
}

bool AnyZone(std::string_view) {
  return true;
}
bool NoZone(std::string_view) {
  return false;
}

LocalTime At(int weekday, int hour, int minute) {
  LocalTime t;
  t.weekday = weekday;
  t.minute_of_day = hour * 60 + minute;
  return t;
}

OpenInterval Hours(int start_hour, int start_minute, int end_hour, int end_minute) {
  return {start_hour * 60 + start_minute, end_hour * 60 + end_minute};
}

// --- clock times and weekly hours ---

TEST(ClockTime, ReadsHoursAndMinutesAsMinutesAfterMidnight) {
  EXPECT_EQ(ParseClockTime("09:00", "start").value(), 540);   // 9 * 60
  EXPECT_EQ(ParseClockTime("17:30", "start").value(), 1050);  // 17 * 60 + 30
  EXPECT_EQ(ParseClockTime("23:59", "start").value(), 1439);
  EXPECT_EQ(FormatClockTime(540), "09:00");
  EXPECT_EQ(FormatClockTime(1440), "24:00");
}

TEST(ClockTime, MidnightAtTheEndOfTheDayIsOnlyAnEnd) {
  EXPECT_EQ(ParseClockTime("24:00", "hours/monday/end", /*is_end=*/true).value(), 1440);
  auto start = ParseClockTime("24:00", "hours/monday/start");
  ASSERT_FALSE(start.has_value());
  EXPECT_THAT(Fields(start.error()), ElementsAre("hours/monday/start"));
}

TEST(ClockTime, RefusesAnythingButTwoDigitHoursAndMinutes) {
  for (std::string_view text : {"9:00", "25:00", "12:60", "noon", "", "09:00:00", "24:01"}) {
    auto parsed = ParseClockTime(text, "hours/friday/end", /*is_end=*/true);
    ASSERT_FALSE(parsed.has_value()) << text;
    EXPECT_THAT(Fields(parsed.error()), ElementsAre("hours/friday/end")) << text;
  }
}

TEST(WeeklyHours, OpenFromTheStartUpToButNotIncludingTheEnd) {
  const WeeklyHours hours = StandardWeeklyHours();
  EXPECT_FALSE(IsOpen(hours, kMonday, 539));   // 08:59
  EXPECT_TRUE(IsOpen(hours, kMonday, 540));    // 09:00
  EXPECT_TRUE(IsOpen(hours, kFriday, 1019));   // 16:59
  EXPECT_FALSE(IsOpen(hours, kFriday, 1020));  // 17:00: closed
  EXPECT_FALSE(IsOpen(hours, kSaturday, 600));
}

TEST(WeeklyHours, TheStandardWeekReadsAsOneRange) {
  EXPECT_EQ(DescribeHours(StandardWeeklyHours()), "Monday to Friday, 9:00 to 17:00");
}

TEST(WeeklyHours, DaysWithDifferentHoursGetTheirOwnPhrase) {
  WeeklyHours hours;
  for (int day = 0; day < 4; ++day) hours.days[day] = Hours(9, 0, 17, 0);
  hours.days[4] = Hours(9, 0, 13, 0);
  hours.days[5] = Hours(10, 0, 12, 0);
  EXPECT_EQ(DescribeHours(hours),
            "Monday to Thursday, 9:00 to 17:00; Friday, 9:00 to 13:00; Saturday, 10:00 to 12:00");
}

TEST(WeeklyHours, ScatteredAndPairedDaysAreNamedOneByOne) {
  WeeklyHours scattered;
  for (int day : {0, 2, 4}) scattered.days[day] = Hours(8, 30, 12, 0);
  EXPECT_EQ(DescribeHours(scattered), "Monday, Wednesday and Friday, 8:30 to 12:00");
  WeeklyHours weekend;
  for (int day : {5, 6}) weekend.days[day] = Hours(10, 0, 14, 0);
  EXPECT_EQ(DescribeHours(weekend), "Saturday and Sunday, 10:00 to 14:00");
}

TEST(WeeklyHours, AroundTheClockAndUntilMidnightReadAsWords) {
  WeeklyHours always;
  for (auto& day : always.days) day = OpenInterval{0, kMinutesPerDay};
  EXPECT_EQ(DescribeHours(always), "Every day, all day");
  WeeklyHours evening;
  evening.days[kMonday] = Hours(18, 0, 24, 0);
  EXPECT_EQ(DescribeHours(evening), "Monday, 18:00 to midnight");
  EXPECT_EQ(DescribeHours(WeeklyHours{}), "Closed every day");
}

// --- the next opening ---

TEST(NextOpening, WhenOpenTheAnswerIsNow) {
  EXPECT_EQ(NextOpening(StandardWeeklyHours(), At(kTuesday, 10, 0)), (Opening{0, kTuesday, 600}));
}

TEST(NextOpening, BeforeOpeningItIsLaterToday) {
  const auto opening = NextOpening(StandardWeeklyHours(), At(kTuesday, 7, 30));
  ASSERT_TRUE(opening.has_value());
  EXPECT_EQ(*opening, (Opening{0, kTuesday, 540}));
  EXPECT_EQ(DescribeOpening(*opening), "today at 9:00");
}

TEST(NextOpening, AfterClosingItIsTomorrow) {
  const auto opening = NextOpening(StandardWeeklyHours(), At(kTuesday, 18, 0));
  ASSERT_TRUE(opening.has_value());
  EXPECT_EQ(*opening, (Opening{1, 2, 540}));
  EXPECT_EQ(DescribeOpening(*opening), "tomorrow at 9:00");
}

TEST(NextOpening, FromFridayAtClosingTimeItIsMondayThreeDaysAhead) {
  // 17:00 is already closed (the end is exclusive); Friday + 3 days = Monday.
  const auto opening = NextOpening(StandardWeeklyHours(), At(kFriday, 17, 0));
  ASSERT_TRUE(opening.has_value());
  EXPECT_EQ(*opening, (Opening{3, kMonday, 540}));
  EXPECT_EQ(DescribeOpening(*opening), "on Monday at 9:00");
}

TEST(NextOpening, AClinicOpenOnlyOnMondayMorningsIsNextMondayOnceItHasClosed) {
  WeeklyHours hours;
  hours.days[kMonday] = Hours(9, 0, 12, 0);
  const auto opening = NextOpening(hours, At(kMonday, 13, 0));
  ASSERT_TRUE(opening.has_value());
  EXPECT_EQ(*opening, (Opening{7, kMonday, 540}));
  EXPECT_EQ(DescribeOpening(*opening), "next Monday at 9:00");
}

TEST(NextOpening, AClinicThatNeverOpensHasNoNextOpening) {
  EXPECT_FALSE(NextOpening(WeeklyHours{}, At(kMonday, 9, 0)).has_value());
}

TEST(DurationInWords, WholeHoursReadAsHoursAndTheRestAsMinutes) {
  EXPECT_EQ(DurationInWords(1), "1 minute");
  EXPECT_EQ(DurationInWords(15), "15 minutes");
  EXPECT_EQ(DurationInWords(60), "1 hour");
  EXPECT_EQ(DurationInWords(90), "90 minutes");
  EXPECT_EQ(DurationInWords(120), "2 hours");
  EXPECT_EQ(DurationInWords(1440), "24 hours");
}

// --- safety settings ---

TEST(SafetySettings, TheDefaultsAreValid) {
  EXPECT_TRUE(ValidateSafetySettings(SafetySettings{}, AnyZone, ShippedCrisisDirectory()));
}

TEST(SafetySettings, SurviveARoundTripThroughJson) {
  SafetySettings s;
  s.time_zone = "Europe/London";
  s.country = "GB";
  s.hours.days[kSaturday] = Hours(10, 0, 24, 0);
  s.hours.days[kMonday].reset();
  s.escalate_after_minutes_in_hours = 30;
  s.escalate_after_minutes_out_of_hours = 10;
  s.on_call_out_of_hours = false;
  s.contact_within_minutes = 90;
  auto again = ParseSafetySettings(SafetySettingsToJson(s));
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(*again, s);
}

TEST(SafetySettings, DaysLeftOutAreClosedRatherThanTheDefault) {
  Json json = SafetySettingsToJson(SafetySettings{});
  json["hours"] = {{"wednesday", {{"start", "10:00"}, {"end", "16:00"}}}};
  auto parsed = ParseSafetySettings(json);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(DescribeHours(parsed->hours), "Wednesday, 10:00 to 16:00");
}

TEST(SafetySettingsErrors, ABadClockTimeIsReportedOnItsDay) {
  Json json = SafetySettingsToJson(SafetySettings{});
  json["hours"]["monday"]["start"] = "9am";
  json["hours"]["friday"]["end"] = "25:00";
  auto parsed = ParseSafetySettings(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("hours/monday/start", "hours/friday/end"));
}

TEST(SafetySettingsErrors, TheWholeObjectIsRequired) {
  Json json = SafetySettingsToJson(SafetySettings{});
  json.erase("on_call_out_of_hours");
  json["contact_within_minutes"] = "two hours";
  json["colour"] = "blue";
  auto parsed = ParseSafetySettings(json);
  ASSERT_FALSE(parsed.has_value());
  const auto fields = Fields(parsed.error());
  EXPECT_THAT(fields, Contains("on_call_out_of_hours"));
  EXPECT_THAT(fields, Contains("contact_within_minutes"));
  EXPECT_THAT(fields, Contains("colour"));
}

TEST(SafetySettingsErrors, ValidationReportsEveryProblemAtOnce) {
  SafetySettings s;
  s.time_zone = "Mars/Olympus_Mons";
  s.country = "XX";
  s.hours.days[kMonday] = Hours(17, 0, 9, 0);
  s.escalate_after_minutes_in_hours = 0;
  s.escalate_after_minutes_out_of_hours = 241;
  s.contact_within_minutes = 4;
  auto status = ValidateSafetySettings(s, NoZone, ShippedCrisisDirectory());
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(
      Fields(status.error()),
      ElementsAre("time_zone", "country", "hours/monday/end", "escalate_after_minutes_in_hours",
                  "escalate_after_minutes_out_of_hours", "contact_within_minutes"));
}

TEST(SafetySettingsErrors, AClinicThatNeverOpensIsRefused) {
  SafetySettings s;
  s.hours = WeeklyHours{};
  auto status = ValidateSafetySettings(s, AnyZone, ShippedCrisisDirectory());
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(Fields(status.error()), ElementsAre("hours"));
}

TEST(SafetySettings, TheLimitsThemselvesAreAccepted) {
  SafetySettings s;
  s.escalate_after_minutes_in_hours = 1;
  s.escalate_after_minutes_out_of_hours = 240;
  s.contact_within_minutes = 5;
  EXPECT_TRUE(ValidateSafetySettings(s, AnyZone, ShippedCrisisDirectory()));
  s.contact_within_minutes = 1440;
  EXPECT_TRUE(ValidateSafetySettings(s, AnyZone, ShippedCrisisDirectory()));
}

// --- the ladder ---

Json ShippedLadderJson() {
  return Json::parse(ShippedEscalationJson());
}

TEST(EscalationFile, TheShippedLadderTellsTheTherapistThenSupervisorsAndOnCallThenEveryone) {
  auto ladder = ParseEscalationLadder(ShippedLadderJson());
  ASSERT_TRUE(ladder.has_value()) << ladder.error().message;
  ASSERT_EQ(ladder->steps.size(), 3u);
  EXPECT_THAT(ladder->steps[0].notify, ElementsAre(Audience::kTreatingTherapist));
  EXPECT_THAT(ladder->steps[1].notify, ElementsAre(Audience::kSupervisors, Audience::kOnCall));
  EXPECT_THAT(ladder->steps[2].notify, ElementsAre(Audience::kAllSupervisors, Audience::kAdmins));
  EXPECT_EQ(ShippedEscalationLadder().steps.size(), 3u);
}

TEST(EscalationFile, OnlyCriticalAlertsEscalate) {
  const EscalationLadder& ladder = ShippedEscalationLadder();
  EXPECT_TRUE(ladder.AppliesTo(Severity::kCritical));
  EXPECT_FALSE(ladder.AppliesTo(Severity::kHigh));
}

TEST(EscalationFile, TheAdminNoticeCarriesNoClientDetails) {
  const EscalationLadder& ladder = ShippedEscalationLadder();
  EXPECT_FALSE(ladder.admin_subject.empty());
  // No placeholders at all: nothing about the client can be filled into it.
  EXPECT_THAT(ladder.admin_body, Not(::testing::HasSubstr("{")));
  EXPECT_THAT(ladder.admin_subject, Not(::testing::HasSubstr("{")));
}

TEST(EscalationLadderErrors, AFirstStepWithoutTheTreatingTherapistIsRefused) {
  Json json = ShippedLadderJson();
  json["steps"][0]["notify"] = {"on_call"};
  auto ladder = ParseEscalationLadder(json);
  ASSERT_FALSE(ladder.has_value());
  EXPECT_THAT(Fields(ladder.error()), ElementsAre("steps/0/notify"));
}

TEST(EscalationLadderErrors, ALadderThatNeverEscalatesIsRefused) {
  Json json = ShippedLadderJson();
  json["steps"] = Json::array({json["steps"][0]});
  auto ladder = ParseEscalationLadder(json);
  ASSERT_FALSE(ladder.has_value());
  EXPECT_THAT(Fields(ladder.error()), ElementsAre("steps"));
}

TEST(EscalationLadderErrors, UnknownAndRepeatedAudiencesAreNamedByPosition) {
  Json json = ShippedLadderJson();
  json["steps"][1]["notify"] = {"receptionist", "on_call", "on_call"};
  auto ladder = ParseEscalationLadder(json);
  ASSERT_FALSE(ladder.has_value());
  EXPECT_THAT(Fields(ladder.error()), ElementsAre("steps/1/notify/0", "steps/1/notify/2"));
}

TEST(EscalationLadderErrors, EscalatingLesserAlertsIsRefused) {
  Json json = ShippedLadderJson();
  json["applies_from"] = "medium";
  auto ladder = ParseEscalationLadder(json);
  ASSERT_FALSE(ladder.has_value());
  EXPECT_THAT(Fields(ladder.error()), ElementsAre("applies_from"));
}

TEST(EscalationLadderErrors, AMistypedPlaceholderInTheClientsWordsIsRefused) {
  Json json = ShippedLadderJson();
  json["follow_up"]["child"]["on_call"]["body"] = "Someone will call within {contact_withn}.";
  auto ladder = ParseEscalationLadder(json);
  ASSERT_FALSE(ladder.has_value());
  EXPECT_THAT(Fields(ladder.error()), ElementsAre("follow_up/child/on_call/body"));
}

TEST(NextStepDue, WaitsTheClinicsInHoursMinutes) {
  // 15 minutes = 15 * 60,000 ms = 900,000 ms after the step began.
  EXPECT_EQ(NextStepDue(SafetySettings{}, 1'000'000, /*in_hours=*/true), 1'900'000);
}

TEST(NextStepDue, WaitsTheShorterOutOfHoursMinutesAtNight) {
  // 5 minutes = 300,000 ms.
  EXPECT_EQ(NextStepDue(SafetySettings{}, 1'000'000, /*in_hours=*/false), 1'300'000);
}

// --- what the client is told ---

TEST(FollowUp, WhenTheClinicIsOpenTheTherapistIsToldAndTheNextStepIsNamed) {
  const FollowUpWords words = DescribeFollowUp(SafetySettings{}, /*in_hours=*/true,
                                               /*on_call_now=*/false, "", Reader::kAdult);
  EXPECT_EQ(words.headline, "Thank you for telling us");
  EXPECT_EQ(words.body,
            "Your therapist has been told now. If they cannot answer within 15 minutes, your "
            "clinic's supervisor and on-call clinician will be told. Your clinic aims to contact "
            "you within 2 hours.");
}

TEST(FollowUp, WhenClosedWithSomeoneOnCallTheOnCallClinicianIsNamed) {
  const FollowUpWords words = DescribeFollowUp(SafetySettings{}, /*in_hours=*/false,
                                               /*on_call_now=*/true, "", Reader::kAdult);
  EXPECT_EQ(words.body,
            "Your clinic's on-call clinician has been told and aims to contact you within 2 "
            "hours.");
}

TEST(FollowUp, WhenNobodyIsWatchingTheClientIsToldSoAndPointedToTheNumbers) {
  const FollowUpWords words =
      DescribeFollowUp(SafetySettings{}, /*in_hours=*/false,
                       /*on_call_now=*/false, "on Monday at 9:00", Reader::kAdult);
  EXPECT_EQ(words.body,
            "Nobody at your clinic reads answers until it opens again on Monday at 9:00. If you "
            "need help before then, please use one of the numbers below now.");
}

TEST(FollowUp, AChildIsToldTheSameThingsInSimplerWords) {
  const SafetySettings s;
  EXPECT_EQ(DescribeFollowUp(s, true, false, "", Reader::kChild).body,
            "Your therapist knows now. If they cannot answer within 15 minutes, other grown-ups "
            "at your clinic who can help will be told too. Someone from your clinic will try to "
            "talk to you within 2 hours.");
  EXPECT_EQ(DescribeFollowUp(s, false, true, "", Reader::kChild).body,
            "A grown-up from your clinic who helps when it is closed knows now. They will try to "
            "talk to you within 2 hours.");
  EXPECT_EQ(DescribeFollowUp(s, false, false, "tomorrow at 9:00", Reader::kChild).body,
            "Nobody at your clinic can read this until it opens again tomorrow at 9:00. If you "
            "need help before then, please tell a grown-up you trust, or call one of the numbers "
            "below now.");
}

TEST(FollowUp, TheClinicsOwnMinutesAreReadAsWords) {
  SafetySettings s;
  s.escalate_after_minutes_in_hours = 60;
  s.contact_within_minutes = 90;
  EXPECT_EQ(DescribeFollowUp(s, true, false, "", Reader::kAdult).body,
            "Your therapist has been told now. If they cannot answer within 1 hour, your clinic's "
            "supervisor and on-call clinician will be told. Your clinic aims to contact you "
            "within 90 minutes.");
}

TEST(FollowUp, OpenHoursWinOverTheOnCallRota) {
  // Someone on the rota during opening hours does not change who is told first.
  EXPECT_EQ(DescribeFollowUp(SafetySettings{}, true, true, "", Reader::kAdult).body,
            DescribeFollowUp(SafetySettings{}, true, false, "", Reader::kAdult).body);
}

TEST(FollowUp, WithoutAKnownOpeningTheClientIsNotPromisedOne) {
  EXPECT_EQ(DescribeFollowUp(SafetySettings{}, false, false, "", Reader::kAdult).body,
            "Nobody at your clinic is reading answers right now. If you need help, please use one "
            "of the numbers below now.");
}

TEST(FollowUp, FromTheClinicsLocalTimeToTheClientsWords) {
  // Friday 18:30 in the clinic's zone, standard hours, no on-call rota: closed until Monday.
  SafetySettings s;
  s.on_call_out_of_hours = false;
  const LocalTime now = At(kFriday, 18, 30);
  const bool open = IsOpen(s.hours, now.weekday, now.minute_of_day);
  const auto opening = NextOpening(s.hours, now);
  ASSERT_FALSE(open);
  ASSERT_TRUE(opening.has_value());
  EXPECT_EQ(DescribeFollowUp(s, open, s.on_call_out_of_hours && !open, DescribeOpening(*opening),
                             Reader::kAdult)
                .body,
            "Nobody at your clinic reads answers until it opens again on Monday at 9:00. If you "
            "need help before then, please use one of the numbers below now.");
}

}  // namespace
}  // namespace rapport
