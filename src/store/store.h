#pragma once
// Store: the system of record. One interface, one contract test suite
// (store/store_contract_test.h), many backends (sqlite/ now, postgres/ later).
//
// Reads see committed data; Read() gives a run of them one snapshot. Writes run as a WriteFn inside
// a transaction owned by the store's writer; several concurrent Write() calls may share one durable
// commit (group commit), but each WriteFn is atomic on its own: if it returns an error, everything
// it did is rolled back and the other WriteFns of the batch are unaffected. Write() returns only
// once the data is durable on disk (or failed).
//
// Every method is thread-safe. Records are returned by value. Ids are assigned by the store.
// Errors: kNotFound for a missing record, kAlreadyExists for a unique key taken (email),
// kInvalidArgument for a reference to a missing record (foreign key), kUnavailable when the
// database cannot be reached or written. The store enforces no access rules: that is service/.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "domain/audit.h"
#include "domain/contact.h"
#include "domain/ending.h"
#include "domain/family.h"
#include "domain/first_step.h"
#include "domain/handover.h"
#include "domain/matching.h"
#include "domain/messaging.h"
#include "domain/notes.h"
#include "domain/people.h"
#include "domain/plan.h"
#include "domain/room.h"
#include "domain/rupture.h"
#include "domain/support_check.h"
#include "store/caseload_records.h"
#include "store/data_keys.h"
#include "store/feedback_records.h"
#include "store/matching_records.h"
#include "store/notification_records.h"

namespace rapport {

using SessionId = std::int64_t;
using InvitationId = std::int64_t;

struct NewUser {
  ClinicId clinic_id = 0;
  std::string email;  // already normalised
  std::string display_name;
  Role role = Role::kClient;
  std::string password_hash;  // empty: cannot sign in until an invitation is accepted
  Timestamp created_at = 0;
  // False for a record staff made: the address is only where its invitation goes, it clashes
  // with no account and signs in to nothing until the invitation is accepted (ConfirmEmail).
  bool email_confirmed = true;
};

// A signed-in browser session. Only a hash of the cookie token is ever stored.
struct AuthSession {
  SessionId id = 0;
  UserId user_id = 0;
  std::string token_hash;  // hex BLAKE2b-256 of the cookie token
  // hex BLAKE2b-256 of the session's CSRF token (which is derived from the cookie token, so that
  // neither can be read back out of the database)
  std::string csrf_hash;
  Timestamp created_at = 0;
  Timestamp last_seen_at = 0;
  std::string source;      // IP address at sign-in
  std::string user_agent;  // at sign-in, truncated to 200 bytes
};

struct Invitation {
  InvitationId id = 0;
  ClinicId clinic_id = 0;
  UserId user_id = 0;  // the invited (already created, password-less) user
  UserId created_by = 0;
  std::string token_hash;  // hex BLAKE2b-256 of the token in the link
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
  std::optional<Timestamp> used_at;
  // What the link does: "invite" sets a first password, "reset" replaces a forgotten one.
  std::string purpose = "invite";
  // How the link reached the person: "email" (the notification channel, no one else saw it),
  // "in_person" (shown once to the staff member who handed it over), "cli" (the operator).
  std::string delivery = "email";
};

// A browser the account has signed in from before (a long-lived cookie; only its hash is kept).
// Failed sign-ins from elsewhere do not slow down sign-ins from a known device.
struct KnownDevice {
  UserId user_id = 0;
  std::string token_hash;
  Timestamp created_at = 0;
  Timestamp last_used_at = 0;
};

struct LoginFailure {
  std::string email;        // as typed, normalised when possible
  std::string source;       // IP address
  std::string device_hash;  // hash of the device cookie sent with the attempt; empty if none
  Timestamp at = 0;
};

// Which failures to count: those for `email` (all devices, or only `device_hash` when set), or,
// when email is empty, those from `source`.
struct LoginFailureScope {
  std::string email;
  std::string device_hash;
  std::string source;
};

struct LoginFailureCount {
  int count = 0;
  Timestamp last_at = 0;  // the latest failure counted; 0 when none
};

// Operations available inside a write transaction. Reads through it see the transaction's own
// uncommitted changes.
class WriteTxn {
 public:
  virtual ~WriteTxn() = default;

  virtual Result<ClinicId> InsertClinic(const Clinic& clinic) = 0;  // clinic.id ignored
  virtual Status UpdateClinicSettings(ClinicId id, const ClinicSettings& settings) = 0;

  virtual Result<UserId> InsertUser(const NewUser& user) = 0;
  virtual Status SetPasswordHash(UserId id, const std::string& hash) = 0;
  // The user's address becomes theirs to sign in with. kAlreadyExists (field "email") when
  // another confirmed account of the clinic holds it; confirming twice is not an error.
  virtual Status ConfirmEmail(UserId id) = 0;
  virtual Status SetUserActive(UserId id, bool active) = 0;
  virtual Status UpsertTherapistProfile(const TherapistProfile& profile) = 0;
  virtual Status UpsertClientProfile(const ClientProfile& profile) = 0;
  // Writes the offer and, from it, the therapist's profile (credentials, about as the bio,
  // accepting new clients). The licence verification is written as given: the service decides
  // when a change clears it. kNotFound naming the user when the therapist does not exist.
  virtual Status UpsertTherapistOffer(const TherapistOffer& offer) = 0;
  // kNotFound naming "therapist_id" when the therapist has no offer yet.
  virtual Status SetLicenceVerification(UserId therapist_id, std::optional<Timestamp> at,
                                        UserId by) = 0;
  virtual Status UpsertClientPreferences(const ClientPreferences& preferences) = 0;
  virtual Status UpsertFirstStep(const FirstStep& step) = 0;
  // Every field but preferred_name (which is the profile's); kNotFound naming the user when the
  // client or the writer does not exist.
  virtual Status UpsertContactDetails(const ContactDetails& details) = 0;
  virtual Status AddSupervision(UserId supervisor_id, UserId therapist_id) = 0;  // idempotent
  // link.id ignored; kAlreadyExists when the guardian is already linked to the child.
  virtual Result<GuardianLinkId> InsertGuardianLink(const GuardianLink& link) = 0;
  // By id: acceptance and consent (the people linked never change).
  virtual Status UpdateGuardianLink(const GuardianLink& link) = 0;
  virtual Status DeleteGuardianLink(GuardianLinkId id) = 0;  // kNotFound if absent
  // Replaces the link's standing (kInvalidArgument when the link or the writer does not exist).
  virtual Status PutGuardianStanding(const GuardianStanding& standing) = 0;
  // consent.id ignored; kInvalidArgument when the child, link or writer does not exist.
  virtual Result<ConsentId> InsertCareConsent(const CareConsent& consent) = 0;
  // disclosure.id ignored; kInvalidArgument when what it names does not exist. Never changed.
  virtual Result<DisclosureId> InsertSafetyDisclosure(const SafetyDisclosure& disclosure) = 0;

  virtual Result<EpisodeId> InsertEpisode(const Episode& episode) = 0;  // episode.id ignored
  virtual Status UpdateEpisodeStatus(EpisodeId id, EpisodeStatus status,
                                     std::optional<Timestamp> ended_at) = 0;
  // How the episode ended, written as it ends. kAlreadyExists when it has an ending already;
  // kNotFound naming what is missing when the episode or the user does not exist.
  virtual Status InsertEpisodeEnding(const EpisodeEnding& ending) = 0;
  // A new draft note (note.id, addenda and signature ignored). kAlreadyExists when the
  // appointment has a note.
  virtual Result<NoteId> InsertSessionNote(const SessionNote& note) = 0;
  // A draft's sections, updated_at and, when signing, state, signed_at and signed_by, by id.
  // kFailedPrecondition when the stored note is signed: a signed note is never changed.
  virtual Status UpdateSessionNote(const SessionNote& note) = 0;
  virtual Result<AddendumId> InsertNoteAddendum(const NoteAddendum& addendum) = 0;
  // The clinic's own progress-note template for new notes.
  virtual Status PutClinicNoteTemplate(ClinicId clinic_id, const NoteTemplate& note_template,
                                       Timestamp at) = 0;
  // What the client chose after a low Fit Check. kAlreadyExists when that answer has a choice.
  virtual Status InsertFitFollowup(const FitFollowup& followup) = 0;
  // A new change of therapist (change.id, and everything decided later, ignored: it starts
  // awaiting consent). kAlreadyExists when the episode has an open change.
  virtual Result<TherapistChangeId> InsertTherapistChange(const TherapistChange& change) = 0;
  // Its status, consent (time and the shared packet), new episode and decision, by id.
  virtual Status UpdateTherapistChange(const TherapistChange& change) = 0;
  // A new rupture without its repair (rupture.id and the repair ignored).
  virtual Result<RuptureId> InsertRupture(const Rupture& rupture) = 0;
  // The repair conversation, once: kFailedPrecondition when the rupture has its repair already.
  virtual Status RecordRepair(RuptureId id, UserId by, Timestamp at, const RepairNote& repair) = 0;
  virtual Status InsertSupportCheckRequest(const SupportCheckRequest& request) = 0;
  virtual Result<AppointmentId> InsertAppointment(const Appointment& appointment) = 0;
  virtual Status UpdateAppointment(const Appointment& appointment) = 0;  // by id, all fields
  // Records that a room's session is under way: a new record, or, for a session that was ended,
  // the same one reopened (its start kept, its end cleared). kInvalidArgument when the
  // appointment does not exist.
  virtual Status StartRoomSession(const RoomSession& session) = 0;
  // Ends the appointment's session at `at` unless it is already ended; kNotFound when it has none.
  virtual Status EndRoomSession(AppointmentId appointment_id, Timestamp at) = 0;
  // Invites a guardian into one appointment's room; inviting again changes nothing.
  virtual Status InsertRoomGuest(const RoomGuest& guest) = 0;
  // Keeps the session's signal figures: a new record, or the appointment's record replaced
  // (its origin kept). kInvalidArgument when the appointment does not exist.
  virtual Status UpsertSessionSignals(const SessionSignalsRecord& record) = 0;
  // reaction.id ignored. kInvalidArgument when the appointment or person does not exist.
  virtual Result<std::int64_t> InsertSessionReaction(const SessionReaction& reaction) = 0;
  // A secure message between sessions (message.id and read_at ignored); the store seals its body
  // at rest. kInvalidArgument when the episode or sender does not exist.
  virtual Result<MessageId> InsertEpisodeMessage(const EpisodeMessage& message) = 0;
  // Read receipts: marks read at `at` every unread message of the episode up to `up_to` that
  // someone other than `reader` sent. Returns how many were marked.
  virtual Result<int> MarkEpisodeMessagesRead(EpisodeId episode_id, UserId reader, MessageId up_to,
                                              Timestamp at) = 0;
  // request.id ignored; kAlreadyExists when the appointment already has a pending request.
  virtual Result<AppointmentRequestId> InsertAppointmentRequest(
      const AppointmentRequest& request) = 0;
  // By id: state, decided_by, decided_at and reply (the rest never changes).
  virtual Status UpdateAppointmentRequest(const AppointmentRequest& request) = 0;
  // The person's calendar feed secret (its hash), replacing any earlier one.
  virtual Status PutCalendarFeed(UserId user_id, const std::string& token_hash,
                                 Timestamp created_at) = 0;

  virtual Result<SessionId> InsertSession(const AuthSession& session) = 0;
  virtual Status TouchSession(SessionId id, Timestamp last_seen_at) = 0;
  virtual Status DeleteSession(SessionId id) = 0;  // kNotFound if absent
  virtual Status DeleteSessionsOfUser(UserId user_id) = 0;
  // Every session of the user but `keep` (after a password change from that session).
  virtual Status DeleteOtherSessionsOfUser(UserId user_id, SessionId keep) = 0;
  // Sessions of the clinic's users idle since before `idle_before` or created before
  // `created_before`; answers how many.
  virtual Result<int> DeleteExpiredSessions(ClinicId clinic_id, Timestamp idle_before,
                                            Timestamp created_before) = 0;
  // Upserts by token_hash (a repeat refreshes last_used_at).
  virtual Status UpsertKnownDevice(const KnownDevice& device) = 0;

  // Counted inside the write, so that counting and recording an attempt are one atomic step.
  virtual Result<LoginFailureCount> CountLoginFailures(const LoginFailureScope& scope,
                                                       Timestamp since) = 0;
  // Answers the failure's id, so a sign-in recorded as failed before its password was checked
  // can be forgotten once it succeeds.
  virtual Result<std::int64_t> InsertLoginFailure(const LoginFailure& failure) = 0;
  virtual Status DeleteLoginFailure(std::int64_t id) = 0;  // no-op when absent
  // Forgets every failure for the email (an admin's unlock).
  virtual Status ClearLoginFailuresForEmail(const std::string& email) = 0;
  // Forgets failures older than `before` (housekeeping).
  virtual Status PruneLoginFailures(Timestamp before) = 0;

  virtual Result<InvitationId> InsertInvitation(const Invitation& invitation) = 0;
  // Sets used_at; kFailedPrecondition if it was already used.
  virtual Status MarkInvitationUsed(InvitationId id, Timestamp used_at) = 0;

  // Appends to the hash chain: assigns seq, sets prev_hash to the last entry's hash (or
  // kAuditGenesisHash), computes hash = Store::AuditSeal(AuditDigestInput(entry)), a MAC under the
  // chain's key. Returns the entry as stored. Entries are never updated or deleted through this
  // interface.
  virtual Result<AuditEntry> AppendAudit(const AuditEntry& entry) = 0;

  // --- Formal feedback ---
  // Adds the questionnaire to the episode for that respondent; a repeat is a no-op.
  virtual Status UpsertAssignment(const InstrumentAssignment& assignment) = 0;  // idempotent
  // Sets (none: back to the default) how often the assignment is asked; kNotFound without it.
  virtual Status SetAssignmentSchedule(EpisodeId episode_id, const std::string& instrument,
                                       Respondent respondent,
                                       const std::optional<Schedule>& schedule) = 0;
  // response.id ignored. kAlreadyExists (field "appointment_id") when the appointment already
  // has a response to this questionnaire from this respondent user.
  virtual Result<ResponseId> InsertResponse(const FeedbackResponse& response) = 0;
  virtual Result<AlertId> InsertAlert(const FeedbackAlert& alert) = 0;  // alert.id ignored
  // Writes the state fields (state, acknowledged_*, resolved_*) of alert.id; kNotFound if absent.
  virtual Status UpdateAlertState(const FeedbackAlert& alert) = 0;
  virtual Result<FeedbackLinkId> InsertFeedbackLink(const FeedbackLink& link) = 0;  // id ignored
  virtual Status CountFeedbackLinkUse(FeedbackLinkId id) = 0;  // uses += 1; kNotFound if absent
  // Replaces the author's draft for the episode.
  virtual Status PutFeedbackDraft(const FeedbackDraft& draft) = 0;
  // No-op when there is none.
  virtual Status DeleteFeedbackDraft(EpisodeId episode_id, UserId author_id) = 0;

  // --- Treatment plans ---
  // version.id ignored; kAlreadyExists (field "number") when the episode already has that number.
  virtual Result<PlanVersionId> InsertPlanVersion(const PlanVersion& version) = 0;
  // Writes every field but id, episode_id and number. kNotFound if absent. The store refuses
  // (kFailedPrecondition) to change content_json or content_hash of a version whose stored
  // content_hash is not empty: a proposed or signed version's content never changes.
  virtual Status UpdatePlanVersion(const PlanVersion& version) = 0;
  // Append-only. kAlreadyExists when that role already signed that version.
  virtual Status InsertPlanSignature(const PlanSignature& signature) = 0;
  virtual Result<PlanEventId> InsertPlanEvent(const PlanEvent& event) = 0;      // event.id ignored
  virtual Result<std::vector<PlanVersion>> ListPlanVersions(EpisodeId id) = 0;  // by number
  virtual Result<std::vector<PlanSignature>> ListPlanSignatures(EpisodeId id) = 0;  // as Store's

  // --- Reaching people: the outbox, the scheduler's jobs, on-call cover, preferences ---
  // The clinic's safety settings as JSON (domain/escalation.h defines it); replaces any stored.
  virtual Status PutSafetySettings(ClinicId clinic_id, const std::string& settings_json) = 0;
  virtual Status PutClinicChannels(const ClinicChannels& channels) = 0;  // replaces
  virtual Status PutClinicCrisisSet(const ClinicCrisisSet& set) = 0;     // replaces that country's
  // kNotFound when the clinic has no set of its own for that country.
  virtual Status DeleteClinicCrisisSet(ClinicId clinic_id, const std::string& country) = 0;
  // shift.id ignored; kInvalidArgument (field "ends_at") unless ends_at > starts_at.
  virtual Result<ShiftId> InsertOnCallShift(const OnCallShift& shift) = 0;
  // kNotFound when the clinic has no such shift.
  virtual Status DeleteOnCallShift(ClinicId clinic_id, ShiftId id) = 0;
  virtual Status PutNotificationPreferences(const NotificationPreferences& preferences) = 0;

  // n.id ignored. kAlreadyExists (field "dedupe_key") when a notification with the same non-empty
  // dedupe_key exists: the caller treats that as already done.
  virtual Result<NotificationId> InsertNotification(const Notification& n) = 0;
  // Claims, by DeliveryPriority and then oldest due first, at most `limit` notifications that are
  // due at `now` (pending with
  // next_attempt_at <= now, or sending with a lease that ran out): each becomes sending, attempts
  // + 1, next_attempt_at = lease_until. Returns them as now stored. Two workers never claim the
  // same notification while its lease runs.
  virtual Result<std::vector<Notification>> ClaimDueNotifications(Timestamp now,
                                                                  Timestamp lease_until,
                                                                  int limit) = 0;
  // Writes state, attempts, next_attempt_at, delivered_at and last_error of n.id; kNotFound.
  virtual Status UpdateNotificationDelivery(const Notification& n) = 0;

  // job.id ignored. When a job with the same key exists, nothing is written and its id returned.
  virtual Result<JobId> InsertJob(const Job& job) = 0;
  virtual Result<Job> GetJob(JobId id) = 0;
  // Writes state, due_at, attempts, done_at and last_error of job.id; kNotFound if absent.
  virtual Status UpdateJob(const Job& job) = 0;

  // --- Encryption at rest (store/data_keys.h) ---
  // One step of the pass that seals again, under the clinic's active data key, its values still
  // under a retiring key: at most `limit` rows from `position` ("" starts a pass; it starts only
  // when the clinic has a retiring key and its active key has been active long enough for every
  // server to write under it). The step that finishes marks those keys retired. The scheduler's
  // re-seal job runs one step a write, so that the server keeps serving between them.
  virtual Result<ResealPass> ResealRetiringValues(ClinicId clinic_id, std::string_view position,
                                                  int limit, Timestamp now) = 0;

  // Reads the planner of notifications needs inside the write that raises an alert.
  virtual Result<Clinic> GetClinic(ClinicId id) = 0;
  virtual Result<std::optional<std::string>> GetSafetySettingsJson(ClinicId clinic_id) = 0;
  virtual Result<ClinicChannels> GetClinicChannels(ClinicId clinic_id) = 0;
  virtual Result<NotificationPreferences> GetNotificationPreferences(UserId user_id) = 0;
  virtual Result<std::vector<UserId>> ListSupervisors(UserId therapist_id) = 0;
  virtual Result<std::vector<User>> ListUsers(ClinicId clinic_id) = 0;
  // The shifts of the clinic that cover the instant `at`, by starts_at.
  virtual Result<std::vector<OnCallShift>> ListOnCallShiftsAt(ClinicId clinic_id, Timestamp at) = 0;

  // The read side, inside the transaction.
  virtual Result<User> GetUser(UserId id) = 0;
  virtual Result<TherapistOffer> GetTherapistOffer(UserId therapist_id) = 0;  // as PeopleReads'
  virtual Result<std::vector<Episode>> ListEpisodesOfClient(UserId client_id) = 0;
  virtual Result<Episode> GetEpisode(EpisodeId id) = 0;
  virtual Result<Appointment> GetAppointment(AppointmentId id) = 0;
  virtual Result<std::vector<Appointment>> ListAppointmentsOfEpisode(EpisodeId id) = 0;
  virtual Result<SessionNote> GetSessionNoteOfAppointment(AppointmentId id) = 0;  // as below
  virtual Result<TherapistChange> GetTherapistChange(TherapistChangeId id) = 0;   // as below
  virtual Result<Rupture> GetRupture(RuptureId id) = 0;                           // as below
  virtual Result<Invitation> FindInvitationByTokenHash(const std::string& token_hash) = 0;
  virtual Result<FeedbackAlert> GetAlert(AlertId id) = 0;
  virtual Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(EpisodeId id) = 0;
  virtual Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(EpisodeId id) = 0;
  virtual Result<FeedbackDraft> GetFeedbackDraft(EpisodeId episode_id, UserId author_id) = 0;
  // What a new answer needs of the answers before it, read without them: how many there are, the
  // first total and the latest `recent` totals, up to kKeptTotals (answered 0 when there are
  // none).
  virtual Result<ResponseSeries> GetResponseSeries(EpisodeId episode_id,
                                                   const std::string& instrument,
                                                   Respondent respondent, int recent) = 0;
  // The episode's alerts not yet resolved that were raised by an answer to `instrument`, newest
  // first.
  virtual Result<std::vector<FeedbackAlert>> ListUnresolvedAlertsOfInstrument(
      EpisodeId episode_id, const std::string& instrument) = 0;
};

using WriteFn = std::function<Status(WriteTxn&)>;

// --- Reading ---------------------------------------------------------------------------------
// The reads, split by aggregate. A caller depends on the part it reads; Reads is all of them.
// Each call reads committed data, and every call made from a thread while it runs Store::Read()
// reads that call's one snapshot.

// Clinics, the people in them and what gives them access: accounts, profiles, contact details,
// supervision, guardian links, sign-in sessions, known devices, invitations, calendar feeds.
class PeopleReads {
 public:
  virtual ~PeopleReads() = default;

  virtual Result<Clinic> GetClinic(ClinicId id) = 0;
  virtual Result<std::vector<Clinic>> ListClinics() = 0;  // by id

  virtual Result<User> GetUser(UserId id) = 0;
  // The account that holds a confirmed address in a clinic (unique there; the same address may
  // have an account in several clinics). Records whose address is unconfirmed are not found.
  virtual Result<User> FindUserByEmail(ClinicId clinic_id, const std::string& normalized_email) = 0;
  // The accounts holding a confirmed address in every clinic, by id (for signing in and resetting
  // passwords).
  virtual Result<std::vector<User>> ListUsersWithEmail(const std::string& normalized_email) = 0;
  // Every record of a clinic with the address, confirmed or not, by id.
  virtual Result<std::vector<User>> ListRecordsWithEmail(ClinicId clinic_id,
                                                         const std::string& normalized_email) = 0;
  virtual Result<std::string> GetPasswordHash(UserId id) = 0;           // empty if none set
  virtual Result<std::vector<User>> ListUsers(ClinicId clinic_id) = 0;  // by id
  virtual Result<TherapistProfile> GetTherapistProfile(UserId id) = 0;
  virtual Result<ClientProfile> GetClientProfile(UserId id) = 0;
  // The therapist's offer with their display name, profile and verification: kNotFound when the
  // user is not a therapist. A therapist who never wrote an offer has one holding only what their
  // profile (if any) says.
  virtual Result<TherapistOffer> GetTherapistOffer(UserId therapist_id) = 0;
  // The offers of the clinic's active therapists, by id (as GetTherapistOffer).
  virtual Result<std::vector<TherapistOffer>> ListTherapistOffers(ClinicId clinic_id) = 0;
  // kNotFound (field "preferences") until the client has saved some.
  virtual Result<ClientPreferences> GetClientPreferences(UserId client_id) = 0;
  // kNotFound (field "first_step") until the client has written one.
  virtual Result<FirstStep> GetFirstStep(UserId client_id) = 0;
  // kNotFound when nothing has been written for the client yet; preferred_name is left empty.
  virtual Result<ContactDetails> GetContactDetails(UserId client_id) = 0;
  // Whose calendar feed has this secret hash; kNotFound when none.
  virtual Result<UserId> FindCalendarFeed(const std::string& token_hash) = 0;
  // The user's invitations and reset links, newest first.
  virtual Result<std::vector<Invitation>> ListInvitationsOfUser(UserId user_id) = 0;
  // The four link lists hold ids in ascending order.
  virtual Result<std::vector<UserId>> ListSupervisees(UserId supervisor_id) = 0;
  virtual Result<std::vector<UserId>> ListSupervisors(UserId therapist_id) = 0;
  // Active guardian links only (accepted and consented): these are what grant access.
  virtual Result<std::vector<UserId>> ListChildrenOfGuardian(UserId guardian_id) = 0;
  virtual Result<std::vector<UserId>> ListGuardiansOfChild(UserId child_id) = 0;
  // Guardian links in every state, by id.
  virtual Result<GuardianLink> GetGuardianLink(GuardianLinkId id) = 0;
  virtual Result<std::vector<GuardianLink>> ListGuardianLinksOfChild(UserId child_id) = 0;
  virtual Result<std::vector<GuardianLink>> ListGuardianLinksOfGuardian(UserId guardian_id) = 0;
  // The link's standing as the care team recorded it; kNotFound when none is recorded.
  virtual Result<GuardianStanding> GetGuardianStanding(GuardianLinkId link_id) = 0;
  // Every consent and assent recorded for the child, in the order recorded.
  virtual Result<std::vector<CareConsent>> ListCareConsentsOfChild(UserId child_id) = 0;
  // The episode's safety disclosures, in the order made.
  virtual Result<std::vector<SafetyDisclosure>> ListSafetyDisclosuresOfEpisode(
      EpisodeId episode_id) = 0;

  virtual Result<AuthSession> FindSessionByTokenHash(const std::string& token_hash) = 0;
  virtual Result<std::vector<AuthSession>> ListSessionsOfUser(UserId user_id) = 0;  // by id
  virtual Result<bool> IsKnownDevice(UserId user_id, const std::string& token_hash) = 0;
  // The accepted "invite" invitation that gave the user their first password, if any.
  virtual Result<std::optional<Invitation>> FindFirstAcceptedInvitation(UserId user_id) = 0;
  virtual Result<Invitation> FindInvitationByTokenHash(const std::string& token_hash) = 0;
};

// Episodes of care and their appointments, with the requests to cancel or move them.
class AppointmentReads {
 public:
  virtual ~AppointmentReads() = default;

  virtual Result<Episode> GetEpisode(EpisodeId id) = 0;
  // The three episode lists are ordered by id (creation order).
  virtual Result<std::vector<Episode>> ListEpisodesOfClient(UserId client_id) = 0;
  virtual Result<std::vector<Episode>> ListEpisodesOfTherapist(UserId therapist_id) = 0;
  virtual Result<std::vector<Episode>> ListEpisodesOfClinic(ClinicId clinic_id) = 0;
  // kNotFound when the episode has no recorded ending (it has not ended, or ended before endings
  // were recorded).
  virtual Result<EpisodeEnding> GetEpisodeEnding(EpisodeId id) = 0;
  // The appointment's note with its addenda (oldest first); kNotFound when it has none.
  virtual Result<SessionNote> GetSessionNoteOfAppointment(AppointmentId id) = 0;
  // The episode's notes with their addenda, by their appointment's time.
  virtual Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(EpisodeId id) = 0;
  // kNotFound when the clinic has not written its own (it uses the first shipped one).
  virtual Result<NoteTemplate> GetClinicNoteTemplate(ClinicId clinic_id) = 0;
  // By chosen_at, then id.
  virtual Result<std::vector<FitFollowup>> ListFitFollowupsOfEpisode(EpisodeId id) = 0;
  virtual Result<TherapistChange> GetTherapistChange(TherapistChangeId id) = 0;
  // By id (the order they were asked for); all of them, or only those in `status`.
  virtual Result<std::vector<TherapistChange>> ListTherapistChangesOfClinic(
      ClinicId clinic_id, std::optional<ChangeStatus> status) = 0;
  virtual Result<std::vector<TherapistChange>> ListTherapistChangesOfEpisode(EpisodeId id) = 0;
  // The change that started `new_episode_id`; kNotFound when it did not start from one.
  virtual Result<TherapistChange> GetTherapistChangeInto(EpisodeId new_episode_id) = 0;
  virtual Result<Rupture> GetRupture(RuptureId id) = 0;
  // By noted_at, then id.
  virtual Result<std::vector<Rupture>> ListRupturesOfEpisode(EpisodeId id) = 0;
  // By requested_at, then id.
  virtual Result<std::vector<SupportCheckRequest>> ListSupportCheckRequestsOfEpisode(
      EpisodeId id) = 0;
  // The clinic's ruptures still without a repair that were noted before `noted_before`, oldest
  // first.
  virtual Result<std::vector<Rupture>> ListUnrepairedRupturesOfClinic(ClinicId clinic_id,
                                                                      Timestamp noted_before) = 0;

  virtual Result<Appointment> GetAppointment(AppointmentId id) = 0;
  // Ordered by starts_at.
  virtual Result<std::vector<Appointment>> ListAppointmentsOfEpisode(EpisodeId id) = 0;
  // Appointments of all of a client's episodes with starts_at in [from, to), ordered.
  virtual Result<std::vector<Appointment>> ListAppointmentsOfClient(UserId client_id,
                                                                    Timestamp from,
                                                                    Timestamp to) = 0;
  virtual Result<AppointmentRequest> GetAppointmentRequest(AppointmentRequestId id) = 0;
  // Oldest first.
  virtual Result<std::vector<AppointmentRequest>> ListRequestsOfAppointment(AppointmentId id) = 0;
  // Pending requests about appointments of the therapist's episodes, oldest first.
  virtual Result<std::vector<AppointmentRequest>> ListPendingRequestsOfTherapist(
      UserId therapist_id) = 0;

  // The appointment's room session; nullopt when none was held.
  virtual Result<std::optional<RoomSession>> GetRoomSession(AppointmentId id) = 0;
  // The episode's room sessions, by start.
  virtual Result<std::vector<RoomSession>> ListRoomSessionsOfEpisode(EpisodeId id) = 0;
  // The guardians invited into the appointment's room, by guardian id.
  virtual Result<std::vector<RoomGuest>> ListRoomGuests(AppointmentId id) = 0;
  // The appointment's signal figures; nullopt when signals never ran in its room.
  virtual Result<std::optional<SessionSignalsRecord>> GetSessionSignals(AppointmentId id) = 0;
  // The episode's signal figures, by origin.
  virtual Result<std::vector<SessionSignalsRecord>> ListSessionSignalsOfEpisode(EpisodeId id) = 0;
  // The client's reactions in the appointment's room, by time then id.
  virtual Result<std::vector<SessionReaction>> ListSessionReactions(AppointmentId id) = 0;
  // The episode's secure messages, their bodies opened, by id (the order they were sent).
  // kInternal when a body does not open (the database was given another key file).
  virtual Result<std::vector<EpisodeMessage>> ListEpisodeMessages(EpisodeId id) = 0;
};

// Formal feedback: assignments, answers, alerts, drafts and links, and the caseload built on them.
class FeedbackReads {
 public:
  virtual ~FeedbackReads() = default;

  // In the order they were assigned.
  virtual Result<std::vector<InstrumentAssignment>> ListAssignments(EpisodeId id) = 0;
  virtual Result<FeedbackResponse> GetResponse(ResponseId id) = 0;
  // Oldest first (submitted_at, then id).
  virtual Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(EpisodeId id) = 0;
  // Responses to `instrument` in the clinic's ended episodes, by episode id then oldest first:
  // the clinic's own experience for expected trajectories. Only courses that were finished count:
  // an episode ended as a dropout, a transfer, a referral out or for another reason is left out;
  // one that ended before endings were recorded is kept, since nothing says it was not finished.
  virtual Result<std::vector<FeedbackResponse>> ListResponsesOfEndedEpisodes(
      ClinicId clinic_id, const std::string& instrument) = 0;
  virtual Result<FeedbackAlert> GetAlert(AlertId id) = 0;
  // Both alert lists are newest first (raised_at, then id).
  virtual Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(EpisodeId id) = 0;
  // kNotFound when the author has no draft for the episode.
  virtual Result<FeedbackDraft> GetFeedbackDraft(EpisodeId episode_id, UserId author_id) = 0;
  // The alerts of every episode led by `therapist_id`, optionally only those in `state`.
  virtual Result<std::vector<FeedbackAlert>> ListAlertsOfTherapist(
      UserId therapist_id, std::optional<AlertState> state) = 0;
  virtual Result<FeedbackLink> FindFeedbackLinkByTokenHash(const std::string& token_hash) = 0;

  // The episodes in the clinic of the therapists asked for (any status, by id), with what the
  // caseload shows about each (store/caseload_records.h), all from one consistent snapshot and
  // in a fixed number of queries, however many episodes and answers there are.
  virtual Result<std::vector<CaseloadEpisode>> ReadCaseload(const CaseloadQuery& query) = 0;
  // Every ended episode of the clinic with each of its questionnaire series (client and guardian
  // answers), by episode id then instrument: one snapshot, a fixed number of queries.
  virtual Result<std::vector<EndedEpisodeMeasure>> ListEndedEpisodeMeasures(ClinicId clinic_id) = 0;
  // The number of episodes of the clinic that have ended, and how many times an episode has
  // ended (or left "ended") there: it changes whenever the set of ended episodes does, so
  // expected trajectories computed from them are kept until it does. One row, not a count.
  virtual Result<std::pair<std::int64_t, std::int64_t>> EndedEpisodesMark(ClinicId clinic_id) = 0;
};

// Treatment plans: versions, signatures and events.
class PlanReads {
 public:
  virtual ~PlanReads() = default;

  // By number (oldest first).
  virtual Result<std::vector<PlanVersion>> ListPlanVersions(EpisodeId id) = 0;
  // kNotFound when the episode has no version with that number.
  virtual Result<PlanVersion> GetPlanVersion(EpisodeId id, int number) = 0;
  // The signatures of every version of the episode, by version number, then signed_at, then
  // role in SignerRole's order (therapist, client, guardian).
  virtual Result<std::vector<PlanSignature>> ListPlanSignatures(EpisodeId id) = 0;
  // Events of the episode, oldest first (at, then id); only `kind` when given.
  virtual Result<std::vector<PlanEvent>> ListPlanEvents(EpisodeId id,
                                                        std::optional<PlanEventKind> kind) = 0;
  virtual Result<PlanEvent> GetPlanEvent(PlanEventId id) = 0;
};

// Reaching people: safety settings, channels, crisis sets, the on-call rota, preferences, the
// outbox and the scheduler's jobs.
class OutreachReads {
 public:
  virtual ~OutreachReads() = default;

  // nullopt when the clinic never saved safety settings (the defaults apply).
  virtual Result<std::optional<std::string>> GetSafetySettingsJson(ClinicId clinic_id) = 0;
  // Empty fields (no webhook, default sender) when none stored.
  virtual Result<ClinicChannels> GetClinicChannels(ClinicId clinic_id) = 0;
  virtual Result<std::vector<ClinicCrisisSet>> ListClinicCrisisSets(
      ClinicId clinic_id) = 0;  // by country
  // Shifts of the clinic overlapping [from, to), by starts_at then id.
  virtual Result<std::vector<OnCallShift>> ListOnCallShifts(ClinicId clinic_id, Timestamp from,
                                                            Timestamp to) = 0;
  // The defaults (NotificationPreferences{}) when the person never chose.
  virtual Result<NotificationPreferences> GetNotificationPreferences(UserId user_id) = 0;
  virtual Result<Notification> GetNotification(NotificationId id) = 0;
  virtual Result<std::vector<Notification>> ListNotificationsOfAlert(
      AlertId alert_id) = 0;  // by id
  // The clinic's e-mails of `state` (the admin's outbox: kHeld), newest first, ids < before_id
  // (0: from the newest), at most `limit`.
  virtual Result<std::vector<Notification>> ListMail(ClinicId clinic_id, DeliveryState state,
                                                     NotificationId before_id, int limit) = 0;
  // The earliest next_attempt_at of a pending or sending notification; nullopt when none.
  virtual Result<std::optional<Timestamp>> NextNotificationDue() = 0;
  // Pending jobs with due_at <= now, by due_at then id, at most `limit`.
  virtual Result<std::vector<Job>> ListDueJobs(Timestamp now, int limit) = 0;
  virtual Result<std::optional<Timestamp>> NextJobDue() = 0;  // earliest pending due_at
  virtual Result<std::vector<Job>> ListJobs(ClinicId clinic_id,
                                            std::string_view kind) = 0;  // by id
};

// The audit chain.
class AuditReads {
 public:
  virtual ~AuditReads() = default;

  // The first seq sealed with the key; entries before it (written before the chain had a key)
  // carry a plain BLAKE2b-256 hash.
  virtual Result<std::int64_t> AuditKeyedFromSeq() = 0;
  // Entries with seq > after_seq, oldest first, at most `limit` (none when limit <= 0).
  // clinic_id 0: all clinics.
  virtual Result<std::vector<AuditEntry>> ListAudit(ClinicId clinic_id, std::int64_t after_seq,
                                                    int limit) = 0;
  // Newest first, for browsing: entries with seq < before_seq (0: from the newest).
  virtual Result<std::vector<AuditEntry>> ListAuditNewestFirst(ClinicId clinic_id,
                                                               std::int64_t before_seq,
                                                               int limit) = 0;
  // Newest first, the entries `filter` keeps with seq < before_seq (0: from the newest), at most
  // `limit` (none when limit <= 0).
  virtual Result<std::vector<AuditEntry>> SearchAudit(const AuditFilter& filter,
                                                      std::int64_t before_seq, int limit) = 0;
};

// Every read of the store.
class Reads : public PeopleReads,
              public AppointmentReads,
              public FeedbackReads,
              public PlanReads,
              public OutreachReads,
              public AuditReads {};

using ReadFn = std::function<Status(Reads&)>;

class Store : public Reads {
 public:
  // Runs `fn` in a durable transaction (see the class comment). Returns fn's error, or
  // kUnavailable if the commit failed, in which case nothing of fn remains.
  virtual Status Write(WriteFn fn) = 0;

  // Runs `fn` in a read transaction: one connection and one consistent snapshot of committed
  // data, taken at its first read, for everything `fn` reads, both through the Reads it is handed
  // and through this store from the calling thread (so that a whole request, services and all,
  // reads one state of the database). Writes committed meanwhile are not seen, the calling
  // thread's own Write()s included: a request that writes and then reads back runs outside
  // Read(). A Read() inside a Read() on the same thread joins it. Returns fn's error, or
  // kUnavailable when no connection can be had. Never waits for another Read() to finish.
  virtual Status Read(ReadFn fn) = 0;

  // True when the database answers a trivial query.
  virtual Status Ping() = 0;
  // Ok when a write could be committed now: the write lock can be taken (an empty transaction
  // that writes nothing) and the last commit that had something to write did not fail (a full
  // disk, a file that became read-only). kUnavailable otherwise. For /readyz.
  virtual Status CheckWritable() = 0;

  // The audit chain's MAC of `data` (lower-case hex, 64 characters) under its key, which is kept
  // outside the database, so that whoever can change the database alone cannot forge an entry.
  virtual std::string AuditSeal(std::string_view data) const = 0;
};

// The one account of `normalized_email` on a database where it has only one (tests, benches
// and tools on a one-clinic database): kNotFound when none, kFailedPrecondition when several.
inline Result<User> SoleUserWithEmail(Store& store, const std::string& normalized_email) {
  RAPPORT_ASSIGN_OR_RETURN(std::vector<User> users, store.ListUsersWithEmail(normalized_email));
  if (users.empty()) return Fail(Error::NotFound("no such user"));
  if (users.size() > 1) {
    return Fail(Error::FailedPrecondition("this address has accounts at several clinics"));
  }
  return std::move(users.front());
}

}  // namespace rapport
