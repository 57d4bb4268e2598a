#include "core/clock.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

TEST(ParseIso8601, RefusesOffsetsNoPlaceUses) {
  for (const char* text : {"2026-06-01T10:00+99:99", "2026-06-01T10:00+15:00",
                           "2026-06-01T10:00-12:60", "2026-06-01T10:00+14:30"}) {
    EXPECT_FALSE(ParseIso8601(text).has_value()) << text;
  }
  EXPECT_TRUE(ParseIso8601("2026-06-01T10:00+14:00").has_value()) << "Kiribati";
  EXPECT_TRUE(ParseIso8601("2026-06-01T10:00-12:00").has_value());
  EXPECT_TRUE(ParseIso8601("2026-06-01T10:00+05:45").has_value()) << "Nepal";
}

TEST(ParseIso8601, RefusesSignsAndBlanksWhereDigitsBelong) {
  for (const char* text : {"-001-06-01", "+001-06-01", "2026-06-01T-1:00Z", "2026-06-01T1 :00Z",
                           "2026-06-01T10:+5Z", "2026-06-01T10:00+-1:00", "2026-02-29"}) {
    EXPECT_FALSE(ParseIso8601(text).has_value()) << text;
  }
}

TEST(Iso8601, FormatsEpochAsUtcWithMilliseconds) {
  EXPECT_EQ(FormatIso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIso8601(1'795'000'000'123), "2026-11-18T11:06:40.123Z");
}

TEST(Iso8601, ParsesWhatItFormats) {
  for (Timestamp t : {Timestamp{0}, Timestamp{1'795'000'000'123}, Timestamp{951'782'400'000}}) {
    auto parsed = ParseIso8601(FormatIso8601(t));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, t);
  }
}

TEST(Iso8601, AppliesOffsetsAndAcceptsPlainDates) {
  EXPECT_EQ(ParseIso8601("2026-01-01T01:00+01:00").value(), ParseIso8601("2026-01-01").value());
  EXPECT_EQ(ParseIso8601("2026-01-01T00:00:00Z").value(), ParseIso8601("2026-01-01").value());
}

TEST(Iso8601, RejectsImpossibleDatesAndJunk) {
  for (const char* bad : {"2026-02-30", "2026-13-01", "yesterday", "2026-01-01T25:00Z",
                          "2026-01-01T10:00", "2026-01-01T10:00Zjunk", ""}) {
    auto parsed = ParseIso8601(bad);
    ASSERT_FALSE(parsed.has_value()) << bad;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(FakeClock, MovesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.Now(), 1000);
  clock.Advance(std::chrono::minutes(1));
  EXPECT_EQ(clock.Now(), 61'000);
}

}  // namespace
}  // namespace rapport
