#include "domain/assignments.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "domain/catalog.h"

namespace rapport {
namespace {

constexpr Timestamp kNow = 1'790'000'000'000;  // 2026-09-21

std::vector<std::string> Codes(const std::vector<StartingQuestionnaire>& set) {
  std::vector<std::string> out;
  for (const auto& q : set) out.push_back(q.instrument + "/" + std::string(ToString(q.respondent)));
  return out;
}

ClientProfile BornOn(const std::string& date) {
  ClientProfile p;
  p.date_of_birth = date;
  return p;
}

TEST(StartingQuestionnaires, TheShippedFileNamesOnlyShippedQuestionnaires) {
  const StartingQuestionnaires& set = ShippedStartingQuestionnaires();
  auto catalog = InstrumentCatalog::Shipped();
  ASSERT_TRUE(catalog.has_value());
  for (const auto* part : {&set.adult, &set.child}) {
    ASSERT_FALSE(part->empty());
    for (const StartingQuestionnaire& q : *part) EXPECT_NE(catalog->Find(q.instrument), nullptr);
  }
}

// Every client can say they are at risk from their first session: adults through the PHQ-9's
// last item, children from 10 through the ASQ.
TEST(StartingQuestionnaires, AdultsAndOlderChildrenStartWithARiskQuestion) {
  const StartingQuestionnaires& set = ShippedStartingQuestionnaires();
  EXPECT_EQ(Codes(StartingQuestionnairesFor(set, BornOn("1990-05-01"), kNow)),
            (std::vector<std::string>{"PHQ-9/client", "GAD-7/client", "RAPPORT-CHECK/client",
                                      "FIT-CHECK/client"}));
  EXPECT_EQ(Codes(StartingQuestionnairesFor(set, BornOn("2014-01-01"), kNow)),
            (std::vector<std::string>{"PSC-17/guardian", "CARER-CHECK/guardian",
                                      "RAPPORT-CHECK/client", "ASQ/client"}));
  // A young child rates the session on faces, in a child's words.
  EXPECT_EQ(
      Codes(StartingQuestionnairesFor(set, BornOn("2018-01-01"), kNow)),
      (std::vector<std::string>{"PSC-17/guardian", "CARER-CHECK/guardian", "KIDS-CHECK/client"}));
}

TEST(StartingQuestionnaires, AClientOfUnknownAgeCountsAsAnAdult) {
  const StartingQuestionnaires& set = ShippedStartingQuestionnaires();
  EXPECT_EQ(Codes(StartingQuestionnairesFor(set, ClientProfile{}, kNow)), Codes(set.adult));
}

TEST(StartingQuestionnaires, TheSetOfAGroupLeavesOutWhatStartsFromAnAge) {
  const StartingQuestionnaires& set = ShippedStartingQuestionnaires();
  EXPECT_EQ(
      Codes(StartingQuestionnairesOf(set, true)),
      (std::vector<std::string>{"PSC-17/guardian", "CARER-CHECK/guardian", "KIDS-CHECK/client"}));
  EXPECT_EQ(Codes(StartingQuestionnairesOf(set, false)), Codes(set.adult));
}

TEST(StartingQuestionnaires, AMalformedFileIsRefusedNamingTheField) {
  const auto field_of = [](const char* text) {
    auto parsed = ParseStartingQuestionnaires(Json::parse(text));
    return parsed ? std::string("accepted") : parsed.error().fields.at(0).field;
  };
  const char* ok_adult = R"("adult": [{"instrument": "PHQ-9", "respondent": "client"}])";
  EXPECT_EQ(field_of(R"({"adult": [], "child": []})"), "child_below_age");
  EXPECT_EQ(field_of((std::string(R"({"child_below_age": 18, )") + ok_adult + "}").c_str()),
            "child");
  EXPECT_EQ(field_of((std::string(R"({"child_below_age": 18, )") + ok_adult +
                      R"(, "child": [{"instrument": "PSC-17", "respondent": "parent"}]})")
                         .c_str()),
            "child[0].respondent");
  EXPECT_EQ(field_of((std::string(R"({"child_below_age": 18, )") + ok_adult +
                      R"(, "child": [{"instrument": "ASQ", "respondent": "client",
                                      "from_age": 18}]})")
                         .c_str()),
            "child[0].from_age");
  EXPECT_EQ(field_of(R"({"child_below_age": 18,
                         "adult": [{"instrument": "PHQ-9", "respondent": "client"},
                                   {"instrument": "PHQ-9", "respondent": "client"}],
                         "child": [{"instrument": "PSC-17", "respondent": "guardian"}]})"),
            "adult[1].instrument");
  EXPECT_EQ(field_of(R"({"child_below_age": 18,
                         "adult": [{"instrument": "PHQ-9", "respondent": "client", "from_age": 3}],
                         "child": [{"instrument": "PSC-17", "respondent": "guardian"}]})"),
            "adult[0].from_age");
  EXPECT_EQ(field_of(R"({"child_below_age": 18,
                         "adult": [{"instrument": "PHQ-9", "respondent": "client", "below_age": 12}],
                         "child": [{"instrument": "PSC-17", "respondent": "guardian"}]})"),
            "adult[0].below_age");
  EXPECT_EQ(field_of((std::string(R"({"child_below_age": 18, )") + ok_adult +
                      R"(, "child": [{"instrument": "KIDS-CHECK", "respondent": "client",
                                      "below_age": 19}]})")
                         .c_str()),
            "child[0].below_age");
}

}  // namespace
}  // namespace rapport
