#pragma once
// Empirical-Bayes estimates for small groups: a therapist's rate (of reliable improvement, say)
// or mean change, shrunk towards the clinic's so that ten episodes do not pass for a verdict.
// Pure and thread-safe. The formulas are in docs/matching.md ("Outcome-informed ranking").
//
// Rates: beta-binomial with the prior fitted by moments. Means: normal-normal with the
// between-group variance by DerSimonian and Laird.
// DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials.
// 1986;7(3):177-188. Efron B, Morris C. Data analysis using Stein's estimator and its
// generalizations. J Am Stat Assoc. 1975;70(350):311-319.

#include <cstdint>
#include <limits>
#include <span>

namespace rapport {

// --- Rates ------------------------------------------------------------------------------------

struct RateCount {
  std::int64_t events = 0;  // x_t
  std::int64_t n = 0;       // n_t > 0
};

struct RatePrior {
  double p = 0;     // the pooled rate Σx / Σn
  double tau2 = 0;  // the spread of the true rates between groups, ≥ 0
  // The prior's weight in episodes, p(1-p)/τ² - 1, 0 when the groups differ more than a
  // binomial spread allows, and at most Σn: a prior fitted from the clinic's episodes never
  // weighs more than all of them, so that when τ² is 0 (every group within chance of the
  // clinic's rate) the estimates are the clinic's and their intervals still say how much is
  // known. Infinity only for a prior fitted from no episodes at all.
  double m = std::numeric_limits<double>::infinity();
};

// The prior from every group's counts (groups with n = 0 are skipped). With fewer than two
// groups, τ² is 0.
RatePrior FitRatePrior(std::span<const RateCount> groups);

struct ShrunkRate {
  double raw = 0;       // x / n
  double estimate = 0;  // (x + m p) / (n + m); p when m is infinite
  double lower = 0;     // the central 95 % interval of Beta(x + m p, n - x + m (1 - p))
  double upper = 0;
  double standard_error = 0;  // the standard deviation of that beta
};
// When m is infinite (a prior of no episodes) the interval is [p, p] and the standard error 0.
// When the beta is improper (a zero shape: m = 0 with x at 0 or n, or p itself 0 or 1), the
// interval is Jeffreys' on the group's own episodes, Beta(x + 1/2, n - x + 1/2).
ShrunkRate ShrinkRate(const RatePrior& prior, RateCount count);

// The q-quantile (0 < q < 1) of Beta(a, b), a, b > 0, to 1e-10.
double BetaQuantile(double a, double b, double q);

// --- Means ------------------------------------------------------------------------------------

struct MeanSummary {
  double mean = 0;      // ȳ_t
  double variance = 0;  // the sample variance within the group (n - 1 in the denominator)
  std::int64_t n = 0;   // n_t > 0
};

struct MeanPrior {
  double mean = 0;    // the random-effects mean ȳ the groups are shrunk towards
  double sigma2 = 0;  // the pooled within-group variance σ²
  double tau2 = 0;    // the between-group variance (DerSimonian-Laird), ≥ 0
  // The variance of `mean` itself, 1 / Σ 1/(τ² + σ²/n_t): what a group shrunk towards it
  // inherits of its uncertainty.
  double mean_variance = 0;
};

// With fewer than two groups τ² is 0; with no within-group degrees of freedom σ² is 0.
MeanPrior FitMeanPrior(std::span<const MeanSummary> groups);

struct ShrunkMean {
  double raw = 0;       // ȳ_t
  double weight = 0;    // w_t = τ² / (τ² + σ²/n_t); 1 when σ² is 0 and τ² > 0
  double estimate = 0;  // w_t ȳ_t + (1 - w_t) ȳ
  // sqrt(w_t σ²/n_t + (1 - w_t)² V), V the variance of the mean shrunk towards.
  double standard_error = 0;
};
ShrunkMean ShrinkMean(const MeanPrior& prior, const MeanSummary& group);

}  // namespace rapport
