#pragma once
// Wall-clock time in a named IANA time zone ("Europe/London"), read from the operating system's
// time-zone database (/usr/share/zoneinfo, kept current by the tzdata package), so daylight-saving
// changes follow the rules the system knows rather than rules compiled into Rapport.
// The database is loaded once, on first use, and is thread-safe from then on. Unknown zones are
// errors, never a silent fall-back to UTC: a clinic's hours read in the wrong zone would make
// Rapport tell a client something untrue.

#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace rapport {

struct LocalTime {
  int year = 1970;
  int month = 1;               // 1..12
  int day = 1;                 // 1..31
  int weekday = 3;             // 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday)
  int minute_of_day = 0;       // 0..1439, local wall time
  int utc_offset_minutes = 0;  // local minus UTC: +60 for British Summer Time, -300 for EST
  friend bool operator==(const LocalTime&, const LocalTime&) = default;
};

// True when the system's time-zone database knows `iana_name` exactly (names are case-sensitive).
// "localtime", the server's own zone, is not accepted.
bool IsKnownTimeZone(std::string_view iana_name);

// The local wall time at instant `t` in zone `iana_name`; kInvalidArgument on field "time_zone"
// for a zone the database does not know.
Result<LocalTime> ToLocalTime(Timestamp t, std::string_view iana_name);

}  // namespace rapport
