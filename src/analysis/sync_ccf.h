#pragma once
// Windowed lagged cross-correlation of two movement series, counted exactly as rMEA's MEAccf
// counts windows and lags, and the per-window and per-session summaries built on it.
//
// Geometry (all in samples): window W, maximum lag L, increment I. Window w (0-based) starts at
// w*I and spans W+L samples; n_windows = ceil((N - W - L + 1) / I). At lag k >= 0 person 1's
// samples [0, W) of the span pair with person 2's [k, k+W): a positive lag means person 2
// follows person 1. At lag -k person 1's [k, k+W) pair with person 2's [0, W).
// Every cell is Pearson's r on the complete pairs, optionally Fisher-z transformed (clamped to
// +-10 as rMEA clamps) and made absolute. NaN marks a missing cell. docs/sync.md has every rule.
// Thread safety: the functions are pure; a CcfWorkspace belongs to one thread at a time.

#include <span>
#include <string>
#include <vector>

#include "core/result.h"

namespace rapport {

struct CcfOptions {
  double fps = 25.0;
  double lag_seconds = 5.0;
  double window_seconds = 60.0;
  double increment_seconds = 30.0;
  bool absolute = false;     // |value| after the optional Fisher z
  bool fisher_z = false;     // atanh(r), clamped to [-10, 10]
  bool rmea_compat = false;  // rMEA's missing-data and "fewer than two differences" rules
  int threads = 1;           // threads for one matrix; the values do not depend on it
};

// The window/lag layout in samples for a series of a given length.
struct CcfGeometry {
  int window = 0;
  int max_lag = 0;
  int increment = 0;
  int n_windows = 0;
  int n_lags() const { return 2 * max_lag + 1; }
};

// Converts seconds to samples (each product with fps must be a whole number of samples) and
// counts the windows; fails when not even one window fits.
Result<CcfGeometry> MakeCcfGeometry(const CcfOptions& options, std::size_t n_samples);

// The window x lag matrix. Column c holds lag c - max_lag samples.
struct CcfMatrix {
  CcfGeometry geometry;
  double fps = 25.0;
  std::vector<double> values;  // row-major n_windows x n_lags; NaN = missing

  double at(int window, int column) const {
    return values[static_cast<std::size_t>(window) * static_cast<std::size_t>(geometry.n_lags()) +
                  static_cast<std::size_t>(column)];
  }
  double LagSeconds(int column) const { return (column - geometry.max_lag) / fps; }
  double WindowStartSeconds(int window) const { return window * geometry.increment / fps; }
  double WindowEndSeconds(int window) const {
    return (window * geometry.increment + geometry.window) / fps;
  }
};

// Reusable scratch memory so that repeated runs (surrogates) allocate nothing per run.
struct CcfWorkspace {
  std::vector<double> a, b, prefix, prefix_sq, prefix_y, prefix_y_sq, pairs_x, pairs_y;
  std::vector<double> xc, yc, forward, backward;
  std::vector<int> run_a, run_b, window_missing;
  std::vector<char> block_needed;
};

// Computes the matrix. s1 and s2 must have the same length.
Result<CcfMatrix> ComputeCcf(std::span<const double> s1, std::span<const double> s2,
                             const CcfOptions& options);

// The engine under ComputeCcf: fills `values` (resized to n_windows x n_lags) for a fixed
// geometry, reusing `workspace`. Requires s1.size() == s2.size() and a geometry made for it.
void ComputeCcfInto(std::span<const double> s1, std::span<const double> s2,
                    const CcfGeometry& geometry, const CcfOptions& options, CcfWorkspace& workspace,
                    std::vector<double>& values);

// The matrix as CSV: a header row "start_s" and each lag in seconds, then one row per window,
// its start in seconds and its values, NA where a value is missing. Each number is written in
// the shortest form that reads back as the same double.
std::string CcfMatrixCsv(const CcfMatrix& m);

// Building blocks shared with the surrogate engine, which assembles block sums from tables of
// segment pairs instead of multiplying every surrogate afresh.
namespace ccf_internal {
// out[k] = sum over t in [begin, end) of u[t] * v[t + k], for k in [0, n_k).
void LaggedProducts(const double* u, const double* v, std::size_t begin, std::size_t end, int n_k,
                    double* out);
int BlockSize(const CcfGeometry& g);           // gcd(window, increment)
std::size_t BlockCount(const CcfGeometry& g);  // blocks covered by the windows
// Marks windows with missing values and the blocks complete windows need, centres the series
// on (centre_x, centre_y) into ws.xc/ws.yc, and zeroes ws.forward/ws.backward
// (BlockCount x (max_lag + 1)): forward[j][k] must then receive the sum over block j of
// xc[t] * yc[t + k], backward[j][k] that of yc[t] * xc[t + k].
void PrepareWindows(std::span<const double> s1, std::span<const double> s2, const CcfGeometry& g,
                    double centre_x, double centre_y, CcfWorkspace& ws);
// Turns the block sums into the matrix (recomputing exactly where rounding could show).
void AssembleWindows(std::span<const double> s1, std::span<const double> s2, const CcfGeometry& g,
                     const CcfOptions& options, CcfWorkspace& ws, std::vector<double>& values);
}  // namespace ccf_internal

// Pearson's r of complete pairs by the two-pass formula; NaN with fewer than two pairs or a
// constant side. The reference the fast engine is tested against.
double PearsonComplete(std::span<const double> x, std::span<const double> y);

// rMEA's ccfRes: per-window summaries (NaN when a window has no value) and the grand average.
struct CcfSummary {
  std::vector<double> all_lags;   // mean over every lag
  std::vector<double> lag_zero;   // the lag-0 cell
  std::vector<double> s1_lead;    // mean over lags +1..+L (person 2 follows person 1)
  std::vector<double> s2_lead;    // mean over lags -L..-1 (person 1 follows person 2)
  std::vector<double> s1_lead_0;  // as s1_lead, including lag 0
  std::vector<double> s2_lead_0;  // as s2_lead, including lag 0
  std::vector<double> peak;       // the window's largest value
  std::vector<double> peak_lag;   // its lag in seconds (the first one on ties)
  double grand_average = 0;       // mean of every non-missing cell
};

CcfSummary Summarize(const CcfMatrix& matrix);

// One number per summary for a whole session: the mean over windows of each per-window series
// (missing windows ignored) and the grand average. What surrogate tests compare.
struct SessionSynchrony {
  double grand_average = 0;
  double all_lags = 0;
  double lag_zero = 0;
  double s1_lead = 0;
  double s2_lead = 0;
  double peak = 0;
};
inline constexpr int kSessionSynchronyFields = 6;
const char* SessionSynchronyName(int field);
double SessionSynchronyValue(const SessionSynchrony& s, int field);

SessionSynchrony SummarizeSession(const CcfSummary& summary);

// Mean of the non-missing values; NaN when there are none.
double MeanPresent(std::span<const double> values);

}  // namespace rapport
