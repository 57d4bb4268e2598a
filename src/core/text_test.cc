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

}  // namespace
}  // namespace rapport
