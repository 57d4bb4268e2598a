#include "analysis/sync_surrogate.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

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
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % bound;
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

namespace {

// Two independent Fisher-Yates permutations of the segment indices: person 1's, then person 2's.
void ShuffleOrders(std::size_t n_segments, SplitMix64& rng, std::vector<std::size_t>& order1,
                   std::vector<std::size_t>& order2) {
  for (std::vector<std::size_t>* order : {&order1, &order2}) {
    order->resize(n_segments);
    for (std::size_t i = 0; i < n_segments; ++i) (*order)[i] = i;
    for (std::size_t i = n_segments - 1; i > 0; --i) {
      std::swap((*order)[i], (*order)[rng.Below(i + 1)]);
    }
  }
}

void ApplyOrders(const DyadSeries& series, std::size_t seg, const std::vector<std::size_t>& order1,
                 const std::vector<std::size_t>& order2, DyadSeries& out) {
  const std::size_t n_segments = order1.size();
  out.fps = series.fps;
  out.s1.resize(n_segments * seg);
  out.s2.resize(n_segments * seg);
  for (std::size_t i = 0; i < n_segments; ++i) {
    std::copy_n(series.s1.begin() + static_cast<std::ptrdiff_t>(order1[i] * seg), seg,
                out.s1.begin() + static_cast<std::ptrdiff_t>(i * seg));
    std::copy_n(series.s2.begin() + static_cast<std::ptrdiff_t>(order2[i] * seg), seg,
                out.s2.begin() + static_cast<std::ptrdiff_t>(i * seg));
  }
}

}  // namespace

Result<DyadSeries> ShuffleSegments(const DyadSeries& series, int segment_samples, SplitMix64& rng) {
  if (segment_samples < 1) return Fail(Error::Field("--segment", "must span at least one sample"));
  const std::size_t seg = static_cast<std::size_t>(segment_samples);
  const std::size_t n_segments = series.size() / seg;
  if (n_segments < 2) {
    return Fail(Error::Field("--segment", "the session holds fewer than two whole segments"));
  }
  std::vector<std::size_t> order1, order2;
  ShuffleOrders(n_segments, rng, order1, order2);
  DyadSeries out;
  ApplyOrders(series, seg, order1, order2, out);
  return out;
}

namespace {

// The lagged products of every segment of one person with every segment of the other, so that
// a surrogate, which only reorders whole segments, costs table look-ups instead of a fresh
// cross-correlation. Applies when blocks (gcd of window and increment) tile the segments, the
// lag is shorter than a segment and nothing is missing. Immutable after Build; shared by all
// threads.
class SegmentPairTable {
 public:
  static std::optional<SegmentPairTable> Build(const DyadSeries& series, int segment_samples,
                                               const CcfGeometry& g, int threads) {
    const int b = ccf_internal::BlockSize(g);
    if (segment_samples % b != 0 || g.max_lag >= segment_samples) return std::nullopt;
    SegmentPairTable t;
    t.seg_ = static_cast<std::size_t>(segment_samples);
    t.n_seg_ = series.size() / t.seg_;
    t.block_ = static_cast<std::size_t>(b);
    t.per_segment_ = t.seg_ / t.block_;
    t.lag_count_ = static_cast<std::size_t>(g.max_lag) + 1;
    const std::size_t n = t.n_seg_ * t.seg_;
    const double entries = static_cast<double>(t.n_seg_) * static_cast<double>(t.n_seg_) *
                           static_cast<double>(t.per_segment_) * static_cast<double>(t.lag_count_);
    if (entries * 4 * sizeof(double) > kMaxBytes) return std::nullopt;
    double sx = 0, sy = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (IsMissing(series.s1[i]) || IsMissing(series.s2[i])) return std::nullopt;
      sx += series.s1[i];
      sy += series.s2[i];
    }
    t.centre_x_ = sx / static_cast<double>(n);
    t.centre_y_ = sy / static_cast<double>(n);
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = series.s1[i] - t.centre_x_;
      y[i] = series.s2[i] - t.centre_y_;
    }
    const auto size = static_cast<std::size_t>(entries);
    t.within_xy_.assign(size, 0.0);
    t.spill_xy_.assign(size, 0.0);
    t.within_yx_.assign(size, 0.0);
    t.spill_yx_.assign(size, 0.0);
    ParallelFor(static_cast<int>(t.n_seg_), threads, [&](int u) {
      t.FillRow(x, y, static_cast<std::size_t>(u), t.within_xy_, t.spill_xy_);
      t.FillRow(y, x, static_cast<std::size_t>(u), t.within_yx_, t.spill_yx_);
    });
    return t;
  }

  double centre_x() const { return centre_x_; }
  double centre_y() const { return centre_y_; }

  // Writes the block sums of the surrogate whose segment positions hold segments order1 (person
  // 1) and order2 (person 2) into ws.forward/ws.backward, for the blocks it needs.
  void Fill(const std::vector<std::size_t>& order1, const std::vector<std::size_t>& order2,
            CcfWorkspace& ws) const {
    for (std::size_t j = 0; j < ws.block_needed.size(); ++j) {
      if (!ws.block_needed[j]) continue;
      const std::size_t p = j / per_segment_, o = j % per_segment_;
      double* forward = ws.forward.data() + j * lag_count_;
      double* backward = ws.backward.data() + j * lag_count_;
      const double* w_xy = Entry(within_xy_, order1[p], order2[p], o);
      const double* w_yx = Entry(within_yx_, order2[p], order1[p], o);
      for (std::size_t k = 0; k < lag_count_; ++k) {
        forward[k] = w_xy[k];
        backward[k] = w_yx[k];
      }
      if (p + 1 < order1.size()) {
        const double* s_xy = Entry(spill_xy_, order1[p], order2[p + 1], o);
        const double* s_yx = Entry(spill_yx_, order2[p], order1[p + 1], o);
        for (std::size_t k = 0; k < lag_count_; ++k) {
          forward[k] += s_xy[k];
          backward[k] += s_yx[k];
        }
      }
    }
  }

 private:
  static constexpr double kMaxBytes = 512.0 * 1024 * 1024;

  const double* Entry(const std::vector<double>& table, std::size_t u, std::size_t v,
                      std::size_t o) const {
    return table.data() + ((u * n_seg_ + v) * per_segment_ + o) * lag_count_;
  }

  // within[u][v][o][k]: block o of segment u of `a` against segment v of `b` lagged by k, the
  // lagged index staying inside segment v; spill[u][v][o][k]: the part of that block whose
  // lagged index runs into the start of the segment placed next, here segment v.
  void FillRow(const std::vector<double>& a, const std::vector<double>& b, std::size_t u,
               std::vector<double>& within, std::vector<double>& spill) const {
    const std::size_t lag = lag_count_ - 1;
    std::vector<double> padded(seg_ + lag, 0.0), next(seg_ + lag, 0.0);
    const double* au = a.data() + u * seg_;
    for (std::size_t v = 0; v < n_seg_; ++v) {
      std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(v * seg_), seg_, padded.begin());
      std::copy_n(b.begin() + static_cast<std::ptrdiff_t>(v * seg_), lag,
                  next.begin() + static_cast<std::ptrdiff_t>(seg_));
      for (std::size_t o = 0; o < per_segment_; ++o) {
        const std::size_t begin = o * block_, end = begin + block_;
        double* w = within.data() + ((u * n_seg_ + v) * per_segment_ + o) * lag_count_;
        ccf_internal::LaggedProducts(au, padded.data(), begin, end, static_cast<int>(lag_count_),
                                     w);
        if (end + lag > seg_) {
          double* s = spill.data() + ((u * n_seg_ + v) * per_segment_ + o) * lag_count_;
          ccf_internal::LaggedProducts(au, next.data(), std::max(begin, seg_ - lag), end,
                                       static_cast<int>(lag_count_), s);
        }
      }
    }
  }

  std::size_t seg_ = 0, n_seg_ = 0, block_ = 0, per_segment_ = 0, lag_count_ = 0;
  double centre_x_ = 0, centre_y_ = 0;
  std::vector<double> within_xy_, spill_xy_, within_yx_, spill_yx_;
};

}  // namespace

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
    const double pooled = std::sqrt(
        ((static_cast<double>(n_real) - 1) * sd_real * sd_real + (c.n - 1) * c.sd * c.sd) /
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
  const double segment_exact = options.segment_seconds * series.fps;
  if (!(segment_exact >= 1) ||
      std::abs(segment_exact - std::round(segment_exact)) > 1e-9 * segment_exact) {
    return Fail(Error::Field("--segment", "must be a whole, positive number of samples"));
  }
  const int segment_samples = static_cast<int>(std::round(segment_exact));
  // Validate once on the first surrogate's shape; every surrogate has the same length.
  {
    SplitMix64 probe = SurrogateStream(options.seed, 0);
    RAPPORT_ASSIGN_OR_RETURN(DyadSeries first, ShuffleSegments(series, segment_samples, probe));
    RAPPORT_RETURN_IF_ERROR(MakeCcfGeometry(ccf, first.size()));
  }
  CcfOptions one_thread = ccf;
  one_thread.threads = 1;
  const auto seg = static_cast<std::size_t>(segment_samples);
  const std::size_t n_segments = series.size() / seg;
  RAPPORT_ASSIGN_OR_RETURN(const CcfGeometry geometry, MakeCcfGeometry(ccf, n_segments * seg));
  // The table costs about as much as n_segments fresh surrogates; below that, multiply afresh.
  std::optional<SegmentPairTable> table;
  if (static_cast<std::size_t>(options.count) >= n_segments) {
    table = SegmentPairTable::Build(series, segment_samples, geometry, options.threads);
  }
  std::vector<SessionSynchrony> out(static_cast<std::size_t>(options.count));
  ParallelFor(options.count, options.threads, [&](int i) {
    // Scratch memory per task; a surrogate costs far more than these allocations.
    SplitMix64 rng = SurrogateStream(options.seed, static_cast<std::uint64_t>(i));
    std::vector<std::size_t> order1, order2;
    ShuffleOrders(n_segments, rng, order1, order2);
    DyadSeries shuffled;
    ApplyOrders(series, seg, order1, order2, shuffled);
    CcfMatrix m;
    m.fps = ccf.fps;
    m.geometry = geometry;
    CcfWorkspace ws;
    if (table) {
      ccf_internal::PrepareWindows(shuffled.s1, shuffled.s2, geometry, table->centre_x(),
                                   table->centre_y(), ws);
      table->Fill(order1, order2, ws);
      ccf_internal::AssembleWindows(shuffled.s1, shuffled.s2, geometry, one_thread, ws, m.values);
    } else {
      ComputeCcfInto(shuffled.s1, shuffled.s2, geometry, one_thread, ws, m.values);
    }
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
    return a.p1_session != b.p1_session ? a.p1_session < b.p1_session : a.p2_session < b.p2_session;
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

double FisherUnclamped(double r) {
  return 0.5 * std::log((1 + r) / (1 - r));
}

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
  const int n_seg =
      static_cast<int>(std::nearbyint(static_cast<double>(a.size()) / range - 0.499999));
  if (n_seg < 2)
    return Fail(Error::Field("--segment", "the session holds fewer than two segments"));
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
