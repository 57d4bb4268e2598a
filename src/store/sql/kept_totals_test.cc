#include "store/sql/kept_totals.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace rapport {
namespace {

std::vector<ScoredPoint> Parsed(std::string_view text) {
  Result<std::vector<ScoredPoint>> points = ParseKeptTotals(text);
  EXPECT_TRUE(points.has_value()) << text;
  return points ? *points : std::vector<ScoredPoint>{};
}

void ExpectSame(const std::vector<ScoredPoint>& got, const std::vector<ScoredPoint>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].submitted_at, want[i].submitted_at) << i;
    EXPECT_EQ(got[i].id, want[i].id) << i;
    EXPECT_EQ(got[i].total, want[i].total) << i;
    EXPECT_EQ(got[i].band, want[i].band) << i;
  }
}

TEST(KeptTotals, ReadsTheCompactFormSqliteWritesInTheOrderWritten) {
  ExpectSame(Parsed(R"([[1787565300000,4,8.0,"good start"],[1787565200000,3,12.5,"mild"]])"),
             {{1787565300000, 4, 8.0, "good start"}, {1787565200000, 3, 12.5, "mild"}});
  ExpectSame(Parsed(R"([[-5,1,-0.25,""],[0,2,1e3,"é"]])"), {{-5, 1, -0.25, ""}, {0, 2, 1000, "é"}});
  EXPECT_TRUE(Parsed("[]").empty());
}

TEST(KeptTotals, ReadsEscapesAndSpacesLikeAnyJson) {
  ExpectSame(Parsed(R"([[1,2,3,"say \"hi\"\\ \u00e9"]])"), {{1, 2, 3, "say \"hi\"\\ é"}});
  ExpectSame(Parsed(" [ [1, 2, 3.5, \"moderate\"] ] "), {{1, 2, 3.5, "moderate"}});
}

TEST(KeptTotals, RefusesAnythingButAnArrayOfFourTuples) {
  for (const char* bad : {"", "{}", "[", "[[1,2,3]]", R"([[1.5,2,3,"b"]])", R"([[1,2,"3","b"]])",
                          R"([[1,2,3,4]])", R"([[1,2,nan,"b"]])", R"([[1,2,3,"b"]]x)",
                          R"([[1,2,3,"b"],])", R"([[1,2,3,"b",5]])", "null"}) {
    Result<std::vector<ScoredPoint>> points = ParseKeptTotals(bad);
    ASSERT_FALSE(points.has_value()) << bad;
    EXPECT_EQ(points.error().code, ErrorCode::kInternal) << bad;
  }
}

TEST(KeptTotals, WritesWhatItReadsBandsWithQuotesIncluded) {
  const std::vector<ScoredPoint> points = {{1787565300000, 4, 8, "good start"},
                                           {1787565400000, 5, 12.5, "say \"hi\""},
                                           {7, 6, -0.1, ""}};
  Result<std::string> text = FormatKeptTotals(points);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, R"([[1787565300000,4,8,"good start"],[1787565400000,5,12.5,"say \"hi\""],)"
                   R"([7,6,-0.1,""]])");
  ExpectSame(Parsed(*text), points);
  EXPECT_EQ(*FormatKeptTotals({}), "[]");
  EXPECT_FALSE(FormatKeptTotals({{1, 2, std::nan(""), "b"}}).has_value());
}

TEST(KeptTotals, KeepsTheLatestTwelveInOrderWhateverOrderAnswersArriveIn) {
  std::vector<ScoredPoint> kept;
  for (int i = 0; i < 20; ++i) {
    const int at = (i * 7) % 20;  // every time from 0 to 19, out of order
    kept = WithLatest(std::move(kept), ScoredPoint{at, 100 + at, double(at), "b"});
  }
  ASSERT_EQ(kept.size(), static_cast<std::size_t>(kKeptTotals));
  for (std::size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(kept[i].submitted_at, 8 + int(i)) << i;
  // The same moment breaks the tie by id.
  kept = WithLatest(std::move(kept), ScoredPoint{19, 50, 1, "b"});
  EXPECT_EQ(kept.back().id, 119);
  EXPECT_EQ(kept[kept.size() - 2].id, 50);
  EXPECT_EQ(kept.front().submitted_at, 9);
}

}  // namespace
}  // namespace rapport
