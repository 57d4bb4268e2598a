#pragma once
// How often a questionnaire is asked in an episode. The Rapport Check belongs to every session;
// an outcome measure whose questions cover "the last two weeks" is asked every two weeks, so that
// most check-ins are short; the Fit Check once. The therapist sets it per episode; a definition
// file may give its own default. Pure functions; thread-safe.

#include <optional>
#include <string>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"

namespace rapport {

struct Instrument;

// At most one of the two is non-zero; both zero: asked once.
struct Schedule {
  int every_sessions = 1;
  int every_weeks = 0;
  bool operator==(const Schedule&) const = default;
};

inline constexpr int kMaxScheduleEvery = 52;

// kInvalidArgument naming "every_sessions" or "every_weeks" (0..52, not both).
Status ValidateSchedule(const Schedule& schedule);

// Reads {"every_sessions": N} | {"every_weeks": N} | {"once": true}: exactly one, N from 1 to 52.
// Errors name the field with `prefix` ("schedule/every_weeks").
Result<Schedule> ScheduleFromJson(const Json& json, const std::string& prefix);
// The inverse, as a definition file gives it.
Json ScheduleToJson(const Schedule& schedule);

// The definition's own default, else by purpose: the Fit Check once, everything else every session.
Schedule DefaultSchedule(const Instrument& instrument);

// "every session", "every 2 sessions", "every 2 weeks", "once": for people.
std::string Describe(const Schedule& schedule);

// Whether the questionnaire is due: never answered; or, by sessions, `sessions_since` (sessions
// held since the last answer, counting the one being asked about) has reached the number; or, by
// weeks, that many weeks have passed since the last answer, less a day, so that a weekly session
// held a little earlier in the day than last time still finds it due.
bool IsDue(const Schedule& schedule, std::optional<Timestamp> last_answered, int sessions_since,
           Timestamp now);

}  // namespace rapport
