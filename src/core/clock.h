#pragma once
// Clock: the seam through which all code reads the time, so tests can move it.
// SystemClock is thread-safe; FakeClock is thread-safe too (atomic), and never moves by itself.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/result.h"

namespace rapport {

// Milliseconds since the Unix epoch, UTC. Stored as INTEGER in every backend.
using Timestamp = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Timestamp Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Timestamp Now() const override;
  static const SystemClock& Instance();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start) : now_(start) {}
  Timestamp Now() const override { return now_.load(); }
  void Advance(std::chrono::milliseconds by) { now_ += by.count(); }
  void Set(Timestamp t) { now_ = t; }

 private:
  std::atomic<Timestamp> now_;
};

// The system's time moved forward by a settable offset: `rapport serve --test-clock` runs on one
// so that an end-to-end test can let "fifteen minutes pass" in a second. Never moves back.
// Thread-safe.
class OffsetClock final : public Clock {
 public:
  Timestamp Now() const override { return SystemClock::Instance().Now() + offset_.load(); }
  void Advance(std::chrono::milliseconds by) {
    if (by.count() > 0) offset_ += by.count();
  }

 private:
  std::atomic<std::int64_t> offset_{0};
};

// "2026-11-25T21:22:52.123Z". Always UTC with milliseconds.
std::string FormatIso8601(Timestamp t);
// Accepts "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)" and "YYYY-MM-DD" (midnight UTC).
Result<Timestamp> ParseIso8601(std::string_view text);

}  // namespace rapport
