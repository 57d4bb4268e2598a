#include "domain/schedule.h"

#include <gtest/gtest.h>

#include "domain/instrument.h"

namespace rapport {
namespace {

constexpr Timestamp kDay = 24LL * 60 * 60 * 1000;
constexpr Timestamp kMonday = 1'780'304'400'000;  // 2026-06-01 09:00 UTC

TEST(Schedule, NeverAnsweredIsAlwaysDue) {
  for (const Schedule s : {Schedule{1, 0}, Schedule{3, 0}, Schedule{0, 2}, Schedule{0, 0}}) {
    EXPECT_TRUE(IsDue(s, std::nullopt, 0, kMonday)) << Describe(s);
  }
}

TEST(Schedule, BySessionsItIsDueOnceThatManySessionsHaveBeenHeldSinceTheLastAnswer) {
  const Schedule every_session{1, 0};
  EXPECT_FALSE(IsDue(every_session, kMonday, 0, kMonday + kDay)) << "answered for this session";
  EXPECT_TRUE(IsDue(every_session, kMonday, 1, kMonday + 7 * kDay));
  const Schedule every_third{3, 0};
  EXPECT_FALSE(IsDue(every_third, kMonday, 2, kMonday + 14 * kDay));
  EXPECT_TRUE(IsDue(every_third, kMonday, 3, kMonday + 21 * kDay));
}

TEST(Schedule, ByWeeksItIsDueADayBeforeTheWeeksAreUpSoAWeeklySessionDoesNotSlipAWeek) {
  const Schedule fortnightly{0, 2};
  EXPECT_FALSE(IsDue(fortnightly, kMonday, 5, kMonday + 7 * kDay)) << "sessions do not count";
  // The next session two weeks on starts an hour earlier than the last: still due.
  EXPECT_TRUE(IsDue(fortnightly, kMonday, 1, kMonday + 14 * kDay - kDay / 24));
  EXPECT_FALSE(IsDue(fortnightly, kMonday, 1, kMonday + 13 * kDay - 1));
  EXPECT_TRUE(IsDue(fortnightly, kMonday, 0, kMonday + 13 * kDay));
}

TEST(Schedule, OnceIsNeverDueAgain) {
  EXPECT_FALSE(IsDue(Schedule{0, 0}, kMonday, 50, kMonday + 400 * kDay));
}

TEST(Schedule, SessionsOrWeeksFromZeroToFiftyTwoButNotBoth) {
  EXPECT_TRUE(ValidateSchedule(Schedule{0, 0}).has_value());
  EXPECT_TRUE(ValidateSchedule(Schedule{52, 0}).has_value());
  EXPECT_TRUE(ValidateSchedule(Schedule{0, 4}).has_value());
  EXPECT_EQ(ValidateSchedule(Schedule{1, 2}).error().fields.at(0).field, "every_weeks");
  EXPECT_EQ(ValidateSchedule(Schedule{-1, 0}).error().fields.at(0).field, "every_sessions");
  EXPECT_EQ(ValidateSchedule(Schedule{0, 53}).error().fields.at(0).field, "every_weeks");
}

TEST(Schedule, ReadsExactlyOneOfSessionsWeeksOrOnceAndWritesItBack) {
  for (const Schedule s : {Schedule{1, 0}, Schedule{3, 0}, Schedule{0, 2}, Schedule{0, 0}}) {
    auto back = ScheduleFromJson(ScheduleToJson(s), "schedule/");
    ASSERT_TRUE(back.has_value()) << Describe(s);
    EXPECT_EQ(*back, s);
  }
  const auto field = [](const Json& j) {
    auto r = ScheduleFromJson(j, "schedule/");
    return r ? std::string("ok") : r.error().fields.at(0).field;
  };
  EXPECT_EQ(field(Json::object()), "schedule/every_sessions");
  EXPECT_EQ(field(Json{{"every_sessions", 1}, {"every_weeks", 2}}), "schedule/every_sessions");
  EXPECT_EQ(field(Json{{"every_weeks", 0}}), "schedule/every_weeks");
  EXPECT_EQ(field(Json{{"every_weeks", 53}}), "schedule/every_weeks");
  EXPECT_EQ(field(Json{{"once", false}}), "schedule/once");
  EXPECT_EQ(field(Json{{"every_days", 3}}), "schedule/every_days");
}

TEST(Schedule, TheDefaultIsTheDefinitionsOwnElseOnceForFitAndEverySessionOtherwise) {
  Instrument outcome;
  outcome.purpose = Purpose::kOutcome;
  EXPECT_EQ(DefaultSchedule(outcome), (Schedule{1, 0}));
  outcome.schedule = Schedule{0, 2};
  EXPECT_EQ(DefaultSchedule(outcome), (Schedule{0, 2}));
  Instrument fit;
  fit.purpose = Purpose::kFit;
  EXPECT_EQ(DefaultSchedule(fit), (Schedule{0, 0}));
  EXPECT_EQ(Describe(Schedule{0, 2}), "every 2 weeks");
  EXPECT_EQ(Describe(Schedule{1, 0}), "every session");
  EXPECT_EQ(Describe(Schedule{0, 0}), "once");
}

}  // namespace
}  // namespace rapport
