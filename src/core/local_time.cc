#include "core/local_time.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <string>

namespace rapport {

namespace {

// date throws for an unknown name, and may throw if the database cannot be read at all; both mean
// "no such zone" to a caller, who must not be able to bring the server down with a bad setting.
const date::time_zone* FindZone(std::string_view iana_name) {
  // "localtime" is the server's own zone under another name: a clinic's hours would silently
  // follow wherever the server happens to run.
  if (iana_name.empty() || iana_name == "localtime") return nullptr;
  try {
    return date::locate_zone(iana_name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

}  // namespace

bool IsKnownTimeZone(std::string_view iana_name) {
  return FindZone(iana_name) != nullptr;
}

Result<LocalTime> ToLocalTime(Timestamp t, std::string_view iana_name) {
  const date::time_zone* zone = FindZone(iana_name);
  if (zone == nullptr) {
    return Fail(Error::Field(
        "time_zone",
        fmt::format("'{}' is not a time zone this system knows; use a name such as Europe/London",
                    iana_name)));
  }
  using std::chrono::milliseconds;
  using std::chrono::minutes;
  const date::sys_time<milliseconds> instant{milliseconds{t}};
  try {
    const date::sys_info info = zone->get_info(instant);
    const date::local_time<milliseconds> local = zone->to_local(instant);
    // floor, not truncation: instants before 1970 have negative counts.
    const date::local_days day = date::floor<date::days>(local);
    const date::year_month_day ymd{day};
    const date::weekday weekday{day};
    LocalTime out;
    out.year = static_cast<int>(ymd.year());
    out.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    out.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    // iso_encoding: Monday 1 .. Sunday 7.
    out.weekday = static_cast<int>(weekday.iso_encoding()) - 1;
    out.minute_of_day = static_cast<int>(date::floor<minutes>(local - day).count());
    out.utc_offset_minutes = static_cast<int>(date::floor<minutes>(info.offset).count());
    return out;
  } catch (const std::exception& e) {
    return Fail(
        Error::Internal(fmt::format("Could not read the time zone '{}': {}", iana_name, e.what())));
  }
}

}  // namespace rapport
