#include "core/csv.h"

#include <gtest/gtest.h>

namespace rapport {
namespace {

TEST(CsvField, LeavesPlainTextAndNumbersAsTheyAre) {
  EXPECT_EQ(CsvField("Sofia Lindqvist"), "Sofia Lindqvist");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("12"), "12");
  EXPECT_EQ(CsvField("-2"), "-2");
  EXPECT_EQ(CsvField("+1.5"), "+1.5");
  EXPECT_EQ(CsvField("-0.25e3"), "-0.25e3");
}

TEST(CsvField, QuotesCommasQuotesAndLineBreaksAndDoublesQuotes) {
  EXPECT_EQ(CsvField("Lindqvist, Sofia"), "\"Lindqvist, Sofia\"");
  EXPECT_EQ(CsvField("said \"no\""), "\"said \"\"no\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField("a\r\nb"), "\"a\r\nb\"");
}

TEST(CsvField, TurnsWhatASpreadsheetWouldRunAsAFormulaIntoText) {
  EXPECT_EQ(CsvField("=1+1"), "'=1+1");
  EXPECT_EQ(CsvField("+cmd"), "'+cmd");
  EXPECT_EQ(CsvField("-2+3"), "'-2+3");
  EXPECT_EQ(CsvField("@SUM(A1)"), "'@SUM(A1)");
  EXPECT_EQ(CsvField("\tx"), "'\tx");
  EXPECT_EQ(CsvField("=HYPERLINK(\"http://x\",\"y\")"),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  EXPECT_EQ(CsvField("-"), "'-");
  EXPECT_EQ(CsvField("1e"), "1e");
}

}  // namespace
}  // namespace rapport
