#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/json.h"

namespace rapport {
namespace {

namespace fs = std::filesystem;

// A scratch folder per test, removed afterwards.
class SyncCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("rapport_sync_" + std::to_string(std::random_device{}()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A 25 fps MEA file of `seconds` where person 2 follows person 1 by `delay` frames.
  std::string WriteSession(const std::string& name, int seconds, unsigned seed, int delay = 5) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise;
    const int n = seconds * 25;
    std::vector<double> a(static_cast<std::size_t>(n));
    double s = 0;
    for (double& v : a) v = s = 0.9 * s + noise(rng);
    std::ofstream out(dir_ / name);
    out << "\"pat\" \"th\"\n";
    for (int i = 0; i < n; ++i) {
      const double b = (i >= delay ? a[static_cast<std::size_t>(i - delay)] : 0) + 0.5 * noise(rng);
      out << std::round(100 * std::abs(a[static_cast<std::size_t>(i)])) << ' '
          << std::round(100 * std::abs(b)) << '\n';
    }
    return (dir_ / name).string();
  }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunSyncCommand(args, out_, err_);
  }

  fs::path dir_;
  std::ostringstream out_, err_;
};

TEST_F(SyncCommandTest, CcfWritesLagHeaderAndOneRowPerWindow) {
  const std::string file = WriteSession("a.txt", 200, 1);
  ASSERT_EQ(Run({"ccf", file, "--lag", "1", "--window", "20", "--increment", "10"}), 0)
      << err_.str();
  std::istringstream lines(out_.str());
  std::string header;
  std::getline(lines, header);
  EXPECT_EQ(header.rfind("start_s,-1,-0.96,", 0), 0u) << header.substr(0, 40);
  int rows = 0;
  for (std::string line; std::getline(lines, line);) ++rows;
  EXPECT_EQ(rows, 18);  // ceiling((5000 - 500 - 25 + 1) / 250)
}

TEST_F(SyncCommandTest, JsonAddsSummariesAndThePeakFindsTheDelay) {
  const std::string file = WriteSession("a.txt", 200, 2, 5);
  ASSERT_EQ(
      Run({"ccf", file, "--lag", "1", "--window", "20", "--increment", "10", "--format", "json"}),
      0)
      << err_.str();
  auto j = ParseJson(out_.str());
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["matrix"].size(), 18u);
  EXPECT_EQ((*j)["lags_seconds"].size(), 51u);
  for (const Json& lag : (*j)["summary"]["peak_lag"]) EXPECT_DOUBLE_EQ(lag.get<double>(), 0.2);
  EXPECT_TRUE((*j)["session"].contains("grand_average"));
}

TEST_F(SyncCommandTest, SurrogatesWithTheSameSeedAgreeAcrossThreadCounts) {
  const std::string file = WriteSession("a.txt", 300, 3);
  const std::vector<std::string> base = {
      "ccf",      file,   "--lag",        "1",  "--window", "20", "--increment", "10",
      "--format", "json", "--surrogates", "16", "--seed",   "5",  "--segment",   "10"};
  std::vector<std::string> one = base, two = base;
  one.insert(one.end(), {"--threads", "1"});
  two.insert(two.end(), {"--threads", "3"});
  ASSERT_EQ(Run(one), 0) << err_.str();
  const std::string first = out_.str();
  ASSERT_EQ(Run(two), 0) << err_.str();
  EXPECT_EQ(first, out_.str());
  auto j = ParseJson(first);
  ASSERT_TRUE(j.has_value());
  EXPECT_GT((*j)["surrogates"]["comparison"]["peak"]["z"].get<double>(), 2);
}

TEST_F(SyncCommandTest, PlotWritesTwoSvgFilesNextToTheOutput) {
  const std::string file = WriteSession("a.txt", 200, 4);
  const std::string out = (dir_ / "result.csv").string();
  ASSERT_EQ(Run({"ccf", file, "--lag", "1", "--window", "20", "--increment", "10", "--out", out,
                 "--plot"}),
            0)
      << err_.str();
  EXPECT_TRUE(fs::exists(dir_ / "result.csv"));
  EXPECT_TRUE(fs::exists(dir_ / "result_heatmap.svg"));
  EXPECT_TRUE(fs::exists(dir_ / "result_peaks.svg"));
  EXPECT_NE(Run({"ccf", file, "--plot"}), 0);  // nowhere to put the pictures
}

TEST_F(SyncCommandTest, RaggedFileErrorNamesFileAndLine) {
  std::ofstream(dir_ / "bad.txt") << "1 2\n3 4\n5\n";
  EXPECT_EQ(Run({"ccf", (dir_ / "bad.txt").string()}), 1);
  EXPECT_NE(err_.str().find("bad.txt: line 3"), std::string::npos) << err_.str();
}

TEST_F(SyncCommandTest, UsageErrorsReturnTwo) {
  EXPECT_EQ(Run({"ccf", "x.txt", "--bogus"}), 2);
  EXPECT_NE(err_.str().find("--bogus"), std::string::npos);
  EXPECT_EQ(Run({"frobnicate"}), 2);
  EXPECT_EQ(Run({"--help"}), 0);
  EXPECT_NE(out_.str().find("positive lag means person 2 follows person 1"), std::string::npos);
}

TEST_F(SyncCommandTest, BatchComparesEverySessionWithPseudoPairs) {
  fs::create_directories(dir_ / "sessions");
  for (int i = 0; i < 3; ++i)
    WriteSession("sessions/s" + std::to_string(i) + ".txt", 150, 10 + static_cast<unsigned>(i));
  ASSERT_EQ(Run({"batch", (dir_ / "sessions").string(), "--lag", "1", "--window", "20",
                 "--increment", "10", "--format", "json"}),
            0)
      << err_.str();
  auto j = ParseJson(out_.str());
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["pseudo_pairs"].get<int>(), 6);
  EXPECT_EQ((*j)["sessions"].size(), 3u);
  EXPECT_GT((*j)["real_vs_pseudo"]["peak"]["effect_size"].get<double>(), 1);
}

TEST_F(SyncCommandTest, SusyReportsZAndEffectSize) {
  const std::string file = WriteSession("a.txt", 300, 6);
  ASSERT_EQ(Run({"susy", file, "--segment", "30", "--max-lag", "1", "--format", "json"}), 0)
      << err_.str();
  auto j = ParseJson(out_.str());
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ((*j)["segments"].get<int>(), 10);
  EXPECT_GT((*j)["Zabs"].get<double>(), (*j)["Zabs_pseudo"].get<double>());
  EXPECT_TRUE((*j).contains("ES"));
}

TEST_F(SyncCommandTest, RmeaCompatSmoothingRunsEndToEnd) {
  const std::string file = WriteSession("a.txt", 200, 7);
  EXPECT_EQ(Run({"ccf", file, "--lag", "1", "--window", "20", "--increment", "10", "--smooth",
                 "0.5", "--scale", "--rmea-compat", "--fisher-z", "--abs"}),
            0)
      << err_.str();
  EXPECT_EQ(out_.str().find("nan"), std::string::npos);
}

}  // namespace
}  // namespace rapport
