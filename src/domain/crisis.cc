#include "domain/crisis.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>

#include "core/field_problems.h"
#include "domain/shipped_data.h"

namespace rapport {

namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// A dial or text target: what a phone acts on, so spaces, dashes and letters would break it.
bool IsDialable(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  return !text.empty() && text.size() <= 20 && std::all_of(text.begin(), text.end(), IsDigit);
}

bool IsCountryCode(std::string_view text) {
  return text.size() == 2 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// "2026-12".
bool IsYearMonth(std::string_view text) {
  if (text.size() != 7 || text[4] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6}) {
    if (!IsDigit(text[i])) return false;
  }
  const int month = (text[5] - '0') * 10 + (text[6] - '0');
  return month >= 1 && month <= 12;
}

// A required string that must also say something: a blank name or number shown to a client in
// crisis is as bad as a missing one.
std::string RequiredText(JsonObjectReader& r, std::string_view key, std::size_t max_length) {
  auto text = r.RequiredString(key, max_length);
  if (!text) return "";
  if (text->find_first_not_of(" \t") == std::string::npos) r.AddError(key, "must not be blank");
  return *text;
}

CrisisLine ParseLine(const Json& json, const std::string& prefix, FieldProblems& errors) {
  JsonObjectReader r(json, prefix);
  CrisisLine line;
  line.name = RequiredText(r, "name", 100);
  line.description = r.OptionalString("description", 300).value_or("");
  line.phone = RequiredText(r, "phone", 100);
  line.tel = r.OptionalString("tel", 32).value_or("");
  line.sms = r.OptionalString("sms", 32).value_or("");
  line.hours = RequiredText(r, "hours", 100);
  if (auto audience = r.RequiredString("audience", 32)) {
    line.audience = *audience;
    if (line.audience != kAudienceEveryone && line.audience != kAudienceYoungPeople) {
      r.AddError("audience",
                 fmt::format("must be '{}' or '{}'", kAudienceEveryone, kAudienceYoungPeople));
    }
  }
  line.url = r.OptionalString("url", 300).value_or("");
  if (!line.tel.empty() && !IsDialable(line.tel)) {
    r.AddError("tel", "must be digits only, with an optional leading +, as a phone dials it");
  }
  if (!line.sms.empty() && !IsDialable(line.sms)) {
    r.AddError("sms", "must be digits only, with an optional leading +, as a phone texts it");
  }
  if (!line.url.empty() && !line.url.starts_with("https://")) {
    r.AddError("url", "must start with https://");
  }
  if (!r.HasErrors() && line.tel.empty() && line.sms.empty() && line.url.empty()) {
    r.AddError("tel", "a line needs a tel, sms or url target, or nobody can reach it from here");
  }
  errors.Take(r.Finish());
  return line;
}

CrisisSet ParseSet(const Json& json, const std::string& prefix, FieldProblems& errors) {
  JsonObjectReader r(json, prefix);
  CrisisSet set;
  if (auto country = r.RequiredString("country", 16)) {
    set.country = *country;
    if (!IsCountryCode(*country)) {
      r.AddError("country", "must be two capital letters (ISO 3166-1 alpha-2), such as GB");
    }
  }
  set.country_name = RequiredText(r, "country_name", 100);
  if (auto number = r.RequiredString("emergency_number", 16)) {
    set.emergency_number = *number;
    // Digits only: no "+", because an emergency number is always dialled as it is, locally.
    if (number->empty() || !std::all_of(number->begin(), number->end(), IsDigit)) {
      r.AddError("emergency_number", "must be the digits a phone dials, such as 112");
    }
  }
  set.source = RequiredText(r, "source", 1000);
  if (auto checked = r.RequiredString("checked", 16)) {
    set.checked = *checked;
    if (!IsYearMonth(*checked)) r.AddError("checked", "must be a year and month, such as 2026-12");
  }
  if (const Json* lines = r.Required("lines")) {
    if (!lines->is_array()) {
      r.AddError("lines", "must be a list (it may be empty)");
    } else {
      for (std::size_t i = 0; i < lines->size(); ++i) {
        set.lines.push_back(ParseLine((*lines)[i], fmt::format("{}lines/{}/", prefix, i), errors));
      }
    }
  }
  errors.Take(r.Finish());
  return set;
}

CrisisWords ParseWords(const Json& json, const std::string& prefix, FieldProblems& errors) {
  JsonObjectReader r(json, prefix);
  CrisisWords words;
  words.title = RequiredText(r, "title", 100);
  words.body = RequiredText(r, "body", 600);
  words.emergency = RequiredText(r, "emergency", 60);
  errors.Take(r.Finish());
  return words;
}

}  // namespace

const CrisisSet* CrisisDirectory::Find(std::string_view country) const {
  for (const auto& set : sets) {
    if (set.country == country) return &set;
  }
  return nullptr;
}

const CrisisWords& CrisisDirectory::WordsFor(Reader reader) const {
  return reader == Reader::kChild ? child : adult;
}

Result<CrisisSet> ParseCrisisSet(const Json& set) {
  FieldProblems errors;
  CrisisSet out = ParseSet(set, "", errors);
  if (!errors.Empty()) return Fail(errors.ToError("The crisis set has problems: "));
  return out;
}

Result<CrisisDirectory> ParseCrisisDirectory(const Json& directory) {
  FieldProblems errors;
  CrisisDirectory out;
  JsonObjectReader r(directory);
  out.version = r.RequiredString("version", 32).value_or("");
  r.OptionalString("note", 2000);
  if (const Json* words = r.Required("words")) {
    JsonObjectReader w(*words, "words/");
    if (const Json* adult = w.Required("adult"))
      out.adult = ParseWords(*adult, "words/adult/", errors);
    if (const Json* child = w.Required("child"))
      out.child = ParseWords(*child, "words/child/", errors);
    errors.Take(w.Finish());
  }
  if (const Json* sets = r.Required("sets")) {
    if (!sets->is_array() || sets->empty()) {
      r.AddError("sets", "must list at least one country");
    } else {
      std::set<std::string, std::less<>> countries;
      for (std::size_t i = 0; i < sets->size(); ++i) {
        const std::string prefix = fmt::format("sets/{}/", i);
        CrisisSet set = ParseSet((*sets)[i], prefix, errors);
        if (!set.country.empty() && !countries.insert(set.country).second) {
          errors.Add(prefix + "country", "repeats another set's country");
        }
        out.sets.push_back(std::move(set));
      }
    }
  }
  errors.Take(r.Finish());
  if (!errors.Empty()) return Fail(errors.ToError("The crisis directory has problems: "));
  return out;
}

Json CrisisSetToJson(const CrisisSet& set) {
  Json lines = Json::array();
  for (const auto& l : set.lines) {
    lines.push_back({{"name", l.name},
                     {"description", l.description},
                     {"phone", l.phone},
                     {"tel", l.tel},
                     {"sms", l.sms},
                     {"hours", l.hours},
                     {"audience", l.audience},
                     {"url", l.url}});
  }
  return {{"country", set.country},
          {"country_name", set.country_name},
          {"emergency_number", set.emergency_number},
          {"lines", std::move(lines)},
          {"source", set.source},
          {"checked", set.checked}};
}

std::vector<CrisisLine> LinesFor(const CrisisSet& set, Reader reader) {
  std::vector<CrisisLine> out;
  if (reader == Reader::kChild) {
    std::copy_if(set.lines.begin(), set.lines.end(), std::back_inserter(out),
                 [](const CrisisLine& l) { return l.audience == kAudienceYoungPeople; });
  }
  std::copy_if(set.lines.begin(), set.lines.end(), std::back_inserter(out),
               [](const CrisisLine& l) { return l.audience == kAudienceEveryone; });
  return out;
}

const CrisisDirectory& ShippedCrisisDirectory() {
  // The shipped file is checked by a test; a broken one must never reach a clinic.
  static const CrisisDirectory directory = [] {
    auto parsed = ParseCrisisDirectory(Json::parse(ShippedCrisisJson(), nullptr, false));
    return parsed ? *parsed : CrisisDirectory{};
  }();
  return directory;
}

}  // namespace rapport
