#include "store/sql/sql_store.h"
#include "store/sql/audit_rows.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "core/json.h"
#include "store/sql/key_ring.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_accounts.h"
#include "store/sql/sql_appointments.h"
#include "store/sql/sql_caseload.h"
#include "store/sql/sql_connection.h"
#include "store/sql/sql_course.h"
#include "store/sql/sql_family.h"
#include "store/sql/sql_feedback.h"
#include "store/sql/sql_matching.h"
#include "store/sql/sql_notifications.h"
#include "store/sql/sql_people.h"
#include "store/sql/sql_plan.h"
#include "store/sql/sql_rows.h"
#include "store/sql/sql_sealing.h"

namespace rapport {

namespace {

// --- The write transaction --------------------------------------------------------------------

class SqlWriteTxn final : public WriteTxn {
 public:
  SqlWriteTxn(SqlConnection& c, const Store& store, KeyRing& keys, PendingKeys& pending)
      : c_(c), store_(store), pending_(pending), f_(keys, c, pending) {}

  // Writes the one row of audit_chain back as it is: a change that reaches the disk and alters
  // nothing, for CheckWritable.
  Status RewriteProbeRow() {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("UPDATE audit_chain SET keyed_from_seq = keyed_from_seq WHERE id = 1"));
    RAPPORT_ASSIGN_OR_RETURN(const int changed, q.Run());
    if (changed != 1) return Fail(Error::Internal("the audit chain's row is missing"));
    return Ok();
  }

  Result<ClinicId> InsertClinic(const Clinic& clinic) override {
    return sql::InsertClinic(c_, clinic);
  }
  Status UpdateClinicSettings(ClinicId id, const ClinicSettings& settings) override {
    return sql::UpdateClinicSettings(c_, id, settings);
  }
  Result<UserId> InsertUser(const NewUser& user) override { return sql::InsertUser(c_, user); }
  Status SetPasswordHash(UserId id, const std::string& hash) override {
    return sql::SetPasswordHash(c_, id, hash);
  }
  Status ConfirmEmail(UserId id) override { return sql::ConfirmEmail(c_, id); }
  Status SetUserActive(UserId id, bool active) override {
    return sql::SetUserActive(c_, id, active);
  }
  Status UpsertTherapistProfile(const TherapistProfile& p) override {
    return sql::UpsertTherapistProfile(c_, p);
  }
  Status UpsertTherapistOffer(const TherapistOffer& offer) override {
    RAPPORT_RETURN_IF_ERROR(UpsertTherapistProfile(TherapistProfile{
        offer.therapist_id, offer.credentials, offer.about, offer.accepting_new_clients}));
    return sql::PutTherapistOffer(c_, offer);
  }
  Status SetLicenceVerification(UserId therapist_id, std::optional<Timestamp> at,
                                UserId by) override {
    return sql::PutLicenceVerification(c_, therapist_id, at, by);
  }
  Status UpsertClientPreferences(const ClientPreferences& preferences) override {
    return sql::PutClientPreferences(f_, preferences);
  }
  Status UpsertFirstStep(const FirstStep& step) override { return sql::PutFirstStep(f_, step); }
  Status InsertEpisodeEnding(const EpisodeEnding& ending) override {
    return sql::PutEpisodeEnding(f_, ending);
  }
  Result<NoteId> InsertSessionNote(const SessionNote& note) override {
    return sql::InsertSessionNote(f_, note);
  }
  Status UpdateSessionNote(const SessionNote& note) override {
    return sql::UpdateSessionNote(f_, note);
  }
  Result<AddendumId> InsertNoteAddendum(const NoteAddendum& addendum) override {
    return sql::InsertNoteAddendum(f_, addendum);
  }
  Status PutClinicNoteTemplate(ClinicId clinic_id, const NoteTemplate& note_template,
                               Timestamp at) override {
    return sql::PutClinicNoteTemplate(c_, clinic_id, note_template, at);
  }
  Result<SessionNote> GetSessionNoteOfAppointment(AppointmentId id) override {
    return sql::GetSessionNoteOfAppointment(f_, id);
  }
  Status InsertFitFollowup(const FitFollowup& followup) override {
    return sql::InsertFitFollowup(c_, followup);
  }
  Result<TherapistChangeId> InsertTherapistChange(const TherapistChange& change) override {
    return sql::InsertTherapistChange(f_, change);
  }
  Status UpdateTherapistChange(const TherapistChange& change) override {
    return sql::UpdateTherapistChange(f_, change);
  }
  Result<TherapistChange> GetTherapistChange(TherapistChangeId id) override {
    return sql::GetTherapistChange(f_, id);
  }
  Result<RuptureId> InsertRupture(const Rupture& rupture) override {
    return sql::InsertRupture(f_, rupture);
  }
  Status RecordRepair(RuptureId id, UserId by, Timestamp at, const RepairNote& repair) override {
    return sql::RecordRepair(f_, id, by, at, repair);
  }
  Result<Rupture> GetRupture(RuptureId id) override { return sql::GetRupture(f_, id); }
  Status InsertSupportCheckRequest(const SupportCheckRequest& request) override {
    return sql::InsertSupportCheckRequest(c_, request);
  }
  Status UpsertClientProfile(const ClientProfile& p) override {
    return sql::UpsertClientProfile(c_, p);
  }
  Status UpsertContactDetails(const ContactDetails& d) override {
    return sql::UpsertContactDetails(c_, d);
  }
  Status AddSupervision(UserId supervisor_id, UserId therapist_id) override {
    return sql::AddSupervision(c_, supervisor_id, therapist_id);
  }
  Result<GuardianLinkId> InsertGuardianLink(const GuardianLink& link) override {
    return sql::InsertGuardianLink(f_, link);
  }
  Status UpdateGuardianLink(const GuardianLink& link) override {
    return sql::UpdateGuardianLink(f_, link);
  }
  Status DeleteGuardianLink(GuardianLinkId id) override { return sql::DeleteGuardianLink(c_, id); }
  Status PutGuardianStanding(const GuardianStanding& standing) override {
    return sql::PutGuardianStanding(f_, standing);
  }
  Result<ConsentId> InsertCareConsent(const CareConsent& consent) override {
    return sql::InsertCareConsent(f_, consent);
  }
  Result<DisclosureId> InsertSafetyDisclosure(const SafetyDisclosure& disclosure) override {
    return sql::InsertSafetyDisclosure(f_, disclosure);
  }
  Result<EpisodeId> InsertEpisode(const Episode& e) override { return sql::InsertEpisode(c_, e); }
  Status UpdateEpisodeStatus(EpisodeId id, EpisodeStatus status,
                             std::optional<Timestamp> ended_at) override {
    return sql::UpdateEpisodeStatus(c_, id, status, ended_at);
  }
  Result<AppointmentId> InsertAppointment(const Appointment& a) override {
    return sql::InsertAppointment(c_, a);
  }
  Status UpdateAppointment(const Appointment& a) override { return sql::UpdateAppointment(c_, a); }
  Status StartRoomSession(const RoomSession& s) override { return sql::StartRoomSession(c_, s); }
  Status EndRoomSession(AppointmentId appointment_id, Timestamp at) override {
    return sql::EndRoomSession(c_, appointment_id, at);
  }
  Status InsertRoomGuest(const RoomGuest& g) override { return sql::InsertRoomGuest(c_, g); }
  Status UpsertSessionSignals(const SessionSignalsRecord& r) override {
    return sql::UpsertSessionSignals(c_, r);
  }
  Result<std::int64_t> InsertSessionReaction(const SessionReaction& r) override {
    return sql::InsertSessionReaction(c_, r);
  }
  Result<MessageId> InsertEpisodeMessage(const EpisodeMessage& m) override {
    return sql::InsertEpisodeMessage(f_, m);
  }
  Result<int> MarkEpisodeMessagesRead(EpisodeId episode_id, UserId reader, MessageId up_to,
                                      Timestamp at) override {
    return sql::MarkEpisodeMessagesRead(c_, episode_id, reader, up_to, at);
  }
  Result<AppointmentRequestId> InsertAppointmentRequest(const AppointmentRequest& r) override {
    return sql::InsertAppointmentRequest(f_, r);
  }
  Status UpdateAppointmentRequest(const AppointmentRequest& r) override {
    return sql::UpdateAppointmentRequest(f_, r);
  }
  Status PutCalendarFeed(UserId user_id, const std::string& token_hash,
                         Timestamp created_at) override {
    return sql::PutCalendarFeed(c_, user_id, token_hash, created_at);
  }
  Result<SessionId> InsertSession(const AuthSession& s) override {
    return sql::InsertSession(c_, s);
  }
  Status TouchSession(SessionId id, Timestamp last_seen_at) override {
    return sql::TouchSession(c_, id, last_seen_at);
  }
  Status DeleteSession(SessionId id) override { return sql::DeleteSession(c_, id); }
  Status DeleteSessionsOfUser(UserId user_id) override {
    return sql::DeleteSessionsOfUser(c_, user_id);
  }
  Status DeleteOtherSessionsOfUser(UserId user_id, SessionId keep) override {
    return sql::DeleteOtherSessionsOfUser(c_, user_id, keep);
  }
  Result<int> DeleteExpiredSessions(ClinicId clinic_id, Timestamp idle_before,
                                    Timestamp created_before) override {
    return sql::DeleteExpiredSessions(c_, clinic_id, idle_before, created_before);
  }
  Status UpsertKnownDevice(const KnownDevice& d) override { return sql::UpsertKnownDevice(c_, d); }
  Result<LoginFailureCount> CountLoginFailures(const LoginFailureScope& scope,
                                               Timestamp since) override {
    return sql::CountLoginFailures(c_, scope, since);
  }
  Result<std::int64_t> InsertLoginFailure(const LoginFailure& f) override {
    return sql::InsertLoginFailure(c_, f);
  }
  Status DeleteLoginFailure(std::int64_t id) override { return sql::DeleteLoginFailure(c_, id); }
  Status ClearLoginFailuresForEmail(const std::string& email) override {
    return sql::ClearLoginFailuresForEmail(c_, email);
  }
  Status PruneLoginFailures(Timestamp before) override {
    return sql::PruneLoginFailures(c_, before);
  }
  Result<InvitationId> InsertInvitation(const Invitation& i) override {
    return sql::InsertInvitation(c_, i);
  }
  Status MarkInvitationUsed(InvitationId id, Timestamp used_at) override {
    return sql::MarkInvitationUsed(c_, id, used_at);
  }

  Result<AuditEntry> AppendAudit(const AuditEntry& entry) override {
    AuditEntry stored = entry;
    {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery last,
                               c_.Prepare("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"));
      RAPPORT_ASSIGN_OR_RETURN(const bool found, last.Step());
      stored.seq = found ? last.Int(0) + 1 : 1;
      stored.prev_hash = found ? last.Text(1) : std::string(kAuditGenesisHash);
    }
    stored.hash = store_.AuditSeal(AuditDigestInput(stored));
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c_.Prepare("INSERT INTO audit (" RAPPORT_AUDIT_COLUMNS
                                        ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
    q.Bind(stored.seq)
        .Bind(stored.at)
        .Bind(stored.clinic_id)
        .Bind(stored.actor_id)
        .Bind(stored.actor_role)
        .Bind(stored.action)
        .Bind(stored.record_type)
        .Bind(stored.record_id)
        .Bind(stored.source)
        .Bind(stored.prev_hash)
        .Bind(stored.hash)
        .Bind(stored.detail)
        .Bind(Json(stored.subjects).dump());
    RAPPORT_RETURN_IF_ERROR(q.Run());
    if (!stored.subjects.empty()) RAPPORT_RETURN_IF_ERROR(IndexSubjects(stored));
    return stored;
  }

  Result<User> GetUser(UserId id) override { return sql::GetUser(c_, id); }
  Result<TherapistOffer> GetTherapistOffer(UserId therapist_id) override {
    return sql::GetTherapistOffer(c_, therapist_id);
  }
  Result<std::vector<Episode>> ListEpisodesOfClient(UserId client_id) override {
    return sql::ListEpisodesOfClient(c_, client_id);
  }
  Result<Episode> GetEpisode(EpisodeId id) override { return sql::GetEpisode(c_, id); }
  Result<Appointment> GetAppointment(AppointmentId id) override {
    return sql::GetAppointment(c_, id);
  }
  Result<std::vector<Appointment>> ListAppointmentsOfEpisode(EpisodeId id) override {
    return sql::ListAppointmentsOfEpisode(c_, id);
  }
  Result<Invitation> FindInvitationByTokenHash(const std::string& token_hash) override {
    return sql::FindInvitationByTokenHash(c_, token_hash);
  }
  Result<FeedbackAlert> GetAlert(AlertId id) override { return sql::GetAlert(f_, id); }
  Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(EpisodeId id) override {
    return sql::ListResponsesOfEpisode(f_, id);
  }
  Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(EpisodeId id) override {
    return sql::ListAlertsOfEpisode(f_, id);
  }
  Result<FeedbackDraft> GetFeedbackDraft(EpisodeId episode_id, UserId author_id) override {
    return sql::GetFeedbackDraft(f_, episode_id, author_id);
  }
  Result<ResponseSeries> GetResponseSeries(EpisodeId episode_id, const std::string& instrument,
                                           Respondent respondent, int recent) override {
    return sql::GetResponseSeries(c_, episode_id, instrument, respondent, recent);
  }
  Result<std::vector<FeedbackAlert>> ListUnresolvedAlertsOfInstrument(
      EpisodeId episode_id, const std::string& instrument) override {
    return sql::ListUnresolvedAlertsOfInstrument(f_, episode_id, instrument);
  }
  Status PutFeedbackDraft(const FeedbackDraft& d) override { return sql::PutFeedbackDraft(f_, d); }
  Status DeleteFeedbackDraft(EpisodeId episode_id, UserId author_id) override {
    return sql::DeleteFeedbackDraft(c_, episode_id, author_id);
  }
  Status UpsertAssignment(const InstrumentAssignment& a) override {
    return sql::UpsertAssignment(c_, a);
  }
  Status SetAssignmentSchedule(EpisodeId episode_id, const std::string& instrument,
                               Respondent respondent,
                               const std::optional<Schedule>& schedule) override {
    return sql::SetAssignmentSchedule(c_, episode_id, instrument, respondent, schedule);
  }
  Result<ResponseId> InsertResponse(const FeedbackResponse& r) override {
    return sql::InsertResponse(f_, r);
  }
  Result<AlertId> InsertAlert(const FeedbackAlert& a) override { return sql::InsertAlert(f_, a); }
  Status UpdateAlertState(const FeedbackAlert& a) override { return sql::UpdateAlertState(f_, a); }
  Result<FeedbackLinkId> InsertFeedbackLink(const FeedbackLink& l) override {
    return sql::InsertFeedbackLink(c_, l);
  }
  Status CountFeedbackLinkUse(FeedbackLinkId id) override {
    return sql::CountFeedbackLinkUse(c_, id);
  }
  Result<PlanVersionId> InsertPlanVersion(const PlanVersion& v) override {
    return sql::InsertPlanVersion(f_, v);
  }
  Status UpdatePlanVersion(const PlanVersion& v) override { return sql::UpdatePlanVersion(f_, v); }
  Status InsertPlanSignature(const PlanSignature& s) override {
    return sql::InsertPlanSignature(c_, s);
  }
  Result<PlanEventId> InsertPlanEvent(const PlanEvent& e) override {
    return sql::InsertPlanEvent(f_, e);
  }
  Result<std::vector<PlanVersion>> ListPlanVersions(EpisodeId id) override {
    return sql::ListPlanVersions(f_, id);
  }
  Result<std::vector<PlanSignature>> ListPlanSignatures(EpisodeId id) override {
    return sql::ListPlanSignatures(c_, id);
  }

  // --- Reaching people (queries in sql_notifications.cc) ---
  Status PutSafetySettings(ClinicId clinic_id, const std::string& json) override {
    return sql::PutSafetySettings(c_, clinic_id, json);
  }
  Status PutClinicChannels(const ClinicChannels& channels) override {
    return sql::PutClinicChannels(c_, channels);
  }
  Status PutClinicCrisisSet(const ClinicCrisisSet& set) override {
    return sql::PutClinicCrisisSet(c_, set);
  }
  Status DeleteClinicCrisisSet(ClinicId clinic_id, const std::string& country) override {
    return sql::DeleteClinicCrisisSet(c_, clinic_id, country);
  }
  Result<ShiftId> InsertOnCallShift(const OnCallShift& shift) override {
    return sql::InsertOnCallShift(c_, shift);
  }
  Status DeleteOnCallShift(ClinicId clinic_id, ShiftId id) override {
    return sql::DeleteOnCallShift(c_, clinic_id, id);
  }
  Status PutNotificationPreferences(const NotificationPreferences& p) override {
    return sql::PutNotificationPreferences(c_, p);
  }
  Result<NotificationId> InsertNotification(const Notification& n) override {
    return sql::InsertNotification(f_, n);
  }
  Result<std::vector<Notification>> ClaimDueNotifications(Timestamp now, Timestamp lease_until,
                                                          int limit) override {
    return sql::ClaimDueNotifications(f_, now, lease_until, limit);
  }
  Status UpdateNotificationDelivery(const Notification& n) override {
    return sql::UpdateNotificationDelivery(c_, n);
  }
  Result<JobId> InsertJob(const Job& job) override { return sql::InsertJob(c_, job); }
  Result<Job> GetJob(JobId id) override { return sql::GetJob(c_, id); }
  Status UpdateJob(const Job& job) override { return sql::UpdateJob(c_, job); }
  Result<Clinic> GetClinic(ClinicId id) override { return sql::GetClinic(c_, id); }
  Result<std::optional<std::string>> GetSafetySettingsJson(ClinicId clinic_id) override {
    return sql::GetSafetySettingsJson(c_, clinic_id);
  }
  Result<ClinicChannels> GetClinicChannels(ClinicId clinic_id) override {
    return sql::GetClinicChannels(c_, clinic_id);
  }
  Result<NotificationPreferences> GetNotificationPreferences(UserId user_id) override {
    return sql::GetNotificationPreferences(c_, user_id);
  }
  Result<std::vector<UserId>> ListSupervisors(UserId therapist_id) override {
    return sql::ListSupervisors(c_, therapist_id);
  }
  Result<std::vector<User>> ListUsers(ClinicId clinic_id) override {
    return sql::ListUsers(c_, clinic_id);
  }
  Result<std::vector<OnCallShift>> ListOnCallShiftsAt(ClinicId clinic_id, Timestamp at) override {
    return sql::ListOnCallShifts(c_, clinic_id, at, at + 1);
  }

  // --- Encryption at rest (store/data_keys.h, queries in sql_sealing.cc) ---
  Result<ResealPass> ResealRetiringValues(ClinicId clinic_id, std::string_view position, int limit,
                                          Timestamp now) override {
    return sql::ResealStep(f_, clinic_id, position, limit, now, kDataKeyRefreshMs);
  }
  SqlConnection& connection() { return c_; }
  // One step of sealing what a database from before 0027 holds in clear.
  Result<ResealPass> SealClearTextStep(const TextSealer& messages, std::string_view position,
                                       int limit) {
    return sql::SealClearTextStep(f_, messages, position, limit);
  }
  Result<std::int64_t> RotateDataKey(ClinicId clinic_id, Timestamp now) {
    RAPPORT_RETURN_IF_ERROR(sql::GetClinic(c_, clinic_id));
    RAPPORT_ASSIGN_OR_RETURN(PendingKeys::Key key, MakeDataKey(c_, f_.ring(), clinic_id, now));
    const std::int64_t id = key.id;
    pending_.Add(std::move(key));
    // The values under the clinic's former keys are sealed again by the scheduler, once every
    // server writes under the new one.
    Job reseal;
    reseal.clinic_id = clinic_id;
    reseal.kind = std::string(kResealDataKeysJob);
    reseal.key = fmt::format("{}:clinic={}:key={}", kResealDataKeysJob, clinic_id, id);
    reseal.due_at = now + kDataKeyRefreshMs;
    RAPPORT_RETURN_IF_ERROR(sql::InsertJob(c_, reseal));
    return id;
  }
  Result<int> RewrapDataKeys(const TextSealer& new_master) {
    return sql::RewrapDataKeys(c_, f_.ring(), new_master);
  }

 private:
  // Indexes the records `entry` names (0014_audit_subject_sets.sql): its set of record keys is
  // stored once, the first time any entry names exactly that set, and the entry adds one row
  // pointing at it, so a view naming the same few hundred clients as the last writes a few pages.
  Status IndexSubjects(const AuditEntry& entry) {
    // The canonical form: the distinct names in byte order, as one compact JSON array.
    std::vector<std::string> names_in_order = entry.subjects;
    std::sort(names_in_order.begin(), names_in_order.end());
    names_in_order.erase(std::unique(names_in_order.begin(), names_in_order.end()),
                         names_in_order.end());
    const std::string members = Json(names_in_order).dump();

    RAPPORT_ASSIGN_OR_RETURN(SqlQuery known,
                             c_.Prepare("SELECT id FROM audit_subject_sets WHERE members = ?"));
    known.Bind(members);
    RAPPORT_ASSIGN_OR_RETURN(const bool is_known, known.Step());
    std::int64_t set_id = is_known ? known.Int(0) : 0;
    if (!is_known) {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery insert,
          c_.Prepare("INSERT INTO audit_subject_sets (members) VALUES (?) RETURNING id"));
      insert.Bind(members);
      RAPPORT_ASSIGN_OR_RETURN(set_id, insert.RunReturningId());
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery names, c_.Prepare("INSERT INTO audit_subject_set_members (record_key, set_id) "
                                     "SELECT value, ?2 FROM json_each(?1)"));
      names.Bind(members).Bind(set_id);
      RAPPORT_RETURN_IF_ERROR(names.Run());
    }
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery ref, c_.Prepare("INSERT INTO audit_subject_refs (set_id, seq) VALUES (?, ?)"));
    ref.Bind(set_id).Bind(entry.seq);
    RAPPORT_RETURN_IF_ERROR(ref.Run());
    return Ok();
  }
  SqlConnection& c_;
  const Store& store_;    // for the audit chain's key
  PendingKeys& pending_;  // the data keys this transaction made
  SealedFields f_;        // seals and opens free text, with the keys this transaction made
};

// --- The store --------------------------------------------------------------------------------

class SqlStoreImpl final : public SqlStore {
 public:
  SqlStoreImpl(SqlStoreParts parts, TextSealer message_sealer)
      : open_reader_(std::move(parts.open_reader)),
        events_(parts.events ? std::move(parts.events) : std::make_unique<LocalServerEvents>()),
        audit_key_(std::move(parts.audit_key)),
        message_sealer_(std::move(message_sealer)),
        keys_(std::move(parts.keys)),
        writer_(std::move(parts.writer)),
        readers_(std::move(parts.readers)),
        schema_version_(parts.schema_version),
        max_batch_(static_cast<std::size_t>(std::max(1, parts.max_batch))) {
    for (auto& r : readers_) free_readers_.push_back(r.get());
    read_stats_.connections = static_cast<std::int64_t>(readers_.size());
    writer_thread_ = std::thread([this] { WriterLoop(); });
  }

  SqlStoreImpl(const SqlStoreImpl&) = delete;
  SqlStoreImpl& operator=(const SqlStoreImpl&) = delete;

  // Finishes every queued write, then closes the readers and last the writer (SQLite's last
  // close checkpoints the WAL into the main file).
  ~SqlStoreImpl() override {
    {
      const std::lock_guard lock(write_mu_);
      stopping_ = true;
    }
    write_cv_.notify_one();
    writer_thread_.join();
    readers_.clear();
    writer_.reset();
  }

  int SchemaVersion() const override { return schema_version_; }

  ServerEvents& events() override { return *events_; }

  WriteStats write_stats() const override {
    const std::lock_guard lock(write_mu_);
    WriteStats stats = stats_;
    stats.queued = static_cast<std::int64_t>(queue_.size());
    return stats;
  }

  Result<std::string> WriterPragma(std::string_view name) override {
    std::string value;
    // A WriteFn is the only code that runs on the writer thread, the one that may use writer_.
    RAPPORT_RETURN_IF_ERROR(Write([&](WriteTxn&) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(value, writer_->Setting(name));
      return Ok();
    }));
    return value;
  }

  Status Write(WriteFn fn) override {
    if (!fn) return Fail(Error::Internal("Write() needs a function"));
    if (std::this_thread::get_id() == writer_thread_.get_id()) {
      // It would wait for itself forever.
      return Fail(Error::Internal("Write() called from inside a WriteFn"));
    }
    PendingWrite pending{std::move(fn), {}};
    std::future<Status> done = pending.done.get_future();
    {
      const std::lock_guard lock(write_mu_);
      if (stopping_) return Fail(Error::Unavailable("the database is closing"));
      queue_.push_back(&pending);
    }
    write_cv_.notify_one();
    return done.get();
  }

  ReadStats read_stats() const override {
    const std::lock_guard lock(read_mu_);
    return read_stats_;
  }

  Status Read(ReadFn fn) override {
    if (!fn) return Fail(Error::Internal("Read() needs a function"));
    if (Pinned() != nullptr) return fn(*this);  // joins the snapshot this thread already reads
    RAPPORT_ASSIGN_OR_RETURN(ReaderLease lease, Borrow());
    RAPPORT_RETURN_IF_ERROR(lease.c->BeginRead());
    pins_.push_back({this, lease.c});
    struct Unpin {
      SqlConnection* c;
      ~Unpin() {
        pins_.pop_back();
        c->RollbackIfOpen();  // a read transaction has nothing to keep
      }
    } unpin{lease.c};
    return fn(*this);
  }

  Status Ping() override {
    return WithReader([](SqlConnection& c) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT 1"));
      RAPPORT_RETURN_IF_ERROR(q.Step());
      return Ok();
    });
  }

  Status CheckWritable() override {
    if (!last_commit_failed_.load()) return Write([](WriteTxn&) { return Ok(); });
    // After a failed commit only a commit that writes can say whether writing works again (an
    // empty one succeeds even on a full disk). Without it a server whose write was lost with its
    // connection, in a failover, would stay "not ready" for good: its balancer sends it nothing,
    // so no real write would ever clear the flag.
    RAPPORT_RETURN_IF_ERROR(
        Write([](WriteTxn& txn) { return static_cast<SqlWriteTxn&>(txn).RewriteProbeRow(); }));
    if (last_commit_failed_.load()) {
      return Fail(Error::Unavailable("the last write to the database could not be committed"));
    }
    return Ok();
  }

  Result<Clinic> GetClinic(ClinicId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetClinic(c, id); });
  }
  Result<std::vector<Clinic>> ListClinics() override {
    return WithReader([&](SqlConnection& c) { return sql::ListClinics(c); });
  }
  Result<User> GetUser(UserId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetUser(c, id); });
  }
  Result<User> FindUserByEmail(ClinicId clinic_id, const std::string& normalized_email) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::FindUserByEmail(c, clinic_id, normalized_email); });
  }
  Result<std::vector<User>> ListUsersWithEmail(const std::string& normalized_email) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::ListUsersWithEmail(c, normalized_email); });
  }
  Result<std::vector<User>> ListRecordsWithEmail(ClinicId clinic_id,
                                                 const std::string& normalized_email) override {
    return WithReader([&](SqlConnection& c) {
      return sql::ListRecordsWithEmail(c, clinic_id, normalized_email);
    });
  }
  Result<std::string> GetPasswordHash(UserId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetPasswordHash(c, id); });
  }
  Result<std::vector<User>> ListUsers(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListUsers(c, clinic_id); });
  }
  Result<TherapistOffer> GetTherapistOffer(UserId therapist_id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetTherapistOffer(c, therapist_id); });
  }
  Result<std::vector<TherapistOffer>> ListTherapistOffers(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListTherapistOffers(c, clinic_id); });
  }
  Result<ClientPreferences> GetClientPreferences(UserId client_id) override {
    return WithFields([&](SealedFields& f) { return sql::GetClientPreferences(f, client_id); });
  }
  Result<EpisodeEnding> GetEpisodeEnding(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetEpisodeEnding(f, id); });
  }
  Result<SessionNote> GetSessionNoteOfAppointment(AppointmentId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetSessionNoteOfAppointment(f, id); });
  }
  Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return sql::ListSessionNotesOfEpisode(f, id); });
  }
  Result<NoteTemplate> GetClinicNoteTemplate(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetClinicNoteTemplate(c, clinic_id); });
  }
  Result<std::vector<FitFollowup>> ListFitFollowupsOfEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListFitFollowupsOfEpisode(c, id); });
  }
  Result<TherapistChange> GetTherapistChange(TherapistChangeId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetTherapistChange(f, id); });
  }
  Result<std::vector<TherapistChange>> ListTherapistChangesOfClinic(
      ClinicId clinic_id, std::optional<ChangeStatus> status) override {
    return WithFields(
        [&](SealedFields& f) { return sql::ListTherapistChangesOfClinic(f, clinic_id, status); });
  }
  Result<std::vector<TherapistChange>> ListTherapistChangesOfEpisode(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return sql::ListTherapistChangesOfEpisode(f, id); });
  }
  Result<TherapistChange> GetTherapistChangeInto(EpisodeId new_episode_id) override {
    return WithFields(
        [&](SealedFields& f) { return sql::GetTherapistChangeInto(f, new_episode_id); });
  }
  Result<Rupture> GetRupture(RuptureId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetRupture(f, id); });
  }
  Result<std::vector<Rupture>> ListRupturesOfEpisode(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return sql::ListRupturesOfEpisode(f, id); });
  }
  Result<std::vector<SupportCheckRequest>> ListSupportCheckRequestsOfEpisode(
      EpisodeId id) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::ListSupportCheckRequestsOfEpisode(c, id); });
  }
  Result<std::vector<Rupture>> ListUnrepairedRupturesOfClinic(ClinicId clinic_id,
                                                              Timestamp noted_before) override {
    return WithFields([&](SealedFields& f) {
      return sql::ListUnrepairedRupturesOfClinic(f, clinic_id, noted_before);
    });
  }
  Result<FirstStep> GetFirstStep(UserId client_id) override {
    return WithFields([&](SealedFields& f) { return sql::GetFirstStep(f, client_id); });
  }
  Result<std::vector<EndedEpisodeMeasure>> ListEndedEpisodeMeasures(ClinicId clinic_id) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::ListEndedEpisodeMeasures(c, clinic_id); });
  }
  Result<TherapistProfile> GetTherapistProfile(UserId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetTherapistProfile(c, id); });
  }
  Result<ClientProfile> GetClientProfile(UserId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetClientProfile(c, id); });
  }
  Result<ContactDetails> GetContactDetails(UserId client_id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetContactDetails(c, client_id); });
  }
  Result<std::vector<UserId>> ListSupervisees(UserId supervisor_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListSupervisees(c, supervisor_id); });
  }
  Result<std::vector<UserId>> ListSupervisors(UserId therapist_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListSupervisors(c, therapist_id); });
  }
  Result<std::vector<UserId>> ListChildrenOfGuardian(UserId guardian_id) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::ListChildrenOfGuardian(c, guardian_id); });
  }
  Result<std::vector<UserId>> ListGuardiansOfChild(UserId child_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListGuardiansOfChild(c, child_id); });
  }
  Result<GuardianLink> GetGuardianLink(GuardianLinkId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetGuardianLink(f, id); });
  }
  Result<std::vector<GuardianLink>> ListGuardianLinksOfChild(UserId child_id) override {
    return WithFields([&](SealedFields& f) { return sql::ListGuardianLinksOfChild(f, child_id); });
  }
  Result<std::vector<GuardianLink>> ListGuardianLinksOfGuardian(UserId guardian_id) override {
    return WithFields(
        [&](SealedFields& f) { return sql::ListGuardianLinksOfGuardian(f, guardian_id); });
  }
  Result<GuardianStanding> GetGuardianStanding(GuardianLinkId link_id) override {
    return WithFields([&](SealedFields& f) { return sql::GetGuardianStanding(f, link_id); });
  }
  Result<std::vector<CareConsent>> ListCareConsentsOfChild(UserId child_id) override {
    return WithFields([&](SealedFields& f) { return sql::ListCareConsentsOfChild(f, child_id); });
  }
  Result<std::vector<SafetyDisclosure>> ListSafetyDisclosuresOfEpisode(
      EpisodeId episode_id) override {
    return WithFields(
        [&](SealedFields& f) { return sql::ListSafetyDisclosuresOfEpisode(f, episode_id); });
  }
  Result<Episode> GetEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetEpisode(c, id); });
  }
  Result<std::vector<Episode>> ListEpisodesOfClient(UserId client_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListEpisodesOfClient(c, client_id); });
  }
  Result<std::vector<Episode>> ListEpisodesOfTherapist(UserId therapist_id) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::ListEpisodesOfTherapist(c, therapist_id); });
  }
  Result<std::vector<Episode>> ListEpisodesOfClinic(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListEpisodesOfClinic(c, clinic_id); });
  }
  Result<Appointment> GetAppointment(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetAppointment(c, id); });
  }
  Result<std::vector<Appointment>> ListAppointmentsOfEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListAppointmentsOfEpisode(c, id); });
  }
  Result<std::vector<Appointment>> ListAppointmentsOfClient(UserId client_id, Timestamp from,
                                                            Timestamp to) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::ListAppointmentsOfClient(c, client_id, from, to); });
  }
  Result<std::vector<InstrumentAssignment>> ListAssignments(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListAssignments(c, id); });
  }
  Result<FeedbackResponse> GetResponse(ResponseId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetResponse(f, id); });
  }
  Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return sql::ListResponsesOfEpisode(f, id); });
  }
  Result<std::vector<FeedbackResponse>> ListResponsesOfEndedEpisodes(
      ClinicId clinic_id, const std::string& instrument) override {
    return WithFields([&](SealedFields& f) {
      return sql::ListResponsesOfEndedEpisodes(f, clinic_id, instrument);
    });
  }
  Result<FeedbackAlert> GetAlert(AlertId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetAlert(f, id); });
  }
  Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return sql::ListAlertsOfEpisode(f, id); });
  }
  Result<FeedbackDraft> GetFeedbackDraft(EpisodeId episode_id, UserId author_id) override {
    return WithFields(
        [&](SealedFields& f) { return sql::GetFeedbackDraft(f, episode_id, author_id); });
  }
  Result<std::vector<FeedbackAlert>> ListAlertsOfTherapist(
      UserId therapist_id, std::optional<AlertState> state) override {
    return WithFields(
        [&](SealedFields& f) { return sql::ListAlertsOfTherapist(f, therapist_id, state); });
  }
  Result<FeedbackLink> FindFeedbackLinkByTokenHash(const std::string& token_hash) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::FindFeedbackLinkByTokenHash(c, token_hash); });
  }
  Result<std::vector<CaseloadEpisode>> ReadCaseload(const CaseloadQuery& query) override {
    return WithReader([&](SqlConnection& c) { return sql::ReadCaseload(c, query); });
  }
  Result<std::pair<std::int64_t, std::int64_t>> EndedEpisodesMark(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::EndedEpisodesMark(c, clinic_id); });
  }
  Result<std::vector<PlanVersion>> ListPlanVersions(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return sql::ListPlanVersions(f, id); });
  }
  Result<PlanVersion> GetPlanVersion(EpisodeId id, int number) override {
    return WithFields([&](SealedFields& f) { return sql::GetPlanVersion(f, id, number); });
  }
  Result<std::vector<PlanSignature>> ListPlanSignatures(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListPlanSignatures(c, id); });
  }
  Result<std::vector<PlanEvent>> ListPlanEvents(EpisodeId id,
                                                std::optional<PlanEventKind> kind) override {
    return WithFields([&](SealedFields& f) { return sql::ListPlanEvents(f, id, kind); });
  }
  Result<PlanEvent> GetPlanEvent(PlanEventId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetPlanEvent(f, id); });
  }
  Result<AuthSession> FindSessionByTokenHash(const std::string& token_hash) override {
    return WithReader([&](SqlConnection& c) { return sql::FindSessionByTokenHash(c, token_hash); });
  }
  Result<std::vector<AuthSession>> ListSessionsOfUser(UserId user_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListSessionsOfUser(c, user_id); });
  }
  Result<bool> IsKnownDevice(UserId user_id, const std::string& token_hash) override {
    return WithReader([&](SqlConnection& c) { return sql::IsKnownDevice(c, user_id, token_hash); });
  }
  Result<std::optional<Invitation>> FindFirstAcceptedInvitation(UserId user_id) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::FindFirstAcceptedInvitation(c, user_id); });
  }

  std::string AuditSeal(std::string_view data) const override {
    return HmacSha256Hex(audit_key_, data);
  }

  Result<std::int64_t> AuditKeyedFromSeq() override {
    return WithReader([&](SqlConnection& c) -> Result<std::int64_t> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT keyed_from_seq FROM audit_chain WHERE id = 1"));
      return One(
          q, [](const SqlQuery& row) -> Result<std::int64_t> { return row.Int(0); },
          "the audit chain has no key record");
    });
  }

  Result<Invitation> FindInvitationByTokenHash(const std::string& token_hash) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::FindInvitationByTokenHash(c, token_hash); });
  }
  Result<AppointmentRequest> GetAppointmentRequest(AppointmentRequestId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetAppointmentRequest(f, id); });
  }
  Result<std::vector<AppointmentRequest>> ListRequestsOfAppointment(AppointmentId id) override {
    return WithFields([&](SealedFields& f) { return sql::ListRequestsOfAppointment(f, id); });
  }
  Result<std::vector<AppointmentRequest>> ListPendingRequestsOfTherapist(
      UserId therapist_id) override {
    return WithFields(
        [&](SealedFields& f) { return sql::ListPendingRequestsOfTherapist(f, therapist_id); });
  }
  Result<std::optional<RoomSession>> GetRoomSession(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetRoomSession(c, id); });
  }
  Result<std::vector<RoomSession>> ListRoomSessionsOfEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListRoomSessionsOfEpisode(c, id); });
  }
  Result<std::vector<RoomGuest>> ListRoomGuests(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListRoomGuests(c, id); });
  }
  Result<std::optional<SessionSignalsRecord>> GetSessionSignals(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetSessionSignals(c, id); });
  }
  Result<std::vector<SessionSignalsRecord>> ListSessionSignalsOfEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListSessionSignalsOfEpisode(c, id); });
  }
  Result<std::vector<SessionReaction>> ListSessionReactions(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListSessionReactions(c, id); });
  }
  Result<std::vector<EpisodeMessage>> ListEpisodeMessages(EpisodeId id) override {
    return WithFields(
        [&](SealedFields& f) { return sql::ListEpisodeMessages(f, message_sealer_, id); });
  }
  Result<UserId> FindCalendarFeed(const std::string& token_hash) override {
    return WithReader([&](SqlConnection& c) { return sql::FindCalendarFeed(c, token_hash); });
  }
  Result<std::vector<Invitation>> ListInvitationsOfUser(UserId user_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListInvitationsOfUser(c, user_id); });
  }

  // --- Reaching people (queries in sql_notifications.cc) ---
  Result<std::optional<std::string>> GetSafetySettingsJson(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetSafetySettingsJson(c, clinic_id); });
  }
  Result<ClinicChannels> GetClinicChannels(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::GetClinicChannels(c, clinic_id); });
  }
  Result<std::vector<ClinicCrisisSet>> ListClinicCrisisSets(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return sql::ListClinicCrisisSets(c, clinic_id); });
  }
  Result<std::vector<OnCallShift>> ListOnCallShifts(ClinicId clinic_id, Timestamp from,
                                                    Timestamp to) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::ListOnCallShifts(c, clinic_id, from, to); });
  }
  Result<NotificationPreferences> GetNotificationPreferences(UserId user_id) override {
    return WithReader(
        [&](SqlConnection& c) { return sql::GetNotificationPreferences(c, user_id); });
  }
  Result<Notification> GetNotification(NotificationId id) override {
    return WithFields([&](SealedFields& f) { return sql::GetNotification(f, id); });
  }
  Result<std::vector<Notification>> ListNotificationsOfAlert(AlertId alert_id) override {
    return WithFields([&](SealedFields& f) { return sql::ListNotificationsOfAlert(f, alert_id); });
  }
  Result<std::vector<Notification>> ListMail(ClinicId clinic_id, DeliveryState state,
                                             NotificationId before_id, int limit) override {
    return WithFields(
        [&](SealedFields& f) { return sql::ListMail(f, clinic_id, state, before_id, limit); });
  }
  Result<std::optional<Timestamp>> NextNotificationDue() override {
    return WithReader([&](SqlConnection& c) { return sql::NextNotificationDue(c); });
  }
  Result<std::vector<Job>> ListDueJobs(Timestamp now, int limit) override {
    return WithReader([&](SqlConnection& c) { return sql::ListDueJobs(c, now, limit); });
  }
  Result<std::optional<Timestamp>> NextJobDue() override {
    return WithReader([&](SqlConnection& c) { return sql::NextJobDue(c); });
  }
  Result<std::vector<Job>> ListJobs(ClinicId clinic_id, std::string_view kind) override {
    return WithReader([&](SqlConnection& c) { return sql::ListJobs(c, clinic_id, kind); });
  }

  Result<std::vector<AuditEntry>> ListAudit(ClinicId clinic_id, std::int64_t after_seq,
                                            int limit) override {
    if (limit <= 0) return std::vector<AuditEntry>{};
    return WithReader([&](SqlConnection& c) -> Result<std::vector<AuditEntry>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT " RAPPORT_AUDIT_COLUMNS
                                " FROM audit WHERE (?1 = 0 OR clinic_id = ?1) AND seq > ?2 "
                                "ORDER BY seq LIMIT ?3"));
      q.Bind(clinic_id).Bind(after_seq).Bind(limit);
      return All(q, ReadAuditRow);
    });
  }

  Result<std::vector<AuditEntry>> SearchAudit(const AuditFilter& filter, std::int64_t before_seq,
                                              int limit) override {
    if (limit <= 0) return std::vector<AuditEntry>{};
    // Lists travel as one JSON array each; NULL when the filter leaves that part open.
    const auto list = [](const std::vector<std::string>& values) {
      return std::optional<std::string>(Json(values).dump());
    };
    const std::optional<std::string> actions =
        filter.actions.empty() ? std::nullopt : list(filter.actions);
    const std::optional<std::string> records =
        filter.records ? list(*filter.records) : std::nullopt;
    return WithReader([&](SqlConnection& c) -> Result<std::vector<AuditEntry>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT " RAPPORT_AUDIT_COLUMNS
                    " FROM audit WHERE (?1 = 0 OR clinic_id = ?1) AND (?2 = 0 OR seq < ?2)"
                    " AND (?3 = 0 OR actor_id = ?3) AND (?4 = 0 OR at >= ?4)"
                    " AND (?5 = 0 OR at < ?5)"
                    " AND (?6 IS NULL OR action IN (SELECT value FROM json_each(?6)))"
                    " AND (?7 IS NULL OR record_type || ':' || record_id IN"
                    "      (SELECT value FROM json_each(?7)) OR seq IN (SELECT r.seq FROM"
                    "      json_each(?7) k JOIN audit_subject_set_members m ON m.record_key ="
                    "      k.value JOIN audit_subject_refs r ON r.set_id = m.set_id))"
                    " ORDER BY seq DESC LIMIT ?8"));
      q.Bind(filter.clinic_id).Bind(before_seq).Bind(filter.actor_id).Bind(filter.from);
      q.Bind(filter.to).Bind(actions).Bind(records).Bind(limit);
      return All(q, ReadAuditRow);
    });
  }

  // --- Encryption at rest (store/data_keys.h) ---
  Result<std::int64_t> RotateDataKey(ClinicId clinic_id, Timestamp now,
                                     const AuditEntry& audit) override {
    std::int64_t id = 0;
    RAPPORT_RETURN_IF_ERROR(Write([&](WriteTxn& txn) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(id, static_cast<SqlWriteTxn&>(txn).RotateDataKey(clinic_id, now));
      RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(audit));
      return Ok();
    }));
    return id;
  }

  Result<int> RotateMasterKey(const std::string& new_master_path,
                              const std::vector<AuditEntry>& audit) override {
    RAPPORT_ASSIGN_OR_RETURN(const std::string hex, LoadOrCreateKeyFile(new_master_path));
    RAPPORT_ASSIGN_OR_RETURN(const TextSealer new_master, TextSealer::FromHexKey(hex));
    if (new_master.Fingerprint() == keys_->master_fingerprint()) {
      return Fail(Error::Field("--new-master-key",
                               fmt::format("{} holds the master key in use already; give the "
                                           "path of a new key file",
                                           new_master_path)));
    }
    int wrapped = 0;
    RAPPORT_RETURN_IF_ERROR(Write([&](WriteTxn& txn) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(wrapped, static_cast<SqlWriteTxn&>(txn).RewrapDataKeys(new_master));
      for (const AuditEntry& entry : audit) {
        RAPPORT_RETURN_IF_ERROR(txn.AppendAudit(entry));
      }
      return Ok();
    }));
    return wrapped;
  }

  Result<std::vector<DataKeyStatus>> ListDataKeys() override {
    return WithReader([&](SqlConnection& c) { return sql::CountSealedValues(c); });
  }

  Result<bool> SealClearText(const std::function<Status()>& before_done) override {
    auto sealed = SealClearTextInSteps(before_done);
    if (sealed) return sealed;
    return Fail(Error::Unavailable(
        fmt::format("the free text this database held in clear could not be sealed: {}",
                    sealed.error().message)));
  }

  // Seals, in writes of kSealingRows rows each, whatever a database from before 0027 holds in
  // clear, unless that was done already.
  Result<bool> SealClearTextInSteps(const std::function<Status()>& before_done) {
    RAPPORT_ASSIGN_OR_RETURN(const bool left,
                             WithReader([](SqlConnection& c) { return sql::ClearTextLeft(c); }));
    if (!left) return false;
    std::string position;
    for (;;) {
      ResealPass step;
      RAPPORT_RETURN_IF_ERROR(Write([&](WriteTxn& txn) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(step, static_cast<SqlWriteTxn&>(txn).SealClearTextStep(
                                           message_sealer_, position, kSealingRows));
        return Ok();
      }));
      if (step.finished) break;
      position = std::move(step.position);
    }
    if (before_done) RAPPORT_RETURN_IF_ERROR(before_done());
    RAPPORT_RETURN_IF_ERROR(Write([](WriteTxn& txn) -> Status {
      return sql::RecordClearTextSealed(static_cast<SqlWriteTxn&>(txn).connection(),
                                        SystemClock::Instance().Now());
    }));
    return true;
  }

  Result<std::vector<AuditEntry>> ListAuditNewestFirst(ClinicId clinic_id, std::int64_t before_seq,
                                                       int limit) override {
    if (limit <= 0) return std::vector<AuditEntry>{};
    return WithReader([&](SqlConnection& c) -> Result<std::vector<AuditEntry>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT " RAPPORT_AUDIT_COLUMNS
                    " FROM audit WHERE (?1 = 0 OR clinic_id = ?1) AND (?2 = 0 OR seq < ?2) "
                    "ORDER BY seq DESC LIMIT ?3"));
      q.Bind(clinic_id).Bind(before_seq).Bind(limit);
      return All(q, ReadAuditRow);
    });
  }

 private:
  // One caller's WriteFn, queued for the writer; lives on the caller's stack until `done` is set.
  struct PendingWrite {
    WriteFn fn;
    std::promise<Status> done;
  };

  // --- Reads ---

  // A read connection lent to one thread, given back to the pool when the lease goes away.
  struct ReaderLease {
    SqlStoreImpl* store = nullptr;
    SqlConnection* c = nullptr;
    ReaderLease(SqlStoreImpl* s, SqlConnection* conn) : store(s), c(conn) {}
    ReaderLease(ReaderLease&& other) noexcept : store(other.store), c(other.c) {
      other.c = nullptr;
    }
    ReaderLease& operator=(ReaderLease&&) = delete;
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ~ReaderLease() {
      if (c == nullptr) return;
      {
        const std::lock_guard lock(store->read_mu_);
        store->free_readers_.push_back(c);
      }
      store->read_cv_.notify_one();
    }
  };

  // The connection whose snapshot this thread reads inside Read(), or null.
  SqlConnection* Pinned() const {
    for (auto it = pins_.rbegin(); it != pins_.rend(); ++it) {
      if (it->store == this) return it->c;
    }
    return nullptr;
  }

  // A free read connection; when none is free, a new one joins the pool (up to
  // kMaxReadConnections), so that a reader never waits for another one to finish, however long
  // it holds its snapshot. Past that bound, or when the file cannot be opened again, it waits.
  Result<ReaderLease> Borrow() {
    {
      std::unique_lock lock(read_mu_);
      if (!free_readers_.empty() || readers_.size() >= kMaxReadConnections) {
        if (free_readers_.empty()) ++read_stats_.waits;
        read_cv_.wait(lock, [&] { return !free_readers_.empty(); });
        SqlConnection* c = free_readers_.back();
        free_readers_.pop_back();
        return ReaderLease(this, c);
      }
      ++read_stats_.connections;  // reserved while it opens, outside the lock
      readers_.emplace_back();
    }
    auto opened = open_reader_();
    std::unique_lock lock(read_mu_);
    if (!opened) {
      --read_stats_.connections;
      readers_.erase(std::find(readers_.begin(), readers_.end(), nullptr));  // the reservation
      ++read_stats_.waits;
      read_cv_.wait(lock, [&] { return !free_readers_.empty(); });
      SqlConnection* c = free_readers_.back();
      free_readers_.pop_back();
      return ReaderLease(this, c);
    }
    SqlConnection* c = opened->get();
    for (auto& slot : readers_) {
      if (slot == nullptr) {
        slot = std::move(*opened);
        break;
      }
    }
    return ReaderLease(this, c);
  }

  // Lends `f` the connection of this thread's Read(), or else one read connection for the length
  // of the call.
  template <typename F>
  auto WithReader(F&& f) -> decltype(f(std::declval<SqlConnection&>())) {
    if (SqlConnection* pinned = Pinned()) return f(*pinned);
    RAPPORT_ASSIGN_OR_RETURN(ReaderLease lease, Borrow());
    return f(*lease.c);
  }

  // Lends `f` the SealedFields of a read connection, as WithReader lends the connection.
  template <typename F>
  auto WithFields(F&& f) -> decltype(f(std::declval<SealedFields&>())) {
    return WithReader([&](SqlConnection& c) {
      SealedFields fields(*keys_, c);
      return f(fields);
    });
  }

  // --- Writes ---

  void WriterLoop() {
    std::vector<PendingWrite*> batch;
    for (;;) {
      {
        std::unique_lock lock(write_mu_);
        write_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and everything queued is done
        while (!queue_.empty() && batch.size() < max_batch_) {
          batch.push_back(queue_.front());
          queue_.pop_front();
        }
      }
      RunBatch(batch);
      batch.clear();
    }
  }

  // One transaction for the whole batch, one savepoint per WriteFn, one durable COMMIT; then
  // each caller learns its own outcome. A WriteFn that failed keeps its own error whatever
  // happens to the batch; one that succeeded gets kUnavailable if its work was not committed.
  void RunBatch(std::span<PendingWrite* const> batch) {
    std::vector<Status> results(batch.size());
    const auto finish = [&] {
      for (std::size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(results[i]);
    };
    if (const Status begun = writer_->BeginWrite(); !begun) {
      for (auto& r : results) r = Fail(AsUnavailable(begun.error()));
      finish();
      return;
    }
    const std::int64_t changes_before = writer_->TotalChanges();
    RefreshKeysNowAndThen();
    SqlWriteTxn txn(*writer_, *this, *keys_, pending_);
    bool lost = false;  // the transaction no longer holds the earlier WriteFns' work
    std::size_t ran = 0;
    for (; ran < batch.size() && !lost; ++ran) results[ran] = RunOne(txn, batch[ran]->fn, lost);

    const bool changed = writer_->TotalChanges() != changes_before;
    Status committed = lost ? Fail(Error::Unavailable("database write failed; nothing was saved"))
                            : writer_->Exec("COMMIT");
    // Only a commit with something to write says whether writing works: an empty one succeeds
    // even on a full disk.
    if (!committed) {
      last_commit_failed_.store(true);
    } else if (changed) {
      last_commit_failed_.store(false);
    }
    if (committed) {
      pending_.CommitTo(*keys_);  // the data keys made are in the database now
    } else {
      pending_.Clear();
    }
    if (!committed) {
      writer_->RollbackIfOpen();
      const Error error = AsUnavailable(committed.error());
      for (std::size_t i = 0; i < batch.size(); ++i) {
        if (i >= ran || results[i]) results[i] = Fail(error);
      }
    } else {
      // Counted before any caller returns, so that a caller sees its own write in the stats.
      const auto succeeded = std::count_if(results.begin(), results.end(),
                                           [](const Status& r) { return r.has_value(); });
      const std::lock_guard lock(write_mu_);
      ++stats_.commits;
      stats_.writes += succeeded;
    }
    finish();
  }

  // Runs one WriteFn inside its own savepoint, rolled back alone when the WriteFn fails. Sets
  // `lost` when SQLite dropped the whole transaction or a rollback to the savepoint failed.
  Status RunOne(WriteTxn& txn, const WriteFn& fn, bool& lost) {
    SqlConnection& c = *writer_;
    if (const Status saved = c.Exec("SAVEPOINT write_fn"); !saved) {
      lost = c.InAutocommit();
      return Fail(AsUnavailable(saved.error()));
    }
    const std::size_t keys_before = pending_.Mark();
    struct ForgetKeysOfAFailure {
      PendingKeys& pending;
      std::size_t mark;
      const Status& status;
      ~ForgetKeysOfAFailure() {
        if (!status) pending.RollBackTo(mark);
      }
    };
    Status status;
    const ForgetKeysOfAFailure forget{pending_, keys_before, status};
    try {
      status = fn(txn);
    } catch (const std::exception& e) {
      status = Fail(Error::Internal(fmt::format("write failed: {}", e.what())));
    } catch (...) {
      status = Fail(Error::Internal("write failed with an unknown exception"));
    }
    if (c.InAutocommit()) {  // e.g. disk full or I/O error: SQLite rolled everything back
      lost = true;
      if (status) return Fail(Error::Unavailable("database write failed; nothing was saved"));
      return status;
    }
    if (status) {
      const Status released = c.Exec("RELEASE write_fn");
      if (released) return status;
      status = Fail(AsUnavailable(released.error()));
    }
    if (!c.Exec("ROLLBACK TO write_fn") || !c.Exec("RELEASE write_fn")) lost = true;
    return status;
  }

  // Reads the data keys again when the last reading is older than kDataKeyRefreshMs, so that
  // this server writes under a clinic's new key soon after another one (or the operator) rotated
  // it. At the start of a batch: nothing of this transaction is pending yet.
  void RefreshKeysNowAndThen() {
    const auto now = std::chrono::steady_clock::now();
    if (now - keys_read_at_ < std::chrono::milliseconds(kDataKeyRefreshMs)) return;
    if (keys_->Reload(*writer_)) keys_read_at_ = now;
  }

  static Error AsUnavailable(const Error& e) {
    if (e.code == ErrorCode::kUnavailable) return e;
    return Error::Unavailable(fmt::format("database write failed: {}", e.message));
  }

  // Opens one more read connection; called by readers outside the lock, from any thread.
  const std::function<Result<std::unique_ptr<SqlConnection>>()> open_reader_;
  const std::unique_ptr<ServerEvents> events_;
  const std::string audit_key_;            // the audit chain's MAC key; immutable
  const TextSealer message_sealer_;        // opens messages sealed before 0027; immutable
  const std::unique_ptr<KeyRing> keys_;    // the data keys; thread-safe
  PendingKeys pending_;                    // used only by writer_thread_
  std::unique_ptr<SqlConnection> writer_;  // used only by writer_thread_ once it runs
  std::vector<std::unique_ptr<SqlConnection>> readers_;  // guarded by read_mu_ once running
  const int schema_version_;
  const std::size_t max_batch_;

  // Rows a write of the first start's sealing goes through.
  static constexpr int kSealingRows = 500;

  // The most read connections the pool grows to: more threads than this reading at once is far
  // past what the server runs, and each connection holds file descriptors and a page cache.
  static constexpr std::size_t kMaxReadConnections = 256;
  struct Pin {
    const SqlStoreImpl* store;
    SqlConnection* c;
  };
  static thread_local std::vector<Pin> pins_;  // the Read()s this thread is inside, innermost last

  mutable std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::vector<SqlConnection*> free_readers_;  // guarded by read_mu_
  ReadStats read_stats_;                      // guarded by read_mu_

  mutable std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::deque<PendingWrite*> queue_;  // guarded by write_mu_
  bool stopping_ = false;            // guarded by write_mu_
  WriteStats stats_;                 // guarded by write_mu_; its `queued` stays 0 (the queue says)
  std::atomic<bool> last_commit_failed_{false};
  // When the writer last read the data keys; the ring was read as the store opened.
  std::chrono::steady_clock::time_point keys_read_at_ = std::chrono::steady_clock::now();

  std::thread writer_thread_;  // last: started once everything above exists
};

thread_local std::vector<SqlStoreImpl::Pin> SqlStoreImpl::pins_;

}  // namespace

Result<SqlStoreParts> ConnectSqlStore(
    std::unique_ptr<SqlConnection> writer, int readers,
    std::function<Result<std::unique_ptr<SqlConnection>>()> open_reader) {
  SqlStoreParts parts;
  for (int i = 0; i < std::max(1, readers); ++i) {
    RAPPORT_ASSIGN_OR_RETURN(auto reader, open_reader());
    parts.readers.push_back(std::move(reader));
  }
  parts.writer = std::move(writer);
  parts.open_reader = std::move(open_reader);
  return parts;
}

std::unique_ptr<SqlStore> MakeSqlStore(SqlStoreParts parts, TextSealer message_sealer) {
  if (!parts.keys) parts.keys = KeyRing::WithoutMaster();
  return std::make_unique<SqlStoreImpl>(std::move(parts), std::move(message_sealer));
}

}  // namespace rapport
