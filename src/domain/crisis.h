#pragma once
// Crisis lines per country, shown to a client after a risk answer: rules/crisis.json, compiled
// in, plus the short words shown above the lines (an adult and a child version). Pure; plain
// value types, thread-compatible. The shipped directory is parsed once and never changes.
// Every set has an emergency number; a line is reachable by `tel`, `sms` or `url`, and `tel` and
// `sms` are dialable targets (digits and an optional leading +), never display text.

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace rapport {

// Who is reading: words and lines differ for a child.
enum class Reader { kAdult, kChild };

inline constexpr std::string_view kAudienceEveryone = "everyone";
inline constexpr std::string_view kAudienceYoungPeople = "young people";

struct CrisisLine {
  std::string name;         // "Samaritans"
  std::string description;  // one plain sentence or two; may be empty
  std::string phone;        // as shown: "116 123", "Text SHOUT to 85258"
  std::string tel;          // tel: target, "116123"; empty when the line takes no calls
  std::string sms;          // sms: target, "85258"; empty when the line takes no texts
  std::string hours;        // "24/7", "Every day, 11:00 to 21:00"
  std::string audience;     // kAudienceEveryone or kAudienceYoungPeople
  std::string url;          // the service's own site, https only; may be empty
  friend bool operator==(const CrisisLine&, const CrisisLine&) = default;
};

struct CrisisSet {
  std::string country;           // ISO 3166-1 alpha-2: "GB"
  std::string country_name;      // "United Kingdom"
  std::string emergency_number;  // "999"
  std::vector<CrisisLine> lines;
  std::string source;   // where the numbers were checked
  std::string checked;  // when: "2026-12"
  friend bool operator==(const CrisisSet&, const CrisisSet&) = default;
};

// Shown above the lines.
struct CrisisWords {
  std::string title;      // "You do not have to face this alone"
  std::string body;       // what to do now, in a few calm sentences
  std::string emergency;  // the label beside the emergency number
};

struct CrisisDirectory {
  std::string version;
  CrisisWords adult, child;
  std::vector<CrisisSet> sets;  // unique countries

  const CrisisSet* Find(std::string_view country) const;
  const CrisisWords& WordsFor(Reader reader) const;
};

// Validates one set; errors name their path ("lines/1/tel"). A clinic's own set uses the same
// object, so this is also the gate for what a clinic may save.
Result<CrisisSet> ParseCrisisSet(const Json& set);
// Validates the whole file; errors name their path ("sets/3/lines/0/sms").
Result<CrisisDirectory> ParseCrisisDirectory(const Json& directory);
// The object ParseCrisisSet reads: every key present, "" for an empty optional field.
Json CrisisSetToJson(const CrisisSet& set);

// The lines to show `reader`, in order: an adult sees the lines for everyone; a child sees the
// lines for young people first, then those for everyone.
std::vector<CrisisLine> LinesFor(const CrisisSet& set, Reader reader);

// rules/crisis.json, compiled in.
const CrisisDirectory& ShippedCrisisDirectory();

}  // namespace rapport
