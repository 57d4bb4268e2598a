#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "core/json.h"

namespace rapport {
namespace {

using ::testing::HasSubstr;

struct CliRun {
  int status;
  std::string out, err;
};

CliRun Score(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int status = RunScoreCommand(args, out, err);
  return {status, out.str(), err.str()};
}

CliRun Instruments(std::vector<std::string> args) {
  std::ostringstream out, err;
  const int status = RunInstrumentsCommand(args, out, err);
  return {status, out.str(), err.str()};
}

std::vector<Json> Lines(const std::string& text) {
  std::vector<Json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "rapport-cli-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Write(const std::string& name, const std::string& text) const {
    const auto p = (std::filesystem::path(path_) / name).string();
    std::ofstream(p) << text;
    return p;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ScoreCommand, ScoresAnswersGivenInItemOrder) {
  const CliRun r = Score({"PHQ-9", "--answers", "2,1,2,1,0,1,1,0,1"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["total"], 9);
  EXPECT_EQ(lines[0]["band"], "mild");
  EXPECT_EQ(lines[0]["risk"], Json::array({"phq9_9"}));
  EXPECT_EQ(lines[0]["missing"], Json::array());
  EXPECT_TRUE(lines[0]["subscales"].is_object());
}

TEST(ScoreCommand, ReportsSubscalesAndMissingItems) {
  const CliRun r = Score({"PSC-17", "--answers", "2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = Lines(r.out).at(0);
  EXPECT_EQ(j["missing"], Json::array({"psc17_17"}));
  EXPECT_EQ(j["subscales"]["attention"], 8);  // 4 x 2, the blank attention item counting 0
  EXPECT_EQ(j["subscales"]["internalizing"], 10);
  EXPECT_EQ(j["total"], 32);  // 16 x 2, the blank counting 0: the PSC is never prorated
}

TEST(ScoreCommand, TakesAnswersAsAnObjectOfItemIds) {
  const CliRun r = Score({"GAD-7", "--answers",
                          R"({"gad7_1": 3, "gad7_2": 3, "gad7_3": 3, "gad7_4": 1, "gad7_5": 0,
                              "gad7_6": 0, "gad7_7": 0})"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(Lines(r.out).at(0)["total"], 10);  // 3 + 3 + 3 + 1
  const CliRun bad = Score({"GAD-7", "--answers", R"({"gad7_1": "often"})"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.err, HasSubstr("gad7_1"));
  EXPECT_EQ(Score({"GAD-7", "--answers", "{not json"}).status, 1);
}

TEST(ScoreCommand, PrintsTheAsqScreensResult) {
  const CliRun acute = Score(
      {"ASQ", "--answers", R"({"asq_1": 1, "asq_2": 0, "asq_3": 0, "asq_4": 0, "asq_5": 1})"});
  ASSERT_EQ(acute.status, 0) << acute.err;
  const Json a = Lines(acute.out).at(0);
  EXPECT_EQ(a["screen"]["result"], "acute positive");
  EXPECT_EQ(a["screen"]["note"], "imminent risk, needs a full safety assessment now");
  EXPECT_EQ(a["band"], "acute positive");
  EXPECT_EQ(a["risk"], Json::array({"asq_1", "asq_5"}));

  const CliRun positive = Score({"ASQ", "--answers", "0,0,1,0,0"});
  ASSERT_EQ(positive.status, 0) << positive.err;
  EXPECT_EQ(Lines(positive.out).at(0)["screen"]["result"], "positive");

  const CliRun negative = Score({"ASQ", "--answers", "0,0,0,0"});
  ASSERT_EQ(negative.status, 0) << negative.err;
  const Json n = Lines(negative.out).at(0);
  EXPECT_EQ(n["screen"]["result"], "negative");
  EXPECT_EQ(n["screen"]["severity"], nullptr);
  EXPECT_EQ(n["missing"], Json::array());  // question 5 is only asked after a yes
}

TEST(ScoreCommand, CsvRowsAreScoredIndependentlyAndBadRowsReported) {
  TempDir dir;
  const auto csv = dir.Write("gad.csv",
                             "gad7_1,gad7_2,gad7_3,gad7_4,gad7_5,gad7_6,gad7_7\n"
                             "0,0,0,0,0,0,0\n"
                             "3,3,3,3,3,3,3\n"
                             "1,9,1,1,1,1,1\n"
                             "1,1,1\n"
                             "2,2,2,2,2,2,NA\n");
  const CliRun r = Score({"GAD-7", "--csv", csv});
  EXPECT_EQ(r.status, 1);
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0]["band"], "minimal");
  EXPECT_EQ(lines[1]["total"], 21);
  EXPECT_EQ(lines[2]["row"], 3);
  EXPECT_THAT(lines[2]["error"].get<std::string>(), HasSubstr("gad7_2"));
  EXPECT_EQ(lines[3]["row"], 4);
  EXPECT_EQ(lines[4]["total"], 14);  // 12 * 7 / 6 = 14, prorated
  EXPECT_EQ(lines[4]["missing"], Json::array({"gad7_7"}));
}

TEST(ScoreCommand, AllGoodRowsExitZero) {
  TempDir dir;
  const auto csv = dir.Write("ok.csv",
                             "rc_heard,rc_goals,rc_approach,rc_held_back,rc_respect,rc_overall,"
                             "rc_better\n"
                             "10,9,8,1,10,9,\"More of this, please\"\n");
  const CliRun r = Score({"RAPPORT-CHECK", "--csv", csv});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(Lines(r.out).at(0)["total"], 55);  // 10 + 9 + 8 + (10 - 1) + 10 + 9
}

TEST(ScoreCommand, ClearErrorsForUnknownInstrumentsHeadersAndFiles) {
  EXPECT_EQ(Score({"ORS", "--answers", "1"}).status, 1);
  EXPECT_THAT(Score({"ORS", "--answers", "1"}).err, HasSubstr("no questionnaire"));
  TempDir dir;
  const auto csv = dir.Write("bad.csv", "phq9_1,colour\n1,blue\n");
  const CliRun bad_header = Score({"PHQ-9", "--csv", csv});
  EXPECT_EQ(bad_header.status, 1);
  EXPECT_THAT(bad_header.err, HasSubstr("line 1"));
  EXPECT_THAT(bad_header.err, HasSubstr("colour"));
  EXPECT_EQ(Score({"PHQ-9", "--csv", dir.path() + "/absent.csv"}).status, 1);
  EXPECT_THAT(Score({"PHQ-9", "--csv", dir.Write("empty.csv", "")}).err, HasSubstr("empty"));
  EXPECT_EQ(Score({"PHQ-9"}).status, 2);
  EXPECT_EQ(Score({"PHQ-9", "--answers", "1", "--csv", csv}).status, 2);
}

TEST(InstrumentsCommand, ListsShowsAndValidates) {
  const CliRun list = Instruments({"list"});
  EXPECT_EQ(list.status, 0);
  EXPECT_THAT(list.out, HasSubstr("PHQ-9"));
  EXPECT_THAT(list.out, HasSubstr("RAPPORT-CHECK"));
  EXPECT_THAT(list.out, HasSubstr("not validated"));

  const CliRun show = Instruments({"show", "GAD-7"});
  ASSERT_EQ(show.status, 0);
  EXPECT_EQ(Json::parse(show.out)["loinc"]["panel"], "69737-5");
  EXPECT_EQ(Instruments({"show", "NOPE"}).status, 1);
}

TEST(InstrumentsCommand, ValidateNamesEveryProblemOfAClinicFile) {
  TempDir dir;
  const auto file = dir.Write("mine.json", R"({"code": "MINE", "title": "Mine", "version": "1",
    "language": "en", "purpose": "rapport", "respondents": ["client"], "source": "s", "licence": "l",
    "validation": {"validated": false},
    "items": [{"id": "a", "text": "A", "type": "slider", "min": 0, "max": 10}],
    "scales": [{"id": "total", "items": ["a", "b"]}], "total": "total"})");
  const CliRun r = Instruments({"validate", file});
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.err, HasSubstr("scales/0/items/1"));
}

TEST(InstrumentsCommand, AClinicFolderAddsItsOwnQuestionnaires) {
  TempDir dir;
  dir.Write("mine.json", R"({"code": "MINE", "title": "Mine", "version": "1",
    "language": "en", "purpose": "rapport", "respondents": ["client"], "source": "s", "licence": "l",
    "validation": {"validated": true},
    "items": [{"id": "a", "text": "A", "type": "slider", "min": 0, "max": 10}],
    "scales": [{"id": "total", "items": ["a"]}], "total": "total"})");
  const CliRun list = Instruments({"list", "--instruments-dir", dir.path()});
  EXPECT_EQ(list.status, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("MINE"));
  const CliRun score = Score({"MINE", "--answers", "7", "--instruments-dir", dir.path()});
  EXPECT_EQ(score.status, 0) << score.err;
  EXPECT_EQ(Lines(score.out).at(0)["total"], 7);
  dir.Write("broken.json", "{");
  EXPECT_EQ(Instruments({"list", "--instruments-dir", dir.path()}).status, 1);
}

}  // namespace
}  // namespace rapport
