#pragma once
// A clinic's safety settings (opening hours, time zone, on-call cover, how long an urgent alert
// may wait), the escalation ladder for urgent alerts (rules/escalation.json, compiled in), and
// what a client is told after a risk answer. Pure: callers read the clock and convert it to local
// time (core/local_time.h) and pass plain values in, so every rule here is testable without a
// clock. Value types are thread-compatible; the shipped ladder is parsed once and never changes.
//
// The client is only ever told what the settings make true: that someone has been told now, who
// will be told next and when, or, when nobody is watching, that nobody is and when that ends.

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/local_time.h"
#include "core/result.h"
#include "domain/alerts.h"
#include "domain/crisis.h"

namespace rapport {

inline constexpr int kMinutesPerDay = 24 * 60;

// One day's opening, [start_minute, end_minute) in local wall time. It never runs past midnight:
// a clinic open overnight lists each day's part. end_minute 1440 means "until midnight".
struct OpenInterval {
  int start_minute = 0;  // 0..1439
  int end_minute = 0;    // start_minute + 1 .. 1440
  friend bool operator==(const OpenInterval&, const OpenInterval&) = default;
};

struct WeeklyHours {
  std::array<std::optional<OpenInterval>, 7> days;  // Monday first; nullopt: closed that day
  friend bool operator==(const WeeklyHours&, const WeeklyHours&) = default;
};

// Monday to Friday, 09:00 to 17:00: the default until a clinic sets its own.
WeeklyHours StandardWeeklyHours();

// "09:00" -> 540. `is_end` also accepts "24:00" (1440), the end of the day. Errors name `field`.
Result<int> ParseClockTime(std::string_view text, std::string_view field, bool is_end = false);
// 540 -> "09:00", the form ParseClockTime reads.
std::string FormatClockTime(int minute_of_day);

// `weekday` 0 = Monday .. 6 = Sunday, as LocalTime.
bool IsOpen(const WeeklyHours& hours, int weekday, int minute_of_day);
// Plain words for people: "Monday to Friday, 9:00 to 17:00"; "Closed every day" when never open.
std::string DescribeHours(const WeeklyHours& hours);

struct Opening {
  int days_ahead = 0;  // 0 today, 1 tomorrow, .. 7 the same weekday next week
  int weekday = 0;     // 0 = Monday
  int minute_of_day = 0;
  friend bool operator==(const Opening&, const Opening&) = default;
};
// The first moment at or after `now` at which the clinic is open: `now` itself when it is open,
// else the start of its next opening. nullopt when the clinic never opens.
std::optional<Opening> NextOpening(const WeeklyHours& hours, const LocalTime& now);
// "today at 13:00", "tomorrow at 9:00", "on Monday at 9:00", "next Monday at 9:00".
std::string DescribeOpening(const Opening& opening);

// "1 minute", "15 minutes", "1 hour", "2 hours", "90 minutes": whole hours as hours.
std::string DurationInWords(int minutes);

// Edited by the clinic's admin; one per clinic.
struct SafetySettings {
  std::string time_zone = "UTC";  // IANA name: the zone `hours` are read in
  std::string country = "US";     // ISO 3166-1 alpha-2: crisis lines for clients without their own
  WeeklyHours hours = StandardWeeklyHours();
  int escalate_after_minutes_in_hours = 15;     // 1..240
  int escalate_after_minutes_out_of_hours = 5;  // 1..240
  bool on_call_out_of_hours = true;  // the clinic keeps an on-call rota outside its hours
  int contact_within_minutes = 120;  // 5..1440: what the clinic aims for after a risk answer
  friend bool operator==(const SafetySettings&, const SafetySettings&) = default;
};

// Whether a clinic may save `settings`: every problem at once, named by path
// ("hours/monday/end", "escalate_after_minutes_in_hours"). `known_zone` is the zone check
// (IsKnownTimeZone in production); `crisis` holds the countries a clinic may choose.
Status ValidateSafetySettings(const SafetySettings& settings,
                              bool (*known_zone)(std::string_view iana_name),
                              const CrisisDirectory& crisis);

// The whole object (no partial updates). Days absent or null are closed. Parsing checks shape
// and clock-time format only, so stored settings stay readable even if, say, a country's crisis
// set were withdrawn; ValidateSafetySettings decides what may be saved.
Json SafetySettingsToJson(const SafetySettings& settings);
Result<SafetySettings> ParseSafetySettings(const Json& json);

// Who is told at a step of the ladder.
enum class Audience {
  kTreatingTherapist,  // the alert's episode therapist
  kSupervisors,        // the supervisors of the treating therapist
  kOnCall,             // the clinic's on-call clinician, when one is on the rota now
  kAllSupervisors,     // every supervisor of the clinic
  kAdmins,             // the clinic's admins: a notice without clinical content
};
std::string_view ToString(Audience audience);
Result<Audience> ParseAudience(std::string_view text);

struct EscalationStep {
  std::vector<Audience> notify;
};

// The words shown to a client after a risk answer, per case; {escalate_after},
// {contact_within} and {opens} are filled in.
struct FollowUpWords {
  std::string headline;
  std::string body;
};
struct FollowUpTemplates {
  FollowUpWords in_hours, on_call, closed, closed_no_opening;
};

struct EscalationLadder {
  std::string version;
  Severity applies_from = Severity::kCritical;
  // Step 0 is at once and includes the treating therapist; each later step follows the one
  // before when nobody has acknowledged the alert within the clinic's wait.
  std::vector<EscalationStep> steps;
  std::string admin_subject, admin_body;  // the admins' notice: no clinical content
  FollowUpTemplates adult, child;

  bool AppliesTo(Severity severity) const { return severity >= applies_from; }
};

// Validates the ladder file; every problem named by its path ("steps/1/notify/0"). Refuses a
// ladder whose step 0 leaves out the treating therapist or that never escalates beyond it.
Result<EscalationLadder> ParseEscalationLadder(const Json& definition);
// rules/escalation.json, compiled in.
const EscalationLadder& ShippedEscalationLadder();

// When the step begun at `step_started` gives way to the next one if nobody has acknowledged:
// the clinic's wait, in or out of hours as it was when the step began.
Timestamp NextStepDue(const SafetySettings& settings, Timestamp step_started, bool in_hours);

// What the client is told after a risk answer, in the shipped ladder's words. `in_hours`: the
// clinic is open now; `on_call_now`: someone is on the on-call rota now; `opens`: plain words for
// the next opening ("on Monday at 9:00", see DescribeOpening), used when nobody watches now.
FollowUpWords DescribeFollowUp(const SafetySettings& settings, bool in_hours, bool on_call_now,
                               std::string_view opens, Reader reader);

}  // namespace rapport
