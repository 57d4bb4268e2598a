#pragma once
// Questionnaire definitions as data. ParseInstrument() turns a definition (instruments/*.json,
// or a clinic's own file) into an Instrument and checks that it is coherent, naming the exact
// place of every problem ("items/3/response_set"). Pure: the caller reads the file.
// Instruments are immutable values once parsed; share them freely between threads.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/result.h"
#include "domain/schedule.h"
#include "domain/severity.h"

namespace rapport {

struct ResponseOption {
  double value = 0;
  std::string label;
  std::string loinc;  // LOINC answer code (LA...), empty when none
};

enum class ItemType { kChoice, kSlider, kText };

// An item put to the respondent only after another answer: any of `any_of` answered at or above
// `at_least` (the ASQ's acuity question follows a yes to any of the first four).
struct AskedIf {
  std::vector<std::string> any_of;
  double at_least = 1;
};

struct Item {
  std::string id;
  std::string text;
  std::string loinc;
  ItemType type = ItemType::kChoice;
  std::vector<ResponseOption> options;  // kChoice
  double min = 0, max = 0, step = 1;    // kSlider (kChoice: the options' range)
  std::string low_label, high_label;    // kSlider anchors
  std::size_t max_length = 2000;        // kText
  bool required = true;                 // a submission must answer it (when it is asked)
  bool scored = true;                   // counts in scales
  bool reverse = false;                 // scored as min + max - value
  std::optional<AskedIf> asked_if;      // none: always asked; otherwise optional when not asked

  // True when `value` is one this item accepts (an option's value, or on the slider's grid).
  bool Accepts(double value) const;
};

// One grade of a risk item: an answer at or above `at_least` is a risk answer of `severity`.
struct RiskLevel {
  double at_least = 1;
  Severity severity = Severity::kCritical;
};

struct RiskRule {
  std::string item;
  // Never empty; ascending by at_least, and the severity never falls as the answer rises. No level
  // is below kHigh: a risk answer is never routine. The old form {"at_least": n} is one critical
  // level.
  std::vector<RiskLevel> levels;
  std::string message;  // plain words for the therapist
  std::string topic;    // what the item asks about ("thoughts of self-harm"); may be empty

  // The highest level `value` reaches, or nullptr when it reaches none.
  const RiskLevel* LevelFor(double value) const;
};

struct Band {
  double min = 0, max = 0;  // inclusive
  std::string label;
};

enum class Direction { kHigherIsWorse, kHigherIsBetter };

struct Population {
  double mean = 0, sd = 0;
  std::string source;
};

struct ScaleNorms {
  std::optional<Population> clinical;     // Jacobson-Truax criterion a
  std::optional<Population> nonclinical;  // criterion b
};

struct ReliableChangeData {
  std::optional<double> threshold;  // a fixed number of points
  std::optional<double> sd;         // or SD and reliability for the Jacobson-Truax index
  std::optional<double> reliability;
  std::string note;
};

struct TrajectoryNorm {
  // expected(n) = baseline - improvement_fraction * excess * (1 - exp(-rate * n)), where excess is
  // the baseline's distance from the scale's best score; `band` points either side.
  double improvement_fraction = 0;
  double rate_per_session = 0;
  double band = 0;
  std::string note;
};

struct Scale {
  std::string id;
  std::string label;
  std::vector<std::string> items;
  int prorate_up_to = 0;  // at most this many missing items are prorated; more: no score
  // The other rule, that of the PSC family of forms: a blank item counts 0 while at most
  // `zero_up_to` items are blank in the scale `counted_over` (empty: this one); more blanks make
  // the form invalid and leave no score. Never set together with a prorate_up_to above 0.
  std::optional<int> zero_up_to;
  std::string counted_over;
  Direction direction = Direction::kHigherIsWorse;
  std::vector<Band> bands;       // may be empty
  std::optional<double> cutoff;  // caseness: score >= cutoff (worse-high) or < cutoff (better-high)
  std::string cutoff_note;
  // The caseness threshold reliable recovery is judged by, where the service that defined
  // recovery uses another than `cutoff` (NHS Talking Therapies: GAD-7 of 8 or more).
  std::optional<double> recovery_caseness;
  std::string recovery_caseness_note;
  ReliableChangeData reliable_change;
  ScaleNorms norms;
  std::optional<TrajectoryNorm> trajectory;
  double min_score = 0, max_score = 0;  // derived from the items

  // The band containing `score`, or nullptr.
  const Band* BandFor(double score) const;
  // True when `score` is in the clinical range by the cutoff.
  bool IsClinical(double score) const;
};

// kSupport: the Support Check a therapist sends when a client is not on track; asked only on
// request, never a measure of change.
enum class Purpose { kOutcome, kRapport, kFit, kScreen, kSupport };

// One possible result of a screen: it holds when any of `any_of` is answered at or above
// `at_least` (or, with unanswered_counts, left blank when asked: the ASQ counts refusing to answer
// as positive). A result with a severity raises the risk alert at that severity.
struct ScreenOutcome {
  std::string label;  // "acute positive"
  std::vector<std::string> any_of;
  double at_least = 1;
  bool unanswered_counts = false;
  std::optional<Severity> severity;  // high or critical when present
  std::string note;                  // what it means and what to do, for the therapist
};

// A screening questionnaire's result: the first of `results` that holds, else `otherwise`.
struct Screen {
  std::vector<ScreenOutcome> results;  // never empty
  std::string otherwise_label;         // "negative"
  std::string otherwise_note;
};

// When the client is asked: outcome questionnaires describe the weeks before a session, so they
// can be answered before it; questions about the session itself come after it.
enum class AskWhen { kBeforeSession, kAfterSession };

struct Timing {
  AskWhen ask = AskWhen::kAfterSession;
  std::optional<int> opens_hours_before;  // kBeforeSession only: how early the form opens
};

struct Instrument {
  std::string code;  // "PHQ-9"
  std::string title;
  // What a client or guardian reads instead of the title: no codes, no jargon ("About your mood").
  // The title when the definition gives none (PlainTitle()).
  std::string plain_title;
  std::string version;
  std::string language;
  Purpose purpose = Purpose::kOutcome;
  // The problem domain an outcome questionnaire measures ("depression", "anxiety",
  // "child-and-family"): the outcome report's rows. Lower-case words joined by '-'; empty: none.
  std::string domain;
  std::vector<std::string> respondents;  // "client", "guardian", "therapist"
  std::string source;
  std::string licence;
  bool validated = false;
  std::string validation_note;
  std::string loinc_panel, loinc_total;
  std::string preamble;
  // Answered on the project's faces (young children): every item a choice of five options, the
  // first the saddest face and the last the happiest.
  bool faces = false;
  std::optional<Timing> timing;  // none: the clinic decides when to ask
  // How often an episode asks it unless its therapist chooses otherwise ("schedule":
  // {"every_sessions": N} | {"every_weeks": N} | {"once": true}); none: DefaultSchedule's rule by
  // purpose.
  std::optional<Schedule> schedule;
  std::vector<Item> items;
  std::vector<RiskRule> risk;
  std::optional<Screen> screen;  // screening questionnaires only
  std::vector<Scale> scales;
  std::string total_scale;  // id of the scale reported as `total`

  const Item* FindItem(std::string_view id) const;
  const Scale* FindScale(std::string_view id) const;
  const Scale& TotalScale() const;  // always exists in a parsed instrument
  const std::string& PlainTitle() const { return plain_title.empty() ? title : plain_title; }
};

std::string_view ToString(Purpose purpose);
std::string_view ToString(AskWhen ask);  // "before_session", "after_session"

// Parses and validates a definition. Every problem is reported at once as kInvalidArgument with
// FieldErrors whose `field` is a path into the definition ("scales/0/items/2").
Result<Instrument> ParseInstrument(const Json& definition);

// The definition as JSON again (what GET /instruments/{code} and `instruments show` return).
Json InstrumentToJson(const Instrument& instrument);

}  // namespace rapport
