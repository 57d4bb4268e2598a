#include "core/calendar_date.h"

#include <fmt/format.h>

#include "core/text.h"

namespace rapport {

std::optional<std::chrono::year_month_day> ParseCalendarDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const std::optional<int> y = DigitsValue(text.substr(0, 4));
  const std::optional<int> m = DigitsValue(text.substr(5, 2));
  const std::optional<int> d = DigitsValue(text.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  using namespace std::chrono;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*m)},
                            day{static_cast<unsigned>(*d)}};
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
