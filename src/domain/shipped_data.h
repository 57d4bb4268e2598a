#pragma once
// The data that ships with Rapport (instruments/*.json, rules/*.json), compiled into the
// binary so that it needs no data files to run. A clinic's own definitions (licensed
// questionnaires) are loaded from its configured folder instead, never from here.

#include <span>
#include <string_view>

namespace rapport {

struct ShippedDefinition {
  std::string_view file;  // "phq9.json"
  std::string_view json;
};

std::span<const ShippedDefinition> ShippedInstrumentDefinitions();

// rules/assignments.json: the questionnaires a new episode starts with.
std::string_view ShippedAssignmentsJson();

// rules/alerts.json.
std::string_view ShippedAlertRulesJson();
// rules/common-passwords.txt: one password per line, lines starting with '#' are notes.
std::string_view ShippedCommonPasswords();

// rules/crisis.json: crisis lines per country.
std::string_view ShippedCrisisJson();

// rules/escalation.json: who is told of an unanswered urgent alert, and when, and what the
// client is told.
std::string_view ShippedEscalationJson();

// rules/note-templates.json: the progress-note templates a clinic chooses from.
std::string_view ShippedNoteTemplatesJson();

// rules/repair-strategies.json: what a therapist is shown beside Support Check answers.
std::string_view ShippedRepairStrategiesJson();

}  // namespace rapport
