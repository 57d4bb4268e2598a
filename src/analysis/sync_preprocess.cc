#include "analysis/sync_preprocess.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "analysis/sync_series.h"

namespace rapport {

std::vector<double> SmoothCentred(std::span<const double> x, double seconds, double fps) {
  const auto n = static_cast<std::ptrdiff_t>(x.size());
  auto width = static_cast<std::ptrdiff_t>(std::llround(seconds * fps));
  if (width % 2 == 0) ++width;
  const std::ptrdiff_t half = width / 2;
  // Prefix sums of values and of presence make every window O(1). Values are summed centred on
  // the series mean so the differences of prefix sums do not cancel badly on long series.
  double mean = 0;
  std::ptrdiff_t present = 0;
  for (double v : x) {
    if (!IsMissing(v)) {
      mean += v;
      ++present;
    }
  }
  mean = present > 0 ? mean / static_cast<double>(present) : 0.0;
  std::vector<double> sum(x.size() + 1, 0.0);
  std::vector<std::ptrdiff_t> count(x.size() + 1, 0);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    const double v = x[static_cast<std::size_t>(i)];
    const bool ok = !IsMissing(v);
    sum[static_cast<std::size_t>(i + 1)] = sum[static_cast<std::size_t>(i)] + (ok ? v - mean : 0.0);
    count[static_cast<std::size_t>(i + 1)] = count[static_cast<std::size_t>(i)] + (ok ? 1 : 0);
  }
  std::vector<double> out(x.size(), kNaN);
  for (std::ptrdiff_t t = 0; t < n; ++t) {
    if (IsMissing(x[static_cast<std::size_t>(t)])) continue;
    const auto lo = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, t - half));
    const auto hi = static_cast<std::size_t>(std::min<std::ptrdiff_t>(n, t + half + 1));
    const auto k = count[hi] - count[lo];
    out[static_cast<std::size_t>(t)] = mean + (sum[hi] - sum[lo]) / static_cast<double>(k);
  }
  return out;
}

std::vector<double> SmoothRmea(std::span<const double> x, double seconds, double fps) {
  // Mirrors R: i1 = t-(n-1)/2 (clamped to 1), i2 = t+(n-1)/2, a[i1:i2] where `:` steps by one
  // from i1 while <= i2 (with R's 1e-10 fuzz) and indices truncate toward zero.
  const double n = seconds * fps;
  const auto size = static_cast<double>(x.size());
  std::vector<double> out(x.size());
  for (std::size_t t0 = 0; t0 < x.size(); ++t0) {
    const double t = static_cast<double>(t0 + 1);
    double i1 = t - (n - 1) / 2;
    if (i1 < 1) i1 = 1;
    const double i2 = t + (n - 1) / 2;
    const auto count = static_cast<long long>(std::floor(i2 - i1 + 1e-10)) + 1;
    long double sum = 0;  // R's sum() accumulates in long double
    bool missing = false;
    for (long long k = 0; k < count; ++k) {
      const double index = std::trunc(i1 + static_cast<double>(k));
      if (index > size) {
        missing = true;
        break;
      }
      const double v = x[static_cast<std::size_t>(index) - 1];
      if (IsMissing(v)) {
        missing = true;
        break;
      }
      sum += v;
    }
    out[t0] = missing ? 0.0 : static_cast<double>(sum) / n;
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (IsMissing(x[i])) out[i] = kNaN;
  }
  return out;
}

Result<std::vector<double>> ScaleBySd(std::span<const double> x) {
  // Two-pass SD as R's var() computes it (mean corrected by the mean residual).
  long double sum = 0;
  std::size_t n = 0;
  for (double v : x) {
    if (!IsMissing(v)) {
      sum += v;
      ++n;
    }
  }
  if (n < 2) return Fail(Error::InvalidArgument("a series needs two values to be scaled"));
  long double mean = sum / static_cast<long double>(n);
  long double residual = 0;
  for (double v : x) {
    if (!IsMissing(v)) residual += v - mean;
  }
  mean += residual / static_cast<long double>(n);
  long double squares = 0;
  for (double v : x) {
    if (!IsMissing(v)) squares += (v - mean) * (v - mean);
  }
  const double sd = std::sqrt(static_cast<double>(squares / static_cast<long double>(n - 1)));
  if (!(sd > 0)) return Fail(Error::InvalidArgument("a constant series cannot be scaled"));
  std::vector<double> out(x.begin(), x.end());
  for (double& v : out) v /= sd;
  return out;
}

Result<DyadSeries> Preprocess(const DyadSeries& series, const PreprocessOptions& options) {
  DyadSeries out = series;
  if (options.skip_seconds < 0 || options.smooth_seconds < 0) {
    return Fail(Error::InvalidArgument("--skip and --smooth must not be negative"));
  }
  if (options.skip_seconds > 0) {
    const auto skip = static_cast<std::size_t>(std::llround(options.skip_seconds * series.fps));
    if (skip >= series.size()) {
      return Fail(Error::Field(
          "--skip", fmt::format("skipping {} samples leaves nothing of {}", skip, series.size())));
    }
    out.s1.erase(out.s1.begin(), out.s1.begin() + static_cast<std::ptrdiff_t>(skip));
    out.s2.erase(out.s2.begin(), out.s2.begin() + static_cast<std::ptrdiff_t>(skip));
  }
  if (options.smooth_seconds > 0) {
    if (options.rmea_compat) {
      if (options.smooth_seconds * series.fps < 1) {
        return Fail(Error::Field("--smooth", "the smoothing window must span at least one sample"));
      }
      out.s1 = SmoothRmea(out.s1, options.smooth_seconds, series.fps);
      out.s2 = SmoothRmea(out.s2, options.smooth_seconds, series.fps);
    } else {
      out.s1 = SmoothCentred(out.s1, options.smooth_seconds, series.fps);
      out.s2 = SmoothCentred(out.s2, options.smooth_seconds, series.fps);
    }
  }
  if (options.scale) {
    auto s1 = ScaleBySd(out.s1);
    if (!s1) return Fail(Error::Field("--scale", "person 1: " + s1.error().message));
    auto s2 = ScaleBySd(out.s2);
    if (!s2) return Fail(Error::Field("--scale", "person 2: " + s2.error().message));
    out.s1 = std::move(*s1);
    out.s2 = std::move(*s2);
  }
  return out;
}

}  // namespace rapport
