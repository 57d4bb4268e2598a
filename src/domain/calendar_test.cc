#include "domain/calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

namespace rapport {
namespace {

using ::testing::HasSubstr;

constexpr Timestamp kJune1At9 = 1'780'304'400'000;  // 2026-06-01T09:00:00Z

TEST(CalendarFeed, OneEventHasItsTimesInUtcAndItsStatus) {
  CalendarEvent e;
  e.uid = "appointment-7@rapport";
  e.starts_at = kJune1At9;
  e.duration_minutes = 50;
  e.summary = "Session with Sofia Lindqvist";
  const std::string text = CalendarFeedText({e}, kJune1At9 - 1000, "My appointments");
  EXPECT_EQ(text.rfind("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 0), 0u);
  EXPECT_THAT(text, HasSubstr("\r\nDTSTART:20260601T090000Z\r\n"));
  EXPECT_THAT(text, HasSubstr("\r\nDTEND:20260601T095000Z\r\n"));
  EXPECT_THAT(text, HasSubstr("\r\nSTATUS:CONFIRMED\r\n"));
  EXPECT_THAT(text, HasSubstr("\r\nUID:appointment-7@rapport\r\n"));
  EXPECT_EQ(text.substr(text.size() - 15), "END:VCALENDAR\r\n");
  e.cancelled = true;
  EXPECT_THAT(CalendarFeedText({e}, kJune1At9, "x"), HasSubstr("\r\nSTATUS:CANCELLED\r\n"));
}

TEST(CalendarFeed, TextIsEscapedAndLongLinesAreFoldedWithoutSplittingACharacter) {
  CalendarEvent e;
  e.uid = "u";
  e.starts_at = kJune1At9;
  e.summary = "Session; with, Tomás\\Álvarez";
  e.description = std::string(70, 'a') + "éééééééééé" + "\nnext";
  const std::string text = CalendarFeedText({e}, kJune1At9, "x");
  EXPECT_THAT(text, HasSubstr("SUMMARY:Session\\; with\\, Tomás\\\\Álvarez\r\n"));
  std::istringstream lines(text);
  std::string line;
  std::string unfolded;
  while (std::getline(lines, line)) {
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.back(), '\r') << "every line ends in CRLF";
    line.pop_back();
    EXPECT_LE(line.size(), 75u) << line;
    // A continuation never starts in the middle of a UTF-8 sequence.
    if (line[0] == ' ') {
      ASSERT_GT(line.size(), 1u);
      EXPECT_NE(static_cast<unsigned char>(line[1]) & 0xC0, 0x80) << line;
      unfolded += line.substr(1);
    } else {
      unfolded += "\n" + line;
    }
  }
  EXPECT_THAT(unfolded, HasSubstr("DESCRIPTION:" + std::string(70, 'a') + "éééééééééé\\nnext"));
}

}  // namespace
}  // namespace rapport
