#include "domain/contact.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace rapport {
namespace {

using ::testing::UnorderedElementsAre;

std::vector<std::string> Fields(const Result<ContactDetails>& r) {
  std::vector<std::string> out;
  if (!r) {
    for (const FieldError& f : r.error().fields) out.push_back(f.field);
  }
  return out;
}

TEST(ContactDetails, AFullRecordRoundTripsThroughJson) {
  const Json body = {
      {"phone", " +44 20 7946 0958 "},
      {"contact_method", "text"},
      {"contact_times", "weekday evenings"},
      {"emergency_contact",
       {{"name", "Ana Reyes"}, {"relationship", "sister"}, {"phone", "020 7946 0000"}}},
      {"preferred_name", "Jo"},
      {"pronouns", "they/them"},
      {"language", "Spanish"}};
  auto parsed = ParseContactDetails(body);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->phone, "+44 20 7946 0958");
  EXPECT_EQ(parsed->method, ContactMethod::kText);
  EXPECT_EQ(parsed->emergency_name, "Ana Reyes");
  Json back = ContactDetailsToJson(*parsed);
  auto again = ParseContactDetails(back);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(ContactDetailsToJson(*again), back);
}

TEST(ContactDetails, AnEmptyBodyMeansNothingKnownYet) {
  auto parsed = ParseContactDetails(Json::object());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->phone.empty());
  EXPECT_EQ(parsed->method, ContactMethod::kAny);
}

TEST(ContactDetails, EveryProblemIsNamedAtOnce) {
  const Json body = {{"phone", "call me maybe"},
                     {"contact_method", "pigeon"},
                     {"emergency_contact", {{"name", "Ana"}, {"relationship", "sister"}}},
                     {"shoe_size", 9}};
  EXPECT_THAT(
      Fields(ParseContactDetails(body)),
      UnorderedElementsAre("phone", "contact_method", "emergency_contact/phone", "shoe_size"));
}

TEST(ContactDetails, ANumberNeedsEnoughDigitsAndPhoneContactNeedsANumber) {
  EXPECT_THAT(Fields(ParseContactDetails({{"phone", "12345"}})), UnorderedElementsAre("phone"));
  EXPECT_THAT(Fields(ParseContactDetails({{"contact_method", "phone"}})),
              UnorderedElementsAre("phone"));
  EXPECT_THAT(Fields(ParseContactDetails({{"emergency_contact", {{"phone", "0207 946 0000"}}}})),
              UnorderedElementsAre("emergency_contact/name"));
  EXPECT_THAT(Fields(ParseContactDetails({{"pronouns", std::string(kMaxContactField + 1, 'x')}})),
              UnorderedElementsAre("pronouns"));
}

}  // namespace
}  // namespace rapport
