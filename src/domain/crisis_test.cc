#include "domain/crisis.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "domain/shipped_data.h"

namespace rapport {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> out;
  for (const auto& f : error.fields) out.push_back(f.field);
  return out;
}

// A valid set with one line for everyone and one for young people.
Json SampleSet() {
  return Json::parse(R"({
    "country": "GB", "country_name": "United Kingdom", "emergency_number": "999",
    "source": "samaritans.org", "checked": "2026-12",
    "lines": [
      {"name": "Samaritans", "description": "Call free.", "phone": "116 123", "tel": "116123",
       "sms": "", "hours": "24/7", "audience": "everyone", "url": "https://www.samaritans.org"},
      {"name": "Childline", "description": "", "phone": "0800 1111", "tel": "08001111",
       "sms": "", "hours": "Every day", "audience": "young people", "url": ""}
    ]
  })");
}

std::vector<std::string> Names(const std::vector<CrisisLine>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.name);
  return out;
}

TEST(CrisisFile, TheShippedDirectoryParses) {
  auto parsed = ParseCrisisDirectory(Json::parse(ShippedCrisisJson()));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(ShippedCrisisDirectory().sets.size(), parsed->sets.size());
}

TEST(CrisisFile, EveryPromisedCountryHasAnEmergencyNumberAndALineForEveryone) {
  const CrisisDirectory& directory = ShippedCrisisDirectory();
  for (std::string_view country :
       {"US", "CA", "GB", "IE", "AU", "NZ", "DE", "FR", "NL", "ES", "IT"}) {
    const CrisisSet* set = directory.Find(country);
    ASSERT_NE(set, nullptr) << country;
    EXPECT_FALSE(set->emergency_number.empty()) << country;
    EXPECT_FALSE(LinesFor(*set, Reader::kAdult).empty()) << country;
    EXPECT_FALSE(set->source.empty()) << country;
  }
}

TEST(CrisisFile, EveryShippedSetShowsAChildALineForYoungPeopleFirst) {
  // Outside the US, each country has a national line for young people; 988 serves every age.
  for (const auto& set : ShippedCrisisDirectory().sets) {
    const auto lines = LinesFor(set, Reader::kChild);
    ASSERT_FALSE(lines.empty()) << set.country;
    if (set.country != "US") {
      EXPECT_EQ(lines.front().audience, kAudienceYoungPeople) << set.country;
    }
  }
}

TEST(CrisisFile, TheKnownNumbersAreTheOnesShipped) {
  const CrisisDirectory& d = ShippedCrisisDirectory();
  EXPECT_EQ(d.Find("US")->emergency_number, "911");
  EXPECT_EQ(d.Find("GB")->emergency_number, "999");
  EXPECT_EQ(d.Find("AU")->emergency_number, "000");
  EXPECT_EQ(d.Find("NZ")->emergency_number, "111");
  // 988 takes calls and texts in both the US and Canada.
  for (std::string_view country : {"US", "CA"}) {
    const CrisisLine& first = d.Find(country)->lines.front();
    EXPECT_EQ(first.tel, "988") << country;
    EXPECT_EQ(first.sms, "988") << country;
  }
  EXPECT_EQ(d.Find("GB")->lines.front().tel, "116123");
  EXPECT_EQ(d.Find("CA")->lines.at(1).name, "Kids Help Phone");
}

TEST(CrisisFile, TheWordsForAChildAreTheirOwn) {
  const CrisisDirectory& d = ShippedCrisisDirectory();
  EXPECT_EQ(d.WordsFor(Reader::kAdult).title, "You do not have to face this alone");
  EXPECT_EQ(d.WordsFor(Reader::kChild).title, "You are not alone");
  EXPECT_NE(d.WordsFor(Reader::kChild).body, d.WordsFor(Reader::kAdult).body);
}

TEST(CrisisDirectory, AnUnknownCountryFindsNothing) {
  EXPECT_EQ(ShippedCrisisDirectory().Find("XX"), nullptr);
  EXPECT_EQ(ShippedCrisisDirectory().Find("gb"), nullptr);
}

TEST(CrisisSet, EveryShippedSetSurvivesARoundTripThroughJson) {
  for (const auto& set : ShippedCrisisDirectory().sets) {
    auto again = ParseCrisisSet(CrisisSetToJson(set));
    ASSERT_TRUE(again.has_value()) << set.country << ": " << again.error().message;
    EXPECT_EQ(*again, set) << set.country;
  }
}

TEST(CrisisSet, AnAdultSeesOnlyTheLinesForEveryone) {
  const CrisisSet set = ParseCrisisSet(SampleSet()).value();
  EXPECT_THAT(Names(LinesFor(set, Reader::kAdult)), ElementsAre("Samaritans"));
}

TEST(CrisisSet, AChildSeesTheLinesForYoungPeopleBeforeTheOthers) {
  const CrisisSet set = ParseCrisisSet(SampleSet()).value();
  EXPECT_THAT(Names(LinesFor(set, Reader::kChild)), ElementsAre("Childline", "Samaritans"));
}

TEST(CrisisSetErrors, ATelWithSpacesIsRefusedOnItsPath) {
  Json json = SampleSet();
  json["lines"][1]["tel"] = "0800 1111";
  auto parsed = ParseCrisisSet(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("lines/1/tel"));
}

TEST(CrisisSetErrors, AnSmsTargetWithAKeywordIsRefused) {
  Json json = SampleSet();
  json["lines"][0]["sms"] = "SHOUT 85258";
  auto parsed = ParseCrisisSet(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("lines/0/sms"));
}

TEST(CrisisSet, AnInternationalTelWithALeadingPlusIsAccepted) {
  Json json = SampleSet();
  json["lines"][0]["tel"] = "+44116123";
  auto parsed = ParseCrisisSet(json);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->lines[0].tel, "+44116123");
}

TEST(CrisisSetErrors, ALineNobodyCanReachIsRefused) {
  Json json = SampleSet();
  json["lines"][0]["tel"] = "";
  json["lines"][0]["url"] = "";
  auto parsed = ParseCrisisSet(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("lines/0/tel"));
}

TEST(CrisisSetErrors, ReportsEveryBadFieldAtOnce) {
  Json json = SampleSet();
  json["country"] = "gb";
  json["emergency_number"] = "+999";
  json["checked"] = "2026-13";
  json["lines"][0]["audience"] = "kids";
  json["lines"][0]["url"] = "http://www.samaritans.org";
  json["lines"][1]["name"] = "  ";
  auto parsed = ParseCrisisSet(json);
  ASSERT_FALSE(parsed.has_value());
  const auto fields = Fields(parsed.error());
  for (std::string_view f : {"country", "emergency_number", "checked", "lines/0/audience",
                             "lines/0/url", "lines/1/name"}) {
    EXPECT_THAT(fields, Contains(std::string(f))) << parsed.error().message;
  }
}

TEST(CrisisSetErrors, ASetWithoutAnEmergencyNumberIsRefused) {
  Json json = SampleSet();
  json.erase("emergency_number");
  auto parsed = ParseCrisisSet(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("emergency_number"));
}

TEST(CrisisSet, ASetWithNoLinesButAnEmergencyNumberIsAccepted) {
  Json json = SampleSet();
  json["lines"] = Json::array();
  auto parsed = ParseCrisisSet(json);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_THAT(parsed->lines, IsEmpty());
}

Json SampleDirectory() {
  Json words = {{"title", "You do not have to face this alone"},
                {"body", "Please call now."},
                {"emergency", "Emergency services"}};
  return {{"version", "1"},
          {"words", {{"adult", words}, {"child", words}}},
          {"sets", Json::array({SampleSet()})}};
}

TEST(CrisisDirectoryErrors, ErrorsInsideASetCarryTheSetsPath) {
  Json json = SampleDirectory();
  json["sets"][0]["lines"][0]["sms"] = "text us";
  auto parsed = ParseCrisisDirectory(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("sets/0/lines/0/sms"));
}

TEST(CrisisDirectoryErrors, ACountryListedTwiceIsRefusedOnTheSecond) {
  Json json = SampleDirectory();
  json["sets"].push_back(SampleSet());
  auto parsed = ParseCrisisDirectory(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("sets/1/country"));
}

TEST(CrisisDirectoryErrors, MissingChildWordsAreRefused) {
  Json json = SampleDirectory();
  json["words"].erase("child");
  auto parsed = ParseCrisisDirectory(json);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(Fields(parsed.error()), ElementsAre("words/child"));
}

}  // namespace
}  // namespace rapport
