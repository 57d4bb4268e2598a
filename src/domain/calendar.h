#pragma once
// An iCalendar (RFC 5545) feed of a person's appointments, for their own calendar app. Pure.
// Events carry no clinical content: when, how long, how, and with whom.

#include <string>
#include <vector>

#include "core/clock.h"

namespace rapport {

struct CalendarEvent {
  std::string uid;  // stable across feeds: "appointment-42@rapport"
  Timestamp starts_at = 0;
  int duration_minutes = 50;
  std::string summary;      // "Session with Dr Sofia Lindqvist"
  std::string description;  // "Video session. Join from Rapport."
  bool cancelled = false;   // STATUS:CANCELLED, so a calendar removes or strikes it
};

// VCALENDAR with one VEVENT per event, CRLF line ends, text escaped (\\ ; , and line breaks)
// and lines folded at 75 octets without splitting a UTF-8 character. `stamp` is DTSTAMP.
std::string CalendarFeedText(const std::vector<CalendarEvent>& events, Timestamp stamp,
                             const std::string& calendar_name);

}  // namespace rapport
