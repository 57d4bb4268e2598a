#include "cli/mea/sync_mea.h"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <system_error>
#include <utility>

#include "core/command_line.h"
#include "media/video_reader.h"

namespace rapport {
namespace {

Result<int> ParseInt(std::string_view text, std::string_view flag) {
  int value = 0;
  const char* end = text.data() + text.size();
  // NOLINTNEXTLINE(bugprone-suspicious-stringview-data-usage): bounded by `end`
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) {
    return Fail(
        Error::Field(std::string(flag), fmt::format("expected a whole number, got '{}'", text)));
  }
  return value;
}

// Writes `buffer` to `stream` and empties it.
Status Flush(fmt::memory_buffer& buffer, std::ostream& stream) {
  stream.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
  buffer.clear();
  if (!stream) return Fail(Error::Unavailable("cannot write the motion energy table"));
  return Ok();
}

// Redraws a one-line progress bar on a terminal, only when the text would change.
class TerminalProgress {
 public:
  explicit TerminalProgress(std::ostream& terminal) : terminal_(terminal) {}
  ~TerminalProgress() {
    if (drawn_) terminal_ << "\n" << std::flush;
  }
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  void Update(std::int64_t done, std::int64_t total_hint) {
    // A percent step, or every 25 frames without a total, keeps a terminal from being flooded.
    const std::int64_t step = total_hint > 0 ? done * 100 / total_hint : done / 25;
    if (drawn_ && step == last_step_) return;
    last_step_ = step;
    drawn_ = true;
    terminal_ << '\r' << RenderMeaProgress(done, total_hint) << std::flush;
  }

 private:
  std::ostream& terminal_;
  std::int64_t last_step_ = -1;
  bool drawn_ = false;
};

Status WriteTableToFile(const SyncMeaOptions& options, const MeaProgress& progress,
                        std::int64_t& rows) {
  // Written beside the target and renamed at the end, so a failed run never leaves a table that
  // looks complete.
  const std::filesystem::path target(options.out_path);
  std::filesystem::path partial = target;
  partial += ".partial";
  std::ofstream file(partial, std::ios::binary | std::ios::trunc);
  if (!file) {
    return Fail(Error::Field("--out", fmt::format("cannot create '{}'", partial.string())));
  }
  auto written = WriteMotionEnergy(options, file, progress);
  if (written.has_value()) {
    file.close();
    if (!file)
      written = Fail(Error::Unavailable(fmt::format("cannot write '{}'", partial.string())));
  }
  std::error_code ignored;
  if (!written.has_value()) {
    file.close();
    std::filesystem::remove(partial, ignored);
    return Fail(std::move(written).error());
  }
  std::error_code renamed;
  std::filesystem::rename(partial, target, renamed);
  if (renamed) {
    std::filesystem::remove(partial, ignored);
    return Fail(Error::Unavailable(
        fmt::format("cannot move the table to '{}': {}", target.string(), renamed.message())));
  }
  rows = *written;
  return Ok();
}

}  // namespace

Result<Roi> ParseRoi(std::string_view spec) {
  const auto bad = [&] {
    return Fail(Error::Field("--roi", fmt::format("expected NAME:x,y,w,h, got '{}'", spec)));
  };
  const std::size_t colon = spec.find(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  Roi roi;
  roi.name = std::string(spec.substr(0, colon));
  int* fields[4] = {&roi.x, &roi.y, &roi.width, &roi.height};
  std::string_view rest = spec.substr(colon + 1);
  for (int k = 0; k < 4; ++k) {
    const std::size_t comma = rest.find(',');
    if ((k < 3) == (comma == std::string_view::npos)) return bad();
    const std::string_view number = rest.substr(0, comma);
    const char* end = number.data() + number.size();
    // NOLINTNEXTLINE(bugprone-suspicious-stringview-data-usage): bounded by `end`
    auto [ptr, ec] = std::from_chars(number.data(), end, *fields[k]);
    if (number.empty() || ec != std::errc() || ptr != end) return bad();
    rest = k < 3 ? rest.substr(comma + 1) : std::string_view();
  }
  return roi;
}

namespace {

std::unique_ptr<CommandLine> SyncMeaCommandLine() {
  auto line = std::make_unique<CommandLine>(
      "sync mea", "VIDEO --roi NAME:x,y,w,h [--roi ...] [options]",
      "Motion energy analysis: for each frame and region, the number of pixels whose grey level "
      "changed by more than the threshold since the previous frame, after dropping changed "
      "pixels that have no changed neighbour. Writes an MEA text file: one row per frame (the "
      "first frame's row is all zeros), one column per region in the order given, whitespace "
      "separated, no header.");
  line->Words("VIDEO", "the video file", 1)
      .Repeatable("--roi", "NAME:x,y,w,h",
                  "a region in pixels, top-left origin; repeat for more columns")
      .Option("--threshold", "N",
              "grey levels (0-254) a pixel must change by more than (default 10)")
      .Flag("--no-noise-filter", "count isolated changed pixels too")
      .Option("--threads", "N", "decoder threads (default 0: every core)")
      .Option("--out", "FILE", "write the table to FILE instead of standard output");
  return line;
}

Result<SyncMeaOptions> ReadSyncMeaOptions(const CommandLine& line) {
  SyncMeaOptions options;
  if (!line.words().empty()) options.video = line.words().front();
  for (const std::string& spec : line.GetAll("--roi")) {
    RAPPORT_ASSIGN_OR_RETURN(Roi roi, ParseRoi(spec));
    options.rois.push_back(std::move(roi));
  }
  if (line.Has("--no-noise-filter")) options.energy.noise_filter = NoiseFilter::kNone;
  if (const std::optional<std::string> value = line.Get("--threshold")) {
    RAPPORT_ASSIGN_OR_RETURN(options.energy.threshold, ParseInt(*value, "--threshold"));
  }
  if (const std::optional<std::string> value = line.Get("--threads")) {
    RAPPORT_ASSIGN_OR_RETURN(options.threads, ParseInt(*value, "--threads"));
    if (options.threads < 0) {
      return Fail(Error::Field("--threads", "must be 0 (every core) or more"));
    }
  }
  if (const std::optional<std::string> value = line.Get("--out")) {
    if (value->empty()) return Fail(Error::Field("--out", "needs a file name"));
    options.out_path = *value;
  }
  if (options.video.empty()) return Fail(Error::InvalidArgument("which video? none was given"));
  if (options.rois.empty()) {
    return Fail(Error::Field("--roi", "at least one --roi NAME:x,y,w,h is needed"));
  }
  RAPPORT_RETURN_IF_ERROR(ValidateMotionEnergyOptions(options.energy));
  return options;
}

}  // namespace

Result<SyncMeaOptions> ParseSyncMeaArgs(std::span<const std::string> args) {
  const std::unique_ptr<CommandLine> line = SyncMeaCommandLine();
  RAPPORT_RETURN_IF_ERROR(line->Parse(args));
  return ReadSyncMeaOptions(*line);
}

Result<std::int64_t> WriteMotionEnergy(const SyncMeaOptions& options, std::ostream& table,
                                       const MeaProgress& progress) {
  RAPPORT_ASSIGN_OR_RETURN(std::unique_ptr<VideoReader> reader,
                           VideoReader::Open(options.video, {.thread_count = options.threads}));
  const VideoInfo& info = reader->info();
  if (info.width > 0 && info.height > 0) {
    // Before decoding anything: a wrong region should not cost a pass over the file.
    RAPPORT_RETURN_IF_ERROR(ValidateRois(options.rois, info.width, info.height));
  }
  std::optional<MotionEnergyCounter> counter;
  std::vector<std::uint32_t> counts(options.rois.size());
  fmt::memory_buffer buffer;
  std::int64_t rows = 0;
  while (true) {
    RAPPORT_ASSIGN_OR_RETURN(std::optional<LumaFrame> frame, reader->Next());
    if (!frame.has_value()) break;
    if (!counter.has_value()) {
      RAPPORT_ASSIGN_OR_RETURN(counter, MotionEnergyCounter::Create(frame->width, frame->height,
                                                                    options.rois, options.energy));
    }
    const GreyImage image{frame->pixels, frame->width, frame->height, frame->stride};
    if (auto pushed = counter->Push(image, counts); !pushed.has_value()) {
      return Fail(
          Error::InvalidArgument(fmt::format("'{}': {}", options.video, pushed.error().message)));
    }
    for (std::size_t k = 0; k < counts.size(); ++k) {
      if (k != 0) buffer.push_back(' ');
      fmt::format_to(std::back_inserter(buffer), "{}", counts[k]);
    }
    buffer.push_back('\n');
    if (buffer.size() >= std::size_t{64} * 1024) RAPPORT_RETURN_IF_ERROR(Flush(buffer, table));
    ++rows;
    if (progress) progress(rows, info.frame_count_hint);
  }
  if (rows == 0) {
    return Fail(Error::InvalidArgument(fmt::format("'{}' holds no video frames", options.video)));
  }
  RAPPORT_RETURN_IF_ERROR(Flush(buffer, table));
  table.flush();
  if (!table) return Fail(Error::Unavailable("cannot write the motion energy table"));
  return rows;
}

std::string RenderMeaProgress(std::int64_t done, std::int64_t total_hint, int bar_width) {
  if (total_hint <= 0) return fmt::format("{} frames", done);
  // The container's count is an estimate; never draw past the end.
  const std::int64_t shown = std::min(done, total_hint);
  const auto filled = static_cast<int>(shown * bar_width / total_hint);
  return fmt::format("[{}{}] {:3}%  {}/{} frames",
                     std::string(static_cast<std::size_t>(filled), '#'),
                     std::string(static_cast<std::size_t>(bar_width - filled), ' '),
                     shown * 100 / total_hint, done, total_hint);
}

int RunSyncMea(std::span<const std::string> args, std::ostream& out, std::ostream& err) {
  const std::unique_ptr<CommandLine> line = SyncMeaCommandLine();
  if (auto stop = line->Read(args, out, err)) return *stop;
  auto options = ReadSyncMeaOptions(*line);
  if (!options.has_value()) {
    err << "rapport sync mea: " << options.error().message << "\n" << line->Usage();
    return 2;
  }

  std::optional<TerminalProgress> bar;
  MeaProgress progress;
  if (&err == &std::cerr && isatty(STDERR_FILENO) == 1) {
    bar.emplace(err);
    progress = [&bar](std::int64_t done, std::int64_t total) { bar->Update(done, total); };
  }

  std::int64_t rows = 0;
  Status status;
  if (options->out_path.empty()) {
    auto written = WriteMotionEnergy(*options, out, progress);
    if (written.has_value()) {
      rows = *written;
    } else {
      status = Fail(std::move(written).error());
    }
  } else {
    status = WriteTableToFile(*options, progress, rows);
  }
  bar.reset();  // ends the progress line before any message
  if (!status.has_value()) {
    err << "rapport sync mea: " << status.error().message << "\n";
    return 1;
  }
  if (!options->out_path.empty()) {
    const std::size_t regions = options->rois.size();
    out << fmt::format("wrote {} frames x {} region{} to {}\n", rows, regions,
                       regions == 1 ? "" : "s", options->out_path);
  }
  return 0;
}

}  // namespace rapport
