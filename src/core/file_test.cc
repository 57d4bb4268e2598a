#include "core/file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace rapport {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() /
        ("rapport-file-test-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
         "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

TEST_F(FileTest, WritesAndReadsBackEveryByteUnchanged) {
  std::string bytes = "line one\r\nline two\n";
  bytes += '\0';
  bytes += "\xff\xfe after a NUL and two high bytes";
  ASSERT_TRUE(WriteWholeFile(Path("a.bin"), bytes).has_value());
  const Result<std::string> read = ReadWholeFile(Path("a.bin"));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, bytes);
}

TEST_F(FileTest, ReadsAFileLargerThanOneChunk) {
  std::string bytes;
  for (int i = 0; i < 100'000; ++i) bytes += std::to_string(i) + ' ';
  ASSERT_GT(bytes.size(), 1u << 16);
  ASSERT_TRUE(WriteWholeFile(Path("big.txt"), bytes).has_value());
  EXPECT_EQ(ReadWholeFile(Path("big.txt")).value_or(""), bytes);
}

TEST_F(FileTest, AnEmptyFileReadsAsEmpty) {
  ASSERT_TRUE(WriteWholeFile(Path("empty"), "").has_value());
  const Result<std::string> read = ReadWholeFile(Path("empty"));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, "");
}

TEST_F(FileTest, WritingReplacesWhatWasThere) {
  ASSERT_TRUE(WriteWholeFile(Path("f"), "a much longer first content").has_value());
  ASSERT_TRUE(WriteWholeFile(Path("f"), "short").has_value());
  EXPECT_EQ(ReadWholeFile(Path("f")).value_or(""), "short");
}

TEST_F(FileTest, AMissingFileOrAFolderCannotBeOpenedAndSaysWhich) {
  for (const std::string& path : {Path("missing.txt"), dir_.string()}) {
    const Result<std::string> read = ReadWholeFile(path);
    ASSERT_FALSE(read.has_value()) << path;
    EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(read.error().message, "cannot open " + path);
  }
}

TEST_F(FileTest, AFileInAMissingFolderCannotBeWrittenAndSaysWhich) {
  const std::string path = Path("no-such-folder/out.csv");
  const Status written = WriteWholeFile(path, "x");
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(written.error().message, "cannot write " + path);
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace rapport
