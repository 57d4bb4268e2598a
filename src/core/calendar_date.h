#pragma once
// Calendar dates as forms and people write them, "YYYY-MM-DD", and the UTC day of an instant.
// A date with no time zone (a date of birth, a plan's review date) names a UTC day in Rapport.
// Pure and thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace rapport {

// The date `text` names when it is exactly "YYYY-MM-DD" in ASCII digits and a real day
// ("2026-02-29" is not); nothing otherwise.
std::optional<std::chrono::year_month_day> ParseCalendarDate(std::string_view text);

// The UTC day instant `t` falls on.
std::chrono::year_month_day UtcDateOf(Timestamp t);

// "YYYY-MM-DD".
std::string FormatCalendarDate(std::chrono::year_month_day date);

// "YYYY-MM-DD" of the UTC day instant `t` falls on.
std::string FormatUtcDate(Timestamp t);

// The first millisecond of `date`, UTC.
Timestamp StartOfDate(std::chrono::year_month_day date);

}  // namespace rapport
