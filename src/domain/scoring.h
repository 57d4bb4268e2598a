#pragma once
// Scoring of one questionnaire response: item values in, scale scores, band, risk answers and
// missing items out. Pure and deterministic. The clinical rules (reverse keys, proration, bands,
// cut-offs, risk items) all come from the Instrument definition.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "domain/instrument.h"

namespace rapport {

struct Answers {
  std::map<std::string, double> values;      // numeric items: item id -> chosen value
  std::map<std::string, std::string> texts;  // free-text items
};

struct ScaleScore {
  std::string id;
  std::optional<double> score;  // nullopt: too many items missing to score
  bool prorated = false;
  std::string band;       // the band's label; with no score, why there is none
  bool clinical = false;  // at or beyond the cut-off
};

// One answer at a risk level: what was answered and how urgently it needs attention.
struct RiskAnswer {
  std::string item;
  double value = 0;
  std::string label;  // the chosen option's label ("More than half the days"), or the value
  Severity severity = Severity::kCritical;
  std::string message;  // the definition's words for the therapist
};

// A screening questionnaire's result ("acute positive").
struct ScreenResult {
  std::string label;
  std::string note;
  std::optional<Severity> severity;  // present: the result raises the risk alert
  // Items left blank that made the result hold (the ASQ counts refusing to answer as positive);
  // empty when an answer made it hold.
  std::vector<std::string> unanswered;
};

struct ScoreResult {
  std::optional<double> total;
  std::string band;         // for a screening questionnaire, the screen's result
  std::string total_scale;  // id of the scale reported as `total`
  std::vector<ScaleScore> scales;
  std::vector<std::string> risk;             // ids of the items in risk_answers, in the same order
  std::vector<RiskAnswer> risk_answers;      // every answer at a risk level, in definition order
  std::vector<std::string> risk_unanswered;  // risk items put to the client but left blank
  std::vector<std::string> missing;          // scored or required items asked but unanswered
  std::optional<ScreenResult> screen;        // screening questionnaires only

  const ScaleScore* FindScale(std::string_view id) const;
};

enum class Completeness {
  kAllowMissing,     // paper forms and imports: missing items are prorated or leave no score
  kRequireRequired,  // a live submission: every required item asked must be answered
};

// Checks every answer (known item, accepted value, text length) and scores. Errors name the
// field as "answers/<item id>". Risk answers, and risk items left blank, are reported even when no
// scale can be scored.
Result<ScoreResult> Score(const Instrument& instrument, const Answers& answers,
                          Completeness completeness);

// Reads {"item id": number | string | null, ...}; null means "not answered".
Result<Answers> AnswersFromJson(const Instrument& instrument, const Json& answers);

// Reads a comma-separated list in the definition's item order; an empty entry is missing.
Result<Answers> AnswersFromList(const Instrument& instrument, std::string_view list);

Json ScoreResultToJson(const ScoreResult& result);

// {"item id": value or text}: the inverse of AnswersFromJson, as answers are stored.
Json AnswersToJson(const Answers& answers);
// {"scale id": score or null} for every scale, the total included.
Json ScaleScoresToJson(const ScoreResult& result);

// A score as people read it: "12", not "12.0"; a fraction to one decimal ("7.5").
std::string FormatScore(double score);

}  // namespace rapport
