#pragma once
// Test support, header-only: short videos with known content, made at test time by the ffmpeg
// command-line tool from its built-in lavfi sources, in a temporary folder that is removed
// afterwards. Used by the media and command-line tests; never by production code.

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace rapport::testing {

// A fresh folder under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "rapport-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline bool HaveFfmpegCli() {
  return std::system("ffmpeg -hide_banner -loglevel quiet -version > /dev/null 2>&1") == 0;
}

// Renders `frames` frames of the lavfi filter graph `source` (e.g. "color=c=black:s=64x48:r=25")
// into `output` with the encoder options `codec` (e.g. "-c:v ffv1"). True on success.
inline bool MakeVideo(const std::string& source, int frames, const std::string& codec,
                      const std::string& output) {
  const std::string command = fmt::format(
      "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i \"{}\" -frames:v {} {} \"{}\"",
      source, frames, codec, output);
  return std::system(command.c_str()) == 0;
}

// Lossless in luma, and always present in FFmpeg builds: exact pixel counts survive encoding.
inline constexpr const char* kLosslessCodec = "-c:v ffv1 -pix_fmt yuv420p";

}  // namespace rapport::testing
