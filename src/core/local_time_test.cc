#include "core/local_time.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

Timestamp At(std::string_view iso) {
  return ParseIso8601(iso).value();
}

LocalTime In(std::string_view iso, std::string_view zone) {
  auto local = ToLocalTime(At(iso), zone);
  EXPECT_TRUE(local.has_value()) << (local ? "" : local.error().message);
  return local.value_or(LocalTime{});
}

TEST(LocalTime, LondonMovesToSummerTimeAtOneUtcOnTheLastSundayOfMarch) {
  // 2026-03-29 is the last Sunday of March. One minute before 01:00 UTC it is still GMT.
  const LocalTime before = In("2026-03-29T00:59:00Z", "Europe/London");
  EXPECT_EQ(before, (LocalTime{2026, 3, 29, 6, 59, 0}));
  // At 01:00 UTC the clocks jump from 01:00 to 02:00 BST: 2 * 60 = 120 minutes into the day.
  const LocalTime after = In("2026-03-29T01:00:00Z", "Europe/London");
  EXPECT_EQ(after, (LocalTime{2026, 3, 29, 6, 120, 60}));
}

TEST(LocalTime, LondonReturnsToGreenwichTimeOnTheLastSundayOfOctober) {
  // 2026-10-25 00:30 UTC is 01:30 BST (offset +60): 90 minutes into the day.
  EXPECT_EQ(In("2026-10-25T00:30:00Z", "Europe/London"), (LocalTime{2026, 10, 25, 6, 90, 60}));
  // 01:30 UTC is 01:30 GMT again: the same wall time an hour later, with offset 0.
  EXPECT_EQ(In("2026-10-25T01:30:00Z", "Europe/London"), (LocalTime{2026, 10, 25, 6, 90, 0}));
}

TEST(LocalTime, NewYorkSpringsForwardAtTwoLocalOnTheSecondSundayOfMarch) {
  // 2026-03-08 06:59 UTC - 5 h = 01:59 EST: 119 minutes into Sunday.
  EXPECT_EQ(In("2026-03-08T06:59:00Z", "America/New_York"), (LocalTime{2026, 3, 8, 6, 119, -300}));
  // 07:00 UTC - 4 h = 03:00 EDT: 180 minutes; 02:xx never happens that day.
  EXPECT_EQ(In("2026-03-08T07:00:00Z", "America/New_York"), (LocalTime{2026, 3, 8, 6, 180, -240}));
}

TEST(LocalTime, WestOfGreenwichTheLocalDateCanStillBeYesterday) {
  // 2026-01-01 03:00 UTC - 5 h = 2025-12-31 22:00 EST, a Wednesday: 22 * 60 = 1320 minutes.
  EXPECT_EQ(In("2026-01-01T03:00:00Z", "America/New_York"),
            (LocalTime{2025, 12, 31, 2, 1320, -300}));
}

TEST(LocalTime, InstantsBeforeTheEpochRoundDownToTheMinuteBefore) {
  // -30 s is 1969-12-31 23:59:30 UTC, a Wednesday; truncating toward zero would say 00:00.
  auto local = ToLocalTime(-30'000, "UTC");
  ASSERT_TRUE(local.has_value());
  EXPECT_EQ(*local, (LocalTime{1969, 12, 31, 2, 1439, 0}));
}

TEST(LocalTime, KnowsRealZonesAndNotInventedOnes) {
  EXPECT_TRUE(IsKnownTimeZone("Europe/London"));
  EXPECT_TRUE(IsKnownTimeZone("UTC"));
  EXPECT_FALSE(IsKnownTimeZone("Mars/Olympus_Mons"));
  EXPECT_FALSE(IsKnownTimeZone("europe/london"));
  EXPECT_FALSE(IsKnownTimeZone(""));
  EXPECT_FALSE(IsKnownTimeZone("localtime")) << "the server's zone is not a place";
}

TEST(LocalTime, AnUnknownZoneIsAnErrorOnTheTimeZoneField) {
  auto local = ToLocalTime(At("2026-03-29T01:00:00Z"), "Mars/Olympus_Mons");
  ASSERT_FALSE(local.has_value());
  EXPECT_EQ(local.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(local.error().fields.size(), 1u);
  EXPECT_EQ(local.error().fields[0].field, "time_zone");
}

}  // namespace
}  // namespace rapport
