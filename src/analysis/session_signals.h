#pragma once
// The rapport signals of one session, built incrementally from the feature numbers each person's
// own browser computes (docs/telehealth.md): a movement-energy value and a voice-activity flag per
// 100 ms step from each of the two people, and the typed messages of the room. Pure: no clock, no
// I/O; the caller passes times in milliseconds of one clock (the server's).
//
// The two people are "therapist" (series 1) and "client" (series 2), so a positive lag means the
// client follows the therapist, as in sync_ccf.h.
//
// Steps: step k covers [origin + k*100 ms, origin + (k+1)*100 ms). Samples arrive in batches from
// each side, late and out of step with each other; a step is settled (counted, never revisited)
// once both sides have sent it and every step before it, or once either side has sent a step at
// least kSettleAfterSteps later.
// A side that sent nothing for a settled step is missing there: a missing step counts no talk and
// makes the synchrony windows that include it incomplete (sync_ccf.h's missing-data rules).
//
// Memory is bounded whatever the session's length: the state keeps the unsettled steps, the
// samples the next synchrony window needs, per-lag sums and counters.
//
// Thread safety: none; one owner.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "analysis/style_matching.h"
#include "analysis/sync_ccf.h"
#include "core/result.h"

namespace rapport {

enum class SignalParty { kTherapist = 0, kClient = 1 };

inline constexpr int kSignalStepMs = 100;     // 10 Hz
inline constexpr int kSettleAfterSteps = 30;  // 3 s: the slower side is then missing
inline constexpr int kMaxFutureSteps = 50;    // samples more than 5 s ahead of now are refused

// Windowed cross-correlation for a live session: at 10 Hz, 20 s windows every 5 s, lags up to
// +-5 s, Pearson r (not absolute, no Fisher z per cell). Seconds that are not whole steps (or a
// window under 3 steps) switch synchrony off: no window is ever counted.
struct LiveSyncOptions {
  double window_seconds = 20.0;
  double increment_seconds = 5.0;
  double lag_seconds = 5.0;
};

// One batch of consecutive samples from one person. `motion[i]` and `voice[i]` belong to the
// step starting at first_ms + i*100. motion: the fraction of pixels that changed, in [0, 1], NaN
// when the camera gave no frame (camera off; any non-finite value is taken as NaN); voice: true
// while the person speaks. first_ms need not be a multiple of 100: a sample belongs to the step
// its time falls in.
struct FeatureBatch {
  std::int64_t first_ms = 0;
  std::vector<double> motion;
  std::vector<bool> voice;  // same length as motion
};

// Which way movement synchrony points: who moves first and who follows.
enum class SyncLeader { kNone, kTherapist, kClient, kTogether };
std::string_view ToString(SyncLeader leader);  // "none", "therapist", "client", "together"

// Movement synchrony so far: per lag, the mean Fisher z (atanh of r clamped to +-0.999999) over
// the windows that have a value at that lag, and its peak. A window counts when at least one of
// its lags has a value under sync_ccf.h's missing-data rules (a cell with more than half its
// pairs missing, or one side still, has none). The peak is the largest mean; ties (lags where r
// was clamped alike) go to the smaller |lag|, then to the negative lag.
struct MovementSynchrony {
  int windows = 0;              // complete windows counted
  double strength = 0;          // tanh of the peak mean z, an r; NaN with no window
  double peak_lag_seconds = 0;  // its lag; > 0: the client follows the therapist; NaN if none
  SyncLeader leader = SyncLeader::kNone;  // kTogether when the peak is at lag 0
};

// The talk of the two people so far.
struct TalkSummary {
  std::array<std::int64_t, 2> talk_ms{};  // voiced steps x 100, per party
  double client_share = 0;                // client talk / both; NaN when nobody spoke
  std::array<int, 2> turns{};             // times each took the floor
  std::array<double, 2> mean_turn_ms{};   // NaN with no turn
  // Median time from the end of the other's last voiced step to the start of this party's first
  // voiced step when the floor passes to them without overlap (0 when they start at the very
  // next step); NaN with none. Taking the floor while still overlapping is an interruption.
  std::array<double, 2> median_latency_ms{};
  int overlaps = 0;                    // stretches where both speak
  std::array<int, 2> interruptions{};  // overlaps in which this party took the floor
};

// Typed messages: how the two write to each other.
struct TypedSummary {
  std::array<int, 2> messages{};
  std::array<std::int64_t, 2> words{};
  // Linguistic style matching over everything each wrote (style_matching.h); NaN until each side
  // wrote at least kMinStyleWords words.
  double style_matching = 0;
  // Median time from the other's last message to this party's reply; NaN with none.
  std::array<double, 2> median_reply_ms{};
};

// What the therapist's live strip shows, recomputed when a step settles.
struct LiveReading {
  double recent_sync = 0;         // the peak r (clamped to +-0.999999) of the latest complete
                                  // window, ties as in MovementSynchrony; NaN before one
  double recent_lag_seconds = 0;  // its lag; NaN before one
  SyncLeader recent_leader = SyncLeader::kNone;
  double client_share = 0;  // of all talk so far; NaN when nobody spoke
  std::int64_t settled_steps = 0;
};

struct SignalSummary {
  std::int64_t settled_steps = 0;  // steps settled since the origin
  std::int64_t both_steps = 0;     // of them, steps with samples from both
  MovementSynchrony movement;
  TalkSummary talk;
  TypedSummary typed;
};

class SessionSignals {
 public:
  // `origin_ms`: the start of step 0 (when signals were first switched on).
  explicit SessionSignals(std::int64_t origin_ms, LiveSyncOptions options = {});
  ~SessionSignals();
  SessionSignals(SessionSignals&&) noexcept;
  SessionSignals& operator=(SessionSignals&&) noexcept;

  // Adds one batch from `party`, received at `now_ms`. Samples for steps already settled or
  // before the origin are dropped; a batch that reaches more than kMaxFutureSteps past now is
  // refused whole (kInvalidArgument, field "t") and changes nothing. Returns the number of
  // steps this settled (so the caller knows when to refresh the live strip).
  Result<int> Add(SignalParty party, const FeatureBatch& batch, std::int64_t now_ms);

  // Settles every step up to `now_ms` minus kSettleAfterSteps steps whatever was received (a side
  // that went quiet, a pause): call on a timer and before Summary() at the session's end.
  int SettleUntil(std::int64_t now_ms);

  // A typed message from `party` at `at_ms` (times must not go backwards; earlier ones are
  // taken as at the last time seen).
  void AddMessage(SignalParty party, std::string_view text, std::int64_t at_ms);

  LiveReading Live() const;
  SignalSummary Summary() const;

 private:
  // Implementation state: pending samples per side, the motion history the next windows need,
  // per-lag sums over complete windows, talk state machine, typed counters.
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rapport
