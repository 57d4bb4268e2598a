#pragma once
// Preprocessing of movement series before cross-correlation: skipping the start, centred
// moving-average smoothing and scaling by the standard deviation (without centring).
// Two flavours: the clean default and rMEA's exact arithmetic (`rmea_compat`), whose
// differences docs/sync.md lists. Pure functions on values; thread-compatible.

#include <span>
#include <vector>

#include "analysis/sync_series.h"
#include "core/result.h"

namespace rapport {

struct PreprocessOptions {
  double skip_seconds = 0;    // drop this many seconds from the start (0: keep all)
  double smooth_seconds = 0;  // moving-average width in seconds (0: no smoothing)
  bool scale = false;         // divide each person's series by its SD (missing values ignored)
  bool rmea_compat = false;   // reproduce rMEA's MEAsmooth/MEAscale arithmetic exactly
};

// Clean smoothing: width k = round(seconds * fps), made odd by adding one when even; each output
// sample is the mean of the non-missing inputs within k/2 samples on either side (the window
// shrinks at the edges); a missing input stays missing.
std::vector<double> SmoothCentred(std::span<const double> x, double seconds, double fps);

// rMEA's sasFiltB: n = seconds * fps (not rounded); output t is the sum of inputs at the
// truncated positions t-(n-1)/2 .. t+(n-1)/2 (lower end clamped to the first sample) divided by
// n; a window touching a missing value or running past the end gives 0; then inputs that were
// missing are missing again.
std::vector<double> SmoothRmea(std::span<const double> x, double seconds, double fps);

// Divides by the sample SD (n - 1) of the non-missing values. A series with fewer than two
// values or with zero SD cannot be scaled.
Result<std::vector<double>> ScaleBySd(std::span<const double> x);

// Applies skip, then smoothing, then scaling, to both persons.
Result<DyadSeries> Preprocess(const DyadSeries& series, const PreprocessOptions& options);

}  // namespace rapport
