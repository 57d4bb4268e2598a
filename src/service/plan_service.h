#pragma once
// PlanService: the collaborative treatment plan of an episode: its versions and how
// client and therapist agree on them, the rankings of the problem list, goal self-ratings,
// homework ticks, CBT thought records, reviews with GAS levels, and progress towards the goals'
// benchmarks filled in from the client's questionnaire responses.
//
// Guarantees:
//  - Access (decided through service/access.h):
//    * the episode's therapist and their supervisors ("care team") see everything and are the
//      only ones who write versions, propose, review and record GAS levels;
//    * the client sees every version of their own plan, of a draft only its problem list (the
//      summary and goals are the therapist's working copy until proposed), ranks the
//      problems, adds problems and edits a problem's client_words in the open draft, accepts /
//      asks for changes / declines the latest proposal, rates goals, ticks homework and writes
//      thought records. Anything else a client sends (a formulation, a diagnosis, a whole
//      version) is kPermissionDenied naming the field;
//    * a linked guardian sees, read-only, only when the plan is shared with them
//      (RequireGuardianSection), only the sections the version shares (GuardianSharing), and
//      never a young person's confidential items but those disclosed to them for safety
//      (domain/family.h); they may accept, ask for changes to or decline a proposal only when
//      its content asks for their agreement, and check in on homework planned with them
//      (caregiver_support). Thought records and self-rating notes are never shown to guardians;
//    * admins: kPermissionDenied. Records the actor may not see are kNotFound, like missing ones.
//  - Versions: one open version (draft or proposed) at a time; only a draft's content changes;
//    proposing freezes it (content hash) with the therapist's signature; only the latest proposal
//    can be decided; acceptance records the client's (and, when asked, guardian's) signature over
//    the same hash, and when the agreement is complete the version becomes agreed and the
//    previously agreed one superseded — all in one Store write.
//  - Every read or write is audited in the same write as the change (reads before returning).
//  - Bad input is kInvalidArgument (fields as in domain/plan.h), kFailedPrecondition for a move the
//    version's state does not allow, and nothing is stored.
//
// Thread-safe (all state is in the Store). Does not own the Store, Clock or catalog.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/plan.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct SignatureView {
  PlanSignature signature;
  std::string name;  // signer's display name
  // When the signer's account got its first password from a link a staff member handed over in
  // person (rather than one that went to the person alone): who handed it over. A signature
  // from such an account is worth a second look, since that staff member held the link.
  std::optional<UserId> account_link_handed_over_by;
};

struct PlanVersionView {
  PlanVersion version;  // content_json filtered for a guardian (unshared sections emptied)
  PlanContent content;  // parsed (and filtered) content
  std::vector<SignatureView> signatures;
  bool guardian_filtered = false;  // true when sections were withheld from a guardian
};

struct BenchmarkView {
  std::string goal_key;
  Benchmark benchmark;
  BenchmarkProgress progress;
};

struct GoalView {
  std::string key;
  Achievement achievement = Achievement::kInProgress;
  std::optional<int> priority;  // 1 = the agreed order's first problem, when settled
  std::vector<BenchmarkView> benchmarks;
  std::vector<SelfRating> self_ratings;  // oldest first; notes emptied for guardians
};

struct HomeworkView {
  std::string goal_key;
  Homework homework;
  bool done = false;  // the latest word of anyone on it
  // Since the current version was agreed: the client's check-ins and the caregivers' (both only
  // for homework planned with caregivers), each "done" of so many.
  HomeworkCompletion by_client, by_caregivers;
  std::optional<Timestamp> last_check_in_at;
  bool may_check_in = false;  // the reader may check in on it now
};

// The plan as a whole: which versions exist and how things stand now.
struct PlanOverview {
  EpisodeId episode_id = 0;
  UserId client_id = 0;
  std::string client_name;
  UserId therapist_id = 0;
  std::string therapist_name;
  bool guardian_view = false;  // read-only, filtered
  bool may_edit = false;       // the care team: draft, propose, review
  bool may_accept = false;     // the actor may decide the latest proposal now
  // Summaries (content_json emptied) of every version, oldest first.
  std::vector<PlanVersion> versions;
  std::optional<int> agreed_number;  // the version in force
  std::optional<int> open_number;    // the draft or proposal, if any
  // The content the rest refers to: the agreed version, else the newest version.
  std::optional<PlanVersionView> current;
  std::optional<std::vector<std::string>> client_ranking, therapist_ranking;
  Consensus consensus;  // empty when either ranking is missing
  std::vector<GoalView> goals;
  std::vector<HomeworkView> homework;
  std::optional<double> gas_t_score;  // from the latest GAS level of every GAS benchmark
  ReviewDue review;                   // only meaningful with an agreed version
  std::optional<Timestamp> last_review_at;
  int thought_records = 0;  // 0 for guardians
  // Every check-in on the current version's homework since it was agreed, by anyone: the plan's
  // completion rate.
  HomeworkCompletion homework_completion;
};

struct ThoughtRecordView {
  PlanEventId id = 0;
  Timestamp at = 0;
  UserId author_id = 0;
  ThoughtRecord record;
};

struct ReviewInput {
  std::string notes;    // "notes": what was discussed (1..4000)
  std::string changes;  // "changes": what changes in the plan (0..4000)
  // "gas_levels": benchmark key -> level -2..2, for GAS benchmarks of the agreed version.
  std::vector<std::pair<std::string, int>> gas_levels;
};

// For the caseload dashboard (FeedbackService): where the episode's plan stands ("none",
// "draft", "proposed", "agreed", ...: the newest version's status) and whether its agreed version
// is due for review by the clinic's policy (never due without an agreed version). No access check
// and no audit: the caller has done both for the episode.
struct PlanStanding {
  std::string status = "none";
  ReviewDue review;
};
Result<PlanStanding> PlanStandingOf(Store& store, const Clinic& clinic, const Episode& episode,
                                    Timestamp now);

// The content of a stored version, read back through the same parser that validated it when it
// was written. kInternal only if the clinic's questionnaires changed under it or the database was
// edited by hand.
Result<PlanContent> StoredContentOf(const PlanVersion& version);

// Between sessions, a reminder to check in on homework planned with caregivers: to the client and
// to each guardian who sees the plan, at most once a week for each homework, only while it is not
// yet due, a week after the last check-in on it (or after the version was agreed), and never with
// clinical words (the e-mail links to the plan). Returns how many messages were queued. For the
// scheduler (service/jobs.h), inside its write.
Result<int> QueueHomeworkReminders(WriteTxn& txn, Store& store, ClinicId clinic_id, Timestamp now,
                                   const std::string& base_url);

class PlanService {
 public:
  PlanService(Store& store, const Clock& clock, const InstrumentCatalog& catalog);

  // Anyone who may see the plan (see the class comment). An episode without versions has an
  // overview with no versions (not an error).
  Result<PlanOverview> Overview(const Actor& actor, EpisodeId episode_id);
  Result<PlanVersionView> GetVersion(const Actor& actor, EpisodeId episode_id, int number);
  // Differences between two versions of the episode (kNotFound for a missing number).
  Result<std::vector<DiffRow>> Diff(const Actor& actor, EpisodeId episode_id, int from, int to);

  // Care team. Starts a new draft: `content` when given (validated), otherwise a copy of the
  // newest version's content (empty for the first). kFailedPrecondition when a draft or proposal
  // is already open (naming its number).
  Result<PlanVersionView> StartDraft(const Actor& actor, EpisodeId episode_id,
                                     const std::optional<Json>& content);
  // Care team. Replaces the content of draft `number` (kFailedPrecondition when not a draft).
  Result<PlanVersionView> SaveDraft(const Actor& actor, EpisodeId episode_id, int number,
                                    const Json& content);
  // Care team. Freezes the draft (content hash), signs it as therapist and shows it to the
  // client. Needs at least one problem and one goal (kInvalidArgument "problems" / "goals").
  Result<PlanVersionView> Propose(const Actor& actor, EpisodeId episode_id, int number);
  // Client (or guardian when asked). Only the latest proposal (CheckLatestProposal).
  Result<PlanVersionView> Accept(const Actor& actor, EpisodeId episode_id, int number);
  // Client, or a guardian when the proposal asks for their agreement. `comment` required
  // (kInvalidArgument "comment", 1..4000). The version records who decided.
  Result<PlanVersionView> RequestChanges(const Actor& actor, EpisodeId episode_id, int number,
                                         const std::string& comment);
  // As RequestChanges; `comment` optional.
  Result<PlanVersionView> Decline(const Actor& actor, EpisodeId episode_id, int number,
                                  const std::string& comment);
  // Care team. Takes back the latest proposal before the client has decided it (withdrawn), so
  // that a corrected draft can be started; kFailedPrecondition once it has been decided.
  Result<PlanVersionView> Withdraw(const Actor& actor, EpisodeId episode_id, int number);

  // Client or care team: adds a problem to the open draft (starting one from the newest version
  // when none is open; kFailedPrecondition while a proposal awaits a decision). A client gives
  // only client_words. Returns the draft.
  Result<PlanVersionView> AddProblem(const Actor& actor, EpisodeId episode_id,
                                     const ProblemEdit& problem);
  // As AddProblem, for an existing problem key (ApplyProblemEdit's rules).
  Result<PlanVersionView> EditProblem(const Actor& actor, EpisodeId episode_id,
                                      const std::string& key, const ProblemEdit& edit);

  // Client (subject "client") or care team ("therapist"): their own ranking of the problems of
  // the newest version (ValidateRanking). Returns the new overview.
  Result<PlanOverview> Rank(const Actor& actor, EpisodeId episode_id,
                            const std::vector<std::string>& order);
  // Client: a 0..10 rating (field "rating") of a goal of the current version (kNotFound for an
  // unknown goal key), with an optional note (0..2000).
  Result<PlanOverview> RateGoal(const Actor& actor, EpisodeId episode_id,
                                const std::string& goal_key, int rating, const std::string& note);
  // A check-in on homework of the current version: done or not today, with an optional note
  // (field "note", 0..500). The client and care team on any homework; a guardian who sees the
  // plan's homework, on homework planned with caregivers (caregiver_support set) only.
  Result<PlanOverview> TickHomework(const Actor& actor, EpisodeId episode_id,
                                    const std::string& homework_key, bool done,
                                    const std::string& note = {});
  // Client: a thought record for a goal of the current version (ParseThoughtRecord).
  Result<ThoughtRecordView> AddThoughtRecord(const Actor& actor, EpisodeId episode_id,
                                             const Json& record);
  // Client and care team, newest first.
  Result<std::vector<ThoughtRecordView>> ThoughtRecords(const Actor& actor, EpisodeId episode_id);
  // Care team, with an agreed version: records the review (notes, changes) and GAS levels
  // (fields "gas_levels/<key>"), which resets the review clock. kFailedPrecondition without an
  // agreed version.
  Result<PlanOverview> Review(const Actor& actor, EpisodeId episode_id, const ReviewInput& input);

 private:
  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
};

}  // namespace rapport
