#pragma once
// How a course of therapy ends: the reason, from a fixed list, what the therapist writes at the
// end (the ending conversation, what helped, the signs of relapse and what to do, referrals), and
// the discharge summary drafted from the record. Pure: the service layer reads the record, checks
// access and audits.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/change.h"
#include "domain/instrument.h"
#include "domain/people.h"
#include "domain/plan.h"

namespace rapport {

enum class EndReason {
  kGoalsMet,           // "goals-met"
  kMutualAgreement,    // "mutual-agreement"
  kClientChoseToStop,  // "client-chose-to-stop"
  kNoContact,          // "no-contact"
  kTransferred,        // "transferred": to another therapist of the clinic
  kReferredOut,        // "referred-out": to care outside the clinic
  kOther,              // "other": the note says what
};
std::string_view ToString(EndReason reason);
Result<EndReason> ParseEndReason(std::string_view text);  // field "reason"
std::string_view Display(EndReason reason);               // "Goals met", ...

// Ended before an agreed ending: the client stopped coming or could not be reached. What the
// clinic's dropout figures count.
bool IsDropout(EndReason reason);

// Ended as planned (goals met, or by agreement): the completers whose courses define what a
// finished course looks like.
bool IsCompleted(EndReason reason);

// Somewhere else to turn, for a referral out or for after the ending.
struct Referral {
  std::string name;     // 1..200 bytes: a service or a person
  std::string contact;  // 0..500: phone, address, web site
  std::string why;      // 0..1000: what they can help with
};

// What the therapist writes when the episode ends. Line breaks are normalised; every text is
// optional except as ValidateEnding says.
struct EndingWords {
  EndReason reason = EndReason::kOther;
  std::string ending_note;          // the ending session or message (0..4000; required for "other")
  std::string what_helped;          // 0..4000
  std::string what_did_not;         // 0..4000: what did not help
  std::string relapse_signs;        // 0..4000: early signs that things are slipping
  std::string if_it_returns;        // 0..4000: what to do then
  std::vector<Referral> referrals;  // at most 10; at least one for "referred-out"
};

inline constexpr std::size_t kMaxEndingText = 4000;
inline constexpr std::size_t kMaxReferrals = 10;

// Every problem at once, each naming its field ("referrals/0/name").
Status ValidateEnding(const EndingWords& words);

// An episode's ending as kept: who ended it, when, and what they wrote.
struct EpisodeEnding {
  EpisodeId episode_id = 0;
  UserId ended_by = 0;
  Timestamp ended_at = 0;
  EndingWords words;
};

// The JSON of a request body or of the stored record; unknown fields are errors.
Result<EndingWords> EndingWordsFromJson(const Json& body);
Json EndingWordsToJson(const EndingWords& words);

// One questionnaire over the whole episode.
struct MeasureSummary {
  std::string instrument;  // code
  std::string title;       // plain title
  Direction direction = Direction::kHigherIsWorse;
  double max = 0;
  int answers = 0;  // scored answers by the client, or by the guardian when the client gave none
  double first = 0, last = 0;
  Timestamp first_at = 0, last_at = 0;
  std::optional<ChangeResult> change;  // with two or more answers and reliable-change data
};

// One goal of the plan in force at the end.
struct GoalSummary {
  std::string key;
  std::string description;
  Achievement achievement = Achievement::kInProgress;
  std::optional<int> gas_level;  // the latest Goal Attainment Scaling level, -2..+2
};

struct DischargeSummary {
  EpisodeId episode_id = 0;
  std::string client_name, therapist_name;
  Timestamp started_at = 0;
  std::optional<Timestamp> ended_at;  // nullopt: a draft, the episode has not ended
  int sessions_attended = 0;
  std::optional<EndingWords> words;  // nullopt in a draft
  std::vector<MeasureSummary> measures;
  std::vector<GoalSummary> goals;
  std::optional<double> gas_t_score;
  std::vector<std::string> where_to_get_help;  // "Name: contact" lines, in order
  // The client's last Rapport Check, about the course as a whole, once it has ended.
  struct LookingBack {
    double total = 0;
    double max = 0;
    Timestamp submitted_at = 0;
  };
  std::optional<LookingBack> looking_back;
};

// One plain sentence about a measure, for the summary's readers: "PHQ-9 went from 18 to 7: a
// reliable improvement." Neutral when there is too little to judge.
std::string MeasureSentence(const MeasureSummary& measure);

// One measure, or one goal, as the discharge summary and the handover packet write it (a measure
// with its plain sentence), and read back from that JSON; the words and the sentence are derived,
// so reading ignores them. `prefix` names the fields in errors ("measures/0/").
Json MeasureSummaryToJson(const MeasureSummary& measure);
Result<MeasureSummary> MeasureSummaryFromJson(const Json& json, std::string prefix = {});
Json GoalSummaryToJson(const GoalSummary& goal);
Result<GoalSummary> GoalSummaryFromJson(const Json& json, std::string prefix = {});

Json DischargeSummaryToJson(const DischargeSummary& summary);

}  // namespace rapport
