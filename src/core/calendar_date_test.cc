#include "core/calendar_date.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

TEST(CalendarDateTest, ReadsARealDayWrittenYearMonthDay) {
  EXPECT_EQ(ParseCalendarDate("2014-05-30"), (year_month_day{year{2014}, month{5}, day{30}}));
  EXPECT_EQ(ParseCalendarDate("2024-02-29"), (year_month_day{year{2024}, month{2}, day{29}}));
  EXPECT_EQ(ParseCalendarDate("0001-01-01"), (year_month_day{year{1}, month{1}, day{1}}));
}

TEST(CalendarDateTest, RefusesDaysThatDoNotExistAndOtherSpellings) {
  for (const char* text : {"2026-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-04-00",
                           "2026-4-30", "26-04-30", "2026/04/30", "2026-04-30T00:00Z",
                           " 2026-04-30", "-202-04-30", "+202-04-30", "2026-0a-30", ""}) {
    EXPECT_FALSE(ParseCalendarDate(text).has_value()) << text;
  }
}

TEST(CalendarDateTest, AnInstantFallsOnItsUtcDayWrittenWithLeadingZeros) {
  const Timestamp last_ms_of_2026_03_01 = StartOfDate(year{2026} / 3 / 2) - 1;
  EXPECT_EQ(FormatCalendarDate(UtcDateOf(last_ms_of_2026_03_01)), "2026-03-01");
  EXPECT_EQ(FormatCalendarDate(UtcDateOf(last_ms_of_2026_03_01 + 1)), "2026-03-02");
  EXPECT_EQ(FormatCalendarDate(UtcDateOf(0)), "1970-01-01");
  EXPECT_EQ(FormatCalendarDate(UtcDateOf(-1)), "1969-12-31");
  EXPECT_EQ(FormatUtcDate(last_ms_of_2026_03_01), "2026-03-01");
}

TEST(CalendarDateTest, ADayStartsAtItsFirstUtcMillisecond) {
  EXPECT_EQ(StartOfDate(year{1970} / 1 / 1), 0);
  EXPECT_EQ(StartOfDate(year{2026} / 3 / 1), 1'772'323'200'000);
  EXPECT_EQ(ParseIso8601("2026-03-01T00:00:00Z").value(), StartOfDate(year{2026} / 3 / 1));
}

}  // namespace
}  // namespace rapport
