// Motion energy from video runs in a program of its own, rapport-mea, beside rapport: rapport maps
// no video library when it starts, and `rapport sync mea` still does what it did, through the
// other program, with the same words. These drive the built programs.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "media/test_video.h"
#include "rapport_process.h"

namespace rapport::testing {
namespace {

namespace fs = std::filesystem;

// What a command run through the shell printed on both streams, and how it exited.
Outcome Shell(const std::string& command) {
  return RunRapportCapturing({"-c", command + " 2>&1"}, {}, "/bin/sh");
}

TEST(RapportProgram, MapsNoVideoLibraryWhenItStarts) {
  const Outcome listing = Shell(std::string("ldd ") + RAPPORT_BINARY);
  ASSERT_EQ(listing.status, 0) << listing.out;
  ASSERT_NE(listing.out.find("libc.so"), std::string::npos) << "ldd listed nothing";
  for (const char* video : {"libavcodec", "libavformat", "libavutil", "libswscale"}) {
    EXPECT_EQ(listing.out.find(video), std::string::npos) << video << " in:\n" << listing.out;
  }
  const Outcome mea = Shell((fs::path(RAPPORT_BINARY).parent_path() / "rapport-mea").string() +
                            " --help > /dev/null && ldd " +
                            (fs::path(RAPPORT_BINARY).parent_path() / "rapport-mea").string());
  ASSERT_EQ(mea.status, 0) << mea.out;
  EXPECT_NE(mea.out.find("libavcodec"), std::string::npos) << "rapport-mea decodes the video";
}

TEST(RapportProgram, SyncMeaRunsTheVideoProgramBesideItWithTheSameWords) {
  ASSERT_TRUE(HaveFfmpegCli()) << "the ffmpeg command-line tool makes the test's video";
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  // A white box moving 4 pixels right per frame in the right half: 2 x 4 x 16 changed pixels.
  const std::string video = dir.File("box.mkv");
  ASSERT_TRUE(
      MakeVideo("color=c=black:s=160x80:r=25[bg];color=c=white:s=16x16:r=25[box];"
                "[bg][box]overlay=x='90+4*n':y=30",
                6, kLosslessCodec, video));
  const std::string table = dir.File("box.txt");
  const Outcome ran = Shell(std::string(RAPPORT_BINARY) + " sync mea " + video +
                            " --roi therapist:0,0,80,80 --roi client:80,0,80,80 --out " + table);
  ASSERT_EQ(ran.status, 0) << ran.out;
  std::ifstream in(table);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    ++rows;
    EXPECT_EQ(line, rows == 1 ? "0 0" : "0 128") << "row " << rows;
  }
  EXPECT_EQ(rows, 6);

  const Outcome help = Shell(std::string(RAPPORT_BINARY) + " sync mea --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("Usage: rapport sync mea VIDEO --roi"), std::string::npos) << help.out;
  const Outcome wrong =
      Shell(std::string(RAPPORT_BINARY) + " sync mea " + video + " --roi nonsense");
  EXPECT_EQ(wrong.status, 2) << "a usage error keeps its exit code through the other program";
  EXPECT_NE(wrong.out.find("--roi"), std::string::npos) << wrong.out;
}

TEST(RapportProgram, SyncMeaWithoutTheVideoProgramSaysWhatIsMissing) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const fs::path alone = dir.path() / "rapport";
  fs::copy_file(RAPPORT_BINARY, alone);
  fs::permissions(alone, fs::perms::owner_all);
  const Outcome ran = Shell(alone.string() + " sync mea video.mp4 --roi a:0,0,8,8");
  EXPECT_EQ(ran.status, 1);
  EXPECT_NE(ran.out.find((dir.path() / "rapport-mea").string()), std::string::npos) << ran.out;
  EXPECT_NE(ran.out.find("installed beside rapport"), std::string::npos) << ran.out;
}

}  // namespace
}  // namespace rapport::testing
