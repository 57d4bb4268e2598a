#include "domain/notes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> out;
  for (const auto& f : error.fields) out.push_back(f.field);
  return out;
}

TEST(NoteTemplateTest, TheShippedTemplatesReadWithDapFirst) {
  const auto& shipped = ShippedNoteTemplates();
  ASSERT_EQ(shipped.size(), 2u);
  EXPECT_EQ(shipped[0].code, "DAP");
  ASSERT_EQ(shipped[0].sections.size(), 3u);
  EXPECT_EQ(shipped[0].sections[0].title, "Data");
  EXPECT_EQ(shipped[1].code, "SOAP");
  EXPECT_EQ(shipped[1].sections.size(), 4u);
  // What is written is what is read.
  for (const NoteTemplate& t : shipped) {
    auto again = NoteTemplateFromJson(NoteTemplateToJson(t));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(*again, t);
  }
}

TEST(NoteTemplateTest, NamesEveryProblemByItsPath) {
  const Json bad = {{"code", "my template"},
                    {"name", "Ours"},
                    {"sections", Json::array({{{"key", "Data"}, {"title", "Data"}},
                                              {{"key", "plan"}, {"title", ""}},
                                              {{"key", "plan"}, {"title", "Plan"}}})}};
  auto parsed = NoteTemplateFromJson(bad);
  ASSERT_FALSE(parsed);
  EXPECT_THAT(Fields(parsed.error()),
              ElementsAre("code", "sections/0/key", "sections/1/title", "sections/2/key"));
  auto none = NoteTemplateFromJson(Json{{"code", "X"}, {"name", "X"}, {"sections", Json::array()}});
  ASSERT_FALSE(none);
  EXPECT_THAT(Fields(none.error()), ElementsAre("sections"));
  auto unknown = NoteTemplateFromJson(Json{{"code", "X"}, {"colour", "red"}});
  ASSERT_FALSE(unknown);
}

TEST(NoteSectionsTest, FollowTheTemplatesOrderAndRefuseUnknownOrLongSections) {
  const NoteTemplate& dap = ShippedNoteTemplates()[0];
  auto read = NoteSectionsFromJson(dap, Json{{"plan", "Next week: sleep diary"},
                                             {"data", "  Talked about work.\r\nSlept better.  "}});
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_THAT(*read, ElementsAre(Pair("data", "Talked about work.\nSlept better."),
                                 Pair("assessment", ""), Pair("plan", "Next week: sleep diary")));
  EXPECT_TRUE(HasContent(*read));
  EXPECT_FALSE(HasContent(*NoteSectionsFromJson(dap, Json::object())));

  auto bad = NoteSectionsFromJson(
      dap,
      Json{{"subjective", "x"}, {"data", 3}, {"plan", std::string(kMaxNoteSectionChars + 1, 'a')}});
  ASSERT_FALSE(bad);
  const auto fields = Fields(bad.error());
  for (const char* f : {"sections/subjective", "sections/data", "sections/plan"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), f), fields.end()) << f;
  }
  EXPECT_FALSE(NoteSectionsFromJson(dap, Json::array()));
}

TEST(NoteAddendumTest, NeedsTextWithinItsLength) {
  EXPECT_EQ(ValidateAddendum("  Phoned the GP.  ").value(), "Phoned the GP.");
  EXPECT_FALSE(ValidateAddendum("   "));
  EXPECT_FALSE(ValidateAddendum(std::string(kMaxAddendumChars + 1, 'a')));
}

TEST(NoteStateTest, NamesReadBack) {
  for (const NoteState s : {NoteState::kDraft, NoteState::kSigned}) {
    EXPECT_EQ(ParseNoteState(ToString(s)).value(), s);
  }
  EXPECT_FALSE(ParseNoteState("final"));
}

}  // namespace
}  // namespace rapport
