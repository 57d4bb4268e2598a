#include "analysis/sync_series.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace rapport {
namespace {

TEST(MeaText, SumsRegionsPerPersonAndSkipsTheRmeaHeader) {
  const std::vector<int> p1 = {1, 2}, p2 = {3};
  auto s = ParseMeaText("\"pat\" \"th\" \"x\"\n1 2 3\n4 5 6\n\n", p1, p2);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->s1, (std::vector<double>{3, 9}));
  EXPECT_EQ(s->s2, (std::vector<double>{3, 6}));
}

TEST(MeaText, MissingCellsStayMissingNeverZero) {
  const std::vector<int> p1 = {1}, p2 = {2};
  auto s = ParseMeaText("1 NA\nNaN 2\n", p1, p2);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->s1[0], 1);
  EXPECT_TRUE(IsMissing(s->s2[0]));
  EXPECT_TRUE(IsMissing(s->s1[1]));
}

TEST(MeaText, RaggedRowNamesItsLine) {
  const std::vector<int> p1 = {1}, p2 = {2};
  auto s = ParseMeaText("1 2\n3 4\n5\n", p1, p2);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("line 3"), std::string::npos) << s.error().message;
}

TEST(MeaText, NonNumericCellNamesLineAndColumn) {
  const std::vector<int> p1 = {1}, p2 = {2};
  auto s = ParseMeaText("1 2\n3 x4\n", p1, p2);
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find("line 2: column 2"), std::string::npos) << s.error().message;
}

TEST(MeaText, EmptyFileIsAnError) {
  const std::vector<int> p1 = {1}, p2 = {2};
  EXPECT_FALSE(ParseMeaText("", p1, p2).has_value());
  EXPECT_FALSE(ParseMeaText("\n\n", p1, p2).has_value());
}

TEST(MeaText, EveryWayOfWritingANumberReadsAsThatNumber) {
  // Person 1 in plain digits, person 2 the same value quoted, signed, padded or in another form.
  const std::vector<int> p1 = {1}, p2 = {2};
  auto s = ParseMeaText("1.5 \"1.5\"\n2 +2\n0.5 .5\n-3 -3.0\n100 1e2\r\n7\t\"7\"\r\n", p1, p2);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->s1, (std::vector<double>{1.5, 2, 0.5, -3, 100, 7}));
  EXPECT_EQ(s->s2, s->s1);
}

TEST(MeaText, InfinitiesAndNanSpellingsOtherThanTheMissingMarkersAreRefused) {
  const std::vector<int> p1 = {1}, p2 = {2};
  for (const char* cell : {"inf", "-inf", "-nan", "1e400", "0x10", "1.5.2", "--1"}) {
    auto s = ParseMeaText(std::string("1 2\n3 ") + cell + "\n", p1, p2);
    ASSERT_FALSE(s.has_value()) << cell;
    EXPECT_EQ(s.error().message, std::string("line 2: column 2: '") + cell + "' is not a number");
  }
}

TEST(MeaText, ColumnBeyondTheRowIsAnError) {
  const std::vector<int> p1 = {1}, p2 = {3};
  EXPECT_FALSE(ParseMeaText("1 2\n", p1, p2).has_value());
}

TEST(ColumnList, ParsesOneBasedLists) {
  EXPECT_EQ(*ParseColumnList("1,2,5"), (std::vector<int>{1, 2, 5}));
  EXPECT_FALSE(ParseColumnList("0").has_value());
  EXPECT_FALSE(ParseColumnList("1,,2").has_value());
  EXPECT_FALSE(ParseColumnList("a").has_value());
}

TEST(PlainCsv, PicksColumnsByNameAndKeepsEmptyCellsMissing) {
  auto s = ParsePlainCsv("time,therapist,client\n0,1,2\n1,,4\n", "client", "therapist");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->s1, (std::vector<double>{2, 4}));
  EXPECT_EQ(s->s2[0], 1);
  EXPECT_TRUE(IsMissing(s->s2[1]));
}

TEST(PlainCsv, UnknownColumnAndRaggedRowAreErrors) {
  EXPECT_FALSE(ParsePlainCsv("a,b\n1,2\n", "c", "b").has_value());
  auto ragged = ParsePlainCsv("a,b\n1,2\n1,2,3\n");
  ASSERT_FALSE(ragged.has_value());
  EXPECT_NE(ragged.error().message.find("line 3"), std::string::npos);
}

TEST(OpenFace, HeadTranslationBecomesFrameToFrameMovement) {
  const char* csv =
      "frame, face_id, timestamp, confidence, success, pose_Tx, pose_Ty, pose_Tz\n"
      "1, 0, 0.00, 0.98, 1, 0, 0, 500\n"
      "2, 0, 0.04, 0.98, 1, 3, 4, 500\n"
      "3, 0, 0.08, 0.10, 1, 9, 9, 900\n"
      "4, 0, 0.12, 0.97, 1, 3, 4, 500\n"
      "5, 0, 0.16, 0.97, 1, 3, 4, 502\n";
  auto m = ParseOpenFaceCsv(csv, OpenFaceOptions{});
  ASSERT_TRUE(m.has_value()) << m.error().message;
  ASSERT_EQ(m->size(), 5u);
  EXPECT_TRUE(IsMissing((*m)[0]));  // no previous frame
  EXPECT_DOUBLE_EQ((*m)[1], 5.0);   // (3, 4, 0)
  EXPECT_TRUE(IsMissing((*m)[2]));  // low confidence
  EXPECT_TRUE(IsMissing((*m)[3]));  // its predecessor was gated
  EXPECT_DOUBLE_EQ((*m)[4], 2.0);
}

TEST(OpenFace, FileWithoutPoseColumnsIsAnError) {
  auto m = ParseOpenFaceCsv("a,b\n1,2\n", OpenFaceOptions{});
  ASSERT_FALSE(m.has_value());
  EXPECT_NE(m.error().message.find("pose_Tx"), std::string::npos);
}

}  // namespace
}  // namespace rapport
