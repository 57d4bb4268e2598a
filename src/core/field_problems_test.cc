#include "core/field_problems.h"

#include <gtest/gtest.h>

#include <vector>

namespace rapport {
namespace {

TEST(FieldProblemsTest, TheMessageLeadsAndNamesEveryFieldInOrder) {
  Error error = InvalidFields("The plan needs attention: ",
                              {{"goals/0/title", "is required"}, {"review_on", "is not a date"}});
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message,
            "The plan needs attention: goals/0/title is required; review_on is not a date");
  EXPECT_EQ(error.fields, (std::vector<FieldError>{{"goals/0/title", "is required"},
                                                   {"review_on", "is not a date"}}));
}

TEST(FieldProblemsTest, AProblemWithoutAFieldReadsAsItsMessageAlone) {
  EXPECT_EQ(
      InvalidFields("Check: ", {{"", "the body must be an object"}, {"x", "is wrong"}}).message,
      "Check: the body must be an object; x is wrong");
}

TEST(FieldProblemsTest, TakesTheFieldsOfAFailureAndNothingFromASuccess) {
  FieldProblems problems;
  problems.Take(Result<int>(7));
  problems.Take(Status(Ok()));
  EXPECT_TRUE(problems.Empty());

  problems.Add("first", "comes first");
  problems.Take(Result<int>(
      Fail(Error::InvalidArgument("two", {{"second", "is missing"}, {"third", "is too long"}}))));
  problems.Take(Status(Fail(Error::Field("fourth", "is not a number"))));
  EXPECT_EQ(problems.Size(), 4U);
  EXPECT_EQ(problems.Fields()[1], (FieldError{"second", "is missing"}));
  EXPECT_EQ(problems.Fields()[3], (FieldError{"fourth", "is not a number"}));
}

TEST(FieldProblemsTest, AVerdictIsOkOnlyWithoutProblemsAndEmptiesTheCollector) {
  FieldProblems problems;
  EXPECT_TRUE(problems.Verdict("unused: ").has_value());

  problems.Add("age", "must be at least 0");
  Status verdict = problems.Verdict("Some fields need attention: ");
  ASSERT_FALSE(verdict.has_value());
  EXPECT_EQ(verdict.error().message, "Some fields need attention: age must be at least 0");
  EXPECT_TRUE(problems.Empty());
}

}  // namespace
}  // namespace rapport
