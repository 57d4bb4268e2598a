#pragma once
// rapport sync mea: motion energy from a video file, written as an MEA text file (one row per
// frame, one column per region, whitespace separated). docs/sync-mea.md describes the method.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "analysis/motion_energy.h"
#include "core/result.h"

namespace rapport {

// rapport sync mea VIDEO --roi NAME:x,y,w,h [--roi ...] [--threshold N] [--no-noise-filter]
//                  [--threads N] [--out FILE]
// `args` are the words after "mea". Returns 0 on success, 2 for a usage error, 1 when the video
// cannot be analysed. Without --out the table goes to `out`; errors go to `err`; a progress bar
// goes to stderr only when `err` is std::cerr and stderr is a terminal.
int RunSyncMea(std::span<const std::string> args, std::ostream& out, std::ostream& err);

struct SyncMeaOptions {
  std::string video;
  std::vector<Roi> rois;  // in column order
  MotionEnergyOptions energy;
  int threads = 0;       // decoder threads; 0 = every core
  std::string out_path;  // empty = the `out` stream
};

// Parses the words after "mea" as `rapport sync mea --help` describes them. Errors name the
// offending flag.
Result<SyncMeaOptions> ParseSyncMeaArgs(std::span<const std::string> args);

// Parses "NAME:x,y,w,h" (pixels, top-left origin).
Result<Roi> ParseRoi(std::string_view spec);

// Called after each frame with the frames done so far and the container's estimate of the total
// (0 when unknown).
using MeaProgress = std::function<void(std::int64_t done, std::int64_t total_hint)>;

// Decodes `options.video` and writes one row per frame to `table`; the first frame has no
// predecessor and its row is all zeros, so the table has exactly one row per decoded frame.
// Returns the number of rows written.
Result<std::int64_t> WriteMotionEnergy(const SyncMeaOptions& options, std::ostream& table,
                                       const MeaProgress& progress = {});

// One line of the terminal progress bar, without the leading carriage return, e.g.
// "[##########          ]  50%  750/1500 frames". With no total it shows the count alone.
std::string RenderMeaProgress(std::int64_t done, std::int64_t total_hint, int bar_width = 30);

}  // namespace rapport
