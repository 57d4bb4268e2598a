#include "core/json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;

TEST(ParseJson, ReportsSyntaxErrorsAsInvalidArgument) {
  auto parsed = ParseJson("{\"a\":");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
}

TEST(JsonObjectReader, ReadsTypedFieldsAndAcceptsAKnownObject) {
  const Json j = Json::parse(R"({"email":"a@b.c","age":7,"score":1.5,"ok":true})");
  JsonObjectReader r(j);
  EXPECT_EQ(r.RequiredString("email"), "a@b.c");
  EXPECT_EQ(r.RequiredInt("age"), 7);
  EXPECT_EQ(r.OptionalNumber("score"), 1.5);
  EXPECT_EQ(r.OptionalBool("ok"), true);
  EXPECT_EQ(r.OptionalString("absent"), std::nullopt);
  EXPECT_TRUE(r.Finish().has_value());
}

TEST(JsonObjectReader, CollectsEveryProblemWithItsFieldName) {
  const Json j = Json::parse(R"({"email":5,"extra":1})");
  JsonObjectReader r(j, "user/");
  r.RequiredString("email");
  r.RequiredString("password");
  auto status = r.Finish();
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().fields, ElementsAre(Field(&FieldError::field, "user/email"),
                                                 Field(&FieldError::field, "user/password"),
                                                 Field(&FieldError::field, "user/extra")));
}

TEST(JsonObjectReader, RejectsNonObjectsAndOverlongOrBrokenText) {
  JsonObjectReader not_object(Json::array());
  EXPECT_FALSE(not_object.Finish().has_value());

  const Json j = {{"name", std::string(20, 'x')}, {"bad", std::string("a\xff")}};
  JsonObjectReader r(j);
  EXPECT_EQ(r.RequiredString("name", 10), std::nullopt);
  EXPECT_EQ(r.RequiredString("bad"), std::nullopt);
  EXPECT_EQ(r.Finish().error().fields.size(), 2u);
}

TEST(JsonObjectReader, IntegersMustBeIntegers) {
  const Json j = Json::parse(R"({"n":1.5,"m":"3"})");
  JsonObjectReader r(j);
  EXPECT_EQ(r.RequiredInt("n"), std::nullopt);
  EXPECT_EQ(r.RequiredInt("m"), std::nullopt);
  EXPECT_FALSE(r.Finish().has_value());
}

TEST(IsCleanUtf8, AcceptsTextAndRejectsNulOverlongAndSurrogates) {
  EXPECT_TRUE(IsCleanUtf8("Grüße, 你好"));
  EXPECT_FALSE(IsCleanUtf8(std::string_view("a\0b", 3)));
  EXPECT_FALSE(IsCleanUtf8("\xC0\xAF"));
  EXPECT_FALSE(IsCleanUtf8("\xED\xA0\x80"));
}

}  // namespace
}  // namespace rapport
