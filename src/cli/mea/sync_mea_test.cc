#include "cli/mea/sync_mea.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "media/test_video.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kLosslessCodec;
using testing::MakeVideo;
using testing::TempDir;

// A 160x80 black video whose 16x16 white box moves 4 pixels right per frame, inside the right
// half only (x from about 90 to 150 over 12 frames): between two frames exactly 2 x 4 x 16 = 128
// luma pixels change.
constexpr const char* kBoxOnTheRight =
    "color=c=black:s=160x80:r=25[bg];color=c=white:s=16x16:r=25[box];"
    "[bg][box]overlay=x='90+4*n':y=30";

std::vector<std::vector<long>> ParseTable(const std::string& text) {
  std::vector<std::vector<long>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::vector<long> row;
    long value = 0;
    while (cells >> value) row.push_back(value);
    rows.push_back(row);
  }
  return rows;
}

class SyncMeaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::HaveFfmpegCli())
        << "the ffmpeg command-line tool makes these tests' videos; run scripts/install-deps.sh";
    ASSERT_TRUE(dir_.ok());
  }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunSyncMea(args, out_, err_);
  }

  TempDir dir_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(SyncMeaTest, StillVideoGivesZerosForEveryFrame) {
  const std::string video = dir_.File("still.mkv");
  ASSERT_TRUE(MakeVideo("color=c=gray:s=96x64:r=25,drawbox=x=10:y=10:w=50:h=20:color=red:t=fill", 9,
                        kLosslessCodec, video));
  ASSERT_EQ(Run({video, "--roi", "left:0,0,48,64", "--roi", "right:48,0,48,64"}), 0) << err_.str();
  const auto rows = ParseTable(out_.str());
  ASSERT_EQ(rows.size(), 9U);
  for (const auto& row : rows) EXPECT_THAT(row, ElementsAre(0, 0));
  EXPECT_EQ(err_.str(), "");  // no progress bar when stderr is not a terminal
}

TEST_F(SyncMeaTest, BoxMovingInOneRegionShowsExactMotionOnlyThere) {
  const std::string video = dir_.File("box.mkv");
  ASSERT_TRUE(MakeVideo(kBoxOnTheRight, 12, kLosslessCodec, video));
  ASSERT_EQ(Run({video, "--roi", "therapist:0,0,80,80", "--roi", "client:80,0,80,80"}), 0)
      << err_.str();
  const auto rows = ParseTable(out_.str());
  ASSERT_EQ(rows.size(), 12U);
  EXPECT_THAT(rows[0], ElementsAre(0, 0));  // the first frame has nothing to compare with
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_THAT(rows[i], ElementsAre(0, 128)) << "frame " << i;
  }
}

TEST_F(SyncMeaTest, LossyVideoStillKeepsTheStillRegionAtZero) {
  const std::string video = dir_.File("box.mp4");
  ASSERT_TRUE(MakeVideo(kBoxOnTheRight, 12, "-c:v mpeg4 -q:v 3 -pix_fmt yuv420p", video));
  ASSERT_EQ(Run({video, "--roi=therapist:0,0,80,80", "--roi=client:80,0,80,80", "--threads=2"}), 0)
      << err_.str();
  const auto rows = ParseTable(out_.str());
  ASSERT_EQ(rows.size(), 12U);
  for (std::size_t i = 1; i < rows.size(); ++i) {
    ASSERT_EQ(rows[i].size(), 2U);
    EXPECT_EQ(rows[i][0], 0) << "frame " << i;
    EXPECT_GT(rows[i][1], 64) << "frame " << i;
  }
}

TEST_F(SyncMeaTest, ThresholdAboveTheContrastHidesTheMotion) {
  const std::string video = dir_.File("box.mkv");
  ASSERT_TRUE(MakeVideo(kBoxOnTheRight, 5, kLosslessCodec, video));
  // Black is luma 16 and white 235: a change of 219 levels.
  ASSERT_EQ(Run({video, "--roi", "client:80,0,80,80", "--threshold", "219"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "0\n0\n0\n0\n0\n");
  ASSERT_EQ(Run({video, "--roi", "client:80,0,80,80", "--threshold", "218"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "0\n128\n128\n128\n128\n");
}

TEST_F(SyncMeaTest, OutFileGetsTheTableAndStdoutASummary) {
  const std::string video = dir_.File("box.mkv");
  ASSERT_TRUE(MakeVideo(kBoxOnTheRight, 4, kLosslessCodec, video));
  const std::string table = dir_.File("session.txt");
  ASSERT_EQ(Run({video, "--roi", "a:0,0,80,80", "--roi", "b:80,0,80,80", "--out", table}), 0)
      << err_.str();
  std::ifstream file(table);
  std::stringstream content;
  content << file.rdbuf();
  EXPECT_EQ(content.str(), "0 0\n0 128\n0 128\n0 128\n");
  EXPECT_THAT(out_.str(), HasSubstr("wrote 4 frames x 2 regions"));
  EXPECT_FALSE(std::filesystem::exists(table + ".partial"));
}

TEST_F(SyncMeaTest, RegionOutsideTheFrameIsAClearErrorAndWritesNothing) {
  const std::string video = dir_.File("box.mkv");
  ASSERT_TRUE(MakeVideo(kBoxOnTheRight, 3, kLosslessCodec, video));
  const std::string table = dir_.File("never.txt");
  EXPECT_EQ(Run({video, "--roi", "client:100,0,80,80", "--out", table}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("region 'client' (x=100, y=0, w=80, h=80) lies outside the "
                                    "160x80 frame"));
  EXPECT_FALSE(std::filesystem::exists(table));
  EXPECT_FALSE(std::filesystem::exists(table + ".partial"));
}

TEST_F(SyncMeaTest, MissingVideoIsNamedInTheError) {
  EXPECT_EQ(Run({dir_.File("absent.mp4"), "--roi", "a:0,0,1,1"}), 1);
  EXPECT_THAT(err_.str(), HasSubstr("absent.mp4"));
  EXPECT_EQ(out_.str(), "");
}

TEST_F(SyncMeaTest, UsageErrorsExitWithTwoAndSayWhy) {
  EXPECT_EQ(Run({"v.mp4"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--roi"));
  EXPECT_EQ(Run({"v.mp4", "--roi", "a:0,0,10"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("expected NAME:x,y,w,h, got 'a:0,0,10'"));
  EXPECT_EQ(Run({"v.mp4", "--roi", "a:0,0,10,10", "--threshold", "255"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("between 0 and 254"));
  EXPECT_EQ(Run({"v.mp4", "--roi", "a:0,0,10,10", "--speed"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("unknown option '--speed'"));
  EXPECT_EQ(Run({"--roi", "a:0,0,10,10"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("none was given"));
  EXPECT_EQ(Run({"v.mp4", "--roi"}), 2);
  EXPECT_THAT(err_.str(), HasSubstr("--roi: needs a value"));
}

TEST_F(SyncMeaTest, HelpGoesToStandardOutput) {
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_THAT(out_.str(), HasSubstr("Usage: rapport sync mea VIDEO"));
}

TEST(SyncMeaArgs, ParsesRegionsInOrderAndTheOptions) {
  const std::vector<std::string> args = {"clip.mp4",       "--roi",
                                         "t:0,0,640,720",  "--roi=c:640,0,640,720",
                                         "--threshold=12", "--no-noise-filter",
                                         "--threads",      "2",
                                         "--out",          "clip.txt"};
  auto options = ParseSyncMeaArgs(args);
  ASSERT_TRUE(options.has_value()) << options.error().message;
  EXPECT_EQ(options->video, "clip.mp4");
  EXPECT_THAT(options->rois, ElementsAre(Roi{"t", 0, 0, 640, 720}, Roi{"c", 640, 0, 640, 720}));
  EXPECT_EQ(options->energy.threshold, 12);
  EXPECT_EQ(options->energy.noise_filter, NoiseFilter::kNone);
  EXPECT_EQ(options->threads, 2);
  EXPECT_EQ(options->out_path, "clip.txt");
}

TEST(SyncMeaArgs, DefaultsAreThresholdTenWithTheNoiseFilter) {
  const std::vector<std::string> args = {"clip.mp4", "--roi", "t:0,0,1,1"};
  auto options = ParseSyncMeaArgs(args);
  ASSERT_TRUE(options.has_value());
  EXPECT_EQ(options->energy.threshold, 10);
  EXPECT_EQ(options->energy.noise_filter, NoiseFilter::kIsolatedPixels);
  EXPECT_EQ(options->threads, 0);
}

TEST(SyncMeaArgs, RoiSpecificationsMustBeComplete) {
  EXPECT_TRUE(ParseRoi("client:1,2,3,4").has_value());
  EXPECT_EQ(*ParseRoi("a b:1,2,3,4"), (Roi{"a b", 1, 2, 3, 4}));
  for (const char* bad : {":1,2,3,4", "c1,2,3,4", "c:1,2,3", "c:1,2,3,4,5", "c:1,,3,4", "c:1,2,3,x",
                          "c:1.5,2,3,4", "c:"}) {
    EXPECT_FALSE(ParseRoi(bad).has_value()) << bad;
  }
}

TEST(SyncMeaProgress, DrawsABarWhenTheTotalIsKnown) {
  EXPECT_EQ(RenderMeaProgress(5, 10, 10), "[#####     ]  50%  5/10 frames");
  EXPECT_EQ(RenderMeaProgress(0, 10, 4), "[    ]   0%  0/10 frames");
}

TEST(SyncMeaProgress, NeverDrawsPastTheEndWhenTheEstimateIsLow) {
  EXPECT_EQ(RenderMeaProgress(12, 10, 4), "[####] 100%  12/10 frames");
}

TEST(SyncMeaProgress, CountsFramesWhenTheTotalIsUnknown) {
  EXPECT_EQ(RenderMeaProgress(42, 0), "42 frames");
}

}  // namespace
}  // namespace rapport
