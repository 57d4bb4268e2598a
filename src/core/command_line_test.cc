#include "core/command_line.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace rapport {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A command of the shape most of rapport's take: a word, options with values, a repeatable one
// and a flag.
class CommandLineTest : public ::testing::Test {
 protected:
  CommandLineTest() : line_("trial run", "FILE --to DIR [options]", "Runs a trial.") {
    line_.Words("FILE", "the file to read", 1)
        .Option("--to", "DIR", "where to write")
        .Option("--lag", "S",
                "the largest lag in seconds, in either direction, that the correlation of the "
                "two series is computed for; one sample at the session's rate is the smallest")
        .Repeatable("--roi", "NAME:x,y,w,h", "a region (repeatable)")
        .Flag("--force", "write over what is there")
        .Footer("A positive lag means the second follows the first.");
  }

  std::optional<int> Read(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return line_.Read(args, out_, err_);
  }

  CommandLine line_;
  std::ostringstream out_, err_;
};

TEST_F(CommandLineTest, ReadsValuesInBothSpellingsWordsAndFlags) {
  EXPECT_EQ(Read({"--to", "out", "in.txt", "--lag=-1.5", "--force"}), std::nullopt) << err_.str();
  EXPECT_EQ(line_.Get("--to"), "out");
  EXPECT_EQ(line_.Get("--lag"), "-1.5");
  EXPECT_EQ(line_.words(), std::vector<std::string>{"in.txt"});
  EXPECT_TRUE(line_.Has("--force"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CommandLineTest, AnOptionNotGivenIsAbsentAndTakesTheFallback) {
  EXPECT_EQ(Read({"in.txt"}), std::nullopt);
  EXPECT_EQ(line_.Get("--to"), std::nullopt);
  EXPECT_EQ(line_.Get("--lag", "5"), "5");
  EXPECT_FALSE(line_.Has("--force"));
  EXPECT_TRUE(line_.GetAll("--roi").empty());
}

TEST_F(CommandLineTest, TheLastValueOfAnOptionCountsAndARepeatableKeepsEveryOneInOrder) {
  EXPECT_EQ(Read({"--lag", "1", "--roi", "a:0,0,1,1", "--lag", "2", "--roi=b:1,1,1,1"}),
            std::nullopt)
      << err_.str();
  EXPECT_EQ(line_.Get("--lag"), "2");
  EXPECT_EQ(line_.GetAll("--roi"), (std::vector<std::string>{"a:0,0,1,1", "b:1,1,1,1"}));
}

TEST_F(CommandLineTest, NegativeNumbersAreValuesNotOptions) {
  EXPECT_EQ(Read({"--lag", "-3"}), std::nullopt) << err_.str();
  EXPECT_EQ(line_.Get("--lag"), "-3");
}

TEST_F(CommandLineTest, AnUnknownOptionStopsWithTwoNamingItAndTheUsage) {
  EXPECT_EQ(Read({"in.txt", "--speed=3"}), 2);
  EXPECT_EQ(err_.str(),
            "rapport trial run: unknown option '--speed'\n"
            "usage: rapport trial run FILE --to DIR [options] (rapport trial run --help says "
            "more)\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandLineTest, AnOptionWithoutItsValueSaysSo) {
  EXPECT_EQ(Read({"in.txt", "--to"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("rapport trial run: --to: needs a value\n"));
}

TEST_F(CommandLineTest, AWordTooManyIsNamed) {
  EXPECT_EQ(Read({"in.txt", "now"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("rapport trial run: unexpected 'now'\n"));
}

TEST_F(CommandLineTest, HelpIsWrittenFromTheDeclarationsToStandardOutput) {
  EXPECT_EQ(Read({"in.txt", "--help"}), 0);
  EXPECT_EQ(err_.str(), "");
  const std::string help = out_.str();
  EXPECT_THAT(help, HasSubstr("Runs a trial."));
  EXPECT_THAT(help, HasSubstr("Usage: rapport trial run FILE --to DIR [options]\n"));
  for (const char* text :
       {"--to DIR", "where to write", "--lag S", "--roi NAME:x,y,w,h", "a region (repeatable)",
        "--force", "write over what is there", "FILE", "the file to read",
        "A positive lag means the second follows the first."}) {
    EXPECT_THAT(help, HasSubstr(text)) << text;
  }
  EXPECT_THAT(help, Not(HasSubstr("[OPTIONS]")));
  EXPECT_THAT(help, Not(HasSubstr("TEXT")));
  // Wrapped for a terminal: no line runs past 80 characters.
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 80u) << line;
  EXPECT_EQ(Read({"-h"}), 0);
  EXPECT_EQ(out_.str(), help);
}

TEST_F(CommandLineTest, ParseSaysWhyWithoutPrintingAndReportsAskingForHelp) {
  const std::vector<std::string> wrong = {"in.txt", "--speed"};
  const Result<bool> refused = line_.Parse(wrong);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "unknown option '--speed'");
  const std::vector<std::string> help = {"--help"};
  EXPECT_EQ(line_.Parse(help), true);
}

TEST_F(CommandLineTest, UsageNamesTheCommandAndItsHelp) {
  EXPECT_EQ(line_.Usage(),
            "usage: rapport trial run FILE --to DIR [options] (rapport trial run --help says "
            "more)\n");
}

}  // namespace
}  // namespace rapport
