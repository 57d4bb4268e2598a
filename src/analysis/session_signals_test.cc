#include "analysis/session_signals.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "analysis/sync_series.h"

namespace rapport {
namespace {

constexpr std::int64_t kOrigin = 1'700'000'000'000;  // ms on the server's clock
constexpr std::size_t kT = 0;                        // therapist
constexpr std::size_t kC = 1;                        // client

std::int64_t StepMs(std::int64_t step) {
  return kOrigin + step * kSignalStepMs;
}

// What one side sends: per step a motion value and a voice flag, or nothing at all.
struct Side {
  std::vector<double> motion;
  std::vector<bool> voice;
  std::vector<bool> sent;

  explicit Side(std::size_t n, double still = 0.1)
      : motion(n, still), voice(n, false), sent(n, true) {}
  std::size_t size() const { return motion.size(); }
};

// Smooth random movement: an AR(1) process around a level, as frame differencing gives.
std::vector<double> SmoothMotion(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise;
  std::vector<double> x(n);
  double a = 0;
  for (double& v : x) {
    a = 0.9 * a + noise(rng);
    v = 0.3 + 0.03 * a;
  }
  return x;
}

// `leader` delayed by `delay` steps, plus a little movement of the follower's own.
std::vector<double> Follow(const std::vector<double>& leader, std::size_t delay,
                           std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0.0, 0.005);
  std::vector<double> y(leader.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    y[i] = (i >= delay ? leader[i - delay] : 0.3) + noise(rng);
  }
  return y;
}

// Cuts the steps a side sent into batches of consecutive steps, none longer than `size(rng)`.
template <typename SizeFn>
std::vector<FeatureBatch> Batches(const Side& side, SizeFn size) {
  std::vector<FeatureBatch> batches;
  std::size_t i = 0;
  while (i < side.size()) {
    if (!side.sent[i]) {
      ++i;
      continue;
    }
    FeatureBatch b;
    b.first_ms = StepMs(static_cast<std::int64_t>(i));
    const std::size_t limit = size();
    while (i < side.size() && side.sent[i] && b.motion.size() < limit) {
      b.motion.push_back(side.motion[i]);
      b.voice.push_back(side.voice[i]);
      ++i;
    }
    batches.push_back(std::move(b));
  }
  return batches;
}

std::int64_t EndMs(const FeatureBatch& b) {
  return b.first_ms + static_cast<std::int64_t>(b.motion.size()) * kSignalStepMs;
}

struct Event {
  std::int64_t at_ms;
  SignalParty party;
  FeatureBatch batch;
};

// Delivers every batch of both sides in order of arrival: a batch leaves when its last step
// ends and arrives `delay_ms` later; at equal times the therapist's goes first. Returns the
// number of steps the calls settled.
int Deliver(SessionSignals& signals, std::vector<Event> events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at_ms < b.at_ms; });
  int settled = 0;
  for (const Event& e : events) {
    auto added = signals.Add(e.party, e.batch, e.at_ms);
    EXPECT_TRUE(added.has_value()) << added.error().message;
    if (added.has_value()) settled += *added;
  }
  return settled;
}

std::vector<Event> Events(SignalParty party, const std::vector<FeatureBatch>& batches,
                          std::int64_t delay_ms) {
  std::vector<Event> events;
  events.reserve(batches.size());
  for (const FeatureBatch& b : batches) events.push_back({EndMs(b) + delay_ms, party, b});
  return events;
}

// Both sides in step, in batches of `size`, then everything settled.
SessionSignals FeedInOrder(const Side& therapist, const Side& client, std::size_t size = 10,
                           LiveSyncOptions options = {}) {
  SessionSignals signals(kOrigin, options);
  auto events = Events(SignalParty::kTherapist, Batches(therapist, [&] { return size; }), 0);
  auto client_events = Events(SignalParty::kClient, Batches(client, [&] { return size; }), 0);
  events.insert(events.end(), client_events.begin(), client_events.end());
  Deliver(signals, std::move(events));
  signals.SettleUntil(StepMs(static_cast<std::int64_t>(therapist.size())) +
                      std::int64_t{kSettleAfterSteps} * kSignalStepMs);
  return signals;
}

bool Same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

void ExpectSameSummary(const SignalSummary& a, const SignalSummary& b) {
  EXPECT_EQ(a.settled_steps, b.settled_steps);
  EXPECT_EQ(a.both_steps, b.both_steps);
  EXPECT_EQ(a.movement.windows, b.movement.windows);
  EXPECT_TRUE(Same(a.movement.strength, b.movement.strength))
      << a.movement.strength << " vs " << b.movement.strength;
  EXPECT_TRUE(Same(a.movement.peak_lag_seconds, b.movement.peak_lag_seconds));
  EXPECT_EQ(a.movement.leader, b.movement.leader);
  EXPECT_EQ(a.talk.talk_ms, b.talk.talk_ms);
  EXPECT_TRUE(Same(a.talk.client_share, b.talk.client_share));
  EXPECT_EQ(a.talk.turns, b.talk.turns);
  for (std::size_t p = 0; p < 2; ++p) {
    EXPECT_TRUE(Same(a.talk.mean_turn_ms[p], b.talk.mean_turn_ms[p])) << p;
    EXPECT_TRUE(Same(a.talk.median_latency_ms[p], b.talk.median_latency_ms[p])) << p;
    EXPECT_TRUE(Same(a.typed.median_reply_ms[p], b.typed.median_reply_ms[p])) << p;
  }
  EXPECT_EQ(a.talk.overlaps, b.talk.overlaps);
  EXPECT_EQ(a.talk.interruptions, b.talk.interruptions);
  EXPECT_EQ(a.typed.messages, b.typed.messages);
  EXPECT_EQ(a.typed.words, b.typed.words);
  EXPECT_TRUE(Same(a.typed.style_matching, b.typed.style_matching));
}

void ExpectSameLive(const LiveReading& a, const LiveReading& b) {
  EXPECT_TRUE(Same(a.recent_sync, b.recent_sync));
  EXPECT_TRUE(Same(a.recent_lag_seconds, b.recent_lag_seconds));
  EXPECT_EQ(a.recent_leader, b.recent_leader);
  EXPECT_TRUE(Same(a.client_share, b.client_share));
  EXPECT_EQ(a.settled_steps, b.settled_steps);
}

// Voiced over the closed step ranges given.
void Speak(Side& side, std::initializer_list<std::pair<int, int>> ranges) {
  for (auto [first, last] : ranges) {
    for (int s = first; s <= last; ++s) side.voice[static_cast<std::size_t>(s)] = true;
  }
}

FeatureBatch Batch(std::int64_t first_ms, std::vector<double> motion, std::vector<bool> voice) {
  return FeatureBatch{first_ms, std::move(motion), std::move(voice)};
}

// --- Movement synchrony -------------------------------------------------------------------

TEST(SessionSignals, FindsTheLagAtWhichTheClientFollowsTheTherapist) {
  const std::size_t n = 3000;  // 5 minutes: windows at 0, 5, ..., 275 s
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 1);
  client.motion = Follow(therapist.motion, 8, 2);
  const SessionSignals signals = FeedInOrder(therapist, client);
  const SignalSummary s = signals.Summary();
  EXPECT_EQ(s.settled_steps, 3000);
  EXPECT_EQ(s.both_steps, 3000);
  EXPECT_EQ(s.movement.windows, 56);  // (3000 - 200 - 50) / 50 + 1
  EXPECT_EQ(s.movement.peak_lag_seconds, 0.8);
  EXPECT_EQ(s.movement.leader, SyncLeader::kTherapist);
  EXPECT_GT(s.movement.strength, 0.9);
  EXPECT_LT(s.movement.strength, 1.0);
  const LiveReading live = signals.Live();
  EXPECT_EQ(live.recent_lag_seconds, 0.8);
  EXPECT_EQ(live.recent_leader, SyncLeader::kTherapist);
  EXPECT_GT(live.recent_sync, 0.9);
  EXPECT_EQ(live.settled_steps, 3000);
}

TEST(SessionSignals, FindsTheLagAtWhichTheTherapistFollowsTheClient) {
  const std::size_t n = 3000;
  Side therapist(n), client(n);
  client.motion = SmoothMotion(n, 3);
  therapist.motion = Follow(client.motion, 8, 4);
  const SignalSummary s = FeedInOrder(therapist, client).Summary();
  EXPECT_EQ(s.movement.peak_lag_seconds, -0.8);
  EXPECT_EQ(s.movement.leader, SyncLeader::kClient);
  EXPECT_GT(s.movement.strength, 0.9);
}

TEST(SessionSignals, MovingAtOnceIsTogether) {
  const std::size_t n = 1000;
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 5);
  client.motion = Follow(therapist.motion, 0, 6);
  const SignalSummary s = FeedInOrder(therapist, client).Summary();
  EXPECT_EQ(s.movement.peak_lag_seconds, 0.0);
  EXPECT_EQ(s.movement.leader, SyncLeader::kTogether);
}

// A movement pattern repeating every 2 s, so that r is 1 (clamped to the same z) at every lag
// that is the delay plus a whole number of periods.
std::vector<double> Periodic(std::size_t n) {
  constexpr double kPattern[20] = {0.10, 0.12, 0.15, 0.21, 0.30, 0.28, 0.22, 0.19, 0.17, 0.16,
                                   0.12, 0.11, 0.13, 0.18, 0.25, 0.27, 0.20, 0.14, 0.11, 0.10};
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = kPattern[i % 20];
  return x;
}

TEST(SessionSignals, BreaksTiesTowardTheSmallerLagThenTheNegativeOne) {
  const std::size_t n = 600;
  Side therapist(n), client(n);
  therapist.motion = Periodic(n);
  // Delayed 5 steps: r = 1 at lags 5, -15, 25, -35 and 45; the smallest |lag| wins.
  client.motion = Periodic(n + 15);
  client.motion.erase(client.motion.begin(), client.motion.begin() + 15);
  const SessionSignals five = FeedInOrder(therapist, client);
  EXPECT_EQ(five.Summary().movement.peak_lag_seconds, 0.5);
  EXPECT_EQ(five.Live().recent_lag_seconds, 0.5);
  // Delayed 10 steps: r = 1 at +-10, +-30 and +-50; of +-10 the negative lag is taken.
  client.motion = Periodic(n + 10);
  client.motion.erase(client.motion.begin(), client.motion.begin() + 10);
  const SessionSignals ten = FeedInOrder(therapist, client);
  EXPECT_EQ(ten.Summary().movement.peak_lag_seconds, -1.0);
  EXPECT_EQ(ten.Summary().movement.leader, SyncLeader::kClient);
  EXPECT_EQ(ten.Live().recent_lag_seconds, -1.0);
}

TEST(SessionSignals, ReportsNoSynchronyBeforeTheFirstWindow) {
  const std::size_t n = 249;  // one step short of the first window's span
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 7);
  client.motion = Follow(therapist.motion, 3, 8);
  const SessionSignals signals = FeedInOrder(therapist, client);
  const SignalSummary s = signals.Summary();
  EXPECT_EQ(s.settled_steps, 249);
  EXPECT_EQ(s.movement.windows, 0);
  EXPECT_TRUE(std::isnan(s.movement.strength));
  EXPECT_TRUE(std::isnan(s.movement.peak_lag_seconds));
  EXPECT_EQ(s.movement.leader, SyncLeader::kNone);
  EXPECT_TRUE(std::isnan(signals.Live().recent_sync));
  EXPECT_TRUE(std::isnan(signals.Live().recent_lag_seconds));
  EXPECT_EQ(signals.Live().recent_leader, SyncLeader::kNone);
}

TEST(SessionSignals, AWindowMostlyMissingIsNotCounted) {
  // 300 steps hold windows 0 (steps 0-249) and 1 (50-299). When the client sends nothing for
  // steps 0-169, every cell of window 0 pairs more than half missing samples, so window 0 is
  // not counted; window 1 still has lags with enough pairs.
  const std::size_t n = 300;
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 9);
  client.motion = Follow(therapist.motion, 2, 10);
  const SignalSummary whole = FeedInOrder(therapist, client).Summary();
  EXPECT_EQ(whole.movement.windows, 2);
  for (std::size_t i = 0; i < 170; ++i) client.sent[i] = false;
  const SessionSignals signals = FeedInOrder(therapist, client);
  const SignalSummary quiet = signals.Summary();
  EXPECT_EQ(quiet.settled_steps, 300);
  EXPECT_EQ(quiet.both_steps, 130);
  EXPECT_EQ(quiet.movement.windows, 1);

  // Live: nothing after window 0, the reading of window 1 after it.
  Side head_t(250), head_c(250);
  std::copy_n(therapist.motion.begin(), 250, head_t.motion.begin());
  std::copy_n(client.motion.begin(), 250, head_c.motion.begin());
  for (std::size_t i = 0; i < 170; ++i) head_c.sent[i] = false;
  const SessionSignals head = FeedInOrder(head_t, head_c);
  ASSERT_EQ(head.Live().settled_steps, 250);
  EXPECT_TRUE(std::isnan(head.Live().recent_sync));
  EXPECT_FALSE(std::isnan(signals.Live().recent_sync));
}

TEST(SessionSignals, MatchesTheWholeSessionEngineOverTwoHours) {
  // Two hours fed incrementally, with the client's camera off for 100 s, the therapist's side
  // silent for 40 s and the therapist sitting perfectly still for 30 s, against one ComputeCcf
  // over the whole series. Only the window being built is kept, so this also checks that
  // dropping old samples loses nothing the windows need.
  const std::size_t n = 72000;
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 11);
  client.motion = Follow(therapist.motion, 3, 12);
  std::mt19937_64 rng(13);
  std::normal_distribution<double> noise(0.0, 0.04);
  for (double& v : client.motion) v += noise(rng);  // a moderate coupling, r well inside +-1
  for (std::size_t i = 20000; i < 21000; ++i) client.motion[i] = kNaN;
  for (std::size_t i = 40000; i < 40030; ++i) client.motion[i] = kNaN;
  for (std::size_t i = 50000; i < 50400; ++i) therapist.sent[i] = false;
  for (std::size_t i = 60000; i < 60300; ++i) therapist.motion[i] = 0;

  const SessionSignals signals = FeedInOrder(therapist, client, 10);
  const SignalSummary s = signals.Summary();
  ASSERT_EQ(s.settled_steps, 72000);
  EXPECT_EQ(s.both_steps, 72000 - 400);

  std::vector<double> s1 = therapist.motion;
  for (std::size_t i = 50000; i < 50400; ++i) s1[i] = kNaN;
  CcfOptions options;
  options.fps = 10;
  options.window_seconds = 20;
  options.increment_seconds = 5;
  options.lag_seconds = 5;
  auto m = ComputeCcf(s1, client.motion, options);
  ASSERT_TRUE(m.has_value()) << m.error().message;
  const int n_lags = m->geometry.n_lags();
  std::vector<double> z_sum(static_cast<std::size_t>(n_lags), 0.0);
  std::vector<int> z_count(static_cast<std::size_t>(n_lags), 0);
  int windows = 0, incomplete = 0, partial = 0;
  double last_peak = kNaN;
  for (int w = 0; w < m->geometry.n_windows; ++w) {
    int present = 0;
    double peak = -2;
    for (int c = 0; c < n_lags; ++c) {
      const double r = m->at(w, c);
      if (std::isnan(r)) continue;
      ++present;
      peak = std::max(peak, r);
      z_sum[static_cast<std::size_t>(c)] += std::atanh(std::clamp(r, -0.999999, 0.999999));
      ++z_count[static_cast<std::size_t>(c)];
    }
    if (present == 0) {
      ++incomplete;
      continue;
    }
    if (present < n_lags) ++partial;
    ++windows;
    last_peak = peak;
  }
  ASSERT_GT(incomplete, 10);  // the gaps really remove windows
  ASSERT_GT(partial, 0);      // and some windows keep only some lags
  int peak = 0;
  for (int c = 1; c < n_lags; ++c) {
    const auto at = static_cast<std::size_t>(c);
    const auto best = static_cast<std::size_t>(peak);
    if (z_sum[at] / z_count[at] > z_sum[best] / z_count[best]) peak = c;
  }
  EXPECT_EQ(s.movement.windows, windows);
  EXPECT_EQ(s.movement.peak_lag_seconds, (peak - m->geometry.max_lag) / 10.0);
  EXPECT_EQ(s.movement.peak_lag_seconds, 0.3);
  const auto best = static_cast<std::size_t>(peak);
  EXPECT_NEAR(s.movement.strength, std::tanh(z_sum[best] / z_count[best]), 1e-12);
  EXPECT_NEAR(signals.Live().recent_sync, last_peak, 1e-12);
}

TEST(SessionSignals, FollowsOtherWindowGeometriesAsTheWholeSessionEngineDoes) {
  // Windows that overlap by more than the increment, and windows with steps between them that
  // no window covers; the incremental result must count the windows ComputeCcf counts.
  const std::size_t n = 2000;
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 41);
  client.motion = Follow(therapist.motion, 4, 42);
  for (const LiveSyncOptions& options :
       {LiveSyncOptions{10.0, 3.0, 2.0}, LiveSyncOptions{3.0, 10.0, 1.0}}) {
    const SignalSummary s = FeedInOrder(therapist, client, 10, options).Summary();
    CcfOptions o;
    o.fps = 10;
    o.window_seconds = options.window_seconds;
    o.increment_seconds = options.increment_seconds;
    o.lag_seconds = options.lag_seconds;
    auto m = ComputeCcf(therapist.motion, client.motion, o);
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(s.movement.windows, m->geometry.n_windows) << options.window_seconds;
    EXPECT_EQ(s.movement.peak_lag_seconds, 0.4) << options.window_seconds;
  }
}

TEST(SessionSignals, OptionsThatAreNotWholeStepsSwitchSynchronyOff) {
  const std::size_t n = 1000;
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 43);
  client.motion = Follow(therapist.motion, 4, 44);
  const SignalSummary s =
      FeedInOrder(therapist, client, 10, LiveSyncOptions{20.05, 5.0, 5.0}).Summary();
  EXPECT_EQ(s.settled_steps, 1000);
  EXPECT_EQ(s.movement.windows, 0);
  EXPECT_EQ(s.movement.leader, SyncLeader::kNone);
}

// --- Settling ----------------------------------------------------------------------------

TEST(SessionSignals, LateAndRaggedBatchesGiveTheSameSummaryAsInOrderFeeding) {
  // The therapist's batches (5-15 steps) arrive as their last step ends; the client's (5-10
  // steps) 2 s later, so a client batch's first sample is up to 2.9 s behind the therapist's
  // newest: late, but inside the 3 s the other side waits. A timer settles every second too.
  const std::size_t n = 4000;
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 21);
  client.motion = Follow(therapist.motion, 6, 22);
  std::mt19937_64 talk_rng(23);
  for (Side* side : {&therapist, &client}) {
    bool on = false;
    for (std::size_t i = 0; i < n; ++i) {
      if (std::uniform_int_distribution<int>(0, 19)(talk_rng) == 0) on = !on;
      side->voice[i] = on;
    }
  }
  for (std::size_t i = 1000; i < 1020; ++i) client.motion[i] = kNaN;  // camera off: sent, NaN

  SessionSignals in_order(kOrigin);
  int settled_in_order = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = static_cast<std::int64_t>(i);
    settled_in_order +=
        in_order
            .Add(SignalParty::kTherapist,
                 Batch(StepMs(t), {therapist.motion[i]}, {static_cast<bool>(therapist.voice[i])}),
                 StepMs(t + 1))
            .value();
    settled_in_order +=
        in_order
            .Add(SignalParty::kClient,
                 Batch(StepMs(t), {client.motion[i]}, {static_cast<bool>(client.voice[i])}),
                 StepMs(t + 1))
            .value();
  }
  EXPECT_EQ(settled_in_order, 4000);

  SessionSignals ragged(kOrigin);
  std::mt19937_64 size_rng(24);
  auto events =
      Events(SignalParty::kTherapist,
             Batches(therapist,
                     [&] { return std::uniform_int_distribution<std::size_t>(5, 15)(size_rng); }),
             0);
  auto late = Events(
      SignalParty::kClient,
      Batches(client, [&] { return std::uniform_int_distribution<std::size_t>(5, 10)(size_rng); }),
      2000);
  events.insert(events.end(), late.begin(), late.end());
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.at_ms < b.at_ms; });
  int settled_ragged = 0;
  std::int64_t next_tick = kOrigin + 1000;
  for (const Event& e : events) {
    for (; next_tick < e.at_ms; next_tick += 1000) settled_ragged += ragged.SettleUntil(next_tick);
    auto added = ragged.Add(e.party, e.batch, e.at_ms);
    ASSERT_TRUE(added.has_value()) << added.error().message;
    settled_ragged += *added;
  }
  EXPECT_EQ(settled_ragged, 4000);  // the timer never had to settle a step

  const std::int64_t end = StepMs(n + kSettleAfterSteps);
  in_order.SettleUntil(end);
  ragged.SettleUntil(end);
  const SignalSummary a = in_order.Summary(), b = ragged.Summary();
  EXPECT_EQ(b.both_steps, 4000);
  EXPECT_GT(a.movement.windows, 0);
  EXPECT_GT(a.talk.turns[kT] + a.talk.turns[kC], 10);
  ExpectSameSummary(a, b);
  ExpectSameLive(in_order.Live(), ragged.Live());
}

TEST(SessionSignals, ASideThatGoesQuietIsSettledAsMissingAfterThreeSeconds) {
  SessionSignals signals(kOrigin);
  std::vector<bool> voiced(10, true);
  for (std::int64_t first = 0; first < 60; first += 10) {
    auto c = signals.Add(SignalParty::kClient, Batch(StepMs(first), std::vector(10, 0.1), voiced),
                         StepMs(first + 10));
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(*c, 0);  // waits for the therapist
    auto t = signals.Add(SignalParty::kTherapist,
                         Batch(StepMs(first), std::vector(10, 0.1), std::vector(10, false)),
                         StepMs(first + 10));
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(*t, 10);
  }
  // The client falls silent after step 59; step 60 waits until the therapist is 30 steps on.
  std::vector<int> settled;
  for (std::int64_t first = 60; first < 100; first += 10) {
    auto t = signals.Add(SignalParty::kTherapist,
                         Batch(StepMs(first), std::vector(10, 0.1), std::vector(10, false)),
                         StepMs(first + 10));
    ASSERT_TRUE(t.has_value());
    settled.push_back(*t);
  }
  EXPECT_EQ(settled, (std::vector<int>{0, 0, 0, 10}));
  SignalSummary s = signals.Summary();
  EXPECT_EQ(s.settled_steps, 70);
  EXPECT_EQ(s.both_steps, 60);
  EXPECT_EQ(s.talk.talk_ms[kC], 6000);  // the missing steps count no talk

  EXPECT_EQ(signals.SettleUntil(StepMs(100)), 0);   // steps before 70 are settled already
  EXPECT_EQ(signals.SettleUntil(StepMs(130)), 30);  // 70-99
  s = signals.Summary();
  EXPECT_EQ(s.settled_steps, 100);
  EXPECT_EQ(s.both_steps, 60);
  // A client sample for a settled step is dropped.
  auto late = signals.Add(SignalParty::kClient, Batch(StepMs(60), {0.1}, {true}), StepMs(130));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(*late, 0);
  ExpectSameSummary(signals.Summary(), s);
}

TEST(SessionSignals, SettleUntilSettlesStepsThreeSecondsOldWhateverWasReceived) {
  SessionSignals signals(kOrigin);
  EXPECT_EQ(signals.SettleUntil(kOrigin), 0);
  EXPECT_EQ(signals.SettleUntil(kOrigin + 3000), 0);    // step 0 starts exactly 3 s before
  EXPECT_EQ(signals.SettleUntil(kOrigin + 3001), 1);    // now it is more than 3 s old
  EXPECT_EQ(signals.SettleUntil(kOrigin + 10000), 69);  // steps 1-69
  EXPECT_EQ(signals.SettleUntil(kOrigin + 10050), 1);   // step 70 started 2950 ms before
  EXPECT_EQ(signals.SettleUntil(kOrigin + 5000), 0);    // time going back settles nothing
  const SignalSummary s = signals.Summary();
  EXPECT_EQ(s.settled_steps, 71);
  EXPECT_EQ(s.both_steps, 0);
  EXPECT_EQ(signals.Live().settled_steps, 71);
}

TEST(SessionSignals, SettlesAStepOnceBothSidesSentItAndEveryEarlierOne) {
  SessionSignals signals(kOrigin);
  // The therapist sends steps 0-4; the client sends 2-4 first, then 0-1.
  EXPECT_EQ(*signals.Add(SignalParty::kTherapist,
                         Batch(StepMs(0), std::vector(5, 0.1), std::vector(5, false)), StepMs(5)),
            0);
  EXPECT_EQ(*signals.Add(SignalParty::kClient,
                         Batch(StepMs(2), std::vector(3, 0.1), std::vector(3, false)), StepMs(5)),
            0);  // steps 0 and 1 still wait for the client
  EXPECT_EQ(*signals.Add(SignalParty::kClient,
                         Batch(StepMs(0), std::vector(2, 0.1), std::vector(2, false)), StepMs(5)),
            5);
  EXPECT_EQ(signals.Summary().both_steps, 5);
}

TEST(SessionSignals, FloorsBatchTimesToTheirStepAndDropsStepsBeforeTheOrigin) {
  SessionSignals signals(kOrigin);
  // The therapist's samples at -250, -150, -50, +50 and +150 ms fall on steps -3 to 1, the
  // client's at -1, +99 and +199 ms on steps -1 to 1: both speak at step 1 only. Truncating
  // toward zero would shift each side's samples one step later, and they would not overlap.
  ASSERT_TRUE(signals
                  .Add(SignalParty::kTherapist,
                       Batch(kOrigin - 250, std::vector(5, 0.1), {true, true, true, false, true}),
                       kOrigin)
                  .has_value());
  auto c = signals.Add(SignalParty::kClient,
                       Batch(kOrigin - 1, std::vector(3, 0.1), {false, false, true}), kOrigin);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(*c, 2);
  const SignalSummary s = signals.Summary();
  EXPECT_EQ(s.settled_steps, 2);
  EXPECT_EQ(s.both_steps, 2);
  EXPECT_EQ(s.talk.talk_ms[kT], 100);
  EXPECT_EQ(s.talk.talk_ms[kC], 100);
  EXPECT_EQ(s.talk.overlaps, 1);
}

TEST(SessionSignals, ARepeatedSampleOverwritesUntilTheStepSettles) {
  SessionSignals signals(kOrigin);
  ASSERT_TRUE(
      signals.Add(SignalParty::kTherapist, Batch(StepMs(0), {0.1, 0.1}, {true, true}), StepMs(2))
          .has_value());
  ASSERT_TRUE(signals.Add(SignalParty::kTherapist, Batch(StepMs(1), {0.1}, {false}), StepMs(2))
                  .has_value());
  ASSERT_EQ(
      *signals.Add(SignalParty::kClient, Batch(StepMs(0), {0.1, 0.1}, {false, false}), StepMs(2)),
      2);
  EXPECT_EQ(signals.Summary().talk.talk_ms[kT], 100);  // step 1 was taken back
  // Settled now: a third sample for step 1 is dropped.
  ASSERT_TRUE(
      signals.Add(SignalParty::kTherapist, Batch(StepMs(1), {0.1}, {true}), StepMs(2)).has_value());
  signals.SettleUntil(StepMs(100));
  EXPECT_EQ(signals.Summary().talk.talk_ms[kT], 100);
}

TEST(SessionSignals, RefusesABatchReachingMoreThanFiveSecondsAheadAndChangesNothing) {
  SessionSignals signals(kOrigin);
  const std::int64_t now = StepMs(100);
  Side therapist(100), client(100);
  Speak(therapist, {{0, 49}});
  Speak(client, {{60, 99}});
  auto events = Events(SignalParty::kTherapist, Batches(therapist, [] { return 10; }), 0);
  auto client_events = Events(SignalParty::kClient, Batches(client, [] { return 10; }), 0);
  events.insert(events.end(), client_events.begin(), client_events.end());
  Deliver(signals, std::move(events));
  signals.AddMessage(SignalParty::kClient, "hello there", now - 500);
  // The client sends steps 100-109 ahead; the therapist's 100-110 would settle them, but its
  // last sample starts 5001 ms after now.
  ASSERT_TRUE(signals
                  .Add(SignalParty::kClient,
                       Batch(StepMs(100), std::vector(10, 0.1), std::vector(10, true)), now)
                  .has_value());
  const SignalSummary before = signals.Summary();
  const LiveReading live_before = signals.Live();
  ASSERT_EQ(before.settled_steps, 100);

  FeatureBatch far = Batch(StepMs(100) + 1, std::vector(51, 0.2), std::vector(51, true));
  ASSERT_EQ(far.first_ms + std::int64_t{50} * kSignalStepMs, now + 5001);
  auto refused = signals.Add(SignalParty::kTherapist, far, now);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(refused.error().fields.size(), 1u);
  EXPECT_EQ(refused.error().fields[0].field, "t");
  ExpectSameSummary(signals.Summary(), before);
  ExpectSameLive(signals.Live(), live_before);

  // Nothing of it was stored either: the client's steps 100-109 settle with the therapist
  // missing.
  signals.SettleUntil(StepMs(110 + kSettleAfterSteps));
  EXPECT_EQ(signals.Summary().both_steps, before.both_steps);
  EXPECT_EQ(signals.Summary().talk.talk_ms[kT], before.talk.talk_ms[kT]);

  // Exactly five seconds ahead is accepted.
  SessionSignals other(kOrigin);
  auto edge = other.Add(SignalParty::kTherapist,
                        Batch(now - 100, std::vector(52, 0.2), std::vector(52, true)), now);
  ASSERT_TRUE(edge.has_value()) << edge.error().message;
  auto beyond = other.Add(SignalParty::kTherapist, Batch(now + 5001, {0.2}, {true}), now);
  EXPECT_FALSE(beyond.has_value());
}

TEST(SessionSignals, RefusesABatchWhoseVoiceAndMotionDifferInLength) {
  SessionSignals signals(kOrigin);
  auto refused =
      signals.Add(SignalParty::kClient, Batch(kOrigin, {0.1, 0.2, 0.3}, {true, false}), kOrigin);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(refused.error().fields.size(), 1u);
  EXPECT_EQ(refused.error().fields[0].field, "voice");
  EXPECT_EQ(signals.Summary().settled_steps, 0);
  auto empty = signals.Add(SignalParty::kClient, Batch(kOrigin, {}, {}), kOrigin);
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(*empty, 0);
}

TEST(SessionSignals, AfterAnHourWithoutTimerTheNextBatchSettlesTheHour) {
  // Nothing for an hour, and no timer: the first batch then settles the hour at once.
  SessionSignals signals(kOrigin);
  const std::int64_t hour = 36000;
  auto added = signals.Add(SignalParty::kTherapist,
                           Batch(StepMs(hour), std::vector(10, 0.1), std::vector(10, true)),
                           StepMs(hour + 10));
  ASSERT_TRUE(added.has_value());
  EXPECT_EQ(*added, hour + 10 - kSettleAfterSteps);
  EXPECT_EQ(signals.Summary().talk.talk_ms[kT], 0);
  EXPECT_EQ(signals.SettleUntil(StepMs(hour + 10 + kSettleAfterSteps)), kSettleAfterSteps);
  EXPECT_EQ(signals.Summary().talk.talk_ms[kT], 1000);
}

// --- Talk --------------------------------------------------------------------------------

TEST(SessionSignals, FollowsTheFloorThroughAScriptedConversation) {
  const std::size_t n = 160;
  Side therapist(n), client(n);
  // The therapist opens (0-29); after 500 ms of silence the client answers (35-54); the
  // therapist cuts in at 50 and holds on after the client stops (-70); 900 ms later the client
  // speaks again (80-99) while the therapist says "mm-hm" (90-91) without taking the floor; the
  // therapist answers the moment the client stops (100-119), pauses, both start at once
  // (130-131) and the therapist goes on (-139); a second later the client replies (150-159).
  Speak(therapist, {{0, 29}, {50, 70}, {90, 91}, {100, 119}, {130, 139}});
  Speak(client, {{35, 54}, {80, 99}, {130, 131}, {150, 159}});
  const SignalSummary s = FeedInOrder(therapist, client, 1).Summary();
  const TalkSummary& talk = s.talk;
  EXPECT_EQ(s.settled_steps, 160);
  EXPECT_EQ(talk.talk_ms[kT], 8300);
  EXPECT_EQ(talk.talk_ms[kC], 5200);
  EXPECT_DOUBLE_EQ(talk.client_share, 5200.0 / 13500.0);
  EXPECT_EQ(talk.turns[kT], 3);  // at 0, 55, 100
  EXPECT_EQ(talk.turns[kC], 3);  // at 35, 80, 150
  // Therapist turns 0-29, 55-70, 100-139; client turns 35-54, 80-99 and 150-159 (still going).
  EXPECT_DOUBLE_EQ(talk.mean_turn_ms[kT], (3000.0 + 1600.0 + 4000.0) / 3);
  EXPECT_DOUBLE_EQ(talk.mean_turn_ms[kC], (2000.0 + 2000.0 + 1000.0) / 3);
  EXPECT_EQ(talk.median_latency_ms[kC], 900.0);  // of 500, 900 and 1000
  EXPECT_EQ(talk.median_latency_ms[kT], 0.0);    // the one answer without a gap; 55 was a cut-in
  EXPECT_EQ(talk.overlaps, 3);                   // 50-54, 90-91, 130-131
  EXPECT_EQ(talk.interruptions[kT], 1);          // at 55
  EXPECT_EQ(talk.interruptions[kC], 0);
}

TEST(SessionSignals, TakingTheFloorFirstIsNeitherALatencyNorAnInterruption) {
  const std::size_t n = 40;
  Side therapist(n), client(n);
  Speak(therapist, {{0, 4}});
  Speak(client, {{0, 9}, {20, 29}});  // both start, the client goes on, then again after 1 s
  const TalkSummary talk = FeedInOrder(therapist, client, 1).Summary().talk;
  EXPECT_EQ(talk.turns[kT], 0);
  EXPECT_EQ(talk.turns[kC], 1);  // the floor never left the client
  EXPECT_EQ(talk.interruptions[kC], 0);
  EXPECT_TRUE(std::isnan(talk.median_latency_ms[kC]));
  EXPECT_TRUE(std::isnan(talk.mean_turn_ms[kT]));
  EXPECT_DOUBLE_EQ(talk.mean_turn_ms[kC], 2500.0);  // 5-29
  EXPECT_EQ(talk.overlaps, 1);
}

TEST(SessionSignals, ReportsNothingForAnEmptySession) {
  SessionSignals signals(kOrigin);
  const SignalSummary s = signals.Summary();
  EXPECT_EQ(s.settled_steps, 0);
  EXPECT_EQ(s.movement.windows, 0);
  EXPECT_TRUE(std::isnan(s.movement.strength));
  EXPECT_EQ(s.movement.leader, SyncLeader::kNone);
  EXPECT_TRUE(std::isnan(s.talk.client_share));
  for (std::size_t p = 0; p < 2; ++p) {
    EXPECT_TRUE(std::isnan(s.talk.mean_turn_ms[p]));
    EXPECT_TRUE(std::isnan(s.talk.median_latency_ms[p]));
    EXPECT_TRUE(std::isnan(s.typed.median_reply_ms[p]));
  }
  EXPECT_TRUE(std::isnan(s.typed.style_matching));
  EXPECT_TRUE(std::isnan(signals.Live().client_share));
}

// --- Typed messages ----------------------------------------------------------------------

TEST(SessionSignals, CountsMessagesWordsAndMedianReplyTimes) {
  SessionSignals signals(kOrigin);
  signals.AddMessage(SignalParty::kTherapist, "Hello, how are you today?", 1000);
  signals.AddMessage(SignalParty::kClient, "I am fine.", 4000);           // reply: 3000
  signals.AddMessage(SignalParty::kClient, "Mostly.", 5000);              // no reply
  signals.AddMessage(SignalParty::kTherapist, "Good to hear.", 9000);     // reply: 4000
  signals.AddMessage(SignalParty::kClient, "Thanks", 8000);               // back in time: 9000, 0
  signals.AddMessage(SignalParty::kTherapist, "Shall we begin?", 12000);  // reply: 3000
  const TypedSummary typed = signals.Summary().typed;
  EXPECT_EQ(typed.messages[kT], 3);
  EXPECT_EQ(typed.messages[kC], 3);
  EXPECT_EQ(typed.words[kT], 5 + 3 + 3);
  EXPECT_EQ(typed.words[kC], 3 + 1 + 1);
  EXPECT_DOUBLE_EQ(typed.median_reply_ms[kT], 3500.0);  // 4000 and 3000
  EXPECT_DOUBLE_EQ(typed.median_reply_ms[kC], 1500.0);  // 3000 and 0
  EXPECT_TRUE(std::isnan(typed.style_matching));        // far fewer than 50 words
}

TEST(SessionSignals, StyleMatchingIsOneForTheSameWordsAndLowForUnlikeOnes) {
  const std::string personal =
      "I really don't know why I keep doing this to myself. We talked about it and I said I "
      "would not, but then I just did it again and I can't stop. You know how it is, I never "
      "manage to say no to them and they always ask me for more. I'm so tired of it all and I "
      "wish I could just be different, but I'm not sure I can.";
  const std::string formal =
      "The assessment of the presenting concerns indicates a pattern of avoidance in the "
      "context of occupational stressors. The formulation integrates the history of the "
      "difficulties with the maintaining factors observed across the sessions. A plan for "
      "the next phase of treatment includes graded exposure within the structure of the "
      "weekly appointments, with a review of progress at the midpoint of the course.";
  ASSERT_GE(CountFunctionWords(personal).words, kMinStyleWords);
  ASSERT_GE(CountFunctionWords(formal).words, kMinStyleWords);

  SessionSignals same(kOrigin);
  same.AddMessage(SignalParty::kTherapist, personal, 1000);
  same.AddMessage(SignalParty::kClient, personal, 2000);
  EXPECT_DOUBLE_EQ(same.Summary().typed.style_matching, 1.0);

  SessionSignals unlike(kOrigin);
  unlike.AddMessage(SignalParty::kTherapist, formal, 1000);
  unlike.AddMessage(SignalParty::kClient, personal, 2000);
  EXPECT_LT(unlike.Summary().typed.style_matching, 0.3);

  SessionSignals short_side(kOrigin);
  short_side.AddMessage(SignalParty::kTherapist, personal, 1000);
  short_side.AddMessage(SignalParty::kClient, "I don't know, I really don't.", 2000);
  EXPECT_TRUE(std::isnan(short_side.Summary().typed.style_matching));
}

// --- The rest ----------------------------------------------------------------------------

TEST(SessionSignals, NamesEveryLeader) {
  EXPECT_EQ(ToString(SyncLeader::kNone), "none");
  EXPECT_EQ(ToString(SyncLeader::kTherapist), "therapist");
  EXPECT_EQ(ToString(SyncLeader::kClient), "client");
  EXPECT_EQ(ToString(SyncLeader::kTogether), "together");
}

TEST(SessionSignals, AMovedSessionKeepsItsState) {
  const std::size_t n = 400;
  Side therapist(n), client(n);
  therapist.motion = SmoothMotion(n, 31);
  client.motion = Follow(therapist.motion, 4, 32);
  Speak(client, {{10, 20}});
  SessionSignals signals = FeedInOrder(therapist, client);
  const SignalSummary before = signals.Summary();
  SessionSignals moved(std::move(signals));
  ExpectSameSummary(moved.Summary(), before);
  SessionSignals assigned(kOrigin);
  assigned = std::move(moved);
  ExpectSameSummary(assigned.Summary(), before);
}

}  // namespace
}  // namespace rapport
