#include "analysis/sync_ccf.h"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numeric>
#include <thread>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

constexpr double kFisherClamp = 10.0;  // rMEA's fisher.r2z bound

Result<int> ToSamples(double seconds, double fps, const char* flag) {
  const double samples = seconds * fps;
  const double rounded = std::round(samples);
  if (!std::isfinite(samples) || std::abs(samples - rounded) > 1e-9 * std::max(1.0, rounded)) {
    return Fail(Error::Field(
        flag, fmt::format("{} s at {} fps is not a whole number of samples", seconds, fps)));
  }
  if (rounded > 1e8) return Fail(Error::Field(flag, "is too large"));
  return static_cast<int>(rounded);
}

double Transform(double r, const CcfOptions& options) {
  if (IsMissing(r)) return r;
  r = std::clamp(r, -1.0, 1.0);
  if (options.fisher_z) r = std::clamp(std::atanh(r), -kFisherClamp, kFisherClamp);
  if (options.absolute) r = std::abs(r);
  return r;
}

// Fewer than two positions where the paired values differ: rMEA's guard against (nearly)
// identical series, `sum(x != y, na.rm = TRUE) < 2`. Stops at the second difference, which real
// data reach within a few samples.
bool FewerThanTwoDifferences(const double* x, const double* y, int n) {
  int differences = 0;
  for (int t = 0; t < n; ++t) {
    if (!IsMissing(x[t]) && !IsMissing(y[t]) && x[t] != y[t] && ++differences >= 2) return false;
  }
  return true;
}

// Fills run[i] with the end (exclusive) of the run of equal values that starts at i, so that
// [i, i + n) is constant exactly when run[i] >= i + n. Exact, unlike a variance near zero.
void EqualRuns(const double* v, int n, std::vector<int>& run) {
  run.resize(static_cast<std::size_t>(n));
  if (n == 0) return;
  run[static_cast<std::size_t>(n - 1)] = n;
  for (int i = n - 2; i >= 0; --i) {
    const auto at = static_cast<std::size_t>(i);
    run[at] = v[i] == v[i + 1] ? run[at + 1] : i + 1;
  }
}

// Correlations of a_src[0, W) with b_src[k, k + W) for k in [k_min, k_max], written to out[k].
// No value may be missing. Both sides are centred before multiplying: a_src exactly (its own
// two-pass mean), b_src on the mean of its whole span, which differs from each lagged range's
// mean only slightly, so neither the cross products nor the prefix sums cancel catastrophically.
void HalfWindow(const double* a_src, const double* b_src, int w, int k_min, int k_max,
                bool rmea_compat, CcfWorkspace& ws, double* out) {
  const int span = w + k_max;
  ws.a.resize(static_cast<std::size_t>(w));
  ws.b.resize(static_cast<std::size_t>(span));
  ws.prefix.resize(static_cast<std::size_t>(span) + 1);
  ws.prefix_sq.resize(static_cast<std::size_t>(span) + 1);
  double* a = ws.a.data();
  double* b = ws.b.data();
  double* pb = ws.prefix.data();
  double* pbb = ws.prefix_sq.data();

  double mean_a = 0;
  for (int t = 0; t < w; ++t) mean_a += a_src[t];
  mean_a /= w;
  double residual = 0;
  for (int t = 0; t < w; ++t) residual += a_src[t] - mean_a;
  mean_a += residual / w;
  double sum_a = 0, sum_aa = 0;
  bool a_constant = true;
  for (int t = 0; t < w; ++t) {
    a[t] = a_src[t] - mean_a;
    sum_a += a[t];
    sum_aa += a[t] * a[t];
    if (a_src[t] != a_src[0]) a_constant = false;
  }
  const double var_a = sum_aa - sum_a * sum_a / w;

  double mean_b = 0;
  for (int t = 0; t < span; ++t) mean_b += b_src[t];
  mean_b /= span;
  pb[0] = 0;
  pbb[0] = 0;
  for (int t = 0; t < span; ++t) {
    b[t] = b_src[t] - mean_b;
    pb[t + 1] = pb[t] + b[t];
    pbb[t + 1] = pbb[t] + b[t] * b[t];
  }
  EqualRuns(b_src, span, ws.run_b);
  const int* run_b = ws.run_b.data();

  auto finish = [&](int k, double sum_ab) {
    if (a_constant || run_b[k] >= k + w ||
        (rmea_compat && FewerThanTwoDifferences(a_src, b_src + k, w))) {
      out[k] = kNaN;
      return;
    }
    const double sum_b = pb[k + w] - pb[k];
    const double var_b = (pbb[k + w] - pbb[k]) - sum_b * sum_b / w;
    const double cov = sum_ab - sum_a * sum_b / w;
    out[k] = var_b > 0 && var_a > 0 ? cov / std::sqrt(var_a * var_b) : kNaN;
  };

  // Eight lags share each load of a[t]; eight independent sums keep the FP pipeline full.
  int k = k_min;
  for (; k + 8 <= k_max + 1; k += 8) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    const double* bk = b + k;
    for (int t = 0; t < w; ++t) {
      const double av = a[t];
      const double* bt = bk + t;
      s0 += av * bt[0];
      s1 += av * bt[1];
      s2 += av * bt[2];
      s3 += av * bt[3];
      s4 += av * bt[4];
      s5 += av * bt[5];
      s6 += av * bt[6];
      s7 += av * bt[7];
    }
    finish(k, s0);
    finish(k + 1, s1);
    finish(k + 2, s2);
    finish(k + 3, s3);
    finish(k + 4, s4);
    finish(k + 5, s5);
    finish(k + 6, s6);
    finish(k + 7, s7);
  }
  for (; k <= k_max; ++k) {
    double s = 0;
    const double* bk = b + k;
    for (int t = 0; t < w; ++t) s += a[t] * bk[t];
    finish(k, s);
  }
}

// One cell with missing values about: complete pairs only, checked against the missing-data
// rule of the mode.
double CellWithMissing(const double* x, const double* y, int w, const CcfOptions& options,
                       CcfWorkspace& ws) {
  if (options.rmea_compat && FewerThanTwoDifferences(x, y, w)) return kNaN;
  ws.pairs_x.clear();
  ws.pairs_y.clear();
  for (int t = 0; t < w; ++t) {
    if (!IsMissing(x[t]) && !IsMissing(y[t])) {
      ws.pairs_x.push_back(x[t]);
      ws.pairs_y.push_back(y[t]);
    }
  }
  const auto n = static_cast<int>(ws.pairs_x.size());
  if (!options.rmea_compat && (w - n > w / 2.0 || n < 3)) return kNaN;
  return PearsonComplete(ws.pairs_x, ws.pairs_y);
}

}  // namespace

Result<CcfGeometry> MakeCcfGeometry(const CcfOptions& options, std::size_t n_samples) {
  if (!(options.fps > 0) || !std::isfinite(options.fps)) {
    return Fail(Error::Field("--fps", "must be a positive number"));
  }
  if (options.lag_seconds < 0) return Fail(Error::Field("--lag", "must not be negative"));
  if (!(options.window_seconds > 0)) return Fail(Error::Field("--window", "must be positive"));
  if (!(options.increment_seconds > 0)) {
    return Fail(Error::Field("--increment", "must be positive"));
  }
  CcfGeometry g;
  RAPPORT_ASSIGN_OR_RETURN(g.window, ToSamples(options.window_seconds, options.fps, "--window"));
  RAPPORT_ASSIGN_OR_RETURN(g.max_lag, ToSamples(options.lag_seconds, options.fps, "--lag"));
  RAPPORT_ASSIGN_OR_RETURN(g.increment,
                           ToSamples(options.increment_seconds, options.fps, "--increment"));
  if (g.window < 3) return Fail(Error::Field("--window", "must span at least 3 samples"));
  if (g.increment < 1) return Fail(Error::Field("--increment", "must span at least 1 sample"));
  const auto n = static_cast<long long>(n_samples);
  const long long room = n - g.window - g.max_lag + 1;
  if (room <= 0) {
    return Fail(Error::InvalidArgument(
        fmt::format("a window of {} samples plus a lag of {} does not fit in {} samples", g.window,
                    g.max_lag, n_samples)));
  }
  g.n_windows = static_cast<int>((room + g.increment - 1) / g.increment);
  return g;
}

double PearsonComplete(std::span<const double> x, std::span<const double> y) {
  double sx = 0, sy = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (IsMissing(x[i]) || IsMissing(y[i])) continue;
    sx += x[i];
    sy += y[i];
    ++n;
  }
  if (n < 2) return kNaN;
  const double dn = static_cast<double>(n);
  double mx = sx / dn, my = sy / dn;
  double rx = 0, ry = 0;
  bool x_constant = true, y_constant = true;
  double x0 = kNaN, y0 = kNaN;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (IsMissing(x[i]) || IsMissing(y[i])) continue;
    if (IsMissing(x0)) {
      x0 = x[i];
      y0 = y[i];
    }
    if (x[i] != x0) x_constant = false;
    if (y[i] != y0) y_constant = false;
    rx += x[i] - mx;
    ry += y[i] - my;
  }
  if (x_constant || y_constant) return kNaN;
  mx += rx / dn;
  my += ry / dn;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (IsMissing(x[i]) || IsMissing(y[i])) continue;
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (!(sxx > 0) || !(syy > 0)) return kNaN;
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

namespace ccf_internal {

// Sums over t in [begin, end) of u[t] * v[t + k] for k in [0, n_k), written to out[k]. The
// caller guarantees every index is in range. Eight lags share each load of u[t].
void LaggedProducts(const double* u, const double* v, std::size_t begin, std::size_t end, int n_k,
                    double* out) {
  int k = 0;
  for (; k + 8 <= n_k; k += 8) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (std::size_t t = begin; t < end; ++t) {
      const double ut = u[t];
      const double* vt = v + t + static_cast<std::size_t>(k);
      s0 += ut * vt[0];
      s1 += ut * vt[1];
      s2 += ut * vt[2];
      s3 += ut * vt[3];
      s4 += ut * vt[4];
      s5 += ut * vt[5];
      s6 += ut * vt[6];
      s7 += ut * vt[7];
    }
    out[k] = s0;
    out[k + 1] = s1;
    out[k + 2] = s2;
    out[k + 3] = s3;
    out[k + 4] = s4;
    out[k + 5] = s5;
    out[k + 6] = s6;
    out[k + 7] = s7;
  }
  for (; k < n_k; ++k) {
    double s = 0;
    const double* vk = v + k;
    for (std::size_t t = begin; t < end; ++t) s += u[t] * vk[t];
    out[k] = s;
  }
}

}  // namespace ccf_internal

namespace {
// Beyond this bound on a cell's rounding error the window is recomputed with per-window
// centring. The bound is a worst case; actual errors are orders of magnitude smaller.
constexpr double kErrorBudget = 1e-11;
}  // namespace

namespace ccf_internal {

int BlockSize(const CcfGeometry& g) {
  return std::gcd(g.window, g.increment);
}

std::size_t BlockCount(const CcfGeometry& g) {
  return (static_cast<std::size_t>(g.n_windows - 1) * static_cast<std::size_t>(g.increment) +
          static_cast<std::size_t>(g.window)) /
         static_cast<std::size_t>(BlockSize(g));
}

void PrepareWindows(std::span<const double> s1, std::span<const double> s2, const CcfGeometry& g,
                    double centre_x, double centre_y, CcfWorkspace& ws) {
  // Every window is a run of blocks of b = gcd(W, I) samples, and overlapping windows share
  // blocks, so the lagged products are summed once per block and then added up per window.
  // The products use the series centred on one level per person; windows whose local level
  // sits so far from it that rounding could reach kErrorBudget are recomputed exactly.
  const int b = BlockSize(g);
  const int span = g.window + g.max_lag;
  const std::size_t blocks_per_window = static_cast<std::size_t>(g.window / b);
  const std::size_t n_blocks = BlockCount(g);
  const auto lag_count = static_cast<std::size_t>(g.max_lag) + 1;
  // Centre, and count missing samples per person with prefix counts (one pass over the series).
  const std::size_t n = s1.size();
  ws.xc.resize(n);
  ws.yc.resize(n);
  ws.run_a.resize(n + 1);
  ws.run_b.resize(n + 1);
  int* missing_x = ws.run_a.data();
  int* missing_y = ws.run_b.data();
  int count_x = 0, count_y = 0;
  missing_x[0] = missing_y[0] = 0;
  for (std::size_t i = 0; i < n; ++i) {
    ws.xc[i] = s1[i] - centre_x;
    ws.yc[i] = s2[i] - centre_y;
    count_x += IsMissing(s1[i]) ? 1 : 0;
    count_y += IsMissing(s2[i]) ? 1 : 0;
    missing_x[i + 1] = count_x;
    missing_y[i + 1] = count_y;
  }
  ws.window_missing.assign(static_cast<std::size_t>(g.n_windows), 0);
  ws.block_needed.assign(n_blocks, 0);
  for (int win = 0; win < g.n_windows; ++win) {
    const std::size_t start = static_cast<std::size_t>(win) * static_cast<std::size_t>(g.increment);
    const std::size_t end = start + static_cast<std::size_t>(span);
    const int mx = missing_x[end] - missing_x[start];
    const int my = missing_y[end] - missing_y[start];
    ws.window_missing[static_cast<std::size_t>(win)] = std::max(mx, my);
    if (mx + my == 0) {
      const std::size_t first = start / static_cast<std::size_t>(b);
      for (std::size_t j = 0; j < blocks_per_window; ++j) ws.block_needed[first + j] = 1;
    }
  }
  // forward[j][k] = sum over block j of x[t] y[t+k]; backward[j][k] = sum of y[t] x[t+k].
  ws.forward.assign(n_blocks * lag_count, 0.0);
  ws.backward.assign(n_blocks * lag_count, 0.0);
}

void AssembleWindows(std::span<const double> s1, std::span<const double> s2, const CcfGeometry& g,
                     const CcfOptions& options, CcfWorkspace& ws, std::vector<double>& values) {
  const int n_lags = g.n_lags();
  const int w = g.window;
  const int lag = g.max_lag;
  const int span = w + lag;
  const int b = BlockSize(g);
  const std::size_t blocks_per_window = static_cast<std::size_t>(w / b);
  const auto lag_count = static_cast<std::size_t>(lag) + 1;
  values.assign(static_cast<std::size_t>(g.n_windows) * static_cast<std::size_t>(n_lags), kNaN);
  const double inv_w = 1.0 / w;
  const double eps = std::numeric_limits<double>::epsilon();
  ws.run_a.resize(static_cast<std::size_t>(span));
  ws.run_b.resize(static_cast<std::size_t>(span));
  const double growth = eps * static_cast<double>(2 * span);
  ws.prefix.resize(static_cast<std::size_t>(span) + 1);
  ws.prefix_sq.resize(static_cast<std::size_t>(span) + 1);
  ws.prefix_y.resize(static_cast<std::size_t>(span) + 1);
  ws.prefix_y_sq.resize(static_cast<std::size_t>(span) + 1);
  for (int win = 0; win < g.n_windows; ++win) {
    const std::size_t start = static_cast<std::size_t>(win) * static_cast<std::size_t>(g.increment);
    const double* x = s1.data() + start;
    const double* y = s2.data() + start;
    double* row = values.data() + static_cast<std::size_t>(win) * static_cast<std::size_t>(n_lags);
    const int missing = ws.window_missing[static_cast<std::size_t>(win)];
    if (missing > 0) {
      if (options.rmea_compat && missing > span / 2.0) continue;  // rMEA: the whole row is missing
      for (int k = -lag; k <= lag; ++k) {
        const int shift = k < 0 ? -k : k;
        const double* xs = k < 0 ? x + shift : x;
        const double* ys = k < 0 ? y : y + shift;
        row[k + lag] = CellWithMissing(xs, ys, w, options, ws);
      }
      for (int c = 0; c < n_lags; ++c) row[c] = Transform(row[c], options);
      continue;
    }
    const double* xc = ws.xc.data() + start;
    const double* yc = ws.yc.data() + start;
    double* px = ws.prefix.data();
    double* pxx = ws.prefix_sq.data();
    double* py = ws.prefix_y.data();
    double* pyy = ws.prefix_y_sq.data();
    // Running sums live in registers: a loop that re-reads what it just stored stalls.
    double rx = 0, rxx = 0, ry = 0, ryy = 0;
    int changes_x = 0, changes_y = 0;
    int* cx = ws.run_a.data();
    int* cy = ws.run_b.data();
    px[0] = pxx[0] = py[0] = pyy[0] = 0;
    cx[0] = cy[0] = 0;
    for (int t = 0; t < span; ++t) {
      rx += xc[t];
      rxx += xc[t] * xc[t];
      ry += yc[t];
      ryy += yc[t] * yc[t];
      px[t + 1] = rx;
      pxx[t + 1] = rxx;
      py[t + 1] = ry;
      pyy[t + 1] = ryy;
      // changes[t] counts i in [1, t] with v[i] != v[i - 1]: [a, a + W) is constant exactly
      // when changes[a + W - 1] == changes[a].
      if (t > 0) {
        changes_x += x[t] != x[t - 1] ? 1 : 0;
        changes_y += y[t] != y[t - 1] ? 1 : 0;
        cx[t] = changes_x;
        cy[t] = changes_y;
      }
    }
    const std::size_t first_block = start / static_cast<std::size_t>(b);
    bool exact_needed = false;
    for (int k = -lag; k <= lag && !exact_needed; ++k) {
      const int shift = k < 0 ? -k : k;
      const int x0 = k < 0 ? shift : 0;  // person 1's range starts here in the span
      const int y0 = k < 0 ? 0 : shift;
      double& cell = row[k + lag];
      if (cx[x0 + w - 1] == cx[x0] || cy[y0 + w - 1] == cy[y0] ||
          (options.rmea_compat && FewerThanTwoDifferences(x + x0, y + y0, w))) {
        cell = kNaN;
        continue;
      }
      const std::vector<double>& table = k < 0 ? ws.backward : ws.forward;
      double sum_xy = 0;
      for (std::size_t j = 0; j < blocks_per_window; ++j) {
        sum_xy += table[(first_block + j) * lag_count + static_cast<std::size_t>(shift)];
      }
      const double sum_x = px[x0 + w] - px[x0];
      const double sum_y = py[y0 + w] - py[y0];
      const double sq_x = pxx[x0 + w] - pxx[x0];
      const double sq_y = pyy[y0 + w] - pyy[y0];
      const double var_x = sq_x - sum_x * sum_x * inv_w;
      const double var_y = sq_y - sum_y * sum_y * inv_w;
      const double cov = sum_xy - sum_x * sum_y * inv_w;
      if (!(var_x > 0) || !(var_y > 0)) {
        exact_needed = true;
        break;
      }
      const double ratio_x = sq_x / var_x, ratio_y = sq_y / var_y;
      const double bound = growth * (std::sqrt(ratio_x * ratio_y) + ratio_x + ratio_y);
      if (bound > kErrorBudget) {
        exact_needed = true;
        break;
      }
      cell = cov / std::sqrt(var_x * var_y);
    }
    if (exact_needed) {
      // Lags 0..L: person 1 fixed at [0, W), person 2 moves. Lags -1..-L: the mirror image.
      HalfWindow(x, y, w, 0, lag, options.rmea_compat, ws, row + lag);
      ws.pairs_x.resize(static_cast<std::size_t>(lag) + 1);
      if (lag > 0) {
        HalfWindow(y, x, w, 1, lag, options.rmea_compat, ws, ws.pairs_x.data());
        for (int k = 1; k <= lag; ++k) row[lag - k] = ws.pairs_x[static_cast<std::size_t>(k)];
      }
    }
    for (int c = 0; c < n_lags; ++c) row[c] = Transform(row[c], options);
  }
}

}  // namespace ccf_internal

void ComputeCcfInto(std::span<const double> s1, std::span<const double> s2, const CcfGeometry& g,
                    const CcfOptions& options, CcfWorkspace& ws, std::vector<double>& values) {
  using namespace ccf_internal;
  const int lag = g.max_lag;
  const int b = BlockSize(g);
  const std::size_t n_blocks = BlockCount(g);
  const auto lag_count = static_cast<std::size_t>(lag) + 1;
  PrepareWindows(s1, s2, g, MeanPresent(s1), MeanPresent(s2), ws);
  // Blocks are independent and each is summed the same way on any thread, so the result does
  // not depend on the thread count.
  auto products = [&](std::size_t first, std::size_t stride) {
    for (std::size_t j = first; j < n_blocks; j += stride) {
      if (!ws.block_needed[j]) continue;
      const std::size_t begin = j * static_cast<std::size_t>(b);
      const std::size_t end = begin + static_cast<std::size_t>(b);
      LaggedProducts(ws.xc.data(), ws.yc.data(), begin, end, lag + 1,
                     ws.forward.data() + j * lag_count);
      LaggedProducts(ws.yc.data(), ws.xc.data(), begin, end, lag + 1,
                     ws.backward.data() + j * lag_count);
    }
  };
  const auto threads = static_cast<std::size_t>(std::clamp(options.threads, 1, 256));
  if (threads == 1 || n_blocks < 2 * threads) {
    products(0, 1);
  } else {
    std::vector<std::thread> pool;
    for (std::size_t i = 1; i < threads; ++i) pool.emplace_back(products, i, threads);
    products(0, threads);
    for (std::thread& t : pool) t.join();
  }

  AssembleWindows(s1, s2, g, options, ws, values);
}

Result<CcfMatrix> ComputeCcf(std::span<const double> s1, std::span<const double> s2,
                             const CcfOptions& options) {
  if (s1.size() != s2.size()) {
    return Fail(Error::InvalidArgument("the two persons' series differ in length"));
  }
  CcfMatrix matrix;
  RAPPORT_ASSIGN_OR_RETURN(matrix.geometry, MakeCcfGeometry(options, s1.size()));
  matrix.fps = options.fps;
  CcfWorkspace ws;
  ComputeCcfInto(s1, s2, matrix.geometry, options, ws, matrix.values);
  return matrix;
}

double MeanPresent(std::span<const double> values) {
  double sum = 0;
  std::size_t n = 0;
  for (double v : values) {
    if (!IsMissing(v)) {
      sum += v;
      ++n;
    }
  }
  return n == 0 ? kNaN : sum / static_cast<double>(n);
}

CcfSummary Summarize(const CcfMatrix& m) {
  const int n_windows = m.geometry.n_windows;
  const int n_lags = m.geometry.n_lags();
  const int lag = m.geometry.max_lag;
  CcfSummary s;
  double grand_sum = 0;
  std::size_t grand_n = 0;
  for (int w = 0; w < n_windows; ++w) {
    std::span<const double> row(
        m.values.data() + static_cast<std::size_t>(w) * static_cast<std::size_t>(n_lags),
        static_cast<std::size_t>(n_lags));
    const auto l = static_cast<std::size_t>(lag);
    s.all_lags.push_back(MeanPresent(row));
    s.lag_zero.push_back(row[l]);
    s.s1_lead.push_back(lag > 0 ? MeanPresent(row.subspan(l + 1)) : kNaN);
    s.s2_lead.push_back(lag > 0 ? MeanPresent(row.first(l)) : kNaN);
    s.s1_lead_0.push_back(lag > 0 ? MeanPresent(row.subspan(l)) : kNaN);
    s.s2_lead_0.push_back(lag > 0 ? MeanPresent(row.first(l + 1)) : kNaN);
    int best = -1;
    for (int c = 0; c < n_lags; ++c) {
      const double v = row[static_cast<std::size_t>(c)];
      if (IsMissing(v)) continue;
      grand_sum += v;
      ++grand_n;
      if (best < 0 || v > row[static_cast<std::size_t>(best)]) best = c;
    }
    s.peak.push_back(best < 0 ? kNaN : row[static_cast<std::size_t>(best)]);
    s.peak_lag.push_back(best < 0 ? kNaN : m.LagSeconds(best));
  }
  s.grand_average = grand_n == 0 ? kNaN : grand_sum / static_cast<double>(grand_n);
  return s;
}

SessionSynchrony SummarizeSession(const CcfSummary& s) {
  SessionSynchrony out;
  out.grand_average = s.grand_average;
  out.all_lags = MeanPresent(s.all_lags);
  out.lag_zero = MeanPresent(s.lag_zero);
  out.s1_lead = MeanPresent(s.s1_lead);
  out.s2_lead = MeanPresent(s.s2_lead);
  out.peak = MeanPresent(s.peak);
  return out;
}

const char* SessionSynchronyName(int field) {
  static constexpr const char* kNames[kSessionSynchronyFields] = {
      "grand_average", "all_lags", "lag_zero", "s1_lead", "s2_lead", "peak"};
  return kNames[field];
}

double SessionSynchronyValue(const SessionSynchrony& s, int field) {
  switch (field) {
    case 0: return s.grand_average;
    case 1: return s.all_lags;
    case 2: return s.lag_zero;
    case 3: return s.s1_lead;
    case 4: return s.s2_lead;
    default: return s.peak;
  }
}

std::string CcfMatrixCsv(const CcfMatrix& m) {
  // One buffer for the whole table: a 50-minute session's matrix is some 25,000 numbers.
  fmt::memory_buffer csv;
  const auto rows = static_cast<std::size_t>(m.geometry.n_windows) + 1;
  const auto columns = static_cast<std::size_t>(m.geometry.n_lags()) + 1;
  csv.reserve(rows * columns * 20);
  const auto number = [&csv](double v) {
    if (IsMissing(v)) {
      csv.append(std::string_view("NA"));
    } else {
      fmt::format_to(std::back_inserter(csv), FMT_COMPILE("{}"), v);
    }
  };
  csv.append(std::string_view("start_s"));
  for (int c = 0; c < m.geometry.n_lags(); ++c) {
    csv.push_back(',');
    number(m.LagSeconds(c));
  }
  csv.push_back('\n');
  for (int w = 0; w < m.geometry.n_windows; ++w) {
    number(m.WindowStartSeconds(w));
    for (int c = 0; c < m.geometry.n_lags(); ++c) {
      csv.push_back(',');
      number(m.at(w, c));
    }
    csv.push_back('\n');
  }
  return fmt::to_string(csv);
}

}  // namespace rapport
