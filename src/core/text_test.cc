#include "core/text.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

TEST(Trim, TakesAnyWhitespaceFromBothEndsAndLeavesTheMiddle) {
  EXPECT_EQ(Trim("  \t\r\n a  b \v\f\n"), "a  b");
  EXPECT_EQ(Trim("a"), "a");
  EXPECT_EQ(Trim(" \n\t "), "");
  EXPECT_EQ(Trim(""), "");
}

TEST(Trim, TakesOnlyTheCharactersItIsGiven) {
  EXPECT_EQ(Trim(" \tvalue\t \r\n", kBlanks), "value\t \r\n");
  EXPECT_EQ(Trim("\t x \t", " "), "\t x \t");
  EXPECT_EQ(Trim("--x--", "-"), "x");
}

static_assert(Trim("  compile time  ") == "compile time");

TEST(DigitsValue, ReadsOnlyAsciiDigits) {
  EXPECT_EQ(DigitsValue("0"), 0);
  EXPECT_EQ(DigitsValue("2026"), 2026);
  EXPECT_EQ(DigitsValue("007"), 7);
  EXPECT_EQ(DigitsValue("999999999"), 999999999);
  for (const char* text : {"", "-1", "+1", " 1", "1 ", "1a", "1.0", "1234567890", "\xd9\xa3"}) {
    EXPECT_EQ(DigitsValue(text), std::nullopt) << text;
  }
  static_assert(DigitsValue("12") == 12);
}

}  // namespace
}  // namespace rapport
