#include "analysis/sync_surrogate.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

namespace rapport {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

SessionSynchrony MissingSession() {
  return SessionSynchrony{kNaN, kNaN, kNaN, kNaN, kNaN, kNaN};
}

double SampleSd(std::span<const double> v) {
  const double mean = MeanPresent(v);
  double squares = 0;
  std::size_t n = 0;
  for (double x : v) {
    if (IsMissing(x)) continue;
    squares += (x - mean) * (x - mean);
    ++n;
  }
  return n < 2 ? kNaN : std::sqrt(squares / static_cast<double>(n - 1));
}

}  // namespace

std::uint64_t SplitMix64::Next() {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t SplitMix64::Below(std::uint64_t bound) {
  // Reject the top partial copy of [0, bound) so every value is equally likely.
  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() -
                              std::numeric_limits<std::uint64_t>::max() % bound;
  std::uint64_t r = Next();
  while (r >= limit) r = Next();
  return r % bound;
}

SplitMix64 SurrogateStream(std::uint64_t seed, std::uint64_t index) {
  // Hash (seed, index) into a starting state so neighbouring indices do not share a stream.
  SplitMix64 mixer(seed ^ 0x5DEECE66DULL);
  const std::uint64_t a = mixer.Next();
  SplitMix64 second(a + index * 0xD1B54A32D192ED03ULL);
  return SplitMix64(second.Next());
}

Result<DyadSeries> ShuffleSegments(const DyadSeries& series, int segment_samples,
                                   SplitMix64& rng) {
  if (segment_samples < 1) return Fail(Error::Field("--segment", "must span at least one sample"));
  const std::size_t seg = static_cast<std::size_t>(segment_samples);
  const std::size_t n_segments = series.size() / seg;
  if (n_segments < 2) {
    return Fail(Error::Field("--segment", "the session holds fewer than two whole segments"));
  }
  auto permutation = [&] {
    std::vector<std::size_t> order(n_segments);
    for (std::size_t i = 0; i < n_segments; ++i) order[i] = i;
    for (std::size_t i = n_segments - 1; i > 0; --i) {
      std::swap(order[i], order[rng.Below(i + 1)]);
    }
    return order;
  };
  const std::vector<std::size_t> order1 = permutation();
  const std::vector<std::size_t> order2 = permutation();
  DyadSeries out;
  out.fps = series.fps;
  out.s1.resize(n_segments * seg);
  out.s2.resize(n_segments * seg);
  for (std::size_t i = 0; i < n_segments; ++i) {
    std::copy_n(series.s1.begin() + static_cast<std::ptrdiff_t>(order1[i] * seg), seg,
                out.s1.begin() + static_cast<std::ptrdiff_t>(i * seg));
    std::copy_n(series.s2.begin() + static_cast<std::ptrdiff_t>(order2[i] * seg), seg,
                out.s2.begin() + static_cast<std::ptrdiff_t>(i * seg));
  }
  return out;
}

SurrogateComparison CompareToSurrogates(std::span<const double> real,
                                        std::span<const double> surrogates) {
  SurrogateComparison c;
  c.real = MeanPresent(real);
  c.mean = MeanPresent(surrogates);
  c.sd = SampleSd(surrogates);
  double below = 0;
  for (double v : surrogates) {
    if (IsMissing(v)) continue;
    ++c.n;
    if (v < c.real) below += 1;
    if (v == c.real) below += 0.5;
  }
  c.z = (c.real - c.mean) / c.sd;
  c.percentile = c.n == 0 ? kNaN : 100.0 * below / c.n;
  std::size_t n_real = 0;
  for (double v : real) n_real += IsMissing(v) ? 0 : 1;
  if (n_real < 2) {
    c.effect_size = c.z;
  } else {
    const double sd_real = SampleSd(real);
    const double pooled = std::sqrt(((static_cast<double>(n_real) - 1) * sd_real * sd_real +
                                     (c.n - 1) * c.sd * c.sd) /
                                    (static_cast<double>(n_real) + c.n - 2));
    c.effect_size = (c.real - c.mean) / pooled;
  }
  return c;
}

void ParallelFor(int n, int threads, const std::function<void(int)>& fn) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = std::min(threads, std::max(1, n));
  std::atomic<int> next{0};
  auto worker = [&] {
    for (int i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
}

Result<std::vector<SessionSynchrony>> RunSegmentSurrogates(const DyadSeries& series,
                                                           const CcfOptions& ccf,
                                                           const SurrogateOptions& options) {
  if (options.count < 1) return Fail(Error::Field("--surrogates", "must be at least 1"));
  const double seg = options.segment_seconds * series.fps;
  if (!(seg >= 1) || std::abs(seg - std::round(seg)) > 1e-9 * seg) {
    return Fail(Error::Field("--segment", "must be a whole, positive number of samples"));
  }
  const int segment_samples = static_cast<int>(std::round(seg));
  // Validate once on the first surrogate's shape; every surrogate has the same length.
  {
    SplitMix64 probe = SurrogateStream(options.seed, 0);
    RAPPORT_ASSIGN_OR_RETURN(DyadSeries first, ShuffleSegments(series, segment_samples, probe));
    RAPPORT_RETURN_IF_ERROR(MakeCcfGeometry(ccf, first.size()));
  }
  CcfOptions one_thread = ccf;
  one_thread.threads = 1;
  std::vector<SessionSynchrony> out(static_cast<std::size_t>(options.count));
  ParallelFor(options.count, options.threads, [&](int i) {
    // Scratch memory per task; a surrogate costs far more than these allocations.
    SplitMix64 rng = SurrogateStream(options.seed, static_cast<std::uint64_t>(i));
    auto shuffled = ShuffleSegments(series, segment_samples, rng);
    CcfMatrix m;
    m.fps = ccf.fps;
    auto geometry = MakeCcfGeometry(one_thread, shuffled->size());
    m.geometry = *geometry;
    CcfWorkspace ws;
    ComputeCcfInto(shuffled->s1, shuffled->s2, m.geometry, one_thread, ws, m.values);
    out[static_cast<std::size_t>(i)] = SummarizeSession(Summarize(m));
  });
  return out;
}

std::vector<PseudoPair> ChoosePseudoPairs(int n_sessions, int count, std::uint64_t seed) {
  std::vector<PseudoPair> all;
  for (int i = 0; i < n_sessions; ++i) {
    for (int j = 0; j < n_sessions; ++j) {
      if (i != j) all.push_back({i, j});
    }
  }
  if (count <= 0 || static_cast<std::size_t>(count) >= all.size()) return all;
  // Partial Fisher-Yates: the first `count` entries become a uniform sample without replacement.
  SplitMix64 rng = SurrogateStream(seed, 0);
  for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) {
    std::swap(all[i], all[i + rng.Below(all.size() - i)]);
  }
  all.resize(static_cast<std::size_t>(count));
  std::sort(all.begin(), all.end(), [](const PseudoPair& a, const PseudoPair& b) {
    return a.p1_session != b.p1_session ? a.p1_session < b.p1_session
                                        : a.p2_session < b.p2_session;
  });
  return all;
}

std::vector<SessionSynchrony> RunPseudoPairs(std::span<const DyadSeries> sessions,
                                             std::span<const PseudoPair> pairs,
                                             const CcfOptions& ccf, int threads) {
  CcfOptions one_thread = ccf;
  one_thread.threads = 1;
  std::vector<SessionSynchrony> out(pairs.size(), MissingSession());
  ParallelFor(static_cast<int>(pairs.size()), threads, [&](int i) {
    const PseudoPair& p = pairs[static_cast<std::size_t>(i)];
    const DyadSeries& a = sessions[static_cast<std::size_t>(p.p1_session)];
    const DyadSeries& b = sessions[static_cast<std::size_t>(p.p2_session)];
    const std::size_t n = std::min(a.size(), b.size());
    std::span<const double> s1(a.s1.data(), n);
    std::span<const double> s2(b.s2.data(), n);
    auto m = ComputeCcf(s1, s2, one_thread);
    if (m) out[static_cast<std::size_t>(i)] = SummarizeSession(Summarize(*m));
  });
  return out;
}

namespace {

// R's ccf(a, b, lag.max = L)$acf: at lag k, sum over t of (a[t+k] - mean a)(b[t] - mean b)
// divided by n, over sqrt(var a * var b) with variances divided by n. out has 2L+1 entries
// for lags -L..L; NaN when a segment is constant.
void SegmentCcf(const double* a, const double* b, int n, int max_lag, double* out) {
  double ma = 0, mb = 0;
  for (int t = 0; t < n; ++t) {
    ma += a[t];
    mb += b[t];
  }
  ma /= n;
  mb /= n;
  double va = 0, vb = 0;
  for (int t = 0; t < n; ++t) {
    va += (a[t] - ma) * (a[t] - ma);
    vb += (b[t] - mb) * (b[t] - mb);
  }
  const double denominator = std::sqrt(va * vb);
  for (int k = -max_lag; k <= max_lag; ++k) {
    double s = 0;
    for (int t = std::max(0, -k); t < n && t + k < n; ++t) s += (a[t + k] - ma) * (b[t] - mb);
    out[k + max_lag] = denominator > 0 ? s / denominator : kNaN;
  }
}

double FisherUnclamped(double r) { return 0.5 * std::log((1 + r) / (1 - r)); }

}  // namespace

Result<SusyResult> ComputeSusy(const DyadSeries& series, const SusyOptions& options) {
  std::vector<double> a, b;
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (IsMissing(series.s1[i]) || IsMissing(series.s2[i])) continue;
    a.push_back(series.s1[i]);
    b.push_back(series.s2[i]);
  }
  if (a.empty()) return Fail(Error::InvalidArgument("no complete samples"));
  const double range_d = options.segment_seconds * options.fps;
  const double lag_d = options.max_lag_seconds * options.fps;
  if (!(range_d >= 1) || std::abs(range_d - std::round(range_d)) > 1e-9 * range_d) {
    return Fail(Error::Field("--segment", "must be a whole, positive number of samples"));
  }
  if (!(lag_d >= 0) || std::abs(lag_d - std::round(lag_d)) > 1e-9 * std::max(1.0, lag_d)) {
    return Fail(Error::Field("--max-lag", "must be a whole, non-negative number of samples"));
  }
  if (options.segment_seconds < 2 * options.max_lag_seconds) {
    return Fail(Error::Field("--segment", "must be at least twice --max-lag"));
  }
  const int range = static_cast<int>(std::round(range_d));
  const int max_lag = static_cast<int>(std::round(lag_d));
  // SUSY: numberEpochen = round(size / range - 0.499999).
  const int n_seg = static_cast<int>(std::nearbyint(static_cast<double>(a.size()) / range - 0.499999));
  if (n_seg < 2) return Fail(Error::Field("--segment", "the session holds fewer than two segments"));
  const int n_lags = 2 * max_lag + 1;

  SusyResult r;
  r.n_segments = n_seg;
  r.n_lags = n_lags;
  r.real_zabs.assign(static_cast<std::size_t>(n_lags), 0);
  r.real_z.assign(static_cast<std::size_t>(n_lags), 0);
  r.pseudo_zabs.assign(static_cast<std::size_t>(n_lags), 0);
  r.pseudo_z.assign(static_cast<std::size_t>(n_lags), 0);
  std::vector<double> acf(static_cast<std::size_t>(n_lags));
  for (int i = 0; i < n_seg; ++i) {
    for (int h = 0; h < n_seg; ++h) {
      SegmentCcf(a.data() + static_cast<std::ptrdiff_t>(i) * range,
                 b.data() + static_cast<std::ptrdiff_t>(h) * range, range, max_lag, acf.data());
      if (IsMissing(acf[0])) continue;  // SUSY skips the pair but keeps it in the divisor
      std::vector<double>& zabs = i == h ? r.real_zabs : r.pseudo_zabs;
      std::vector<double>& z = i == h ? r.real_z : r.pseudo_z;
      for (std::size_t j = 0; j < acf.size(); ++j) {
        const double fz = FisherUnclamped(acf[j]);
        zabs[j] += std::abs(fz);
        z[j] += fz;
      }
    }
  }
  const double pseudo_count = static_cast<double>(n_seg) * (n_seg - 1);
  for (int j = 0; j < n_lags; ++j) {
    const auto u = static_cast<std::size_t>(j);
    r.real_zabs[u] /= n_seg;
    r.real_z[u] /= n_seg;
    r.pseudo_zabs[u] /= pseudo_count;
    r.pseudo_z[u] /= pseudo_count;
  }
  auto mean = [](std::span<const double> v) { return MeanPresent(v); };
  r.zabs = mean(r.real_zabs);
  r.pseudo_zabs_mean = mean(r.pseudo_zabs);
  r.sd_zabs = SampleSd(r.real_zabs);
  r.sd_pseudo_zabs = SampleSd(r.pseudo_zabs);
  r.es_abs = (r.zabs - r.pseudo_zabs_mean) / r.sd_pseudo_zabs;
  r.z = mean(r.real_z);
  r.pseudo_z_mean = mean(r.pseudo_z);
  r.sd_z = SampleSd(r.real_z);
  r.sd_pseudo_z = SampleSd(r.pseudo_z);
  r.es = (r.z - r.pseudo_z_mean) / r.sd_pseudo_z;
  int above_abs = 0, above = 0;
  for (std::size_t j = 0; j < static_cast<std::size_t>(n_lags); ++j) {
    if (r.real_zabs[j] > r.pseudo_zabs[j]) ++above_abs;
    if (r.real_z[j] > r.pseudo_z[j]) ++above;
  }
  r.percent_above_pseudo_abs = 100.0 * above_abs / n_lags;
  r.percent_above_pseudo = 100.0 * above / n_lags;
  if (max_lag > 0) {
    const auto l = static_cast<std::size_t>(max_lag);
    std::span<const double> real(r.real_zabs), pseudo(r.pseudo_zabs);
    // Negative lags of R's ccf(a, b) pair a[t - k] with b[t]: person 1 leads.
    r.zabs_lead1 = mean(real.first(l));
    r.zabs_lead2 = mean(real.subspan(l + 1));
    r.es_abs_lead1 = (r.zabs_lead1 - mean(pseudo.first(l))) / SampleSd(pseudo.first(l));
    r.es_abs_lead2 = (r.zabs_lead2 - mean(pseudo.subspan(l + 1))) / SampleSd(pseudo.subspan(l + 1));
  } else {
    r.zabs_lead1 = r.zabs_lead2 = r.es_abs_lead1 = r.es_abs_lead2 = kNaN;
  }
  return r;
}

}  // namespace rapport
