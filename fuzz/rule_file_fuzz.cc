// The rules files (rules/*.json): alert rules, the questionnaires a new episode starts with, crisis
// lines, the escalation ladder, note templates and repair strategies, each through its own
// parser, the way Rapport reads them (Json::parse without exceptions, then the parser, which must
// refuse a value that is not JSON at all). A file a parser accepts is then used as Rapport uses
// it: alert rules evaluated on a PHQ-9 submission that raises every kind they can, starting
// questionnaires picked for an adult and a child, crisis lines looked up by country, Support Check
// findings read against the rules.
//
// An input is the file's name on the first line, then its text:
//   alerts.json
//   {"version": "1", "rules": [...]}
// A first line that names no rules file still picks one (by a hash of the line).
// Oracles, besides the sanitizers: a crisis set and a note template written back as JSON read as
// the same value; a note in a template's own sections is taken; a ladder starts with the treating
// therapist; dropping repeated alerts never adds one.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/alerts.h"
#include "domain/assignments.h"
#include "domain/catalog.h"
#include "domain/crisis.h"
#include "domain/escalation.h"
#include "domain/notes.h"
#include "domain/scoring.h"
#include "domain/support_check.h"

namespace {

using rapport::Json;

constexpr std::array<std::string_view, 6> kFiles = {
    "alerts.json",     "assignments.json",    "crisis.json",
    "escalation.json", "note-templates.json", "repair-strategies.json"};

const rapport::InstrumentCatalog& Catalog() {
  static const rapport::InstrumentCatalog catalog = [] {
    auto shipped = rapport::InstrumentCatalog::Shipped();
    if (!shipped) std::abort();
    return *std::move(shipped);
  }();
  return catalog;
}

[[noreturn]] void Mismatch(std::string_view what, const Json& json) {
  std::fprintf(stderr, "%.*s:\n%s\n", static_cast<int>(what.size()), what.data(),
               json.dump(2).c_str());
  __builtin_trap();
}

void UseAlertRules(const rapport::AlertRules& rules) {
  const rapport::Instrument* phq9 = Catalog().Find("PHQ-9");
  if (phq9 == nullptr) std::abort();
  rapport::Answers answers;
  for (const auto& item : phq9->items) {
    if (!item.options.empty()) answers.values[item.id] = item.options.back().value;
  }
  const auto score = rapport::Score(*phq9, answers, rapport::Completeness::kAllowMissing);
  if (!score) std::abort();
  rapport::SubmissionFacts facts;
  facts.client_name = "Sam {client_name} {}";
  facts.instrument = phq9;
  facts.score = &*score;
  facts.previous_totals = {4, 6, 9, 12, 15};
  facts.session_number = 5;
  facts.expected = rapport::TrajectoryPoint{5, 8, 5, 11};
  facts.change = rapport::ChangeResult{};
  facts.fit_talk_answer = 1;
  const auto raised = rapport::EvaluateSubmission(rules, facts);
  const std::vector<rapport::UnresolvedAlert> unresolved = {
      {rapport::AlertKind::kNotOnTrack, false}, {rapport::AlertKind::kReliableDeterioration, true}};
  if (rapport::WithoutRepeats(raised, unresolved).size() > raised.size()) {
    Mismatch("alerts without repeats outnumber the alerts raised", Json());
  }
  (void)rapport::EvaluateMissedFeedback(rules, "Sam", 3);
}

void UseCrisisLines(const rapport::CrisisDirectory& directory) {
  (void)directory.Find("GB");
  (void)directory.WordsFor(rapport::Reader::kChild);
  for (const rapport::CrisisSet& set : directory.sets) {
    const Json written = rapport::CrisisSetToJson(set);
    const auto again = rapport::ParseCrisisSet(written);
    if (!again || *again != set) Mismatch("a crisis set written back reads differently", written);
  }
}

void UseNoteTemplates(const Json& file) {
  // As ShippedNoteTemplates() reads the file: each entry of "templates" on its own.
  if (!file.is_object() || !file.contains("templates") || !file["templates"].is_array()) return;
  for (const Json& entry : file["templates"]) {
    const auto parsed = rapport::NoteTemplateFromJson(entry);
    if (!parsed) continue;
    const Json written = rapport::NoteTemplateToJson(*parsed);
    const auto again = rapport::NoteTemplateFromJson(written);
    if (!again || *again != *parsed) {
      Mismatch("a note template written back reads differently", written);
    }
    // A note written in the template's own sections is one it takes.
    Json sections = Json::object();
    for (const auto& section : parsed->sections) sections[section.key] = "Discussed the week.";
    if (!rapport::NoteSectionsFromJson(*parsed, sections)) {
      Mismatch("a note in the template's own sections", sections);
    }
  }
}

// A ladder the parser accepts starts with the treating therapist (escalation.h).
void UseLadder(const rapport::EscalationLadder& ladder, const Json& file) {
  const auto& first =
      ladder.steps.empty() ? std::vector<rapport::Audience>() : ladder.steps[0].notify;
  if (std::find(first.begin(), first.end(), rapport::Audience::kTreatingTherapist) == first.end()) {
    Mismatch("a ladder whose first step leaves out the treating therapist", file);
  }
}

void UseSupportRules(const rapport::SupportRules& rules) {
  const rapport::Instrument* support = Catalog().Find("SUPPORT-CHECK");
  if (support == nullptr) std::abort();
  for (const double score : {0.0, 1.0, 100.0}) {
    Json scales = Json::object();
    for (const auto& scale : support->scales) scales[scale.id] = score;
    for (const auto& finding : rapport::SupportFindings(*support, scales, rules)) {
      (void)rapport::SupportFindingToJson(finding);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view name = input.substr(0, newline);
  const std::string_view text =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  std::size_t file = kFiles.size();
  for (std::size_t i = 0; i < kFiles.size(); ++i) {
    if (kFiles[i] == name) file = i;
  }
  if (file == kFiles.size()) file = std::hash<std::string_view>{}(name) % kFiles.size();

  const Json json = Json::parse(text, nullptr, false);
  switch (file) {
    case 0:
      if (auto rules = rapport::ParseAlertRules(json)) UseAlertRules(*rules);
      break;
    case 1:
      if (auto set = rapport::ParseStartingQuestionnaires(json)) {
        (void)rapport::StartingQuestionnairesOf(*set, true);
        (void)rapport::StartingQuestionnairesOf(*set, false);
        const rapport::Timestamp at = 1'780'304'400'000;  // 2026-06-01
        for (const char* born : {"2019-02-03", "2011-06-01", "1990-12-31", ""}) {
          (void)rapport::StartingQuestionnairesFor(*set, rapport::ClientProfile{1, born, "", ""},
                                                   at);
        }
      }
      break;
    case 2:
      if (auto directory = rapport::ParseCrisisDirectory(json)) UseCrisisLines(*directory);
      break;
    case 3:
      if (auto ladder = rapport::ParseEscalationLadder(json)) UseLadder(*ladder, json);
      break;
    case 4: UseNoteTemplates(json); break;
    default:
      if (auto rules = rapport::SupportRulesFromJson(json)) UseSupportRules(*rules);
      break;
  }
  return 0;
}
