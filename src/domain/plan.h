#pragma once
// The collaborative treatment plan as pure rules and value types: the problem list,
// goals with benchmarks, interventions and homework, the versions of a plan and how they move
// from draft to agreement, the goal-consensus index, Goal Attainment Scaling, benchmark progress
// from questionnaire scores, review dates, CBT thought records and the differences between two
// versions. No I/O: the service layer reads and writes, decides access and audits.
//
// Values only; every function is pure and thread-safe.
//
// Keys. Problems, goals, benchmarks, interventions and homework carry short keys ("p1", "g2",
// "b3", "i1", "h4") that stay the same from one version to the next, so that rankings, ratings,
// ticks and GAS levels recorded against a key follow the item through revisions. AssignKeys()
// gives new items keys never used before in the plan's history.
//
// Field paths in errors are JSON-pointer-like without the leading slash:
// "goals/0/benchmarks/1/target".

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/people.h"

namespace rapport {

using PlanVersionId = std::int64_t;
using PlanEventId = std::int64_t;

// --- Content of one version ---------------------------------------------------------------------

enum class ProblemStatus : std::uint8_t { kActive, kResolved, kDeferred };
std::string_view ToString(ProblemStatus status);  // "active", "resolved", "deferred"
Result<ProblemStatus> ParseProblemStatus(std::string_view text);  // field "status"

struct Problem {
  std::string key;           // "p1"
  std::string client_words;  // the problem as the client puts it (1..2000 bytes)
  std::string formulation;   // the therapist's formulation (0..4000 bytes; empty when not yet)
  std::string diagnosis;     // optional: free text or an ICD-10/ICD-11 code (0..200 bytes)
  ProblemStatus status = ProblemStatus::kActive;
  // Kept from every guardian (a young person's confidence); only a recorded safety disclosure
  // shows it to one guardian (domain/family.h).
  bool confidential = false;

  friend bool operator==(const Problem&, const Problem&) = default;
};

enum class BenchmarkKind : std::uint8_t { kQuestionnaire, kGas };
std::string_view ToString(BenchmarkKind kind);  // "questionnaire", "gas"

// How a questionnaire total must compare with the target.
enum class Comparator : std::uint8_t { kBelow, kAtMost, kAbove, kAtLeast };
std::string_view ToString(Comparator comparator);  // "below", "at_most", "above", "at_least"
Result<Comparator> ParseComparator(std::string_view text);  // field "comparator"
bool Satisfies(double value, Comparator comparator, double target);

inline constexpr int kGasLevels = 5;  // -2, -1, 0, +1, +2
inline constexpr double kGasRho = 0.3;

struct Benchmark {
  std::string key;  // "b1"
  BenchmarkKind kind = BenchmarkKind::kQuestionnaire;
  // kQuestionnaire: the total score of `instrument` compared with `target` by the goal's due
  // date. The target must be reachable on the questionnaire's scale (PHQ-9 "below 0" is not).
  std::string instrument;  // catalog code, e.g. "PHQ-9"
  Comparator comparator = Comparator::kBelow;
  double target = 0;
  // kGas: what each level looks like, levels[0] = -2 (much less than expected) ...
  // levels[2] = 0 (the expected outcome) ... levels[4] = +2 (much more than expected);
  // every level is described (1..500 bytes). weight > 0 (at most 100).
  std::array<std::string, kGasLevels> levels;
  double weight = 1;

  friend bool operator==(const Benchmark&, const Benchmark&) = default;
};

struct Intervention {
  std::string key;          // "i1"
  std::string description;  // "Thought records after difficult moments" (1..2000 bytes)
  std::string approach;     // optional: "CBT", "behavioural activation", ... (0..100 bytes)

  friend bool operator==(const Intervention&, const Intervention&) = default;
};

struct Homework {
  std::string key;          // "h1"
  std::string description;  // 1..2000 bytes
  std::string due_date;     // "YYYY-MM-DD"
  // What a parent or carer does to support it, as agreed with them in session ("Sit with Leo for
  // the breathing practice after tea"); 0..1000 bytes. Set: the homework is planned with the
  // caregivers, who check in on it too. Written into the content only when set.
  std::string caregiver_support{};

  friend bool operator==(const Homework&, const Homework&) = default;
};

struct Goal {
  std::string key;                    // "g1"
  std::string problem_key;            // the problem it addresses (must exist in the same content)
  std::string description;            // specific and measurable (1..2000 bytes)
  std::string due_date;               // "YYYY-MM-DD"
  std::vector<Benchmark> benchmarks;  // at least one
  std::vector<Intervention> interventions;
  std::vector<Homework> homework;
  bool confidential = false;  // as Problem::confidential; a goal of a confidential problem is too

  friend bool operator==(const Goal&, const Goal&) = default;
};

// What a linked guardian may see of the plan (only when the clinic shares with guardians at
// all), and whether their agreement is asked for.
struct GuardianSharing {
  bool problems = false;
  bool goals = false;     // goals, benchmarks and their progress
  bool homework = false;  // interventions and homework
  bool ask_agreement = false;

  friend bool operator==(const GuardianSharing&, const GuardianSharing&) = default;
};

struct PlanContent {
  std::string summary;  // the therapist's outline in plain words (0..4000 bytes)
  std::vector<Problem> problems;
  // Problem keys, most important first, as client and therapist settled them. Each key at most
  // once and every key a problem of this content; may be empty (not settled yet).
  std::vector<std::string> agreed_order;
  std::vector<Goal> goals;
  GuardianSharing guardian;

  friend bool operator==(const PlanContent&, const PlanContent&) = default;

  const Problem* FindProblem(std::string_view key) const;
  const Goal* FindGoal(std::string_view key) const;
  // The benchmark with `key` and the goal holding it, or {nullptr, nullptr}.
  std::pair<const Goal*, const Benchmark*> FindBenchmark(std::string_view key) const;
  const Homework* FindHomework(std::string_view key) const;
};

// Parses and validates content sent by a therapist. Every problem is reported at once as
// kInvalidArgument with one FieldError per place ("problems/0/client_words",
// "goals/1/benchmarks/0/instrument" for an unknown questionnaire,
// "goals/1/benchmarks/0/target" for an impossible target, "goals/0/problem_key",
// "agreed_order/2", "goals/0/due_date"). Items without a key get "" (see AssignKeys); keys that
// are present must look like <letter><digits> with the letter of their kind and be unique.
Result<PlanContent> ParsePlanContent(const Json& json, const InstrumentCatalog& catalog);

// As ParsePlanContent, for content read back from the store: the questionnaire checks are left
// out, so that a plan stays readable after a clinic withdraws a questionnaire one of its
// benchmarks used (its progress then simply has no scores).
Result<PlanContent> ParseStoredPlanContent(const Json& json);

// The content as JSON, the exact shape ParsePlanContent reads. Object keys are sorted, so
// Dump() of it is canonical.
Json PlanContentToJson(const PlanContent& content);

// BLAKE2b-256 (hex) of the canonical JSON text: what a signature is made over.
std::string PlanContentHash(const PlanContent& content);

// Gives every item with an empty key the next unused key of its kind, counting the keys used
// in `content` and in every one of `history` (earlier versions), so that a key is never reused.
void AssignKeys(PlanContent& content, const std::vector<PlanContent>& history);

// An edit of one problem. A client may change only `client_words` (the problem in their own
// words): any other field set by a client is kPermissionDenied naming that field
// ("formulation", "diagnosis", "status"). kNotFound when `key` is not a problem of `content`.
// Values are validated as in ParsePlanContent (field names without the "problems/N/" prefix).
struct ProblemEdit {
  std::optional<std::string> client_words, formulation, diagnosis;
  std::optional<ProblemStatus> status;
};
Status ApplyProblemEdit(PlanContent& content, std::string_view key, const ProblemEdit& edit,
                        bool by_client);

// --- Versions and agreement ------------------------------------------------------------------

//  draft --propose--> proposed --accept--> agreed --supersede--> superseded
//                        |  \--request changes--> changes_requested
//                        |  \--decline--> declined
//                        \--withdraw (the therapist takes it back to correct it)--> withdrawn
// Only a draft's content may change. Every other state is final except as drawn.
enum class PlanVersionStatus : std::uint8_t {
  kDraft,
  kProposed,
  kChangesRequested,
  kDeclined,
  kWithdrawn,
  kAgreed,
  kSuperseded,
};
std::string_view ToString(PlanVersionStatus status);
Result<PlanVersionStatus> ParsePlanVersionStatus(std::string_view text);

enum class PlanAction : std::uint8_t {
  kPropose,
  kAccept,
  kRequestChanges,
  kDecline,
  kWithdraw,
  kSupersede
};
std::string_view ToString(PlanAction action);  // "propose", "accept", "request_changes", ...

// The status after `action`, or kFailedPrecondition saying why not ("version 3 is agreed and
// signed; it can no longer change").
Result<PlanVersionStatus> NextStatus(PlanVersionStatus from, PlanAction action, int number);

enum class SignerRole : std::uint8_t { kTherapist, kClient, kGuardian };
std::string_view ToString(SignerRole role);  // "therapist", "client", "guardian"
Result<SignerRole> ParseSignerRole(std::string_view text);

// A signature: who agreed to exactly which content. Never changed once stored.
struct PlanSignature {
  PlanVersionId version_id = 0;
  SignerRole role = SignerRole::kTherapist;
  UserId user_id = 0;
  Timestamp signed_at = 0;
  std::string content_hash;  // PlanContentHash of the version's content at signing

  friend bool operator==(const PlanSignature&, const PlanSignature&) = default;
};

// One version as the store keeps it.
struct PlanVersion {
  PlanVersionId id = 0;
  EpisodeId episode_id = 0;
  int number = 0;  // 1, 2, ... per episode
  PlanVersionStatus status = PlanVersionStatus::kDraft;
  std::string content_json;  // PlanContentToJson(content).dump()
  std::string content_hash;  // empty while a draft; set when proposed and never changed after
  UserId created_by = 0;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  std::optional<Timestamp> proposed_at;
  std::optional<Timestamp> decided_at;  // accepted, changes requested, declined or withdrawn
  std::string client_comment;           // with "request changes" or "decline"
  UserId decided_by = 0;  // who requested changes or declined (the client or a guardian); 0: other

  friend bool operator==(const PlanVersion&, const PlanVersion&) = default;
};

// kFailedPrecondition unless `number` is the newest version of `versions` (any order) and is
// proposed: only the latest proposal can be accepted, declined or sent back.
Status CheckLatestProposal(const std::vector<PlanVersion>& versions, int number);

// Whether the signatures on a proposed version complete the agreement: the therapist's (made
// when proposing) and the client's, plus a guardian's when the content asks for one; every
// signature must be over `content_hash`.
bool AgreementComplete(const std::vector<PlanSignature>& signatures,
                       const std::string& content_hash, bool guardian_asked);

// --- Differences between two versions ---------------------------------------------------------

enum class DiffChange : std::uint8_t { kAdded, kRemoved, kChanged };
std::string_view ToString(DiffChange change);  // "added", "removed", "changed"

// One difference, for a side-by-side view: `section`, `key` and `field` name the item and field,
// `before`/`after` are display text ("" when absent).
struct DiffRow {
  std::string section;  // "summary", "problem", "order", "goal", "benchmark", "intervention",
                        // "homework", "sharing"
  std::string key;      // item key, "" for plan-wide fields
  std::string field;    // "client_words", "due_date", ... ; "" for a whole added/removed item
  DiffChange change = DiffChange::kChanged;
  std::string before, after;
};

// Differences from `before` to `after`, in plan order (summary, problems, order, goals with
// their benchmarks, interventions and homework, sharing). Empty when equal.
std::vector<DiffRow> DiffPlans(const PlanContent& before, const PlanContent& after);

// --- Goal consensus ---------------------------------------------------------------------------

struct Consensus {
  // Kendall's tau (ties cannot occur: each ranking is a strict order) over the problems both
  // rankings contain; none when fewer than two are shared.
  std::optional<double> tau;
  int compared = 0;  // problems in both rankings
  // The problem keys on which the two rankings differ most (largest absolute difference in
  // position among the compared problems), at most three, largest first; empty when tau == 1.
  std::vector<std::string> most_different;
  // For both parties, without jargon: "You and your therapist put these problems in much the
  // same order." / "... in quite different orders: worth talking about together."
  std::string plain_words;
};

// Rankings are problem keys, most important first; keys in only one ranking are ignored.
Consensus GoalConsensus(const std::vector<std::string>& client_order,
                        const std::vector<std::string>& therapist_order);

// --- Goal Attainment Scaling --------------------------------------------------------------------

struct GasScore {
  int level = 0;      // -2..+2
  double weight = 1;  // > 0
};

// Kiresuk & Sherman (1968): T = 50 + 10 * sum(w*x) / sqrt((1 - rho) * sum(w^2) + rho * (sum w)^2).
// None when `scores` is empty.
std::optional<double> GasTScore(const std::vector<GasScore>& scores, double rho = kGasRho);

// --- Progress ---------------------------------------------------------------------------------

// FHIR goal-achievement codes (http://terminology.hl7.org/CodeSystem/goal-achievement).
enum class Achievement : std::uint8_t {
  kInProgress,   // "in-progress": nothing to judge by yet
  kImproving,    // "improving"
  kWorsening,    // "worsening"
  kNoChange,     // "no-change"
  kAchieved,     // "achieved"
  kNotAchieved,  // "not-achieved": the due date passed without reaching it
};
std::string_view ToString(Achievement achievement);
std::string_view Display(Achievement achievement);  // "In progress", "Improving", ...

struct ScorePoint {
  Timestamp at = 0;
  double total = 0;
};

struct GasRating {
  Timestamp at = 0;
  int level = 0;  // -2..+2
};

struct BenchmarkProgress {
  std::string key;
  BenchmarkKind kind = BenchmarkKind::kQuestionnaire;
  std::optional<double> baseline;  // first score (questionnaire) or first level (GAS)
  std::optional<double> latest;    // latest score or level
  std::optional<Timestamp> latest_at;
  // Questionnaire: the share of the way from baseline to target, clamped to [0, 1]; 1 when met.
  // GAS: none.
  std::optional<double> fraction;
  bool met = false;  // questionnaire: latest satisfies the target; GAS: latest level >= 0
  Achievement achievement = Achievement::kInProgress;
};

// From the episode's totals of the benchmark's questionnaire, oldest first. Achieved when the
// latest total meets the target; not achieved when `due` (end of the due date) is before `now`
// and it does not; otherwise improving / worsening / no change from the previous total
// (towards the target is improving), or in progress with fewer than two totals.
// (Not named QuestionnaireProgress: that is the feedback service's chart type, and a function of
// the same name in the namespace would hide it.)
BenchmarkProgress QuestionnaireBenchmarkProgress(const Benchmark& benchmark,
                                                 const std::vector<ScorePoint>& totals,
                                                 Timestamp due, Timestamp now);

// From the GAS levels recorded at reviews, oldest first. Achieved at level 0 or above; not
// achieved past `due` below 0; otherwise improving / worsening / no change from the previous.
BenchmarkProgress GasProgress(const Benchmark& benchmark, const std::vector<GasRating>& ratings,
                              Timestamp due, Timestamp now);

// A goal's achievement from its benchmarks': achieved when all are; otherwise not achieved if any
// is; otherwise worsening if any is; improving if any is; no change if all with data are;
// otherwise in progress.
Achievement GoalAchievement(const std::vector<BenchmarkProgress>& benchmarks);

// The end (23:59:59.999 UTC) of a "YYYY-MM-DD" date; kInvalidArgument (field `field`) when the
// text is not a real date.
Result<Timestamp> EndOfDate(std::string_view date, std::string_view field = "due_date");

// --- Reviews ----------------------------------------------------------------------------------

struct ReviewPolicy {
  int every_sessions = 6;  // completed sessions since the last review (or agreement); 1..52
  int every_days = 90;     // days since the last review (or agreement); 1..730
};

struct ReviewDue {
  bool due = false;
  Timestamp due_at = 0;    // when the day rule falls due (since + every_days)
  int sessions_since = 0;  // completed sessions since `since`
  std::string
      reason;  // "6 sessions since the plan was last reviewed" / "90 days ..."; "" if not due
};

// `since`: when the current version was agreed or last reviewed, whichever is later.
// `completed_session_times`: start times of the episode's completed appointments (any order).
ReviewDue PlanReviewDue(Timestamp since, const std::vector<Timestamp>& completed_session_times,
                        Timestamp now, const ReviewPolicy& policy);
// The same, from the number of sessions completed after `since` and up to `now`.
ReviewDue PlanReviewDueAfterSessions(Timestamp since, int sessions_since, Timestamp now,
                                     const ReviewPolicy& policy);

// --- What happens between versions: rankings, ratings, ticks, thought records, reviews --------

// Recorded against an episode's plan as they happen; never changed, never deleted (a later
// event supersedes an earlier one of the same kind and subject).
enum class PlanEventKind : std::uint8_t {
  kRanking,        // subject "client" | "therapist"; payload {"order": ["p2", "p1", ...]}
  kSelfRating,     // subject goal key; payload {"rating": 0..10, "note": "..."}
  kHomework,       // subject homework key; payload {"done": true | false}
  kThoughtRecord,  // subject goal key; payload ThoughtRecordToJson
  kGasLevel,       // subject benchmark key; payload {"level": -2..2}
  kReview,         // subject version number as text; payload {"notes": "...", "changes": "..."}
};
std::string_view ToString(PlanEventKind kind);  // "ranking", "self_rating", "homework",
                                                // "thought_record", "gas_level", "review"
Result<PlanEventKind> ParsePlanEventKind(std::string_view text);

struct PlanEvent {
  PlanEventId id = 0;
  EpisodeId episode_id = 0;
  PlanEventKind kind = PlanEventKind::kRanking;
  std::string subject;
  std::string payload_json;
  UserId actor_id = 0;
  Timestamp at = 0;

  friend bool operator==(const PlanEvent&, const PlanEvent&) = default;
};

// Validates a ranking against the content: a non-empty list of distinct problem keys of the
// content, exactly the active problems. kInvalidArgument field "order" (or "order/N").
Status ValidateRanking(const PlanContent& content, const std::vector<std::string>& order);

struct FeelingRating {
  std::string feeling;  // 1..100 bytes: "anxious"
  int intensity = 0;    // 0..100
  friend bool operator==(const FeelingRating&, const FeelingRating&) = default;
};

// A CBT thought record (seven columns), written by the client.
struct ThoughtRecord {
  std::string goal_key;                       // a goal of the plan
  std::string situation;                      // 1..4000 bytes
  std::string automatic_thoughts;             // 1..4000
  std::vector<FeelingRating> feelings;        // 1..10, before
  std::string evidence_for;                   // 0..4000
  std::string evidence_against;               // 0..4000
  std::string balanced_thought;               // 0..4000
  std::vector<FeelingRating> feelings_after;  // 0..10, re-rated
  friend bool operator==(const ThoughtRecord&, const ThoughtRecord&) = default;
};

// Fields "goal_key", "situation", "automatic_thoughts", "feelings/0/intensity", ...
Result<ThoughtRecord> ParseThoughtRecord(const Json& json, const PlanContent& content);
Json ThoughtRecordToJson(const ThoughtRecord& record);

// The current state of everything recorded between versions, folded from the events (in any
// order; later `at`, then larger id, wins).
struct SelfRating {
  int rating = 0;  // 0..10
  std::string note;
  Timestamp at = 0;
};
// One person's word on one homework for one day: done or not, and a note. A person checking in
// again the same day (UTC) corrects their word for that day.
struct HomeworkCheckIn {
  UserId by = 0;
  bool done = false;
  Timestamp at = 0;
  std::string note;  // 0..500 bytes
  friend bool operator==(const HomeworkCheckIn&, const HomeworkCheckIn&) = default;
};
inline constexpr std::size_t kMaxCheckInNote = 500;

struct PlanActivity {
  std::optional<std::vector<std::string>> client_ranking, therapist_ranking;
  std::optional<Timestamp> client_ranked_at, therapist_ranked_at;
  std::map<std::string, std::vector<SelfRating>> self_ratings;  // goal key -> oldest first
  std::map<std::string, bool> homework_done;                    // homework key -> latest tick
  // Homework key -> check-ins, oldest first: every homework event, one per person and day.
  std::map<std::string, std::vector<HomeworkCheckIn>> homework_check_ins;
  std::map<std::string, std::vector<GasRating>> gas_levels;        // benchmark key -> oldest first
  std::vector<std::pair<PlanEventId, Timestamp>> thought_records;  // ids and times, oldest first
  std::optional<Timestamp> last_review_at;
};
PlanActivity FoldPlanEvents(const std::vector<PlanEvent>& events);

// How much of the homework got done, by the check-ins since `since` (the agreed version's time):
// `done` of `check_ins` said it was done. `rate` is done / check_ins, none without check-ins.
struct HomeworkCompletion {
  int check_ins = 0;
  int done = 0;
  std::optional<double> rate;
  friend bool operator==(const HomeworkCompletion&, const HomeworkCompletion&) = default;
};
// Over `check_ins` made at or after `since` by the people `counted` accepts.
HomeworkCompletion CompletionOf(const std::vector<HomeworkCheckIn>& check_ins, Timestamp since,
                                const std::function<bool(UserId)>& counted);

}  // namespace rapport
