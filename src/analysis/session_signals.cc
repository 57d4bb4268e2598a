#include "analysis/session_signals.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <utility>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

constexpr double kFps = 1000.0 / kSignalStepMs;
// r is clamped this far inside +-1 before atanh, so a window where one person copies the other
// exactly adds a large but finite z (7.25) instead of infinity, which would swamp every other
// window's contribution to the mean.
constexpr double kMaxAbsR = 0.999999;
constexpr std::size_t kTherapist = 0;
constexpr std::size_t kClient = 1;

std::size_t Index(SignalParty party) {
  return party == SignalParty::kClient ? kClient : kTherapist;
}

// Floor division, also for negative numerators (C++ division truncates toward zero).
std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

// a + b, saturated at the int64 limits: times come from outside and must not wrap.
std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

std::int64_t SaturatingSub(std::int64_t a, std::int64_t b) {
  std::int64_t difference = 0;
  if (__builtin_sub_overflow(a, b, &difference)) {
    return b < 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return difference;
}

SyncLeader LeaderForLag(int lag) {
  if (lag > 0) return SyncLeader::kTherapist;  // the client follows: the therapist leads
  if (lag < 0) return SyncLeader::kClient;
  return SyncLeader::kTogether;
}

// The column of the largest present value; -1 when every value is missing. Ties (exact equality,
// which happens when r is clamped at both lags) go to the smaller |lag|, and between -k and +k to
// -k, so the answer never depends on how the columns happen to be scanned.
int PeakColumn(std::span<const double> values, int max_lag) {
  int best = -1;
  for (int c = 0; c < static_cast<int>(values.size()); ++c) {
    const double v = values[static_cast<std::size_t>(c)];
    if (IsMissing(v)) continue;
    if (best < 0) {
      best = c;
      continue;
    }
    const double b = values[static_cast<std::size_t>(best)];
    const int lag = c - max_lag, best_lag = best - max_lag;
    const bool closer = std::abs(lag) < std::abs(best_lag) ||
                        (std::abs(lag) == std::abs(best_lag) && lag < best_lag);
    if (v > b || (v == b && closer)) best = c;
  }
  return best;
}

// The median (the mean of the two middle values for an even count); NaN when empty.
double Median(std::vector<double> values) {
  if (values.empty()) return kNaN;
  const std::size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid), values.end());
  const double upper = values[mid];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + upper) / 2;
}

// One step's samples while it waits to settle.
struct Slot {
  std::array<bool, 2> has{};
  std::array<double, 2> motion{kNaN, kNaN};
  std::array<bool, 2> voice{};
};

}  // namespace

std::string_view ToString(SyncLeader leader) {
  switch (leader) {
    case SyncLeader::kNone: return "none";
    case SyncLeader::kTherapist: return "therapist";
    case SyncLeader::kClient: return "client";
    case SyncLeader::kTogether: return "together";
  }
  return "none";
}

struct SessionSignals::Impl {
  explicit Impl(std::int64_t origin, const LiveSyncOptions& options);

  // Settles every step up to `last_step` whatever was received. Returns how many settled.
  int SettleThrough(std::int64_t last_step);
  // Settles the steps from next_step on that both sides have sent. Returns how many settled.
  int SettleReady();
  void SettleNext();
  void AddMotion(const std::array<double, 2>& motion);
  void AddVoice(std::int64_t step, const std::array<bool, 2>& voice);

  std::int64_t origin_ms;

  // Settling. Every step before next_step is settled; pending[i] holds step next_step + i. The
  // deque never holds more than kSettleAfterSteps + 1 steps: Add settles as it goes.
  std::int64_t next_step = 0;
  std::deque<Slot> pending;
  std::int64_t both_steps = 0;

  // Movement synchrony. history[p][i] is step history_start + i of person p, and history_start
  // is always the start of the next window to compute (next_window * increment), so the history
  // never holds more than one window's span.
  bool sync_enabled = false;
  CcfGeometry geometry;  // one window: the span of W + L samples
  CcfOptions ccf_options;
  CcfWorkspace workspace;
  std::vector<double> row;
  std::array<std::vector<double>, 2> history;
  std::int64_t history_start = 0;
  std::int64_t next_window = 0;
  int windows = 0;                    // complete windows so far
  std::vector<double> z_sum;          // per lag column: the sum of atanh(r) over complete windows
  std::vector<std::int64_t> z_count;  // per lag column: how many of them had a value there
  double recent_sync = kNaN;
  double recent_lag_seconds = kNaN;
  SyncLeader recent_leader = SyncLeader::kNone;

  // Talk: a floor model over the settled steps.
  std::array<std::int64_t, 2> talk_ms{};
  std::array<int, 2> turns{};
  int floor = -1;               // who holds the floor: 0, 1, or -1 before anyone spoke alone
  std::int64_t turn_start = 0;  // the step at which the holder took the floor
  std::array<std::int64_t, 2> last_voiced{-1, -1};
  std::array<bool, 2> previous_voice{};  // the voice of the step settled last
  std::array<std::int64_t, 2> finished_turn_ms{};
  // A vector per party: a session of hours has at most a few thousand turns.
  std::array<std::vector<double>, 2> latencies;
  int overlaps = 0;
  std::array<int, 2> interruptions{};

  // Typed messages.
  std::array<int, 2> messages{};
  std::array<StyleCounts, 2> style{};
  int last_sender = -1;
  std::int64_t last_message_ms = 0;
  std::array<std::vector<double>, 2> replies;  // as latencies: bounded by the messages written
};

SessionSignals::Impl::Impl(std::int64_t origin, const LiveSyncOptions& options)
    : origin_ms(origin) {
  ccf_options.fps = kFps;
  ccf_options.window_seconds = options.window_seconds;
  ccf_options.increment_seconds = options.increment_seconds;
  ccf_options.lag_seconds = options.lag_seconds;
  ccf_options.absolute = false;
  ccf_options.fisher_z = false;
  ccf_options.rmea_compat = false;
  ccf_options.threads = 1;
  // Options that are not whole steps leave synchrony off (no window is ever counted) rather
  // than failing a constructor the caller cannot check: the defaults are always valid.
  if (auto sizes = MakeCcfGeometry(ccf_options, std::size_t{1} << 30); sizes.has_value()) {
    const std::size_t span =
        static_cast<std::size_t>(sizes->window) + static_cast<std::size_t>(sizes->max_lag);
    if (auto one = MakeCcfGeometry(ccf_options, span); one.has_value() && one->n_windows == 1) {
      geometry = *one;
      sync_enabled = true;
      z_sum.assign(static_cast<std::size_t>(geometry.n_lags()), 0.0);
      z_count.assign(static_cast<std::size_t>(geometry.n_lags()), 0);
      history[0].reserve(span);
      history[1].reserve(span);
    }
  }
}

int SessionSignals::Impl::SettleThrough(std::int64_t last_step) {
  int settled = 0;
  while (next_step <= last_step) {
    SettleNext();
    ++settled;
  }
  return settled;
}

int SessionSignals::Impl::SettleReady() {
  int settled = 0;
  while (!pending.empty() && pending.front().has[0] && pending.front().has[1]) {
    SettleNext();
    ++settled;
  }
  return settled;
}

void SessionSignals::Impl::SettleNext() {
  Slot slot;
  if (!pending.empty()) {
    slot = pending.front();
    pending.pop_front();
  }
  if (slot.has[0] && slot.has[1]) ++both_steps;
  AddMotion(slot.motion);
  // A side that sent nothing for the step is taken as silent there.
  AddVoice(next_step, {slot.has[0] && slot.voice[0], slot.has[1] && slot.voice[1]});
  ++next_step;
}

void SessionSignals::Impl::AddMotion(const std::array<double, 2>& motion) {
  if (!sync_enabled) return;
  const std::int64_t step = next_step;
  // With an increment longer than the span, the steps between two windows belong to none.
  if (step < history_start) return;
  history[0].push_back(motion[0]);
  history[1].push_back(motion[1]);
  const std::size_t span =
      static_cast<std::size_t>(geometry.window) + static_cast<std::size_t>(geometry.max_lag);
  if (history[0].size() < span) return;

  // The window starting at history_start is complete: one row of the existing engine.
  ComputeCcfInto(history[0], history[1], geometry, ccf_options, workspace, row);
  // Clamped once for both uses, so that the live peak and the summary agree on which lags tie:
  // r = 1 - 1e-16 and r = 1 differ by rounding alone. (NaN stays NaN through the clamp.)
  for (double& r : row) r = std::clamp(r, -kMaxAbsR, kMaxAbsR);
  const int column = PeakColumn(row, geometry.max_lag);
  if (column >= 0) {  // a row with no value at all (too much missing, or no movement) is no window
    ++windows;
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (IsMissing(row[c])) continue;
      z_sum[c] += std::atanh(row[c]);
      ++z_count[c];
    }
    const int lag = column - geometry.max_lag;
    recent_sync = row[static_cast<std::size_t>(column)];
    recent_lag_seconds = lag / kFps;
    recent_leader = LeaderForLag(lag);
  }

  // Keep only what the next window needs: its span starts one increment later.
  ++next_window;
  const std::int64_t next_start = next_window * geometry.increment;
  const auto drop = static_cast<std::size_t>(
      std::min<std::int64_t>(next_start - history_start, static_cast<std::int64_t>(span)));
  for (auto& h : history) h.erase(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(drop));
  history_start = next_start;
}

void SessionSignals::Impl::AddVoice(std::int64_t step, const std::array<bool, 2>& voice) {
  for (std::size_t p = 0; p < 2; ++p) {
    if (voice[p]) talk_ms[p] += kSignalStepMs;
  }
  const bool both = voice[0] && voice[1];
  if (both && !(previous_voice[0] && previous_voice[1])) ++overlaps;
  for (std::size_t p = 0; p < 2; ++p) {
    const std::size_t q = 1 - p;
    if (!voice[p] || voice[q] || floor == static_cast<int>(p)) continue;
    // p speaks alone without holding the floor: p takes it.
    if (floor == static_cast<int>(q)) {
      // q's turn ran to q's last voiced step.
      finished_turn_ms[q] += (last_voiced[q] - turn_start + 1) * kSignalStepMs;
      if (previous_voice[p]) {
        // p spoke at the step before without holding the floor, so q spoke then too: p started
        // over q, q fell silent, and p went on. An interruption, and no latency to speak of.
        ++interruptions[p];
      } else {
        // p started afresh after q stopped: the silence between them (0 when p started right
        // at the step after q's last one) is p's response latency.
        latencies[p].push_back(static_cast<double>((step - last_voiced[q] - 1) * kSignalStepMs));
      }
    }
    floor = static_cast<int>(p);
    turn_start = step;
    ++turns[p];
    break;  // only one person can speak alone
  }
  for (std::size_t p = 0; p < 2; ++p) {
    if (voice[p]) last_voiced[p] = step;
  }
  previous_voice = voice;
}

SessionSignals::SessionSignals(std::int64_t origin_ms, LiveSyncOptions options)
    : impl_(std::make_unique<Impl>(origin_ms, options)) {}
SessionSignals::~SessionSignals() = default;
SessionSignals::SessionSignals(SessionSignals&&) noexcept = default;
SessionSignals& SessionSignals::operator=(SessionSignals&&) noexcept = default;

Result<int> SessionSignals::Add(SignalParty party, const FeatureBatch& batch, std::int64_t now_ms) {
  Impl& s = *impl_;
  const std::size_t n = batch.motion.size();
  if (batch.voice.size() != n) {
    return Fail(Error::Field("voice", "must have one value per motion value"));
  }
  if (n == 0) return 0;
  // Every check before the first change, so that a refused batch changes nothing.
  std::int64_t span_ms = 0;
  std::int64_t last_ms = 0;
  if (__builtin_mul_overflow(static_cast<std::int64_t>(n - 1), std::int64_t{kSignalStepMs},
                             &span_ms) ||
      __builtin_add_overflow(batch.first_ms, span_ms, &last_ms) ||
      last_ms > SaturatingAdd(now_ms, std::int64_t{kMaxFutureSteps} * kSignalStepMs)) {
    return Fail(Error::Field("t", "samples more than 5 s ahead of the server's clock"));
  }

  const std::size_t p = Index(party);
  const std::int64_t first_step =
      FloorDiv(SaturatingSub(batch.first_ms, s.origin_ms), kSignalStepMs);
  int settled = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t step = SaturatingAdd(first_step, static_cast<std::int64_t>(i));
    if (step < s.next_step) continue;  // before the origin, or settled already
    // The side is now kSettleAfterSteps ahead of every step up to step - kSettleAfterSteps:
    // settling those before storing keeps `pending` short after a long gap, and changes nothing
    // else, since the rest of the batch is for later steps. Steps both sides have sent wait for
    // the end of the batch, so that a repeated sample still overwrites.
    settled += s.SettleThrough(step - kSettleAfterSteps);
    const auto at = static_cast<std::size_t>(step - s.next_step);
    if (s.pending.size() <= at) s.pending.resize(at + 1);
    Slot& slot = s.pending[at];
    slot.has[p] = true;
    const double m = batch.motion[i];
    slot.motion[p] = std::isfinite(m) ? m : kNaN;  // an infinity would poison the sums: missing
    slot.voice[p] = batch.voice[i];
  }
  settled += s.SettleReady();
  return settled;
}

int SessionSignals::SettleUntil(std::int64_t now_ms) {
  // Step k starts at origin + 100k; settle every k with origin + 100k < now - 3 s.
  const std::int64_t before = SaturatingSub(SaturatingSub(now_ms, impl_->origin_ms),
                                            std::int64_t{kSettleAfterSteps} * kSignalStepMs);
  // Forcing a step may free the steps after it that both sides have sent.
  return impl_->SettleThrough(FloorDiv(SaturatingSub(before, 1), kSignalStepMs)) +
         impl_->SettleReady();
}

void SessionSignals::AddMessage(SignalParty party, std::string_view text, std::int64_t at_ms) {
  Impl& s = *impl_;
  const std::size_t p = Index(party);
  if (s.last_sender >= 0) {
    at_ms = std::max(at_ms, s.last_message_ms);
    if (s.last_sender != static_cast<int>(p)) {
      s.replies[p].push_back(static_cast<double>(at_ms - s.last_message_ms));
    }
  }
  ++s.messages[p];
  s.style[p] += CountFunctionWords(text);
  s.last_sender = static_cast<int>(p);
  s.last_message_ms = at_ms;
}

namespace {
double ClientShare(const std::array<std::int64_t, 2>& talk_ms) {
  const std::int64_t total = talk_ms[kTherapist] + talk_ms[kClient];
  if (total == 0) return kNaN;
  return static_cast<double>(talk_ms[kClient]) / static_cast<double>(total);
}
}  // namespace

LiveReading SessionSignals::Live() const {
  const Impl& s = *impl_;
  LiveReading live;
  live.recent_sync = s.recent_sync;
  live.recent_lag_seconds = s.recent_lag_seconds;
  live.recent_leader = s.recent_leader;
  live.client_share = ClientShare(s.talk_ms);
  live.settled_steps = s.next_step;
  return live;
}

SignalSummary SessionSignals::Summary() const {
  const Impl& s = *impl_;
  SignalSummary summary;
  summary.settled_steps = s.next_step;
  summary.both_steps = s.both_steps;

  MovementSynchrony& movement = summary.movement;
  movement.windows = s.windows;
  movement.strength = kNaN;
  movement.peak_lag_seconds = kNaN;
  movement.leader = SyncLeader::kNone;
  if (s.windows > 0) {
    std::vector<double> mean_z(s.z_sum.size(), kNaN);
    for (std::size_t c = 0; c < mean_z.size(); ++c) {
      if (s.z_count[c] > 0) mean_z[c] = s.z_sum[c] / static_cast<double>(s.z_count[c]);
    }
    const int column = PeakColumn(mean_z, s.geometry.max_lag);
    if (column >= 0) {
      const int lag = column - s.geometry.max_lag;
      movement.strength = std::tanh(mean_z[static_cast<std::size_t>(column)]);
      movement.peak_lag_seconds = lag / kFps;
      movement.leader = LeaderForLag(lag);
    }
  }

  TalkSummary& talk = summary.talk;
  talk.talk_ms = s.talk_ms;
  talk.client_share = ClientShare(s.talk_ms);
  talk.turns = s.turns;
  talk.overlaps = s.overlaps;
  talk.interruptions = s.interruptions;
  for (std::size_t p = 0; p < 2; ++p) {
    std::int64_t turn_ms = s.finished_turn_ms[p];
    if (s.floor == static_cast<int>(p)) {
      turn_ms += (s.last_voiced[p] - s.turn_start + 1) * kSignalStepMs;  // the turn still going
    }
    talk.mean_turn_ms[p] = s.turns[p] > 0 ? static_cast<double>(turn_ms) / s.turns[p] : kNaN;
    talk.median_latency_ms[p] = Median(s.latencies[p]);
  }

  TypedSummary& typed = summary.typed;
  typed.messages = s.messages;
  for (std::size_t p = 0; p < 2; ++p) {
    typed.words[p] = s.style[p].words;
    typed.median_reply_ms[p] = Median(s.replies[p]);
  }
  typed.style_matching = StyleMatching(s.style[kTherapist], s.style[kClient]);
  return summary;
}

}  // namespace rapport
