#include "analysis/shrinkage.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

constexpr double kLowerTail = 0.025;  // the central 95 % interval
constexpr double kUpperTail = 0.975;

// Above this, both shape parameters are so large that the beta is normal to far better than
// 1e-10 once skew and kurtosis are corrected for (Cornish-Fisher), while the continued fraction
// would need thousands of terms and lose digits to the size of a·log(x).
constexpr double kCornishFisherShape = 1e6;

// --- The incomplete beta ----------------------------------------------------------------------

// Stirling's correction, lgamma(x) - ((x - 1/2) log x - x + log(2π)/2), for x >= 10, where the
// terms left off are below 1e-15. Lets log B(a, b) keep its digits when a or b is large: lgamma
// of 1e12 is 2.7e13, and subtracting two of those would leave only three digits.
double StirlingCorrection(double x) {
  const double x2 = 1 / (x * x);
  return (1.0 / 12 +
          x2 * (-1.0 / 360 + x2 * (1.0 / 1260 + x2 * (-1.0 / 1680 + x2 * (1.0 / 1188))))) /
         x;
}

// log B(a, b), accurate for any a, b > 0 (after R's lbeta).
double LogBeta(double a, double b) {
  const double p = std::min(a, b);
  const double q = std::max(a, b);
  if (p >= 10) {
    const double corr = StirlingCorrection(p) + StirlingCorrection(q) - StirlingCorrection(p + q);
    return -0.5 * std::log(q) + 0.5 * std::log(2 * std::numbers::pi) + corr +
           (p - 0.5) * std::log(p / (p + q)) + q * std::log1p(-p / (p + q));
  }
  if (q >= 10) {
    const double corr = StirlingCorrection(q) - StirlingCorrection(p + q);
    return std::lgamma(p) + corr + p - p * std::log(p + q) + (q - 0.5) * std::log1p(-p / (p + q));
  }
  return std::lgamma(p) + std::lgamma(q) - std::lgamma(p + q);
}

// The continued fraction of I_x(a, b) (Numerical Recipes' betacf), by the modified Lentz
// method. It converges quickly for x < (a + 1)/(a + b + 2); the caller swaps to 1 - x beyond.
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEpsilon = 1e-16;
  constexpr int kMaxTerms = 1'000'000;
  const double qab = a + b;
  const double qap = a + 1;
  const double qam = a - 1;
  double c = 1;
  double d = 1 - qab * x / qap;
  if (std::abs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= kMaxTerms; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::abs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::abs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::abs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1) < kEpsilon) break;
  }
  return h;
}

// I_x(a, b) and 1 - I_x(a, b). The continued fraction gives the lower tail directly below
// (a + 1)/(a + b + 2) and the upper tail above it; the other is 1 minus that. The quantile
// search compares q with the lower tail and 1 - q with the upper, so that neither 1 - q nor
// 1 - I_x is formed where it would lose the digits of a small tail.
struct BetaTails {
  double lower = 0;
  double upper = 0;
};

BetaTails RegularizedIncompleteBeta(double a, double b, double x, double log_beta) {
  if (x <= 0) return {0, 1};
  if (x >= 1) return {1, 0};
  // x^a (1-x)^b / B(a, b), with log1p so that 1 - x keeps its digits when x is tiny.
  const double front = std::exp(a * std::log(x) + b * std::log1p(-x) - log_beta);
  if (x < (a + 1) / (a + b + 2)) {
    const double lower = front * BetaContinuedFraction(a, b, x) / a;
    return {lower, 1 - lower};
  }
  const double upper = front * BetaContinuedFraction(b, a, 1 - x) / b;
  return {1 - upper, upper};
}

double BetaDensity(double a, double b, double x, double log_beta) {
  return std::exp((a - 1) * std::log(x) + (b - 1) * std::log1p(-x) - log_beta);
}

// --- The quantile -----------------------------------------------------------------------------

// The standard normal quantile (Acklam's rational approximation, relative error 1.2e-9, then
// one Halley step with erfc), for the Cornish-Fisher branch and for a starting point.
double NormalQuantile(double q) {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double kLow = 0.02425;
  double z;
  if (q < kLow) {
    const double t = std::sqrt(-2 * std::log(q));
    z = (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) /
        ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  } else if (q <= 1 - kLow) {
    const double u = q - 0.5;
    const double r = u * u;
    z = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * u /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const double t = std::sqrt(-2 * std::log1p(-q));
    z = -(((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) /
        ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  }
  // One Halley step on Φ(z) = q brings the error to the double's precision.
  const double e = 0.5 * std::erfc(-z / std::numbers::sqrt2) - q;
  const double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(z * z / 2);
  return z - u / (1 + z * u / 2);
}

// The Cornish-Fisher expansion to second order: the normal quantile corrected by the beta's
// skewness γ1 and excess kurtosis γ2. The terms left off are of order min(a, b)^-3/2 standard
// deviations: with both shapes above kCornishFisherShape, about 1e-9 of a standard deviation that
// is itself below 4e-4.
double CornishFisherBetaQuantile(double a, double b, double q) {
  const double s = a + b;
  const double mean = a / s;
  const double sd = std::sqrt(a / s * (b / s) / (s + 1));
  const double g1 = 2 * (b - a) * std::sqrt(s + 1) / ((s + 2) * std::sqrt(a * b));
  const double g2 =
      6 * ((a - b) * (a - b) * (s + 1) - a * b * (s + 2)) / (a * b * (s + 2) * (s + 3));
  const double z = NormalQuantile(q);
  const double z2 = z * z;
  const double w = z + g1 * (z2 - 1) / 6 + g2 * z * (z2 - 3) / 24 - g1 * g1 * z * (2 * z2 - 5) / 36;
  return std::clamp(mean + sd * w, 0.0, 1.0);
}

// A starting point (Numerical Recipes' invbetai): a normal approximation when both shapes are at
// least 1, otherwise the leading power of whichever tail q lies in.
double InitialGuess(double a, double b, double q) {
  if (a >= 1 && b >= 1) {
    const double z = -NormalQuantile(q);  // the upper-tail deviate, as the formula has it
    const double lambda = (z * z - 3) / 6;
    const double h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const double w = z * std::sqrt(lambda + h) / h -
                     (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (lambda + 5.0 / 6 - 2 / (3 * h));
    return a / (a + b * std::exp(2 * w));
  }
  const double lna = std::log(a / (a + b));
  const double lnb = std::log(b / (a + b));
  const double t = std::exp(a * lna) / a;
  const double u = std::exp(b * lnb) / b;
  const double w = t + u;
  if (q < t / w) return std::pow(a * w * q, 1 / a);
  return 1 - std::pow(b * w * (1 - q), 1 / b);
}

// --- Shrinking ---------------------------------------------------------------------------------

double BetaStandardDeviation(double a, double b) {
  const double s = a + b;
  return std::sqrt(a / s * (b / s) / (s + 1));
}

}  // namespace

double BetaQuantile(double a, double b, double q) {
  if (!(a > 0) || !(b > 0) || std::isnan(q)) return kNaN;
  if (q <= 0) return 0;
  if (q >= 1) return 1;
  if (std::isinf(a) && std::isinf(b)) return kNaN;
  if (std::isinf(a)) return 1;  // all the mass at the end the infinite shape pulls towards
  if (std::isinf(b)) return 0;
  if (std::min(a, b) >= kCornishFisherShape) return CornishFisherBetaQuantile(a, b, q);

  // Safeguarded Newton: [lo, hi] always brackets the root; a step that would leave it, or one
  // from a point where the density is zero or not finite, bisects instead. Bisection halves
  // towards zero while lo is 0, so that a quantile of 1e-300 is within reach. The tolerance is
  // relative to x, so that quantiles near zero keep their digits; 1e-13 of x is well within the
  // 1e-10 promised, and Newton's last step, once that small, has squared the error again.
  constexpr double kTolerance = 1e-13;
  const double log_beta = LogBeta(a, b);
  const bool upper_tail = q > 0.5;
  const double target = upper_tail ? 1 - q : q;
  double lo = 0;
  double hi = 1;
  double x = InitialGuess(a, b, q);
  if (!(x > 0 && x < 1)) x = 0.5;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    const BetaTails tails = RegularizedIncompleteBeta(a, b, x, log_beta);
    // F(x) - q, from whichever tail holds q, so that 1 - q near 1 loses nothing.
    const double error = upper_tail ? target - tails.upper : tails.lower - target;
    if (error == 0) break;
    if (error < 0) {
      lo = x;
    } else {
      hi = x;
    }
    const double step = error / BetaDensity(a, b, x, log_beta);
    if (std::isfinite(step)) {
      // A converged step may round onto the bracket's end; it is taken, not bisected.
      if (std::abs(step) <= kTolerance * x) return std::clamp(x - step, lo, hi);
      const double next = x - step;
      if (next > lo && next < hi) {
        x = next;
        continue;
      }
    }
    x = lo > 0 ? lo + (hi - lo) / 2 : hi / 2;
    if (hi - lo <= kTolerance * hi) break;
  }
  return x;
}

RatePrior FitRatePrior(std::span<const RateCount> groups) {
  RatePrior prior;
  double events = 0;
  double total = 0;
  double rate_sum = 0;
  double inverse_n_sum = 0;
  int k = 0;
  for (const RateCount& g : groups) {
    if (g.n <= 0) continue;
    events += static_cast<double>(g.events);
    total += static_cast<double>(g.n);
    rate_sum += static_cast<double>(g.events) / static_cast<double>(g.n);
    inverse_n_sum += 1 / static_cast<double>(g.n);
    ++k;
  }
  if (k == 0) return prior;
  prior.p = events / total;
  prior.m = total;
  const double binomial = prior.p * (1 - prior.p);
  // With no events, or nothing but events, every group's rate is p exactly: there is no spread
  // to estimate, and p(1 - p) = 0 would make m 0/0.
  if (k < 2 || binomial <= 0) return prior;

  // s²: the sample variance of the raw rates, n - 1 (here k - 1) in the denominator, two-pass.
  const double mean_rate = rate_sum / k;
  double squares = 0;
  for (const RateCount& g : groups) {
    if (g.n <= 0) continue;
    const double deviation = static_cast<double>(g.events) / static_cast<double>(g.n) - mean_rate;
    squares += deviation * deviation;
  }
  const double s2 = squares / (k - 1);
  // The spread the binomial alone would give rates that all equal p, E[p(1-p)/n_t], taken out.
  prior.tau2 = std::max(0.0, s2 - binomial * inverse_n_sum / k);
  if (prior.tau2 > 0) prior.m = std::clamp(binomial / prior.tau2 - 1, 0.0, total);
  return prior;
}

ShrunkRate ShrinkRate(const RatePrior& prior, RateCount count) {
  ShrunkRate out;
  const double x = static_cast<double>(count.events);
  const double n = static_cast<double>(count.n);
  const double p = prior.p;
  out.raw = count.n > 0 ? x / n : p;  // a group with no episodes is the prior's alone
  if (std::isinf(prior.m)) {
    out.estimate = out.lower = out.upper = p;
    return out;
  }
  const double m = prior.m;
  out.estimate = n + m > 0 ? (x + m * p) / (n + m) : p;
  double a = x + m * p;
  double b = n - x + m * (1 - p);
  if (!(a > 0 && b > 0)) {
    // m = 0 with no events or nothing but events: Beta(0, n) has no quantiles. Jeffreys'
    // interval keeps the estimate x/n and gives the interval a width that shrinks with n.
    a = x + 0.5;
    b = n - x + 0.5;
  }
  out.lower = BetaQuantile(a, b, kLowerTail);
  out.upper = BetaQuantile(a, b, kUpperTail);
  out.standard_error = BetaStandardDeviation(a, b);
  return out;
}

MeanPrior FitMeanPrior(std::span<const MeanSummary> groups) {
  MeanPrior prior;
  double within_squares = 0;  // Σ (n_t - 1) s_t²
  double within_df = 0;       // Σ (n_t - 1)
  double total = 0;           // Σ n_t
  double weighted_means = 0;  // Σ n_t ȳ_t
  int k = 0;
  for (const MeanSummary& g : groups) {
    if (g.n <= 0) continue;
    const double n = static_cast<double>(g.n);
    within_squares += (n - 1) * g.variance;
    within_df += n - 1;
    total += n;
    weighted_means += n * g.mean;
    ++k;
  }
  if (k == 0) return prior;
  prior.sigma2 = within_df > 0 ? within_squares / within_df : 0;
  // The fixed-effect mean: with every v_t = σ²/n_t, the weights 1/v_t are n_t/σ², and σ² cancels.
  const double fixed_mean = weighted_means / total;
  if (k < 2) {
    prior.mean = fixed_mean;
    prior.mean_variance = prior.sigma2 / total;
    return prior;
  }

  // Q = Σ W_t (ȳ_t - ȳ_FE)² and the denominator ΣW - ΣW²/ΣW, both with W_t = n_t/σ². Written
  // as σ² times their value at σ² = 1, so that σ² = 0 (every group a single episode, or no
  // variation within any group) gives the estimator's limit as σ² → 0 rather than 0/0: τ²
  // becomes the n-weighted spread of the group means, Σ n_t (ȳ_t - ȳ_FE)² / (Σn - Σn²/Σn),
  // and with no sampling error left nothing is shrunk (each weight is 1, or 0 when all agree).
  double q_unit = 0;  // Q·σ²
  double n_squares = 0;
  for (const MeanSummary& g : groups) {
    if (g.n <= 0) continue;
    const double n = static_cast<double>(g.n);
    const double deviation = g.mean - fixed_mean;
    q_unit += n * deviation * deviation;
    n_squares += n * n;
  }
  const double denominator_unit = total - n_squares / total;  // (ΣW - ΣW²/ΣW)·σ²; > 0 for k ≥ 2
  const double df = k - 1;
  prior.tau2 = std::max(0.0, (q_unit - df * prior.sigma2) / denominator_unit);

  // The random-effects mean, each group weighted by 1/(τ² + σ²/n_t).
  if (prior.tau2 == 0 && prior.sigma2 == 0) {
    prior.mean = fixed_mean;  // every group has the same mean (up to rounding)
    return prior;
  }
  double weight_sum = 0;
  double weighted = 0;
  for (const MeanSummary& g : groups) {
    if (g.n <= 0) continue;
    const double w = 1 / (prior.tau2 + prior.sigma2 / static_cast<double>(g.n));
    weight_sum += w;
    weighted += w * g.mean;
  }
  prior.mean = weighted / weight_sum;
  prior.mean_variance = 1 / weight_sum;
  return prior;
}

ShrunkMean ShrinkMean(const MeanPrior& prior, const MeanSummary& group) {
  ShrunkMean out;
  out.raw = group.mean;
  if (group.n <= 0) {
    // No episodes: the prior alone, whose spread is τ².
    out.estimate = prior.mean;
    out.standard_error = std::sqrt(prior.tau2);
    return out;
  }
  const double sampling = prior.sigma2 / static_cast<double>(group.n);  // σ²/n_t
  if (sampling == 0) {
    // No sampling error: the group's mean is its true mean when groups differ at all, and the
    // common mean when they do not.
    out.weight = prior.tau2 > 0 ? 1 : 0;
  } else {
    out.weight = prior.tau2 / (prior.tau2 + sampling);
  }
  out.estimate = out.weight * group.mean + (1 - out.weight) * prior.mean;
  const double pulled = 1 - out.weight;
  out.standard_error = std::sqrt(out.weight * sampling + pulled * pulled * prior.mean_variance);
  return out;
}

}  // namespace rapport
