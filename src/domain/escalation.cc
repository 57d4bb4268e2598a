#include "domain/escalation.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <utility>

#include "core/field_problems.h"
#include "domain/enum_names.h"
#include "domain/shipped_data.h"

namespace rapport {

namespace {

constexpr std::array<std::string_view, 7> kDayKeys = {"monday", "tuesday",  "wednesday", "thursday",
                                                      "friday", "saturday", "sunday"};
constexpr std::array<std::string_view, 7> kDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

constexpr EnumNames<Audience, 5> kAudiences{{
    {Audience::kTreatingTherapist, "treating_therapist"},
    {Audience::kSupervisors, "supervisors"},
    {Audience::kOnCall, "on_call"},
    {Audience::kAllSupervisors, "all_supervisors"},
    {Audience::kAdmins, "admins"},
}};

constexpr std::string_view kPlaceholders[] = {"escalate_after", "contact_within", "opens"};

constexpr Timestamp kMillisecondsPerMinute = 60'000;

// People read "9:00", not "09:00"; midnight at the end of the day reads as "midnight".
std::string SpokenClockTime(int minute_of_day) {
  if (minute_of_day == kMinutesPerDay) return "midnight";
  return fmt::format("{}:{:02}", minute_of_day / 60, minute_of_day % 60);
}

std::string DescribeInterval(const OpenInterval& interval) {
  if (interval.start_minute == 0 && interval.end_minute == kMinutesPerDay) return "all day";
  return SpokenClockTime(interval.start_minute) + " to " + SpokenClockTime(interval.end_minute);
}

// "Monday", "Monday and Wednesday", "Monday to Friday", "Monday to Wednesday and Friday":
// three or more days in a row read as a range, anything shorter day by day.
std::string DescribeDays(const std::vector<int>& days) {
  if (days.size() == 7) return "Every day";
  std::vector<std::string> items;
  for (std::size_t i = 0; i < days.size();) {
    std::size_t j = i;
    while (j + 1 < days.size() && days[j + 1] == days[j] + 1) ++j;
    if (j - i >= 2) {
      items.push_back(std::string(kDayNames[days[i]]) + " to " + std::string(kDayNames[days[j]]));
    } else {
      for (std::size_t k = i; k <= j; ++k) items.emplace_back(kDayNames[days[k]]);
    }
    i = j + 1;
  }
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

// Every {name} in `text` must be one DescribeFollowUp fills in; a typo would reach a client
// as a raw brace.
void CheckPlaceholders(JsonObjectReader& r, std::string_view key, std::string_view text) {
  for (std::size_t open = text.find('{'); open != std::string_view::npos;
       open = text.find('{', open + 1)) {
    const std::size_t close = text.find('}', open);
    const std::string_view name = close == std::string_view::npos
                                      ? text.substr(open)
                                      : text.substr(open + 1, close - open - 1);
    if (std::find(std::begin(kPlaceholders), std::end(kPlaceholders), name) ==
        std::end(kPlaceholders)) {
      r.AddError(key, fmt::format("uses '{{{}}}', which is not one of {{escalate_after}}, "
                                  "{{contact_within}}, {{opens}}",
                                  name));
    }
  }
}

FollowUpWords ParseFollowUpWords(const Json& json, const std::string& prefix,
                                 FieldProblems& errors) {
  JsonObjectReader r(json, prefix);
  FollowUpWords words;
  words.headline = r.RequiredString("headline", 200).value_or("");
  words.body = r.RequiredString("body", 1000).value_or("");
  CheckPlaceholders(r, "headline", words.headline);
  CheckPlaceholders(r, "body", words.body);
  if (!r.HasErrors() && words.body.empty()) r.AddError("body", "must not be empty");
  errors.Take(r.Finish());
  return words;
}

FollowUpTemplates ParseFollowUpTemplates(const Json& json, const std::string& prefix,
                                         FieldProblems& errors) {
  JsonObjectReader r(json, prefix);
  FollowUpTemplates out;
  const std::pair<std::string_view, FollowUpWords*> cases[] = {
      {"in_hours", &out.in_hours},
      {"on_call", &out.on_call},
      {"closed", &out.closed},
      {"closed_no_opening", &out.closed_no_opening},
  };
  for (const auto& [key, words] : cases) {
    if (const Json* json_case = r.Required(key)) {
      *words = ParseFollowUpWords(*json_case, prefix + std::string(key) + "/", errors);
    }
  }
  errors.Take(r.Finish());
  return out;
}

}  // namespace

WeeklyHours StandardWeeklyHours() {
  WeeklyHours hours;
  for (int day = 0; day < 5; ++day) hours.days[day] = OpenInterval{9 * 60, 17 * 60};
  return hours;
}

Result<int> ParseClockTime(std::string_view text, std::string_view field, bool is_end) {
  const auto bad = [&] {
    return Fail(Error::Field(std::string(field),
                             is_end ? "must be a time such as 17:00 (24:00 for midnight)"
                                    : "must be a time such as 09:00"));
  };
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9'; };
  if (text.size() != 5 || text[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) {
    return bad();
  }
  const int hour = (text[0] - '0') * 10 + (text[1] - '0');
  const int minute = (text[3] - '0') * 10 + (text[4] - '0');
  if (is_end && hour == 24 && minute == 0) return kMinutesPerDay;
  if (hour > 23 || minute > 59) return bad();
  return hour * 60 + minute;
}

std::string FormatClockTime(int minute_of_day) {
  return fmt::format("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60);
}

bool IsOpen(const WeeklyHours& hours, int weekday, int minute_of_day) {
  if (weekday < 0 || weekday > 6) return false;
  const auto& interval = hours.days[static_cast<std::size_t>(weekday)];
  return interval && minute_of_day >= interval->start_minute &&
         minute_of_day < interval->end_minute;
}

std::string DescribeHours(const WeeklyHours& hours) {
  // Days with the same hours share one phrase, in the order the week first meets them.
  std::vector<std::pair<OpenInterval, std::vector<int>>> groups;
  for (int day = 0; day < 7; ++day) {
    const auto& interval = hours.days[static_cast<std::size_t>(day)];
    if (!interval) continue;
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == *interval; });
    if (it == groups.end()) {
      groups.push_back({*interval, {day}});
    } else {
      it->second.push_back(day);
    }
  }
  if (groups.empty()) return "Closed every day";
  std::string out;
  for (const auto& [interval, days] : groups) {
    if (!out.empty()) out += "; ";
    out += DescribeDays(days) + ", " + DescribeInterval(interval);
  }
  return out;
}

std::optional<Opening> NextOpening(const WeeklyHours& hours, const LocalTime& now) {
  if (IsOpen(hours, now.weekday, now.minute_of_day)) {
    return Opening{0, now.weekday, now.minute_of_day};
  }
  // Day 7 is today's weekday next week, for a clinic whose only opening today has passed.
  for (int ahead = 0; ahead <= 7; ++ahead) {
    const int weekday = (now.weekday + ahead) % 7;
    const auto& interval = hours.days[static_cast<std::size_t>(weekday)];
    if (!interval) continue;
    if (ahead == 0 && interval->start_minute <= now.minute_of_day) continue;
    return Opening{ahead, weekday, interval->start_minute};
  }
  return std::nullopt;
}

std::string DescribeOpening(const Opening& opening) {
  const std::string at = "at " + SpokenClockTime(opening.minute_of_day);
  const std::string_view day = kDayNames[static_cast<std::size_t>(opening.weekday % 7)];
  switch (opening.days_ahead) {
    case 0: return "today " + at;
    case 1: return "tomorrow " + at;
    case 7: return fmt::format("next {} {}", day, at);
    default: return fmt::format("on {} {}", day, at);
  }
}

std::string DurationInWords(int minutes) {
  if (minutes >= 60 && minutes % 60 == 0) {
    const int hours = minutes / 60;
    return fmt::format("{} hour{}", hours, hours == 1 ? "" : "s");
  }
  return fmt::format("{} minute{}", minutes, minutes == 1 ? "" : "s");
}

Status ValidateSafetySettings(const SafetySettings& s, bool (*known_zone)(std::string_view),
                              const CrisisDirectory& crisis) {
  FieldProblems errors;
  if (known_zone == nullptr || !known_zone(s.time_zone)) {
    errors.Add("time_zone",
               "is not a time zone this system knows; use a name such as Europe/London");
  }
  if (crisis.Find(s.country) == nullptr) {
    std::string known;
    for (const auto& set : crisis.sets) known += (known.empty() ? "" : ", ") + set.country;
    errors.Add("country", fmt::format("must be a country Rapport has crisis lines for: {}", known));
  }
  bool open_some_day = false;
  for (std::size_t day = 0; day < 7; ++day) {
    const auto& interval = s.hours.days[day];
    if (!interval) continue;
    open_some_day = true;
    const std::string prefix = fmt::format("hours/{}/", kDayKeys[day]);
    if (interval->start_minute < 0 || interval->start_minute >= kMinutesPerDay) {
      errors.Add(prefix + "start", "must be a time from 00:00 to 23:59");
    } else if (interval->end_minute <= interval->start_minute ||
               interval->end_minute > kMinutesPerDay) {
      errors.Add(
          prefix + "end",
          "must be after the start and no later than 24:00; hours past midnight belong to the "
          "next day");
    }
  }
  if (!open_some_day) {
    errors.Add("hours",
               "must open on at least one day, or a client could never be told when someone "
               "will read their answer");
  }
  const auto range = [&](std::string_view field, int value, int low, int high) {
    if (value < low || value > high) {
      errors.Add(std::string(field), fmt::format("must be from {} to {}", low, high));
    }
  };
  range("escalate_after_minutes_in_hours", s.escalate_after_minutes_in_hours, 1, 240);
  range("escalate_after_minutes_out_of_hours", s.escalate_after_minutes_out_of_hours, 1, 240);
  range("contact_within_minutes", s.contact_within_minutes, 5, kMinutesPerDay);
  if (!errors.Empty()) return Fail(errors.ToError("The safety settings have problems: "));
  return Ok();
}

Json SafetySettingsToJson(const SafetySettings& s) {
  Json hours = Json::object();
  for (std::size_t day = 0; day < 7; ++day) {
    const auto& interval = s.hours.days[day];
    hours[std::string(kDayKeys[day])] =
        interval ? Json{{"start", FormatClockTime(interval->start_minute)},
                        {"end", FormatClockTime(interval->end_minute)}}
                 : Json(nullptr);
  }
  return {{"time_zone", s.time_zone},
          {"country", s.country},
          {"hours", std::move(hours)},
          {"escalate_after_minutes_in_hours", s.escalate_after_minutes_in_hours},
          {"escalate_after_minutes_out_of_hours", s.escalate_after_minutes_out_of_hours},
          {"on_call_out_of_hours", s.on_call_out_of_hours},
          {"contact_within_minutes", s.contact_within_minutes}};
}

Result<SafetySettings> ParseSafetySettings(const Json& json) {
  FieldProblems errors;
  SafetySettings out;
  JsonObjectReader r(json);
  out.time_zone = r.RequiredString("time_zone", 64).value_or("");
  out.country = r.RequiredString("country", 16).value_or("");
  // Only the days given are open: the defaults must not leak into a clinic's own hours.
  out.hours = WeeklyHours{};
  if (const Json* hours = r.Required("hours")) {
    JsonObjectReader h(*hours, "hours/");
    for (std::size_t day = 0; day < 7; ++day) {
      const Json* json_day = h.Optional(kDayKeys[day]);
      if (json_day == nullptr) continue;  // absent or null: closed
      const std::string prefix = fmt::format("hours/{}/", kDayKeys[day]);
      JsonObjectReader d(*json_day, prefix);
      const auto start = d.RequiredString("start", 16);
      const auto end = d.RequiredString("end", 16);
      OpenInterval interval;
      bool ok = start && end;
      if (start) {
        if (auto minute = ParseClockTime(*start, prefix + "start")) {
          interval.start_minute = *minute;
        } else {
          d.AddError("start", minute.error().fields.at(0).message);
          ok = false;
        }
      }
      if (end) {
        if (auto minute = ParseClockTime(*end, prefix + "end", /*is_end=*/true)) {
          interval.end_minute = *minute;
        } else {
          d.AddError("end", minute.error().fields.at(0).message);
          ok = false;
        }
      }
      if (ok) out.hours.days[day] = interval;
      errors.Take(d.Finish());
    }
    errors.Take(h.Finish());
  }
  const auto int_field = [&](std::string_view key, int& target) {
    if (auto v = r.RequiredInt(key)) {
      if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max()) {
        r.AddError(key, "is out of range");
      } else {
        target = static_cast<int>(*v);
      }
    }
  };
  int_field("escalate_after_minutes_in_hours", out.escalate_after_minutes_in_hours);
  int_field("escalate_after_minutes_out_of_hours", out.escalate_after_minutes_out_of_hours);
  int_field("contact_within_minutes", out.contact_within_minutes);
  if (const Json* on_call = r.Required("on_call_out_of_hours")) {
    if (on_call->is_boolean()) {
      out.on_call_out_of_hours = on_call->get<bool>();
    } else {
      r.AddError("on_call_out_of_hours", "must be true or false");
    }
  }
  errors.Take(r.Finish());
  if (!errors.Empty()) return Fail(errors.ToError("The safety settings have problems: "));
  return out;
}

std::string_view ToString(Audience audience) {
  return EnumName(audience, kAudiences);
}

Result<Audience> ParseAudience(std::string_view text) {
  return ParseEnum(text, kAudiences, "audience");
}

Result<EscalationLadder> ParseEscalationLadder(const Json& definition) {
  FieldProblems errors;
  EscalationLadder out;
  JsonObjectReader r(definition);
  out.version = r.RequiredString("version", 32).value_or("");
  r.OptionalString("note", 4000);
  if (auto applies_from = r.RequiredString("applies_from", 16)) {
    auto severity = ParseSeverity(*applies_from);
    // Below "high" the ladder would page people at night for alerts that can wait for the next
    // session, and pages that rarely matter are pages people learn to ignore.
    if (!severity || *severity < Severity::kHigh) {
      r.AddError("applies_from", "must be 'critical' or 'high'");
    } else {
      out.applies_from = *severity;
    }
  }
  if (const Json* steps = r.Required("steps")) {
    if (!steps->is_array()) {
      r.AddError("steps", "must be a list");
    } else {
      for (std::size_t i = 0; i < steps->size(); ++i) {
        const std::string prefix = fmt::format("steps/{}/", i);
        JsonObjectReader s((*steps)[i], prefix);
        s.OptionalString("note", 1000);
        EscalationStep step;
        if (const Json* notify = s.Required("notify")) {
          if (!notify->is_array() || notify->empty()) {
            s.AddError("notify", "must list at least one audience");
          } else {
            for (std::size_t k = 0; k < notify->size(); ++k) {
              const std::string key = fmt::format("notify/{}", k);
              const Json& name = (*notify)[k];
              auto audience =
                  name.is_string() ? ParseAudience(name.get<std::string>()) : ParseAudience("");
              if (!audience) {
                s.AddError(key, audience.error().fields.at(0).message);
              } else if (std::find(step.notify.begin(), step.notify.end(), *audience) !=
                         step.notify.end()) {
                s.AddError(key, "repeats an audience of this step");
              } else {
                step.notify.push_back(*audience);
              }
            }
            if (i == 0 && std::find(step.notify.begin(), step.notify.end(),
                                    Audience::kTreatingTherapist) == step.notify.end()) {
              s.AddError("notify", "step 0 must tell the treating therapist at once");
            }
          }
        }
        errors.Take(s.Finish());
        out.steps.push_back(std::move(step));
      }
      if (steps->size() < 2) {
        r.AddError("steps", "must escalate at least once beyond the first step");
      }
    }
  }
  if (const Json* notice = r.Required("admin_notice")) {
    JsonObjectReader n(*notice, "admin_notice/");
    out.admin_subject = n.RequiredString("subject", 200).value_or("");
    out.admin_body = n.RequiredString("body", 2000).value_or("");
    errors.Take(n.Finish());
  }
  if (const Json* follow_up = r.Required("follow_up")) {
    JsonObjectReader f(*follow_up, "follow_up/");
    if (const Json* adult = f.Required("adult")) {
      out.adult = ParseFollowUpTemplates(*adult, "follow_up/adult/", errors);
    }
    if (const Json* child = f.Required("child")) {
      out.child = ParseFollowUpTemplates(*child, "follow_up/child/", errors);
    }
    errors.Take(f.Finish());
  }
  errors.Take(r.Finish());
  if (!errors.Empty()) return Fail(errors.ToError("The escalation rules have problems: "));
  return out;
}

const EscalationLadder& ShippedEscalationLadder() {
  // The shipped file is checked by a test; a broken one must never reach a clinic.
  static const EscalationLadder ladder = [] {
    auto parsed = ParseEscalationLadder(Json::parse(ShippedEscalationJson(), nullptr, false));
    return parsed ? *parsed : EscalationLadder{};
  }();
  return ladder;
}

Timestamp NextStepDue(const SafetySettings& settings, Timestamp step_started, bool in_hours) {
  const int wait = in_hours ? settings.escalate_after_minutes_in_hours
                            : settings.escalate_after_minutes_out_of_hours;
  return step_started + static_cast<Timestamp>(wait) * kMillisecondsPerMinute;
}

FollowUpWords DescribeFollowUp(const SafetySettings& settings, bool in_hours, bool on_call_now,
                               std::string_view opens, Reader reader) {
  const EscalationLadder& ladder = ShippedEscalationLadder();
  const FollowUpTemplates& t = reader == Reader::kChild ? ladder.child : ladder.adult;
  const FollowUpWords& chosen = in_hours        ? t.in_hours
                                : on_call_now   ? t.on_call
                                : opens.empty() ? t.closed_no_opening
                                                : t.closed;
  const std::map<std::string, std::string> values = {
      {"escalate_after", DurationInWords(settings.escalate_after_minutes_in_hours)},
      {"contact_within", DurationInWords(settings.contact_within_minutes)},
      {"opens", std::string(opens)},
  };
  return {FillTemplate(chosen.headline, values), FillTemplate(chosen.body, values)};
}

}  // namespace rapport
