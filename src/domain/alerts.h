#pragma once
// Alert rules as data (rules/alerts.json) and their evaluation on a feedback submission. Pure.
// Safety first: a risk answer ALWAYS produces an alert, and so does a risk question left blank,
// whatever the rules file says (ParseAlertRules refuses a file without a risk rule, and
// EvaluateSubmission falls back to a built-in risk alert should one ever be missing). Its severity
// is the most urgent of the answers' graded severities (never below high), or the risk rule's own
// if that is higher. Thread-compatible value types.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/json.h"
#include "domain/change.h"
#include "domain/instrument.h"
#include "domain/scoring.h"
#include "domain/severity.h"

namespace rapport {

enum class AlertKind {
  kRisk,
  kRiskUnanswered,
  kRapportWorthExploring,
  kRapportFirstLow,
  kRapportLow,
  kRapportDrop,
  kNotOnTrack,
  kReliableDeterioration,
  kMissedFeedback,
  kFitConcern,
};
std::string_view ToString(AlertKind kind);
Result<AlertKind> ParseAlertKind(std::string_view text);

// The most previous ratings a rule may compare with: a submission reads no more of its history.
inline constexpr int kMaxCompareWithLast = 11;

struct AlertRule {
  std::string id;
  AlertKind kind = AlertKind::kRisk;
  Severity severity = Severity::kMedium;
  std::string title, explanation, next_step;  // templates with {placeholders}
  double min_drop = 5;                        // kRapportDrop
  int compare_with_last = 3;  // kRapportDrop: how many previous ratings form the baseline
  int sessions = 2;           // kMissedFeedback
  // kRapportFirstLow: a first rating at most this far up from the worst score (0.25: the bottom
  // quarter of the range).
  double bottom_fraction = 0.25;
};

struct AlertRules {
  std::string version;
  std::vector<AlertRule> rules;

  const AlertRule* Find(AlertKind kind) const;
};

// Validates the rules file; every problem named by its path ("rules/2/severity").
Result<AlertRules> ParseAlertRules(const Json& definition);
// The rules that ship with Rapport (rules/alerts.json, compiled in).
const AlertRules& ShippedAlertRules();

struct RaisedAlert {
  std::string rule_id;
  AlertKind kind = AlertKind::kRisk;
  Severity severity = Severity::kMedium;
  std::string title, explanation, next_step;  // filled in, plain words
};

// What the rules need to know about one submission and its history in the episode.
struct SubmissionFacts {
  std::string client_name;  // how the therapist knows the client ("Sam")
  const Instrument* instrument = nullptr;
  const ScoreResult* score = nullptr;
  // Same instrument and respondent, this episode, oldest first: the first total, then the latest
  // ones (at least as many as any rule compares with; those between may be left out).
  std::vector<double> previous_totals;
  int session_number = 0;                   // 0 for the first measurement
  std::optional<TrajectoryPoint> expected;  // the expected point at session_number, if known
  std::optional<ChangeResult> change;       // first -> this, if computable
  std::optional<double> fit_talk_answer;    // Fit Check: "would you like to talk" item
};

// Every alert the submission raises, most severe first. Never drops a risk answer.
std::vector<RaisedAlert> EvaluateSubmission(const AlertRules& rules, const SubmissionFacts& facts);

// An alert not yet resolved in the episode for the same questionnaire: what WithoutRepeats needs.
struct UnresolvedAlert {
  AlertKind kind = AlertKind::kRisk;
  bool acknowledged = false;  // seen by the therapist, not yet resolved
};

// Drops alerts whose kind is already unresolved for the same questionnaire in the episode: a
// therapist who has not yet acted on "not on track" gains nothing from a second copy at the next
// session, and alert fatigue is how real warnings get missed. A reliable deterioration is held
// back only by one still unacknowledged: once the therapist has acknowledged the last, a further
// deterioration is news. Risk answers and blank risk questions are never dropped: each one is
// raised afresh.
std::vector<RaisedAlert> WithoutRepeats(std::vector<RaisedAlert> raised,
                                        std::span<const UnresolvedAlert> unresolved);

// The missed-feedback alert when the last `sessions_without_feedback` completed sessions in a
// row had no feedback, and that reaches the rule's threshold; nullopt otherwise.
std::optional<RaisedAlert> EvaluateMissedFeedback(const AlertRules& rules,
                                                  std::string_view client_name,
                                                  int sessions_without_feedback);

// Replaces {name} with values[name]; unknown placeholders are left as they are.
std::string FillTemplate(std::string_view text, const std::map<std::string, std::string>& values);

}  // namespace rapport
