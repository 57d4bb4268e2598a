#pragma once
// Pseudo-synchrony: how much synchrony two series show by chance. Surrogates are made by
// shuffling segments within a session (Ramseyer & Tschacher 2010, as rMEA's shuffle_segments)
// or by pairing people who never met (person 1 of one session with person 2 of another, as
// rMEA's shuffle with keepRoles). Each surrogate draws from its own random stream derived from
// (seed, index), and runs in a fixed slot, so results are identical for any thread count.
// Also SUSY (Tschacher & Meier): segment-wise cross-correlation against all segment pairings.
// Pure functions; they start and join their own threads and share nothing mutable.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "analysis/sync_ccf.h"
#include "analysis/sync_series.h"
#include "core/result.h"

namespace rapport {

// SplitMix64: a small, portable generator whose output is the same on every platform, so a
// seed reproduces a surrogate run anywhere (std::uniform_int_distribution is not portable).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next();
  // Uniform on [0, bound) without modulo bias; bound > 0.
  std::uint64_t Below(std::uint64_t bound);

 private:
  std::uint64_t state_;
};

// The generator of surrogate `index` under `seed`: streams for different indices are unrelated.
SplitMix64 SurrogateStream(std::uint64_t seed, std::uint64_t index);

// Cuts both series into floor(N / segment) whole segments (a trailing partial segment is
// dropped), and reorders person 1's and person 2's segments by two independent random
// permutations (Fisher-Yates).
Result<DyadSeries> ShuffleSegments(const DyadSeries& series, int segment_samples, SplitMix64& rng);

// Where one summary of the real session stands in its surrogate distribution.
struct SurrogateComparison {
  double real = 0;
  double mean = 0;         // of the surrogates (missing ones ignored)
  double sd = 0;           // sample SD (n - 1) of the surrogates
  double z = 0;            // (real - mean) / sd
  double percentile = 0;   // % of surrogates below real, ties counting half
  double effect_size = 0;  // Cohen's d of real values against surrogate values (pooled SD)
  int n = 0;               // surrogates with a value
};

// Compares `real` values (one per real session; a single session gives a vector of one) with
// `surrogates`. For one session the effect size equals z.
SurrogateComparison CompareToSurrogates(std::span<const double> real,
                                        std::span<const double> surrogates);

struct SurrogateOptions {
  int count = 1000;
  std::uint64_t seed = 1;
  double segment_seconds = 30;
  int threads = 0;  // 0: every hardware thread
};

// The session summaries of `options.count` segment-shuffled surrogates, in index order.
Result<std::vector<SessionSynchrony>> RunSegmentSurrogates(const DyadSeries& series,
                                                           const CcfOptions& ccf,
                                                           const SurrogateOptions& options);

// A pairing of person 1 of session `p1_session` with person 2 of session `p2_session`.
struct PseudoPair {
  int p1_session = 0;
  int p2_session = 0;
  friend bool operator==(const PseudoPair&, const PseudoPair&) = default;
};

// Every (i, j) with i != j when count <= 0 or count >= n(n-1); otherwise `count` of them drawn
// without replacement from the stream of `seed`, in ascending order.
std::vector<PseudoPair> ChoosePseudoPairs(int n_sessions, int count, std::uint64_t seed);

// Session summaries of each pseudo pair (the two series truncated to the shorter length).
// A pair too short for one window gives NaN summaries.
std::vector<SessionSynchrony> RunPseudoPairs(std::span<const DyadSeries> sessions,
                                             std::span<const PseudoPair> pairs,
                                             const CcfOptions& ccf, int threads);

// Runs fn(i) for i in [0, n) on `threads` threads (0: hardware concurrency).
void ParallelFor(int n, int threads, const std::function<void(int)>& fn);

// SUSY, as the R package `SUSY` computes it with its defaults (all segment pairings as
// surrogates). Segments are consecutive, non-overlapping, floor(N / segment) of them; each pair
// gets R's ccf() (biased estimator, means over the whole segment) at lags -L..L; Fisher z is
// 0.5 ln((1+r)/(1-r)) without clamping; a pair with a constant segment counts as zero.
struct SusyOptions {
  double fps = 25;
  double segment_seconds = 30;
  double max_lag_seconds = 3;
};

struct SusyResult {
  int n_segments = 0;
  int n_lags = 0;
  // Per lag (from -L to L): the mean over segments of |z| and of z, real and pseudo.
  std::vector<double> real_zabs, real_z, pseudo_zabs, pseudo_z;
  double zabs = 0, pseudo_zabs_mean = 0, sd_zabs = 0, sd_pseudo_zabs = 0, es_abs = 0;
  double z = 0, pseudo_z_mean = 0, sd_z = 0, sd_pseudo_z = 0, es = 0;
  double percent_above_pseudo_abs = 0;  // % of lags where real |z| exceeds pseudo |z|
  double percent_above_pseudo = 0;
  double zabs_lead1 = 0, zabs_lead2 = 0, es_abs_lead1 = 0, es_abs_lead2 = 0;
};

// Missing samples are dropped pairwise first, as SUSY does (complete cases).
Result<SusyResult> ComputeSusy(const DyadSeries& series, const SusyOptions& options);

}  // namespace rapport
