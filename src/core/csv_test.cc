#include "core/csv.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

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

using Fields = std::vector<std::string>;

TEST(ReadCsv, SplitsRecordsAndFieldsAndKeepsQuotedCommasAndQuotes) {
  const auto records = ReadCsv("id,note\n1,\"More of this, please\"\n2,\"said \"\"no\"\"\"\n");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].fields, (Fields{"id", "note"}));
  EXPECT_EQ((*records)[1].fields, (Fields{"1", "More of this, please"}));
  EXPECT_EQ((*records)[2].fields, (Fields{"2", "said \"no\""}));
  EXPECT_EQ((*records)[2].line, 3);
}

TEST(ReadCsv, AQuotedFieldMayHoldLineBreaksAndRecordsKeepTheLineTheyStartOn) {
  const auto records = ReadCsv("a,b\r\n\"two\r\nlines\",x\r\nlast,y");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[1].fields, (Fields{"two\r\nlines", "x"}));
  EXPECT_EQ((*records)[1].line, 2);
  EXPECT_EQ((*records)[2].fields, (Fields{"last", "y"}));
  EXPECT_EQ((*records)[2].line, 4);
}

TEST(ReadCsv, DropsAByteOrderMarkAndReadsEmptyFieldsAndLines) {
  const auto records = ReadCsv("\xEF\xBB\xBFphq9_1,,phq9_3\n\n1,,\n");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  ASSERT_EQ(records->size(), 3u);
  EXPECT_EQ((*records)[0].fields, (Fields{"phq9_1", "", "phq9_3"}));
  EXPECT_EQ((*records)[1].fields, (Fields{""}));
  EXPECT_EQ((*records)[2].fields, (Fields{"1", "", ""}));
  EXPECT_TRUE(ReadCsv("").value().empty());
  EXPECT_TRUE(ReadCsv("\xEF\xBB\xBF").value().empty());
}

TEST(ReadCsv, AnOpenQuoteOrTextAfterAClosingQuoteNamesTheLine) {
  const auto open = ReadCsv("a,b\n1,\"never closed\n2,3\n");
  ASSERT_FALSE(open.has_value());
  EXPECT_EQ(open.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(open.error().message, "line 2: a quoted field is not closed");
  const auto after = ReadCsv("a\n\"x\"y\n");
  ASSERT_FALSE(after.has_value());
  EXPECT_EQ(after.error().message, "line 2: text after a quoted field's closing quote");
}

TEST(ReadCsv, ReadsBackWhatCsvFieldWrites) {
  const Fields fields = {"Lindqvist, Sofia", "said \"no\"", "two\nlines", "a\r\nb", "plain", ""};
  std::string line;
  for (const std::string& f : fields) line += (line.empty() ? "" : ",") + CsvField(f);
  const auto records = ReadCsv(line + "\r\n");
  ASSERT_TRUE(records.has_value()) << records.error().message;
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ((*records)[0].fields, fields);
}

}  // namespace
}  // namespace rapport
