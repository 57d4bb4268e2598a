#include "media/video_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "media/test_video.h"

namespace rapport {
namespace {

using ::testing::HasSubstr;
using testing::kLosslessCodec;
using testing::MakeVideo;
using testing::TempDir;

class VideoReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::HaveFfmpegCli())
        << "the ffmpeg command-line tool makes these tests' videos; run scripts/install-deps.sh";
    ASSERT_TRUE(dir_.ok());
  }

  // Decodes every remaining frame, checking each against the reader's stated size and the
  // expected index, and returns how many frames the reader has handed out in all.
  static int CountFrames(VideoReader& reader, int frames = 0) {
    while (true) {
      auto frame = reader.Next();
      EXPECT_TRUE(frame.has_value()) << frame.error().message;
      if (!frame.has_value() || !frame->has_value()) break;
      EXPECT_EQ((*frame)->index, frames);
      EXPECT_EQ((*frame)->width, reader.info().width);
      EXPECT_EQ((*frame)->height, reader.info().height);
      ++frames;
    }
    return frames;
  }

  static std::pair<int, int> LumaRange(const LumaFrame& frame) {
    int low = 255;
    int high = 0;
    for (int y = 0; y < frame.height; ++y) {
      for (int x = 0; x < frame.width; ++x) {
        const int v = frame.pixels[static_cast<std::size_t>(y * frame.stride + x)];
        low = std::min(low, v);
        high = std::max(high, v);
      }
    }
    return {low, high};
  }

  TempDir dir_;
};

TEST_F(VideoReaderTest, DecodesEveryFrameOnceInOrder) {
  const std::string path = dir_.File("testsrc.mkv");
  ASSERT_TRUE(MakeVideo("testsrc=s=64x48:r=10", 12, kLosslessCodec, path));
  auto reader = VideoReader::Open(path);
  ASSERT_TRUE(reader.has_value()) << reader.error().message;
  EXPECT_EQ((*reader)->info().width, 64);
  EXPECT_EQ((*reader)->info().height, 48);
  EXPECT_DOUBLE_EQ((*reader)->info().frames_per_second, 10.0);
  EXPECT_EQ((*reader)->info().codec, "ffv1");
  EXPECT_EQ(CountFrames(**reader), 12);
  auto after_end = (*reader)->Next();
  ASSERT_TRUE(after_end.has_value());
  EXPECT_FALSE(after_end->has_value());
}

TEST_F(VideoReaderTest, ThreadedLossyDecodeKeepsEveryFrameAndKnowsTheCount) {
  const std::string path = dir_.File("testsrc.mp4");
  ASSERT_TRUE(MakeVideo("testsrc=s=160x120:r=25", 37, "-c:v mpeg4 -q:v 5", path));
  auto reader = VideoReader::Open(path, {.thread_count = 2});
  ASSERT_TRUE(reader.has_value()) << reader.error().message;
  EXPECT_EQ((*reader)->info().frame_count_hint, 37);
  EXPECT_EQ(CountFrames(**reader), 37);
}

TEST_F(VideoReaderTest, PlanarYuvHandsOutTheLumaPlaneItself) {
  const std::string path = dir_.File("white.mkv");
  ASSERT_TRUE(MakeVideo("color=c=white:s=48x32:r=25", 2, kLosslessCodec, path));
  auto reader = VideoReader::Open(path);
  ASSERT_TRUE(reader.has_value()) << reader.error().message;
  EXPECT_EQ((*reader)->info().pixel_format, "yuv420p");
  auto frame = (*reader)->Next();
  ASSERT_TRUE(frame.has_value() && frame->has_value());
  EXPECT_TRUE((*reader)->last_frame_was_direct());
  // Limited-range luma: white is 235.
  EXPECT_EQ(LumaRange(**frame), std::make_pair(235, 235));
}

TEST_F(VideoReaderTest, RgbVideoIsConvertedToGrey) {
  const std::string path = dir_.File("rgb.nut");
  ASSERT_TRUE(
      MakeVideo("color=c=white:s=40x30:r=25[w];color=c=black:s=20x30:r=25[b];"
                "[w][b]overlay",
                3, "-c:v rawvideo -pix_fmt rgb24", path));
  auto reader = VideoReader::Open(path);
  ASSERT_TRUE(reader.has_value()) << reader.error().message;
  auto frame = (*reader)->Next();
  ASSERT_TRUE(frame.has_value() && frame->has_value()) << frame.error().message;
  EXPECT_FALSE((*reader)->last_frame_was_direct());
  const LumaFrame& grey = **frame;
  ASSERT_EQ(grey.width, 40);
  EXPECT_LT(grey.pixels[5], 40);                                                 // left half black
  EXPECT_GT(grey.pixels[static_cast<std::size_t>(10 * grey.stride + 35)], 200);  // right white
  EXPECT_EQ(CountFrames(**reader, 1), 3);
}

TEST_F(VideoReaderTest, MissingFileIsNotFoundAndNamesThePath) {
  auto reader = VideoReader::Open(dir_.File("nowhere.mp4"));
  ASSERT_FALSE(reader.has_value());
  EXPECT_EQ(reader.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(reader.error().message, HasSubstr("nowhere.mp4"));
}

TEST_F(VideoReaderTest, TextFileIsNotAVideo) {
  const std::string path = dir_.File("notes.txt");
  std::ofstream(path) << "session notes, not a recording\n";
  auto reader = VideoReader::Open(path);
  ASSERT_FALSE(reader.has_value());
  EXPECT_EQ(reader.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(reader.error().message, HasSubstr("notes.txt"));
}

TEST_F(VideoReaderTest, AudioOnlyFileHasNoVideoStream) {
  const std::string path = dir_.File("voice.wav");
  const std::string command = fmt::format(
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i sine=d=0.2 \"{}\"", path);
  ASSERT_EQ(std::system(command.c_str()), 0);
  auto reader = VideoReader::Open(path);
  ASSERT_FALSE(reader.has_value());
  EXPECT_THAT(reader.error().message, HasSubstr("has no video stream"));
}

TEST_F(VideoReaderTest, NegativeThreadCountIsRejected) {
  auto reader = VideoReader::Open(dir_.File("any.mp4"), {.thread_count = -1});
  ASSERT_FALSE(reader.has_value());
  EXPECT_THAT(reader.error().message, HasSubstr("thread count"));
}

}  // namespace
}  // namespace rapport
