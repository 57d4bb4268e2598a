#include "domain/calendar.h"

#include <fmt/format.h>

#include <chrono>

namespace rapport {

namespace {

// "20260601T090000Z"
std::string UtcStamp(Timestamp t) {
  using namespace std::chrono;
  const sys_seconds s{duration_cast<seconds>(milliseconds(t))};
  const auto day = floor<days>(s);
  const year_month_day ymd{day};
  const hh_mm_ss time{s - day};
  return fmt::format("{:04}{:02}{:02}T{:02}{:02}{:02}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count());
}

std::string Escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case ';': out += "\\;"; break;
      case ',': out += "\\,"; break;
      case '\n': out += "\\n"; break;
      case '\r': break;
      default: out += c;
    }
  }
  return out;
}

// One content line, folded: at most 75 octets per physical line, continuation lines starting
// with a space, never inside a UTF-8 sequence.
void AddLine(std::string& out, const std::string& line) {
  std::size_t start = 0;
  std::size_t limit = 75;
  while (line.size() - start > limit) {
    std::size_t cut = start + limit;
    while (cut > start && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line, start, cut - start);
    out += "\r\n ";
    start = cut;
    limit = 74;  // the leading space counts
  }
  out.append(line, start, std::string::npos);
  out += "\r\n";
}

}  // namespace

std::string CalendarFeedText(const std::vector<CalendarEvent>& events, Timestamp stamp,
                             const std::string& calendar_name) {
  std::string out;
  AddLine(out, "BEGIN:VCALENDAR");
  AddLine(out, "VERSION:2.0");
  AddLine(out, "PRODID:-//Rapport//Appointments//EN");
  AddLine(out, "CALSCALE:GREGORIAN");
  AddLine(out, "METHOD:PUBLISH");
  AddLine(out, "X-WR-CALNAME:" + Escaped(calendar_name));
  for (const CalendarEvent& e : events) {
    AddLine(out, "BEGIN:VEVENT");
    AddLine(out, "UID:" + Escaped(e.uid));
    AddLine(out, "DTSTAMP:" + UtcStamp(stamp));
    AddLine(out, "DTSTART:" + UtcStamp(e.starts_at));
    AddLine(out, "DTEND:" + UtcStamp(e.starts_at +
                                     static_cast<Timestamp>(e.duration_minutes) * 60 * 1000));
    AddLine(out, "SUMMARY:" + Escaped(e.summary));
    if (!e.description.empty()) AddLine(out, "DESCRIPTION:" + Escaped(e.description));
    AddLine(out, std::string("STATUS:") + (e.cancelled ? "CANCELLED" : "CONFIRMED"));
    AddLine(out, "END:VEVENT");
  }
  AddLine(out, "END:VCALENDAR");
  return out;
}

}  // namespace rapport
