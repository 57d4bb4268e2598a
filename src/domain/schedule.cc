#include "domain/schedule.h"

#include <fmt/format.h>

#include "domain/instrument.h"

namespace rapport {

namespace {
constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;
}  // namespace

Status ValidateSchedule(const Schedule& schedule) {
  const auto range = [](const char* field, int value) -> Status {
    if (value < 0 || value > kMaxScheduleEvery) {
      return Fail(Error::Field(field, fmt::format("must be from 0 to {}", kMaxScheduleEvery)));
    }
    return Ok();
  };
  RAPPORT_RETURN_IF_ERROR(range("every_sessions", schedule.every_sessions));
  RAPPORT_RETURN_IF_ERROR(range("every_weeks", schedule.every_weeks));
  if (schedule.every_sessions > 0 && schedule.every_weeks > 0) {
    return Fail(Error::Field("every_weeks", "choose sessions or weeks, not both"));
  }
  return Ok();
}

Result<Schedule> ScheduleFromJson(const Json& json, const std::string& prefix) {
  JsonObjectReader s(json, prefix);
  const auto sessions = s.OptionalInt("every_sessions");
  const auto weeks = s.OptionalInt("every_weeks");
  const auto once = s.OptionalBool("once");
  // Unknown or mistyped fields first: they say most plainly what is wrong.
  RAPPORT_RETURN_IF_ERROR(s.Finish());
  const auto problem = [&](const char* field, std::string message) {
    return Fail(Error::Field(prefix + field, std::move(message)));
  };
  const int given = (sessions ? 1 : 0) + (weeks ? 1 : 0) + (once ? 1 : 0);
  if (given != 1)
    return problem("every_sessions", "give one of every_sessions, every_weeks or once: true");
  if (once && !*once) return problem("once", "must be true when given");
  if (sessions && (*sessions < 1 || *sessions > kMaxScheduleEvery)) {
    return problem("every_sessions", fmt::format("must be from 1 to {}", kMaxScheduleEvery));
  }
  if (weeks && (*weeks < 1 || *weeks > kMaxScheduleEvery)) {
    return problem("every_weeks", fmt::format("must be from 1 to {}", kMaxScheduleEvery));
  }
  return Schedule{static_cast<int>(sessions.value_or(0)), static_cast<int>(weeks.value_or(0))};
}

Json ScheduleToJson(const Schedule& schedule) {
  if (schedule.every_weeks > 0) return {{"every_weeks", schedule.every_weeks}};
  if (schedule.every_sessions > 0) return {{"every_sessions", schedule.every_sessions}};
  return {{"once", true}};
}

Schedule DefaultSchedule(const Instrument& instrument) {
  if (instrument.schedule) return *instrument.schedule;
  if (instrument.purpose == Purpose::kFit) return Schedule{0, 0};
  return Schedule{1, 0};
}

std::string Describe(const Schedule& schedule) {
  if (schedule.every_weeks == 1) return "every week";
  if (schedule.every_weeks > 1) return fmt::format("every {} weeks", schedule.every_weeks);
  if (schedule.every_sessions == 1) return "every session";
  if (schedule.every_sessions > 1) return fmt::format("every {} sessions", schedule.every_sessions);
  return "once";
}

bool IsDue(const Schedule& schedule, std::optional<Timestamp> last_answered, int sessions_since,
           Timestamp now) {
  if (!last_answered) return true;
  if (schedule.every_weeks > 0) {
    return now >= *last_answered + schedule.every_weeks * 7 * kDayMs - kDayMs;
  }
  if (schedule.every_sessions > 0) return sessions_since >= schedule.every_sessions;
  return false;
}

}  // namespace rapport
