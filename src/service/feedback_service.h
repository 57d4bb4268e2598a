#pragma once
// FeedbackService: formal client feedback: submitting questionnaires, progress over an
// episode, alerts and their handling, the therapist's caseload dashboard, CSV export and
// password-less feedback links.
//
// Guarantees:
//  - Access: only the episode's therapist and their supervisors see responses and alerts; a
//    client submits and sees their own progress (plain words, no alerts); a guardian submits
//    guardian-report questionnaires for a linked child and sees guardian-reported progress when
//    the clinic shares clinical detail with guardians; an admin sees none (kPermissionDenied).
//    Records the actor may not see are kNotFound, exactly like missing ones.
//  - Every read or write of clinical data is audited; a submission's response, its alerts and
//    its audit entry are written in ONE Store write: a stored risk answer always has its alert.
//  - Bad input is kInvalidArgument with fields "answers/<item>", "instrument", "respondent",
//    "appointment_id" (or kAlreadyExists for a second submission of the same appointment,
//    questionnaire and respondent), and nothing is stored.
//  - Every alert a submission raises is written with its notifications in the same write (the
//    outbox): the treating therapist is told live and, by their preferences (always for a
//    critical alert), by e-mail, and a critical alert escalates while nobody acknowledges it.
//  - A risk answer always brings the respondent the crisis lines of their country and words that
//    say exactly what will happen, from the clinic's settings.
//  - Reads never write anything but their audit entry. Missed feedback is found by the
//    scheduler's check (RaiseMissedFeedback); at most one open missed-feedback alert per episode.
//
// Thread-safe (all state is in the Store). Does not own the Store, Clock, catalog or rules, which
// must outlive it.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/doorbell.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/alerts.h"
#include "domain/catalog.h"
#include "domain/change.h"
#include "domain/crisis.h"
#include "domain/scoring.h"
#include "service/actor.h"
#include "service/alert_notifier.h"
#include "service/crisis_help.h"
#include "store/feedback_records.h"
#include "store/store.h"

namespace rapport {

inline constexpr std::int64_t kFeedbackLinkLifetimeMs = 7LL * 24 * 60 * 60 * 1000;  // 7 days
// How long after a session a guardian who took part in it is asked how it felt to them (their own
// Rapport Check, purpose "rapport", answered by guardians).
inline constexpr std::int64_t kCaregiverCheckWindowMs = 7LL * 24 * 60 * 60 * 1000;  // 7 days

struct SubmitRequest {
  std::string instrument;                       // "instrument": a code, e.g. "PHQ-9"
  std::string respondent;                       // "respondent": "client" | "guardian" | "therapist"
  Json answers;                                 // "answers": {"item id": number | string | null}
  std::optional<AppointmentId> appointment_id;  // "appointment_id": of this episode
};

struct ResponseSummary {
  ResponseId id = 0;
  std::string instrument;  // code
  std::string instrument_version;
  Respondent respondent = Respondent::kClient;
  std::optional<AppointmentId> appointment_id;
  Timestamp submitted_at = 0;
  int session_number = 0;  // 0: the episode's first measurement with this questionnaire
};

// An alert with the client it concerns, as the therapist's lists show it.
struct AlertView {
  FeedbackAlert alert;
  UserId client_id = 0;
  std::string client_name;
  UserId therapist_id = 0;
  // By name, where alert lists and changes are answered (empty elsewhere), so that a list needs
  // no further read per alert.
  std::string therapist_name, acknowledged_by_name, resolved_by_name;
};

// The alert as the care team's lists show it, names not yet filled in.
AlertView ViewOfAlert(FeedbackAlert alert, const Episode& episode, std::string client_name);

struct SubmitResult {
  ResponseSummary response;
  ScoreResult score;
  std::optional<ChangeResult> change;  // first -> this, when the questionnaire allows it
  // What the submission raised (most severe first). Empty for a client or guardian: the
  // therapist reads alerts; the respondent gets `crisis` instead when it matters.
  std::vector<AlertView> raised;
  // Present whenever a risk answer was given, for every respondent: show it at once.
  std::optional<CrisisHelp> crisis;
};

// What a chart needs to know about a questionnaire's total scale.
struct QuestionnaireSummary {
  std::string code, title, plain_title, version;
  Purpose purpose = Purpose::kOutcome;
  double min = 0, max = 0;  // of the total scale
  std::optional<double> cutoff;
  Direction direction = Direction::kHigherIsWorse;
  std::optional<double> reliable_threshold;  // points of change that count as reliable
};

struct ProgressPoint {
  ResponseId response_id = 0;
  int session_number = 0;
  Timestamp submitted_at = 0;
  std::optional<AppointmentId> appointment_id;
  Respondent respondent = Respondent::kClient;
  // Who answered, when it was a guardian (a child may have several): for the care team, the
  // guardian's name and relationship ("Elena Haddad, parent"); a guardian sees only their own.
  std::optional<UserId> guardian_id;
  std::string guardian_name;
  std::optional<double> total;
  std::string band;
  std::vector<ScaleScore> subscales;  // every scale other than the total
};

enum class TrajectorySource : std::uint8_t { kNone, kClinic, kNorm };
std::string_view ToString(TrajectorySource source);  // "none", "clinic", "norm"

struct QuestionnaireProgress {
  QuestionnaireSummary definition;
  std::vector<ProgressPoint> points;   // oldest first
  std::optional<ChangeResult> change;  // first -> latest, with two or more scored points
  // The expected course from the first score, sessions 0..max(latest + 4, 8).
  std::vector<TrajectoryPoint> expected;
  TrajectorySource expected_source = TrajectorySource::kNone;
  std::string plain_words;  // for the client: how things are going, without jargon
};

struct EpisodeProgress {
  EpisodeId episode_id = 0;
  UserId client_id = 0;
  std::string client_name;
  std::vector<QuestionnaireProgress> questionnaires;  // in assignment order, then others
  std::vector<AlertView> alerts;  // newest first, people named; empty for clients and guardians
  // For the client or guardian: what the answers show, each sentence once; never upbeat while a
  // risk answer of the episode is still being followed up (RiskBeingFollowedUp).
  std::string summary;
  // Reliable recovery judged across the PHQ-9 and GAD-7 together, from the client's own first and
  // latest scores on each. Staff only, and only when both have two or more scores.
  std::optional<RecoveryResult> recovery;
};

// The paragraph about `questionnaires` for `reader` (a client's words, unless a guardian's):
// outcome questionnaires that moved the same way share one sentence naming them by their plain
// titles; the thanks for session and fit questions are said once. With `risk_open`, only what is
// true and safe: to the client, that the therapist has been alerted and where help is; to a
// guardian, only that the child's therapist will talk with them, since the risk answer is the
// child's to share with their therapist.
std::string ProgressSummary(const InstrumentCatalog& catalog,
                            const std::vector<QuestionnaireProgress>& questionnaires,
                            bool risk_open, Role reader);

struct DashboardRow {
  UserId client_id = 0;
  std::string client_name;
  EpisodeId episode_id = 0;
  EpisodeStatus episode_status = EpisodeStatus::kActive;
  UserId therapist_id = 0;
  std::string therapist_name;
  int open_alerts = 0;
  std::optional<Severity> top_severity;  // of the open alerts
  std::string outcome_instrument;        // the outcome questionnaire shown ("PHQ-9"), or empty
  std::optional<double> last_outcome_total;
  std::string last_outcome_band;
  std::optional<double> last_rapport_total;  // Rapport Check
  std::vector<double> outcome_trend;         // the last (up to) 12 totals, oldest first
  std::vector<double> rapport_trend;
  std::optional<Timestamp> last_feedback_at;
  std::optional<Timestamp> next_appointment_at;  // the earliest scheduled one from now on
  // The treatment plan: the newest version's status ("none" without one) and whether the
  // agreed version is due for review by the clinic's policy.
  std::string plan_status = "none";
  bool plan_review_due = false;
};

// One client of a caseload as its page shows them: the current episode (an open one if any, else
// the latest), the earliest appointment booked with any of their episodes there, and, while the
// current episode is open, its feedback.
struct CaseloadClient {
  UserId client_id = 0;
  std::string display_name;  // the full name, as the client list shows it
  bool is_minor = false;
  Episode episode;  // the current one
  std::string therapist_name;
  std::optional<Appointment> next_appointment;
  std::optional<DashboardRow> feedback;  // only while the episode is open
};

struct AssignedInstrument {
  std::string code, title, plain_title;
  Purpose purpose = Purpose::kOutcome;
  Respondent respondent = Respondent::kClient;
  Schedule schedule;             // in force: the episode's choice, else the questionnaire's default
  bool chosen_schedule = false;  // the therapist chose it for this episode
  bool due = true;               // for the session asked about (or now)
  // A caregiver's own Rapport Check is about a session they took part in: for the guardian
  // asking, the latest such session they have not yet answered it for (then due).
  std::optional<AppointmentId> session_id;
};

struct FeedbackLinkCreated {
  std::string token;  // shown once; only its hash is stored
  std::string path;   // "/feedback/<token>"
  Timestamp expires_at = 0;
};

// What the person holding a link may see before answering.
struct FeedbackLinkInfo {
  AppointmentId appointment_id = 0;
  Timestamp appointment_starts_at = 0;
  std::string client_name;     // preferred name when set
  std::string therapist_name;  // "your therapist will read it"
  std::string clinic_name;
  Timestamp expires_at = 0;
  // Who answers through the link: the client, or a guardian (named).
  Respondent respondent = Respondent::kClient;
  std::string guardian_name;
  // Their questionnaires not yet answered for this appointment.
  std::vector<AssignedInstrument> pending;
};

// Who was told about an alert, how, and what became of it.
struct AlertDelivery {
  Notification notification;
  std::string recipient_name;  // empty for the clinic's webhook
};

struct AlertDetail {
  AlertView view;
  std::vector<AlertDelivery> deliveries;  // oldest first
  std::string acknowledged_by_name, resolved_by_name;
  // How to reach the client and whom to call, for whoever acts on the alert.
  ContactDetails contact;
};

// Answers in progress: the author's own, which nobody else reads before they are sent.
struct FeedbackDraftView {
  Json answers = Json::object();        // {"CODE/item": value}
  std::optional<Timestamp> updated_at;  // none: no draft
  std::optional<CrisisHelp> crisis;     // a risk answer stands in the draft
};

// A risk answer left unsent this long reaches the care team as a risk alert all the same.
inline constexpr std::int64_t kUnsentRiskAfterMs = 10LL * 60 * 1000;
inline constexpr std::string_view kUnsentRiskJob = "unsent_risk";

// How submissions reach people: borrowed, may be left at their defaults (the shipped ladder and
// crisis lines, nobody woken after a write).
struct FeedbackWiring {
  NotifierConfig notifier;
  Doorbell* doorbell = nullptr;             // rung after a write that queued notifications
  const CrisisDirectory* crisis = nullptr;  // null: ShippedCrisisDirectory()
};

class FeedbackService {
 public:
  FeedbackService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                  const AlertRules& rules, FeedbackWiring wiring = {});

  // Client (their own episode, respondent "client"), guardian (a linked child's episode,
  // respondent "guardian"), or the episode's therapist / supervisor (respondent "therapist").
  // The questionnaire must be assigned to the episode for that respondent; the appointment, if
  // given, must belong to the episode. Scores, evaluates the alert rules against the episode's
  // previous totals and stores response + alerts + audit in one write.
  Result<SubmitResult> SubmitResponse(const Actor& actor, EpisodeId episode_id,
                                      const SubmitRequest& request);

  // Therapist / supervisor: everything; client: their own (no alerts); guardian:
  // guardian-reported questionnaires when the clinic shares. Writes only its audit entry.
  Result<EpisodeProgress> Progress(const Actor& actor, EpisodeId episode_id);

  // One response with its answers item by item (therapist / supervisor, or its respondent).
  Result<FeedbackResponse> GetResponse(const Actor& actor, ResponseId response_id);
  // Every response of the client that GetResponse would show the actor, across the episodes the
  // actor may see (oldest first within each, episodes in creation order), audited as one entry.
  // NotVisible() when the actor may not see the client.
  Result<std::vector<FeedbackResponse>> ResponsesOfClient(const Actor& actor, UserId client_id);
  // Progress() of each of the client's episodes the actor may see, in creation order, audited as
  // one entry. NotVisible() when the actor may not see the client.
  Result<std::vector<EpisodeProgress>> ProgressOfClient(const Actor& actor, UserId client_id);

  // One alert with who was told about it: for its care team and the clinicians the escalation
  // ladder told (the on-call clinician). Others: kNotFound.
  Result<AlertDetail> GetAlert(const Actor& actor, AlertId alert_id);

  // The scheduler's missed-feedback check for one clinic, inside the job's write: raises (and
  // notifies) the missed-feedback alerts its active episodes now need. Returns how many.
  Result<int> RaiseMissedFeedback(WriteTxn& txn, ClinicId clinic_id, Timestamp now);

  // The scheduler's feedback requests for one clinic, inside the job's write: a client is told
  // (live and by e-mail, no clinical content) once when a before-session questionnaire opens for
  // their next appointment (its definition's `opens_hours_before`), once when a session ended
  // without the after-session questionnaires, and reminded once a day later if still unanswered
  // (up to three days after the session). Each at most once per appointment (dedupe keys).
  // Returns how many notifications were queued.
  Result<int> QueueFeedbackRequests(WriteTxn& txn, ClinicId clinic_id, Timestamp now);

  // Therapist: the alerts of their episodes; supervisor: of their supervisees' episodes. Newest
  // first; `state` filters. Others: kPermissionDenied.
  Result<std::vector<AlertView>> ListAlerts(const Actor& actor, std::optional<AlertState> state);

  // Open -> acknowledged. `note` (what was done) is required: kInvalidArgument field "note".
  // kFailedPrecondition when the alert is not open.
  Result<AlertView> Acknowledge(const Actor& actor, AlertId alert_id, const std::string& note);
  // Acknowledged -> resolved (note optional), or open -> resolved with a required note.
  // kFailedPrecondition when already resolved.
  Result<AlertView> Resolve(const Actor& actor, AlertId alert_id,
                            const std::optional<std::string>& note);

  // Therapist: their caseload; supervisor: their supervisees' caseloads. Active and intake
  // episodes, ordered by top open-alert severity, then open alert count, then client name.
  // Read in a fixed number of queries whatever the caseload's size or history, and audited as
  // one entry naming every episode shown.
  Result<std::vector<DashboardRow>> Dashboard(const Actor& actor);
  // Therapist / supervisor: everything the caseload page shows, one client a line, ordered as the
  // dashboard (clients without an open episode last, by name). One audit entry names every
  // client shown.
  Result<std::vector<CaseloadClient>> Caseload(const Actor& actor);

  // Therapist / supervisor: every response of the episode as CSV (one row per response; header
  // response_id,submitted_at,session_number,instrument,version,respondent,appointment_id,total,
  // band,risk,scales,answers; scales and answers as "id=value;id=value").
  Result<std::string> ExportEpisodeCsv(const Actor& actor, EpisodeId episode_id);

  // Anyone who may see the episode (client, guardian at kBasic, therapist, supervisor). `due` is
  // judged for the session of `appointment` (kInvalidArgument "appointment" when it is not the
  // episode's), or for now: by each questionnaire's schedule, from when its respondent last
  // answered it (an answer given for a session counts from that session's start) and how many
  // sessions have been held since.
  Result<std::vector<AssignedInstrument>> AssignedInstruments(
      const Actor& actor, EpisodeId episode_id,
      std::optional<AppointmentId> appointment = std::nullopt);
  // The episode's therapist or supervisor adds a questionnaire (idempotent) and, when `schedule`
  // is given, sets how often it is asked (a null schedule inside: back to the default).
  // kInvalidArgument "instrument" for an unknown code, "respondent" when the questionnaire is not
  // answered by them.
  Result<std::vector<AssignedInstrument>> AssignInstrument(
      const Actor& actor, EpisodeId episode_id, const std::string& instrument,
      const std::string& respondent,
      std::optional<std::optional<Schedule>> schedule = std::nullopt);

  // The episode's therapist or supervisor: a link for the appointment's client, or, with
  // `guardian_id` (field "guardian_id": an active guardian of the client), for that parent or
  // carer to answer their own questionnaires without signing in. It is sent to whom it is for.
  // kFailedPrecondition when the clinic's allow_link_feedback is off.
  Result<FeedbackLinkCreated> CreateFeedbackLink(const Actor& actor, AppointmentId appointment_id,
                                                 std::optional<UserId> guardian_id = std::nullopt);
  // No actor: the token is the credential. kNotFound for an unknown or expired token, or when the
  // clinic has since turned links off.
  Result<FeedbackLinkInfo> PeekFeedbackLink(const std::string& token);
  // "Get help now" for the holder of a link: the client's crisis lines and the clinic's words.
  Result<CrisisHelp> HelpViaLink(const std::string& token);
  // As SubmitResponse for the person the link is for (the appointment's client, or the guardian
  // it names, whose link lapses when they are no longer the client's guardian), answering as
  // them (`request.respondent` is ignored); once per questionnaire (kAlreadyExists after).
  // `request.appointment_id` is ignored.
  Result<SubmitResult> SubmitViaLink(const std::string& token, const SubmitRequest& request,
                                     const std::string& source = "link");

  // The author's draft for the episode, with the access SubmitResponse has; empty when there is
  // none. Writes only its audit entry.
  Result<FeedbackDraftView> GetDraft(const Actor& actor, EpisodeId episode_id);
  // Replaces the author's draft with `answers` ({"CODE/item": number | string | null}, only
  // questionnaires the author answers on the episode; kInvalidArgument naming "answers/CODE/item");
  // no answers remove it. A risk answer in it brings the crisis information at once, and if it
  // stands unsent for kUnsentRiskAfterMs the scheduler raises the risk alert (RaiseUnsentRisk).
  // Sending a questionnaire removes its answers from the draft.
  Result<FeedbackDraftView> SaveDraft(const Actor& actor, EpisodeId episode_id,
                                      const Json& answers);
  // The same for the holder of a feedback link, as the appointment's client.
  Result<FeedbackDraftView> GetDraftViaLink(const std::string& token);
  Result<FeedbackDraftView> SaveDraftViaLink(const std::string& token, const Json& answers);
  // The scheduler's kUnsentRiskJob, inside the job's write: raises (and notifies) the risk alert
  // of a draft whose risk answer has stood unsent since `risk_since`, once. Nothing when the draft
  // was sent, changed or already alerted.
  Status RaiseUnsentRisk(WriteTxn& txn, EpisodeId episode_id, UserId author_id, Timestamp now);

  // The questionnaires a new episode gets, as rules/assignments.json lists them
  // (domain/assignments.h): adults PHQ-9, GAD-7, RAPPORT-CHECK and FIT-CHECK (client); minors
  // PSC-17 (guardian) and RAPPORT-CHECK (client), and from age 10 NIMH's ASQ risk screen (client),
  // since their questionnaires have no risk item of their own. Used by ClinicService and the demo
  // when an episode opens. DefaultAssignmentsFor judges by the client's age (unknown: adult);
  // DefaultAssignments gives a group's set without what depends on age.
  static std::vector<InstrumentAssignment> DefaultAssignmentsFor(EpisodeId episode_id,
                                                                 const ClientProfile& profile,
                                                                 Timestamp at);
  static std::vector<InstrumentAssignment> DefaultAssignments(EpisodeId episode_id, bool minor,
                                                              Timestamp at);

  // How many times the clinic's expected trajectories have been computed from its ended episodes
  // (once per clinic and questionnaire until another episode ends). For tests and benchmarks.
  std::int64_t TrajectoryPoolsBuilt() const;

 private:
  // Progress() of an episode the actor was found to care for, without its audit entry.
  Result<EpisodeProgress> ProgressOf(const Actor& actor, const Episode& episode);

  // The one path by which an alert changes state: checks the actor's care of the episode, runs
  // `apply` on the stored alert inside the write (it refuses or changes the state fields), stores
  // the change with its audit entry `action`, and returns the alert as now stored.
  Result<AlertView> ChangeAlert(const Actor& actor, AlertId alert_id, std::string_view action,
                                const std::function<Status(FeedbackAlert&)>& apply);

  struct Prepared;
  class TrajectoryPools;
  // The checks and scoring every submission shares; nothing is written.
  Result<Prepared> Prepare(const Actor& actor, const Episode& episode,
                           const SubmitRequest& request);
  // Writes response, alerts and audit (and counts a link use) in one Store write.
  Result<SubmitResult> Commit(const Actor& actor, const Episode& episode, Prepared prepared,
                              std::optional<FeedbackLinkId> link);
  // The missed-feedback alerts `episodes` now need (at most one each), not yet written.
  Result<std::vector<FeedbackAlert>> MissedFeedback(const std::vector<Episode>& episodes,
                                                    Timestamp now);
  void Ring() const;
  // The crisis information for whoever answers as `respondent` on the episode: the child's words
  // for a child client, the adult's otherwise.
  Result<CrisisHelp> CrisisFor(const Episode& episode, Respondent respondent, Timestamp now);
  Result<FeedbackDraftView> ReadDraftAs(const Actor& actor, const Episode& episode);
  Result<FeedbackDraftView> SaveDraftAs(const Actor& actor, const Episode& episode,
                                        const Json& answers);
  // The codes the actor answers on the episode, in assignment order.
  Result<std::vector<std::string>> DraftCodes(const Actor& actor, const Episode& episode);
  // The caseload of a therapist (or of a supervisor's supervisees) as the Store reads it.
  Result<std::vector<CaseloadEpisode>> ReadCaseload(const Actor& actor, Timestamp now);
  Result<std::vector<TrajectoryPoint>> ClinicTrajectory(const Episode& episode,
                                                        const Instrument& instrument,
                                                        double baseline, int last_session);

  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
  const AlertRules& rules_;
  FeedbackWiring wiring_;
  // The clinic's ended episodes per questionnaire, kept until one more episode ends.
  std::shared_ptr<TrajectoryPools> pools_;
  // How many of a series' latest totals a submission reads: as many as any rule compares with
  // (the store keeps kKeptTotals, which no rule file has needed to exceed).
  int recent_needed_ = 0;
};

}  // namespace rapport
