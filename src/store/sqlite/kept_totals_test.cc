#include "store/sqlite/kept_totals.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace rapport
