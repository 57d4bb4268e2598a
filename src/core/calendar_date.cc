#include "core/calendar_date.h"

#include <fmt/format.h>

namespace rapport {

std::optional<std::chrono::year_month_day> ParseCalendarDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  int* field = fields;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == 4 || i == 7) {
      ++field;
      continue;
    }
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    *field = *field * 10 + (text[i] - '0');
  }
  using namespace std::chrono;
  const year_month_day date{year{fields[0]}, month{static_cast<unsigned>(fields[1])},
                            day{static_cast<unsigned>(fields[2])}};
  if (!date.ok()) return std::nullopt;
  return date;
}

std::chrono::year_month_day UtcDateOf(Timestamp t) {
  using namespace std::chrono;
  return year_month_day{floor<days>(sys_time<milliseconds>{milliseconds{t}})};
}

std::string FormatCalendarDate(std::chrono::year_month_day date) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

std::string FormatUtcDate(Timestamp t) {
  return FormatCalendarDate(UtcDateOf(t));
}

Timestamp StartOfDate(std::chrono::year_month_day date) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(sys_days{date}.time_since_epoch()).count();
}

}  // namespace rapport
