#include "core/clock.h"

#include <fmt/format.h>

#include "core/calendar_date.h"
#include "core/text.h"

namespace rapport {

Timestamp SystemClock::Now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

std::string FormatIso8601(Timestamp t) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds{t}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss hms{tp - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count(), hms.seconds().count(),
                     hms.subseconds().count());
}

namespace {

// Exactly `digits` ASCII digits: no sign, no blank.
bool ReadInt(std::string_view text, std::size_t& pos, std::size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  const std::optional<int> value = DigitsValue(text.substr(pos, digits));
  if (!value) return false;
  out = *value;
  pos += digits;
  return true;
}

bool Expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

Result<Timestamp> ParseIso8601(std::string_view text) {
  using namespace std::chrono;
  const auto bad = [&] {
    return Fail(Error::InvalidArgument(
        fmt::format("'{}' is not an ISO 8601 date-time such as 2026-03-01T14:00:00Z", text)));
  };
  const auto date = ParseCalendarDate(text.substr(0, 10));
  if (!date) return bad();
  std::size_t pos = 10;
  int h = 0, mi = 0, s = 0, ms = 0;
  int offset_minutes = 0;
  if (pos < text.size()) {
    if (!Expect(text, pos, 'T') || !ReadInt(text, pos, 2, h) || !Expect(text, pos, ':') ||
        !ReadInt(text, pos, 2, mi)) {
      return bad();
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadInt(text, pos, 2, s)) return bad();
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        if (pos == start) return bad();
        std::string_view frac = text.substr(start, std::min<std::size_t>(3, pos - start));
        for (char c : frac) ms = ms * 10 + (c - '0');
        for (std::size_t i = frac.size(); i < 3; ++i) ms *= 10;
      }
    }
    if (pos >= text.size()) return bad();
    if (text[pos] == 'Z') {
      ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
      const int sign = text[pos] == '-' ? -1 : 1;
      ++pos;
      int oh = 0, om = 0;
      if (!ReadInt(text, pos, 2, oh) || !Expect(text, pos, ':') || !ReadInt(text, pos, 2, om)) {
        return bad();
      }
      // Offsets in use run from -12:00 to +14:00; "+99:99" is a typing mistake, not a place.
      if (oh > 14 || om > 59 || (oh == 14 && om > 0)) return bad();
      offset_minutes = sign * (oh * 60 + om);
    } else {
      return bad();
    }
    if (pos != text.size() || h > 23 || mi > 59 || s > 59) return bad();
  }
  const auto tp = sys_days{*date} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms} -
                  minutes{offset_minutes};
  return duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

}  // namespace rapport
