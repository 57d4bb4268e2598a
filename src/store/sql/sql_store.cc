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
#include "store/sql/field_cipher.h"
#include "store/sql/kept_totals.h"
#include "store/sql/key_ring.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"
#include "store/sql/sql_course.h"
#include "store/sql/sql_family.h"
#include "store/sql/sql_matching.h"
#include "store/sql/sql_notifications.h"
#include "store/sql/sql_rows.h"
#include "store/sql/sql_sealing.h"

namespace rapport {

namespace {

// --- Rows -------------------------------------------------------------------------------------
// Each kXColumns list matches the order its ReadX() reads.

#define RAPPORT_CLINIC_COLUMNS                                                                    \
  "id, name, share_with_guardians, allow_link_feedback, plan_review_sessions, plan_review_days, " \
  "age_of_majority, cancel_notice_hours, outcome_informed_matching, min_outcome_episodes, "       \
  "clients_may_read_notes, fit_check_after_hours, repair_within_hours, no_contact_after_days, "   \
  "adolescent_from_age, minor_consent_age, guardian_policy"
#define RAPPORT_GUARDIAN_LINK_COLUMNS                                       \
  "id, guardian_id, child_id, requested_by, requested_at, requested_name, " \
  "exception_reason, accepted_at, consent_recorded_by, consent_recorded_at, consent_note"
// A guardian link that grants access: the guardian accepted and consent to share is recorded.
#define RAPPORT_ACTIVE_LINK "AND accepted_at IS NOT NULL AND consent_recorded_at IS NOT NULL"
#define RAPPORT_USER_COLUMNS \
  "id, clinic_id, email, display_name, role, active, created_at, email_confirmed"
#define RAPPORT_EPISODE_COLUMNS \
  "id, clinic_id, client_id, therapist_id, status, started_at, ended_at"
#define RAPPORT_APPOINTMENT_COLUMNS "id, episode_id, starts_at, duration_minutes, modality, status"
#define RAPPORT_SESSION_COLUMNS \
  "id, user_id, token_hash, csrf_hash, created_at, last_seen_at, source, user_agent"
#define RAPPORT_INVITATION_COLUMNS                                                             \
  "id, clinic_id, user_id, created_by, token_hash, created_at, expires_at, used_at, purpose, " \
  "delivery"

#define RAPPORT_RESPONSE_COLUMNS                                                 \
  "id, episode_id, appointment_id, instrument, instrument_version, respondent, " \
  "respondent_user_id, submitted_at, session_number, answers, total, band, scales, risk"
#define RAPPORT_ALERT_COLUMNS                                                                      \
  "id, episode_id, clinic_id, response_id, rule_id, kind, severity, title, explanation, "          \
  "next_step, raised_at, state, acknowledged_by, acknowledged_at, acknowledge_note, resolved_by, " \
  "resolved_at, resolve_note"
#define RAPPORT_FEEDBACK_LINK_COLUMNS \
  "id, appointment_id, created_by, token_hash, created_at, expires_at, uses, guardian_id"

#define RAPPORT_PLAN_VERSION_COLUMNS                                                     \
  "id, episode_id, number, status, content_json, content_hash, created_by, created_at, " \
  "updated_at, proposed_at, decided_at, client_comment, decided_by"
#define RAPPORT_PLAN_SIGNATURE_COLUMNS "version_id, role, user_id, signed_at, content_hash"
#define RAPPORT_PLAN_EVENT_COLUMNS "id, episode_id, kind, subject, payload_json, actor_id, at"

Result<Clinic> ReadClinic(const SqlQuery& q) {
  Clinic c;
  c.id = q.Int(0);
  c.name = q.Text(1);
  c.settings.share_with_guardians = q.Bool(2);
  c.settings.allow_link_feedback = q.Bool(3);
  c.settings.plan_review_sessions = static_cast<int>(q.Int(4));
  c.settings.plan_review_days = static_cast<int>(q.Int(5));
  c.settings.age_of_majority = static_cast<int>(q.Int(6));
  c.settings.cancel_notice_hours = static_cast<int>(q.Int(7));
  c.settings.outcome_informed_matching = q.Bool(8);
  c.settings.min_outcome_episodes = static_cast<int>(q.Int(9));
  c.settings.clients_may_read_notes = q.Bool(10);
  c.settings.fit_check_after_hours = static_cast<int>(q.Int(11));
  c.settings.repair_within_hours = static_cast<int>(q.Int(12));
  c.settings.no_contact_after_days = static_cast<int>(q.Int(13));
  c.settings.adolescent_from_age = static_cast<int>(q.Int(14));
  c.settings.minor_consent_age = static_cast<int>(q.Int(15));
  if (const std::string policy = q.Text(16); !policy.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(const Json json, FromColumn(ParseJson(policy), "guardian policy"));
    RAPPORT_ASSIGN_OR_RETURN(
        c.settings.guardian_policy,
        FromColumn(GuardianPolicyFromJson(json, "guardian_policy"), "guardian policy"));
  }
  return c;
}

#define RAPPORT_ROOM_SESSION_COLUMNS \
  "appointment_id, clinic_id, episode_id, modality, started_at, ended_at"

Result<RoomSession> ReadRoomSession(const SqlQuery& q) {
  RoomSession s;
  s.appointment_id = q.Int(0);
  s.clinic_id = q.Int(1);
  s.episode_id = q.Int(2);
  RAPPORT_ASSIGN_OR_RETURN(s.modality, ParseModality(q.Text(3)));
  s.started_at = q.Int(4);
  s.ended_at = q.OptionalInt(5);
  return s;
}

Result<RoomGuest> ReadRoomGuest(const SqlQuery& q) {
  return RoomGuest{q.Int(0), q.Int(1), q.Int(2), q.Int(3)};
}

#define RAPPORT_SESSION_SIGNALS_COLUMNS \
  "appointment_id, clinic_id, episode_id, origin, updated_at, figures"

Result<SessionSignalsRecord> ReadSessionSignals(const SqlQuery& q) {
  SessionSignalsRecord r;
  r.appointment_id = q.Int(0);
  r.clinic_id = q.Int(1);
  r.episode_id = q.Int(2);
  r.origin = q.Int(3);
  r.updated_at = q.Int(4);
  r.figures = Json::parse(q.Text(5), nullptr, false);
  if (r.figures.is_discarded() || !r.figures.is_object()) {
    return Fail(Error::Internal("session_signals.figures is not a JSON object"));
  }
  return r;
}

Result<SessionReaction> ReadSessionReaction(const SqlQuery& q) {
  SessionReaction r;
  r.id = q.Int(0);
  r.appointment_id = q.Int(1);
  r.clinic_id = q.Int(2);
  r.by = q.Int(3);
  const std::optional<Reaction> kind = ParseReaction(q.Text(4));
  if (!kind) return Fail(Error::Internal("session_reactions.kind is not a reaction"));
  r.kind = *kind;
  r.at = q.Int(5);
  return r;
}

#define RAPPORT_APPOINTMENT_REQUEST_COLUMNS                                                    \
  "id, clinic_id, appointment_id, requested_by, kind, note, short_notice, created_at, state, " \
  "decided_by, decided_at, reply"

Result<AppointmentRequest> ReadAppointmentRequest(SealedFields& f, const SqlQuery& q) {
  AppointmentRequest r;
  r.id = q.Int(0);
  r.clinic_id = q.Int(1);
  r.appointment_id = q.Int(2);
  r.requested_by = q.Int(3);
  RAPPORT_ASSIGN_OR_RETURN(r.kind, ParseChangeKind(q.Text(4)));
  r.short_notice = q.Bool(6);
  r.created_at = q.Int(7);
  const Owner owner = OwnerOf(r.appointment_id, r.requested_by, r.created_at);
  RAPPORT_ASSIGN_OR_RETURN(r.note, f.Open(Field::kRequestNote, owner, q.Text(5)));
  const std::string state = q.Text(8);
  for (RequestState s : {RequestState::kPending, RequestState::kAccepted, RequestState::kDeclined,
                         RequestState::kWithdrawn}) {
    if (ToString(s) == state) r.state = s;
  }
  r.decided_by = q.OptionalInt(9);
  r.decided_at = q.OptionalInt(10);
  RAPPORT_ASSIGN_OR_RETURN(r.reply, f.Open(Field::kRequestReply, owner, q.Text(11)));
  return r;
}

Result<GuardianLink> ReadGuardianLink(SealedFields& f, const SqlQuery& q) {
  GuardianLink link;
  link.id = q.Int(0);
  link.guardian_id = q.Int(1);
  link.child_id = q.Int(2);
  link.requested_by = q.OptionalInt(3).value_or(0);
  link.requested_at = q.Int(4);
  link.requested_name = q.Text(5);
  const Owner owner = OwnerOf(link.guardian_id, link.child_id);
  RAPPORT_ASSIGN_OR_RETURN(link.exception_reason,
                           f.Open(Field::kGuardianException, owner, q.Text(6)));
  link.accepted_at = q.OptionalInt(7);
  link.consent_recorded_by = q.OptionalInt(8).value_or(0);
  link.consent_recorded_at = q.OptionalInt(9);
  RAPPORT_ASSIGN_OR_RETURN(link.consent_note,
                           f.Open(Field::kGuardianConsentNote, owner, q.Text(10)));
  return link;
}

// The shipped default policy is stored as NULL, so that a clinic that never chose follows it.
std::optional<std::string> PolicyColumn(const GuardianPolicy& policy) {
  if (policy == GuardianPolicy{}) return std::nullopt;
  return GuardianPolicyToJson(policy).dump();
}

Result<User> ReadUser(const SqlQuery& q) {
  User u;
  u.id = q.Int(0);
  u.clinic_id = q.Int(1);
  u.email = q.Text(2);
  u.display_name = q.Text(3);
  RAPPORT_ASSIGN_OR_RETURN(u.role, FromColumn(ParseRole(q.Text(4)), "role"));
  u.active = q.Bool(5);
  u.created_at = q.Int(6);
  u.email_confirmed = q.Bool(7);
  return u;
}

Result<Episode> ReadEpisode(const SqlQuery& q) {
  Episode e;
  e.id = q.Int(0);
  e.clinic_id = q.Int(1);
  e.client_id = q.Int(2);
  e.therapist_id = q.Int(3);
  RAPPORT_ASSIGN_OR_RETURN(e.status, FromColumn(ParseEpisodeStatus(q.Text(4)), "episode status"));
  e.started_at = q.Int(5);
  e.ended_at = q.OptionalInt(6);
  return e;
}

Result<Appointment> ReadAppointment(const SqlQuery& q) {
  Appointment a;
  a.id = q.Int(0);
  a.episode_id = q.Int(1);
  a.starts_at = q.Int(2);
  a.duration_minutes = static_cast<int>(q.Int(3));
  RAPPORT_ASSIGN_OR_RETURN(a.modality, FromColumn(ParseModality(q.Text(4)), "modality"));
  RAPPORT_ASSIGN_OR_RETURN(a.status,
                           FromColumn(ParseAppointmentStatus(q.Text(5)), "appointment status"));
  return a;
}

Result<AuthSession> ReadSession(const SqlQuery& q) {
  AuthSession s;
  s.id = q.Int(0);
  s.user_id = q.Int(1);
  s.token_hash = q.Text(2);
  s.csrf_hash = q.Text(3);
  s.created_at = q.Int(4);
  s.last_seen_at = q.Int(5);
  s.source = q.Text(6);
  s.user_agent = q.Text(7);
  return s;
}

Result<Invitation> ReadInvitation(const SqlQuery& q) {
  Invitation i;
  i.id = q.Int(0);
  i.clinic_id = q.Int(1);
  i.user_id = q.Int(2);
  i.created_by = q.Int(3);
  i.token_hash = q.Text(4);
  i.created_at = q.Int(5);
  i.expires_at = q.Int(6);
  i.used_at = q.OptionalInt(7);
  i.purpose = q.Text(8);
  i.delivery = q.Text(9);
  return i;
}

Result<FeedbackResponse> ReadResponse(SealedFields& f, const SqlQuery& q) {
  FeedbackResponse r;
  r.id = q.Int(0);
  r.episode_id = q.Int(1);
  r.appointment_id = q.OptionalInt(2);
  r.instrument = q.Text(3);
  r.instrument_version = q.Text(4);
  RAPPORT_ASSIGN_OR_RETURN(r.respondent, FromColumn(ParseRespondent(q.Text(5)), "respondent"));
  r.respondent_user_id = q.Int(6);
  r.submitted_at = q.Int(7);
  r.session_number = static_cast<int>(q.Int(8));
  RAPPORT_ASSIGN_OR_RETURN(
      r.answers_json,
      f.Open(Field::kResponseAnswers,
             OwnerOf(r.episode_id, r.respondent_user_id, r.instrument, r.submitted_at), q.Text(9)));
  r.total = q.OptionalDouble(10);
  r.band = q.Text(11);
  r.scales_json = q.Text(12);
  r.risk_json = q.Text(13);
  return r;
}

Result<FeedbackAlert> ReadAlert(SealedFields& f, const SqlQuery& q) {
  FeedbackAlert a;
  a.id = q.Int(0);
  a.episode_id = q.Int(1);
  a.clinic_id = q.Int(2);
  a.response_id = q.OptionalInt(3);
  a.rule_id = q.Text(4);
  RAPPORT_ASSIGN_OR_RETURN(a.kind, FromColumn(ParseAlertKind(q.Text(5)), "alert kind"));
  RAPPORT_ASSIGN_OR_RETURN(a.severity, FromColumn(ParseSeverity(q.Text(6)), "alert severity"));
  a.title = q.Text(7);
  a.explanation = q.Text(8);
  a.next_step = q.Text(9);
  a.raised_at = q.Int(10);
  RAPPORT_ASSIGN_OR_RETURN(a.state, FromColumn(ParseAlertState(q.Text(11)), "alert state"));
  a.acknowledged_by = q.OptionalInt(12);
  a.acknowledged_at = q.OptionalInt(13);
  const Owner owner = OwnerOf(a.episode_id, a.rule_id, a.raised_at);
  RAPPORT_ASSIGN_OR_RETURN(a.acknowledge_note,
                           f.Open(Field::kAlertAcknowledgeNote, owner, q.Text(14)));
  a.resolved_by = q.OptionalInt(15);
  a.resolved_at = q.OptionalInt(16);
  RAPPORT_ASSIGN_OR_RETURN(a.resolve_note, f.Open(Field::kAlertResolveNote, owner, q.Text(17)));
  return a;
}

Result<FeedbackLink> ReadFeedbackLink(const SqlQuery& q) {
  FeedbackLink l;
  l.id = q.Int(0);
  l.appointment_id = q.Int(1);
  l.created_by = q.Int(2);
  l.token_hash = q.Text(3);
  l.created_at = q.Int(4);
  l.expires_at = q.Int(5);
  l.uses = static_cast<int>(q.Int(6));
  l.guardian_id = q.OptionalInt(7);
  return l;
}

Result<PlanVersion> ReadPlanVersion(SealedFields& f, const SqlQuery& q) {
  PlanVersion v;
  v.id = q.Int(0);
  v.episode_id = q.Int(1);
  v.number = static_cast<int>(q.Int(2));
  RAPPORT_ASSIGN_OR_RETURN(v.status,
                           FromColumn(ParsePlanVersionStatus(q.Text(3)), "plan version status"));
  const Owner owner = OwnerOf(v.episode_id, v.number);
  RAPPORT_ASSIGN_OR_RETURN(v.content_json, f.Open(Field::kPlanContent, owner, q.Text(4)));
  v.content_hash = q.Text(5);
  // A proposed or signed version's content was frozen under its hash: what opens must be it (a
  // sealed value of another version of the same plan would open, but not match).
  if (!v.content_hash.empty() && Blake2b256Hex(v.content_json) != v.content_hash) {
    return Fail(Error::Internal(fmt::format(
        "plan_versions.content_json of episode={}, number={} does not match its content_hash",
        v.episode_id, v.number)));
  }
  v.created_by = q.Int(6);
  v.created_at = q.Int(7);
  v.updated_at = q.Int(8);
  v.proposed_at = q.OptionalInt(9);
  v.decided_at = q.OptionalInt(10);
  RAPPORT_ASSIGN_OR_RETURN(v.client_comment, f.Open(Field::kPlanClientComment, owner, q.Text(11)));
  v.decided_by = q.OptionalInt(12).value_or(0);
  return v;
}

Result<PlanSignature> ReadPlanSignature(const SqlQuery& q) {
  PlanSignature s;
  s.version_id = q.Int(0);
  RAPPORT_ASSIGN_OR_RETURN(s.role, FromColumn(ParseSignerRole(q.Text(1)), "signer role"));
  s.user_id = q.Int(2);
  s.signed_at = q.Int(3);
  s.content_hash = q.Text(4);
  return s;
}

Result<PlanEvent> ReadPlanEvent(SealedFields& f, const SqlQuery& q) {
  PlanEvent e;
  e.id = q.Int(0);
  e.episode_id = q.Int(1);
  RAPPORT_ASSIGN_OR_RETURN(e.kind, FromColumn(ParsePlanEventKind(q.Text(2)), "plan event kind"));
  e.subject = q.Text(3);
  e.actor_id = q.Int(5);
  e.at = q.Int(6);
  RAPPORT_ASSIGN_OR_RETURN(
      e.payload_json,
      f.Open(Field::kPlanEventPayload,
             OwnerOf(e.episode_id, q.Text(2), e.subject, e.actor_id, e.at), q.Text(4)));
  return e;
}

Result<UserId> ReadId(const SqlQuery& q) {
  return q.Int(0);
}

// --- Queries shared by the read pool and the write transaction -------------------------------

constexpr const char* kSupervisorsOfTherapist =
    "SELECT supervisor_id FROM supervision_links WHERE therapist_id = ? ORDER BY supervisor_id";

Result<Clinic> QueryClinic(SqlConnection& c, ClinicId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT " RAPPORT_CLINIC_COLUMNS " FROM clinics WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadClinic, "no such clinic");
}

Result<std::vector<UserId>> QueryIds(SqlConnection& c, const char* sql, std::int64_t key) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
  q.Bind(key);
  return All(q, ReadId);
}

Result<std::vector<User>> QueryUsersOfClinic(SqlConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_USER_COLUMNS
                                                 " FROM users WHERE clinic_id = ? ORDER BY id"));
  q.Bind(clinic_id);
  return All(q, ReadUser);
}

Result<User> QueryUser(SqlConnection& c, UserId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_USER_COLUMNS " FROM users WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadUser, "no such user");
}

Result<Episode> QueryEpisode(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT " RAPPORT_EPISODE_COLUMNS " FROM episodes WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadEpisode, "no such episode");
}

Result<std::vector<Episode>> QueryEpisodesOfClient(SqlConnection& c, UserId client_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_EPISODE_COLUMNS
                                                 " FROM episodes WHERE client_id = ? ORDER BY id"));
  q.Bind(client_id);
  return All(q, ReadEpisode);
}

Result<Appointment> QueryAppointment(SqlConnection& c, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_APPOINTMENT_COLUMNS
                                                 " FROM appointments WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadAppointment, "no such appointment");
}

Result<std::vector<Appointment>> QueryAppointmentsOfEpisode(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_APPOINTMENT_COLUMNS
                                                 " FROM appointments WHERE episode_id = ? "
                                                 "ORDER BY starts_at, id"));
  q.Bind(id);
  return All(q, ReadAppointment);
}

Result<Invitation> QueryInvitationByTokenHash(SqlConnection& c, const std::string& token_hash) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_INVITATION_COLUMNS
                                                 " FROM invitations WHERE token_hash = ?"));
  q.Bind(token_hash);
  return One(q, ReadInvitation, "no such invitation");
}

Result<LoginFailureCount> QueryLoginFailures(SqlConnection& c, const LoginFailureScope& scope,
                                             Timestamp since) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT count(*), coalesce(max(at), 0) FROM login_failures WHERE at >= ?1 AND "
                "CASE WHEN ?2 <> '' THEN email = ?2 AND (?3 = '' OR device_hash = ?3) "
                "ELSE source = ?4 END"));
  q.Bind(since).Bind(scope.email).Bind(scope.device_hash).Bind(scope.source);
  return One(
      q,
      [](const SqlQuery& row) -> Result<LoginFailureCount> {
        return LoginFailureCount{static_cast<int>(row.Int(0)), row.Int(1)};
      },
      "no count");
}

// NULL, NULL: the questionnaire's default.
void BindSchedule(SqlQuery& q, const std::optional<Schedule>& schedule) {
  q.Bind(schedule ? std::optional<std::int64_t>(schedule->every_sessions) : std::nullopt)
      .Bind(schedule ? std::optional<std::int64_t>(schedule->every_weeks) : std::nullopt);
}

Result<FeedbackDraft> QueryFeedbackDraft(SealedFields& f, EpisodeId episode_id, UserId author_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "SELECT episode_id, author_id, answers_json, updated_at, risk_since, "
          "risk_alerted_at FROM feedback_drafts WHERE episode_id = ? AND author_id = ?"));
  q.Bind(episode_id).Bind(author_id);
  return One(
      q,
      [&f](const SqlQuery& row) -> Result<FeedbackDraft> {
        FeedbackDraft d;
        d.episode_id = row.Int(0);
        d.author_id = row.Int(1);
        RAPPORT_ASSIGN_OR_RETURN(
            d.answers_json,
            f.Open(Field::kDraftAnswers, OwnerOf(d.episode_id, d.author_id), row.Text(2)));
        d.updated_at = row.Int(3);
        d.risk_since = row.OptionalInt(4);
        d.risk_alerted_at = row.OptionalInt(5);
        return d;
      },
      "no draft");
}

// Readers of one row that open its sealed fields with `f`, for One() and All().
auto Opening(SealedFields& f, auto read) {
  return [&f, read](const SqlQuery& row) { return read(f, row); };
}

Result<FeedbackAlert> QueryAlert(SealedFields& f, AlertId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_ALERT_COLUMNS
                                                              " FROM alerts WHERE id = ?"));
  q.Bind(id);
  return One(q, Opening(f, ReadAlert), "no such alert");
}

Result<std::vector<FeedbackResponse>> QueryResponsesOfEpisode(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_RESPONSE_COLUMNS
                                                  " FROM responses WHERE episode_id = ? "
                                                  "ORDER BY submitted_at, id"));
  q.Bind(id);
  return All(q, Opening(f, ReadResponse));
}

Result<std::vector<FeedbackAlert>> QueryAlertsOfEpisode(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_ALERT_COLUMNS
                                                              " FROM alerts WHERE episode_id = ? "
                                                              "ORDER BY raised_at DESC, id DESC"));
  q.Bind(id);
  return All(q, Opening(f, ReadAlert));
}

Result<std::vector<PlanVersion>> QueryPlanVersions(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_PLAN_VERSION_COLUMNS
                                                  " FROM plan_versions WHERE episode_id = ? "
                                                  "ORDER BY number"));
  q.Bind(id);
  return All(q, Opening(f, ReadPlanVersion));
}

// Signatures of the same moment read in the order agreement builds up: therapist, client,
// guardian (SignerRole's order).
Result<std::vector<PlanSignature>> QueryPlanSignatures(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT s.version_id, s.role, s.user_id, s.signed_at, s.content_hash "
                            "FROM plan_signatures s JOIN plan_versions v ON v.id = s.version_id "
                            "WHERE v.episode_id = ? ORDER BY v.number, s.signed_at, "
                            "CASE s.role WHEN 'therapist' THEN 0 WHEN 'client' THEN 1 ELSE 2 END"));
  q.Bind(id);
  return All(q, ReadPlanSignature);
}

// --- The caseload and answer series -----------------------------------------------------------

// The columns of response_series that ReadSeries reads, in its order.
#define RAPPORT_SERIES_COLUMNS                                                            \
  "episode_id, instrument, respondent, answered, first_submitted_at, last_submitted_at, " \
  "first_total, first_total_id, recent"

// One summary row of an answer series, with the latest `recent` of its kept totals.
Result<ResponseSeries> ReadSeries(const SqlQuery& q, int recent) {
  ResponseSeries s;
  s.episode_id = q.Int(0);
  s.instrument = q.Text(1);
  RAPPORT_ASSIGN_OR_RETURN(s.respondent, FromColumn(ParseRespondent(q.Text(2)), "respondent"));
  s.answered = static_cast<int>(q.Int(3));
  s.first_submitted_at = q.Int(4);
  s.last_submitted_at = q.Int(5);
  s.first_total = q.OptionalDouble(6);
  s.first_id = q.OptionalInt(7).value_or(0);
  RAPPORT_ASSIGN_OR_RETURN(s.recent, ParseKeptTotals(q.Text(8)));
  std::sort(s.recent.begin(), s.recent.end(), [](const ScoredPoint& a, const ScoredPoint& b) {
    return std::tie(a.submitted_at, a.id) < std::tie(b.submitted_at, b.id);
  });
  const std::size_t keep = static_cast<std::size_t>(std::max(0, recent));
  if (s.recent.size() > keep) s.recent.erase(s.recent.begin(), s.recent.end() - keep);
  return s;
}

Result<ResponseSeries> QueryResponseSeries(SqlConnection& c, EpisodeId episode_id,
                                           const std::string& instrument, Respondent respondent,
                                           int recent) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_SERIES_COLUMNS " FROM response_series "
                                     "WHERE episode_id = ? AND instrument = ? AND respondent = ?"));
  q.Bind(episode_id).Bind(instrument).Bind(ToString(respondent));
  RAPPORT_ASSIGN_OR_RETURN(const bool found, q.Step());
  if (found) return ReadSeries(q, recent);
  ResponseSeries none;
  none.episode_id = episode_id;
  none.instrument = instrument;
  none.respondent = respondent;
  return none;
}

Result<std::vector<FeedbackAlert>> QueryUnresolvedAlertsOfInstrument(
    SealedFields& f, EpisodeId episode_id, const std::string& instrument) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "SELECT a.id, a.episode_id, a.clinic_id, a.response_id, a.rule_id, a.kind, "
                      "a.severity, a.title, a.explanation, a.next_step, a.raised_at, a.state, "
                      "a.acknowledged_by, a.acknowledged_at, a.acknowledge_note, a.resolved_by, "
                      "a.resolved_at, a.resolve_note FROM alerts a JOIN responses r "
                      "ON r.id = a.response_id WHERE a.episode_id = ?1 AND a.state <> 'resolved' "
                      "AND r.instrument = ?2 ORDER BY a.raised_at DESC, a.id DESC"));
  q.Bind(episode_id).Bind(instrument);
  return All(q, Opening(f, ReadAlert));
}

// The caseload's episodes that have not ended, for the queries below (?1 clinic, ?2 therapists).
#define RAPPORT_CASELOAD_OPEN                                                        \
  "WITH caseload AS (SELECT id FROM episodes WHERE clinic_id = ?1 AND therapist_id " \
  "IN (SELECT CAST(value AS BIGINT) FROM json_each(?2)) AND status <> 'ended') "

// Rolls a read transaction back when it goes out of scope: one snapshot for several queries.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(SqlConnection& c) : c_(c) {}
  // Inside Store::Read() the connection already holds a snapshot, which is then the one used.
  Status Begin() {
    if (!c_.InAutocommit()) return Ok();
    RAPPORT_RETURN_IF_ERROR(c_.BeginRead());
    open_ = true;
    return Ok();
  }
  ~ReadSnapshot() {
    if (open_) (void)c_.Exec("ROLLBACK");
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  SqlConnection& c_;
  bool open_ = false;
};

// The caseload's episodes found by id in `episodes` (ordered by id).
CaseloadEpisode* FindEpisode(std::vector<CaseloadEpisode>& episodes, EpisodeId id) {
  auto it =
      std::lower_bound(episodes.begin(), episodes.end(), id,
                       [](const CaseloadEpisode& e, EpisodeId key) { return e.episode.id < key; });
  return it != episodes.end() && it->episode.id == id ? &*it : nullptr;
}

// Runs one of the caseload's queries (?1 the clinic, ?2 the therapists as a JSON array, and ?3
// now when `with_now`) and hands each row to `row` with the episode its column `episode_column`
// names; rows of other episodes are passed over.
template <typename Row>
Status EachCaseloadRow(SqlConnection& c, std::string_view sql, const CaseloadQuery& query,
                       const std::string& therapists, bool with_now, int episode_column,
                       std::vector<CaseloadEpisode>& episodes, Row row) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
  q.Bind(query.clinic_id).Bind(therapists);
  if (with_now) q.Bind(query.now);
  for (;;) {
    RAPPORT_ASSIGN_OR_RETURN(const bool more, q.Step());
    if (!more) return Ok();
    CaseloadEpisode* e = FindEpisode(episodes, q.Int(episode_column));
    if (e != nullptr) RAPPORT_RETURN_IF_ERROR(row(*e, q));
  }
}

Result<std::vector<CaseloadEpisode>> QueryCaseload(SqlConnection& c, const CaseloadQuery& query) {
  std::vector<CaseloadEpisode> out;
  if (query.therapist_ids.empty()) return out;
  const std::string therapists = Json(query.therapist_ids).dump();
  ReadSnapshot snapshot(c);
  RAPPORT_RETURN_IF_ERROR(snapshot.Begin());

  // 1. The episodes with their people's names.
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c.Prepare("SELECT e.id, e.clinic_id, e.client_id, e.therapist_id, e.status, e.started_at, "
                  "e.ended_at, u.display_name, coalesce(p.preferred_name, ''), "
                  "coalesce(p.date_of_birth, ''), t.display_name FROM episodes e "
                  "JOIN users u ON u.id = e.client_id AND u.role = 'client' "
                  "AND u.clinic_id = e.clinic_id "
                  "LEFT JOIN client_profiles p ON p.user_id = e.client_id "
                  "JOIN users t ON t.id = e.therapist_id WHERE e.clinic_id = ?1 "
                  "AND e.therapist_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?2)) ORDER "
                  "BY e.id"));
    q.Bind(query.clinic_id).Bind(therapists);
    for (;;) {
      RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
      if (!row) break;
      CaseloadEpisode e;
      RAPPORT_ASSIGN_OR_RETURN(e.episode, ReadEpisode(q));
      e.client_display_name = q.Text(7);
      e.client_preferred_name = q.Text(8);
      e.client_date_of_birth = q.Text(9);
      e.therapist_name = q.Text(10);
      out.push_back(std::move(e));
    }
  }

  // 2. Open alerts, counted by severity.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      RAPPORT_CASELOAD_OPEN
      "SELECT episode_id, severity, count(*) FROM alerts INDEXED BY alerts_open_by_episode "
      "WHERE state = 'open' AND episode_id IN (SELECT id FROM caseload) GROUP BY episode_id, "
      "severity",
      query, therapists, /*with_now=*/false, 0, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(const Severity severity,
                                 FromColumn(ParseSeverity(q.Text(1)), "alert severity"));
        e.open_alerts += static_cast<int>(q.Int(2));
        if (!e.top_severity || severity > *e.top_severity) e.top_severity = severity;
        return Ok();
      }));

  // 3. The next appointment of every episode (SQLite takes the bare columns from the row that
  // holds the minimum; PostgreSQL says so with DISTINCT ON).
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      c.dialect() == SqlDialect::kSqlite
          ? "SELECT a.id, a.episode_id, min(a.starts_at), a.duration_minutes, a.modality, "
            "a.status FROM appointments a INDEXED BY appointments_by_episode_status WHERE "
            "a.episode_id IN (SELECT id FROM episodes WHERE clinic_id = ?1 AND therapist_id IN "
            "(SELECT value FROM json_each(?2))) AND a.status = 'scheduled' AND a.starts_at >= ?3 "
            "GROUP BY a.episode_id"
          : "SELECT DISTINCT ON (a.episode_id) a.id, a.episode_id, a.starts_at, "
            "a.duration_minutes, a.modality, a.status FROM appointments a WHERE a.episode_id IN "
            "(SELECT id FROM episodes WHERE clinic_id = ?1 AND therapist_id IN "
            "(SELECT CAST(value AS BIGINT) FROM json_each(?2))) AND a.status = 'scheduled' AND "
            "a.starts_at >= ?3 ORDER BY a.episode_id, a.starts_at, a.id",
      query, therapists, /*with_now=*/true, 1, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(e.next_appointment, ReadAppointment(q));
        return Ok();
      }));

  // 4. The questionnaires assigned, in order.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(c,
                                          RAPPORT_CASELOAD_OPEN
                                          "SELECT episode_id, instrument FROM episode_instruments "
                                          "WHERE episode_id IN (SELECT id FROM caseload) "
                                          "ORDER BY episode_id, assigned_at, rowid",
                                          query, therapists, /*with_now=*/false, 0, out,
                                          [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
                                            std::string code = q.Text(1);
                                            if (std::find(e.assigned.begin(), e.assigned.end(),
                                                          code) == e.assigned.end()) {
                                              e.assigned.push_back(std::move(code));
                                            }
                                            return Ok();
                                          }));

  // 5. The series of answers, a summary row each with its first and latest totals.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      RAPPORT_CASELOAD_OPEN "SELECT " RAPPORT_SERIES_COLUMNS
                            " FROM response_series WHERE episode_id IN (SELECT id FROM caseload) "
                            "ORDER BY episode_id, instrument, respondent",
      query, therapists, /*with_now=*/false, 0, out,
      [&query](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(ResponseSeries s, ReadSeries(q, query.recent));
        e.series.push_back(std::move(s));
        return Ok();
      }));

  // 6. The plan's standing, from its covering index: the newest version's status...
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      c.dialect() == SqlDialect::kSqlite ? RAPPORT_CASELOAD_OPEN
          "SELECT episode_id, status, max(number) FROM plan_versions INDEXED BY "
          "plan_versions_standing WHERE episode_id IN (SELECT id FROM caseload) GROUP BY episode_id"
                                         : RAPPORT_CASELOAD_OPEN
          "SELECT DISTINCT ON (episode_id) episode_id, status, number FROM plan_versions "
          "WHERE episode_id IN (SELECT id FROM caseload) ORDER BY episode_id, number DESC",
      query, therapists, /*with_now=*/false, 0, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(e.plan_status,
                                 FromColumn(ParsePlanVersionStatus(q.Text(1)), "plan status"));
        return Ok();
      }));
  // ... and, for an agreed plan, since when its review counts and the sessions completed since.
  RAPPORT_RETURN_IF_ERROR(EachCaseloadRow(
      c,
      RAPPORT_CASELOAD_OPEN
      ", agreed AS (SELECT v.episode_id, v.number, max(coalesce(v.decided_at, v.updated_at), "
      "coalesce((SELECT max(ev.at) FROM plan_events ev INDEXED BY plan_events_by_kind "
      "WHERE ev.episode_id = v.episode_id AND ev.kind = 'review'), 0)) AS since "
      "FROM plan_versions v INDEXED BY plan_versions_standing "
      "WHERE v.episode_id IN (SELECT id FROM caseload) AND v.status = 'agreed') "
      "SELECT g.episode_id, g.since, (SELECT count(*) FROM appointments a INDEXED BY "
      "appointments_by_episode_status WHERE a.episode_id = g.episode_id AND "
      "a.status = 'completed' AND a.starts_at > g.since AND a.starts_at <= ?3) "
      "FROM agreed g ORDER BY g.episode_id, g.number",
      query, therapists, /*with_now=*/true, 0, out,
      [](CaseloadEpisode& e, const SqlQuery& q) -> Status {
        if (e.plan_review_since) return Ok();  // the first agreed version counts
        e.plan_review_since = q.Int(1);
        e.sessions_since_review = static_cast<int>(q.Int(2));
        return Ok();
      }));
  return out;
}

#undef RAPPORT_CASELOAD_OPEN

Result<std::pair<std::int64_t, std::int64_t>> QueryEndedEpisodesMark(SqlConnection& c,
                                                                     ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT ended, changes FROM clinic_ended_episodes WHERE clinic_id = ?"));
  q.Bind(clinic_id);
  RAPPORT_ASSIGN_OR_RETURN(const bool row, q.Step());
  if (!row) return std::pair<std::int64_t, std::int64_t>{0, 0};
  return std::pair<std::int64_t, std::int64_t>{q.Int(0), q.Int(1)};
}

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
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO clinics (name, share_with_guardians, allow_link_feedback, "
                   "plan_review_sessions, plan_review_days, age_of_majority, "
                   "cancel_notice_hours, outcome_informed_matching, min_outcome_episodes, "
                   "clients_may_read_notes, fit_check_after_hours, repair_within_hours, "
                   "no_contact_after_days, adolescent_from_age, minor_consent_age, "
                   "guardian_policy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id"));
    q.Bind(clinic.name)
        .Bind(clinic.settings.share_with_guardians)
        .Bind(clinic.settings.allow_link_feedback)
        .Bind(clinic.settings.plan_review_sessions)
        .Bind(clinic.settings.plan_review_days)
        .Bind(clinic.settings.age_of_majority)
        .Bind(clinic.settings.cancel_notice_hours)
        .Bind(clinic.settings.outcome_informed_matching)
        .Bind(clinic.settings.min_outcome_episodes)
        .Bind(clinic.settings.clients_may_read_notes)
        .Bind(clinic.settings.fit_check_after_hours)
        .Bind(clinic.settings.repair_within_hours)
        .Bind(clinic.settings.no_contact_after_days)
        .Bind(clinic.settings.adolescent_from_age)
        .Bind(clinic.settings.minor_consent_age)
        .Bind(PolicyColumn(clinic.settings.guardian_policy));
    return q.RunReturningId();
  }

  Status UpdateClinicSettings(ClinicId id, const ClinicSettings& settings) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare(
            "UPDATE clinics SET share_with_guardians = ?, allow_link_feedback = ?, "
            "plan_review_sessions = ?, plan_review_days = ?, age_of_majority = ?, "
            "cancel_notice_hours = ?, outcome_informed_matching = ?, "
            "min_outcome_episodes = ?, clients_may_read_notes = ?, fit_check_after_hours = ?, "
            "repair_within_hours = ?, no_contact_after_days = ?, adolescent_from_age = ?, "
            "minor_consent_age = ?, guardian_policy = ? WHERE id = ?"));
    q.Bind(settings.share_with_guardians)
        .Bind(settings.allow_link_feedback)
        .Bind(settings.plan_review_sessions)
        .Bind(settings.plan_review_days)
        .Bind(settings.age_of_majority)
        .Bind(settings.cancel_notice_hours)
        .Bind(settings.outcome_informed_matching)
        .Bind(settings.min_outcome_episodes)
        .Bind(settings.clients_may_read_notes)
        .Bind(settings.fit_check_after_hours)
        .Bind(settings.repair_within_hours)
        .Bind(settings.no_contact_after_days)
        .Bind(settings.adolescent_from_age)
        .Bind(settings.minor_consent_age)
        .Bind(PolicyColumn(settings.guardian_policy))
        .Bind(id);
    return ChangedOne(q.Run(), "no such clinic");
  }

  Result<UserId> InsertUser(const NewUser& user) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO users (clinic_id, email, display_name, role, password_hash, "
                   "active, created_at, email_confirmed) VALUES (?, ?, ?, ?, ?, 1, ?, ?) "
                   "RETURNING id"));
    q.Bind(user.clinic_id)
        .Bind(user.email)
        .Bind(user.display_name)
        .Bind(ToString(user.role))
        .Bind(user.password_hash)
        .Bind(user.created_at)
        .Bind(user.email_confirmed);
    return NameMissing(q.RunReturningId(), "clinic does not exist");
  }

  Status SetPasswordHash(UserId id, const std::string& hash) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c_.Prepare("UPDATE users SET password_hash = ? WHERE id = ?"));
    q.Bind(hash).Bind(id);
    return ChangedOne(q.Run(), "no such user");
  }

  Status ConfirmEmail(UserId id) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c_.Prepare("UPDATE users SET email_confirmed = 1 WHERE id = ?"));
    q.Bind(id);
    return ChangedOne(q.Run(), "no such user");
  }

  Status SetUserActive(UserId id, bool active) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare("UPDATE users SET active = ? WHERE id = ?"));
    q.Bind(active).Bind(id);
    return ChangedOne(q.Run(), "no such user");
  }

  Status UpsertTherapistProfile(const TherapistProfile& p) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO therapist_profiles (user_id, credentials, bio, "
                   "accepting_new_clients) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                   "SET credentials = excluded.credentials, bio = excluded.bio, "
                   "accepting_new_clients = excluded.accepting_new_clients"));
    q.Bind(p.user_id).Bind(p.credentials).Bind(p.bio).Bind(p.accepting_new_clients);
    return Done(NameMissing(q.Run(), "user does not exist"));
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
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO client_profiles (user_id, date_of_birth, preferred_name, "
                   "country) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                   "date_of_birth = excluded.date_of_birth, "
                   "preferred_name = excluded.preferred_name, country = excluded.country"));
    q.Bind(p.user_id).Bind(p.date_of_birth).Bind(p.preferred_name).Bind(p.country);
    return Done(NameMissing(q.Run(), "user does not exist"));
  }

  Status UpsertContactDetails(const ContactDetails& d) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO client_contacts (user_id, phone, contact_method, contact_times, "
                   "emergency_name, emergency_relationship, emergency_phone, pronouns, language, "
                   "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, "
                   "contact_method = excluded.contact_method, "
                   "contact_times = excluded.contact_times, "
                   "emergency_name = excluded.emergency_name, "
                   "emergency_relationship = excluded.emergency_relationship, "
                   "emergency_phone = excluded.emergency_phone, pronouns = excluded.pronouns, "
                   "language = excluded.language, updated_at = excluded.updated_at, "
                   "updated_by = excluded.updated_by"));
    q.Bind(d.client_id).Bind(d.phone).Bind(ToString(d.method)).Bind(d.contact_times);
    q.Bind(d.emergency_name).Bind(d.emergency_relationship).Bind(d.emergency_phone);
    q.Bind(d.pronouns).Bind(d.language).Bind(d.updated_at).Bind(d.updated_by);
    return Done(NameMissing(q.Run(), "user does not exist"));
  }

  Status AddSupervision(UserId supervisor_id, UserId therapist_id) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO supervision_links (supervisor_id, therapist_id) VALUES (?, ?) "
                   "ON CONFLICT DO NOTHING"));
    q.Bind(supervisor_id).Bind(therapist_id);
    return Done(NameMissing(q.Run(), "supervisor or therapist does not exist"));
  }

  Result<GuardianLinkId> InsertGuardianLink(const GuardianLink& link) override {
    const std::string missing = "guardian or child does not exist";
    RowClinic clinic = f_.OfUser(link.child_id);
    const Owner owner = OwnerOf(link.guardian_id, link.child_id);
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string exception_reason,
        NameMissing(f_.Seal(clinic, Field::kGuardianException, owner, link.exception_reason),
                    missing));
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string consent_note,
        NameMissing(f_.Seal(clinic, Field::kGuardianConsentNote, owner, link.consent_note),
                    missing));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("INSERT INTO guardian_links (guardian_id, child_id, requested_by, "
                               "requested_at, requested_name, exception_reason, accepted_at, "
                               "consent_recorded_by, consent_recorded_at, consent_note) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(link.guardian_id)
        .Bind(link.child_id)
        .Bind(IdOrNull(link.requested_by))
        .Bind(link.requested_at)
        .Bind(link.requested_name)
        .Bind(exception_reason)
        .Bind(link.accepted_at)
        .Bind(IdOrNull(link.consent_recorded_by))
        .Bind(link.consent_recorded_at)
        .Bind(consent_note);
    return NameMissing(q.RunReturningId(), missing);
  }

  Status UpdateGuardianLink(const GuardianLink& link) override {
    std::string consent_note;
    {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery stored,
          c_.Prepare("SELECT guardian_id, child_id FROM guardian_links WHERE id = ?"));
      stored.Bind(link.id);
      RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
      if (!found) return Fail(Error::NotFound("no such guardian link"));
      RowClinic clinic = f_.OfUser(stored.Int(1));
      RAPPORT_ASSIGN_OR_RETURN(consent_note,
                               f_.Seal(clinic, Field::kGuardianConsentNote,
                                       OwnerOf(stored.Int(0), stored.Int(1)), link.consent_note));
    }
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c_.Prepare("UPDATE guardian_links SET accepted_at = ?, "
                                        "consent_recorded_by = ?, consent_recorded_at = ?, "
                                        "consent_note = ? WHERE id = ?"));
    q.Bind(link.accepted_at)
        .Bind(IdOrNull(link.consent_recorded_by))
        .Bind(link.consent_recorded_at)
        .Bind(consent_note)
        .Bind(link.id);
    return ChangedOne(NameMissing(q.Run(), "user does not exist"), "no such guardian link");
  }

  Status DeleteGuardianLink(GuardianLinkId id) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare("DELETE FROM guardian_links WHERE id = ?"));
    q.Bind(id);
    return ChangedOne(q.Run(), "no such guardian link");
  }
  Status PutGuardianStanding(const GuardianStanding& standing) override {
    return sql::PutGuardianStanding(f_, standing);
  }
  Result<ConsentId> InsertCareConsent(const CareConsent& consent) override {
    return sql::InsertCareConsent(f_, consent);
  }
  Result<DisclosureId> InsertSafetyDisclosure(const SafetyDisclosure& disclosure) override {
    return sql::InsertSafetyDisclosure(f_, disclosure);
  }

  Result<EpisodeId> InsertEpisode(const Episode& e) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("INSERT INTO episodes (clinic_id, client_id, therapist_id, status, "
                               "started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(e.clinic_id)
        .Bind(e.client_id)
        .Bind(e.therapist_id)
        .Bind(ToString(e.status))
        .Bind(e.started_at)
        .Bind(e.ended_at);
    return NameMissing(q.RunReturningId(), "clinic, client or therapist does not exist");
  }

  Status UpdateEpisodeStatus(EpisodeId id, EpisodeStatus status,
                             std::optional<Timestamp> ended_at) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("UPDATE episodes SET status = ?, ended_at = ? WHERE id = ?"));
    q.Bind(ToString(status)).Bind(ended_at).Bind(id);
    return ChangedOne(q.Run(), "no such episode");
  }

  Result<AppointmentId> InsertAppointment(const Appointment& a) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO appointments (episode_id, starts_at, duration_minutes, modality, "
                   "status) VALUES (?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(a.episode_id)
        .Bind(a.starts_at)
        .Bind(a.duration_minutes)
        .Bind(ToString(a.modality))
        .Bind(ToString(a.status));
    return NameMissing(q.RunReturningId(), "episode does not exist");
  }

  Status UpdateAppointment(const Appointment& a) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("UPDATE appointments SET episode_id = ?, starts_at = ?, duration_minutes = ?, "
                   "modality = ?, status = ? WHERE id = ?"));
    q.Bind(a.episode_id)
        .Bind(a.starts_at)
        .Bind(a.duration_minutes)
        .Bind(ToString(a.modality))
        .Bind(ToString(a.status))
        .Bind(a.id);
    return ChangedOne(NameMissing(q.Run(), "episode does not exist"), "no such appointment");
  }

  Status StartRoomSession(const RoomSession& s) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("INSERT INTO room_sessions (" RAPPORT_ROOM_SESSION_COLUMNS
                               ") VALUES (?, ?, ?, ?, ?, NULL) "
                               "ON CONFLICT (appointment_id) DO UPDATE SET ended_at = NULL"));
    q.Bind(s.appointment_id).Bind(s.clinic_id).Bind(s.episode_id).Bind(ToString(s.modality));
    q.Bind(s.started_at);
    return Done(NameMissing(q.Run(), "appointment does not exist"));
  }

  Status EndRoomSession(AppointmentId appointment_id, Timestamp at) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("UPDATE room_sessions SET ended_at = coalesce(ended_at, max(?, started_at)) "
                   "WHERE appointment_id = ?"));
    q.Bind(at).Bind(appointment_id);
    return ChangedOne(q.Run(), "no session was held in this room");
  }

  Status InsertRoomGuest(const RoomGuest& g) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO room_guests (appointment_id, guardian_id, invited_by, invited_at) "
                   "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"));
    q.Bind(g.appointment_id).Bind(g.guardian_id).Bind(g.invited_by).Bind(g.invited_at);
    return Done(NameMissing(q.Run(), "appointment or person does not exist"));
  }

  Status UpsertSessionSignals(const SessionSignalsRecord& r) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO session_signals (" RAPPORT_SESSION_SIGNALS_COLUMNS
                   ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (appointment_id) DO UPDATE SET "
                   "updated_at = max(excluded.updated_at, session_signals.origin), "
                   "figures = excluded.figures"));
    q.Bind(r.appointment_id).Bind(r.clinic_id).Bind(r.episode_id).Bind(r.origin);
    q.Bind(r.updated_at).Bind(r.figures.dump());
    return Done(NameMissing(q.Run(), "appointment does not exist"));
  }

  Result<std::int64_t> InsertSessionReaction(const SessionReaction& r) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO session_reactions (appointment_id, clinic_id, by_user, kind, at) "
                   "VALUES (?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(r.appointment_id).Bind(r.clinic_id).Bind(r.by).Bind(ToString(r.kind)).Bind(r.at);
    return NameMissing(q.RunReturningId(), "appointment or person does not exist");
  }

  Result<MessageId> InsertEpisodeMessage(const EpisodeMessage& m) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO episode_messages (clinic_id, episode_id, sender_id, sent_at, "
                   "sealed) VALUES (?, ?, ?, ?, ?) RETURNING id"));
    RowClinic clinic(m.clinic_id);
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string body,
        NameMissing(f_.Seal(clinic, Field::kMessageBody,
                            OwnerOf(m.clinic_id, m.episode_id, m.sender_id, m.sent_at), m.body),
                    "episode or sender does not exist"));
    q.Bind(m.clinic_id).Bind(m.episode_id).Bind(m.sender_id).Bind(m.sent_at).Bind(body);
    return NameMissing(q.RunReturningId(), "episode or sender does not exist");
  }

  Result<int> MarkEpisodeMessagesRead(EpisodeId episode_id, UserId reader, MessageId up_to,
                                      Timestamp at) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("UPDATE episode_messages SET read_at = max(?, sent_at) WHERE episode_id = ? "
                   "AND sender_id <> ? AND id <= ? AND read_at IS NULL"));
    q.Bind(at).Bind(episode_id).Bind(reader).Bind(up_to);
    return q.Run();
  }

  Result<AppointmentRequestId> InsertAppointmentRequest(const AppointmentRequest& r) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO appointment_requests (clinic_id, appointment_id, requested_by, "
                   "kind, note, short_notice, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id"));
    RowClinic clinic(r.clinic_id);
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string note,
        NameMissing(f_.Seal(clinic, Field::kRequestNote,
                            OwnerOf(r.appointment_id, r.requested_by, r.created_at), r.note),
                    "appointment or person does not exist"));
    q.Bind(r.clinic_id).Bind(r.appointment_id).Bind(r.requested_by).Bind(ToString(r.kind));
    q.Bind(note).Bind(r.short_notice).Bind(r.created_at);
    return NameMissing(q.RunReturningId(), "appointment or person does not exist");
  }

  Status UpdateAppointmentRequest(const AppointmentRequest& r) override {
    std::string reply;
    {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery stored, c_.Prepare("SELECT clinic_id, appointment_id, requested_by, created_at "
                                      "FROM appointment_requests WHERE id = ?"));
      stored.Bind(r.id);
      RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
      if (!found) return Fail(Error::NotFound("no such appointment request"));
      RowClinic clinic(stored.Int(0));
      RAPPORT_ASSIGN_OR_RETURN(
          reply, f_.Seal(clinic, Field::kRequestReply,
                         OwnerOf(stored.Int(1), stored.Int(2), stored.Int(3)), r.reply));
    }
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("UPDATE appointment_requests SET state = ?, decided_by = ?, decided_at = ?, "
                   "reply = ? WHERE id = ?"));
    q.Bind(ToString(r.state)).Bind(r.decided_by).Bind(r.decided_at).Bind(reply).Bind(r.id);
    return ChangedOne(q.Run(), "no such appointment request");
  }

  Status PutCalendarFeed(UserId user_id, const std::string& token_hash,
                         Timestamp created_at) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?) "
                   "ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, "
                   "created_at = excluded.created_at"));
    q.Bind(user_id).Bind(token_hash).Bind(created_at);
    return Done(NameMissing(q.Run(), "user does not exist"));
  }

  Result<SessionId> InsertSession(const AuthSession& s) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO auth_sessions (user_id, token_hash, csrf_hash, created_at, "
                   "last_seen_at, source, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(s.user_id)
        .Bind(s.token_hash)
        .Bind(s.csrf_hash)
        .Bind(s.created_at)
        .Bind(s.last_seen_at)
        .Bind(s.source)
        .Bind(s.user_agent);
    return NameMissing(q.RunReturningId(), "user does not exist");
  }

  Status TouchSession(SessionId id, Timestamp last_seen_at) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c_.Prepare("UPDATE auth_sessions SET last_seen_at = ? WHERE id = ?"));
    q.Bind(last_seen_at).Bind(id);
    return ChangedOne(q.Run(), "no such session");
  }

  Status DeleteSession(SessionId id) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare("DELETE FROM auth_sessions WHERE id = ?"));
    q.Bind(id);
    return ChangedOne(q.Run(), "no such session");
  }

  Status DeleteSessionsOfUser(UserId user_id) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare("DELETE FROM auth_sessions WHERE user_id = ?"));
    q.Bind(user_id);
    return Done(q.Run());
  }

  Status DeleteOtherSessionsOfUser(UserId user_id, SessionId keep) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c_.Prepare("DELETE FROM auth_sessions WHERE user_id = ? AND id <> ?"));
    q.Bind(user_id).Bind(keep);
    return Done(q.Run());
  }

  Result<int> DeleteExpiredSessions(ClinicId clinic_id, Timestamp idle_before,
                                    Timestamp created_before) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("DELETE FROM auth_sessions WHERE (last_seen_at < ? OR created_at < ?) AND "
                   "user_id IN (SELECT id FROM users WHERE clinic_id = ?)"));
    q.Bind(idle_before).Bind(created_before).Bind(clinic_id);
    return q.Run();
  }

  Status UpsertKnownDevice(const KnownDevice& d) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare(
            "INSERT INTO known_devices (user_id, token_hash, created_at, last_used_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (token_hash) DO UPDATE SET "
            "last_used_at = excluded.last_used_at WHERE known_devices.user_id = excluded.user_id"));
    q.Bind(d.user_id).Bind(d.token_hash).Bind(d.created_at).Bind(d.last_used_at);
    return Done(NameMissing(q.Run(), "user does not exist"));
  }

  Result<LoginFailureCount> CountLoginFailures(const LoginFailureScope& scope,
                                               Timestamp since) override {
    return QueryLoginFailures(c_, scope, since);
  }

  Result<std::int64_t> InsertLoginFailure(const LoginFailure& f) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO login_failures (email, source, device_hash, at) VALUES (?, ?, ?, "
                   "?) RETURNING id"));
    q.Bind(f.email).Bind(f.source).Bind(f.device_hash).Bind(f.at);
    return q.RunReturningId();
  }

  Status DeleteLoginFailure(std::int64_t id) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare("DELETE FROM login_failures WHERE id = ?"));
    q.Bind(id);
    return Done(q.Run());
  }

  Status ClearLoginFailuresForEmail(const std::string& email) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare("DELETE FROM login_failures WHERE email = ?"));
    q.Bind(email);
    return Done(q.Run());
  }

  Status PruneLoginFailures(Timestamp before) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c_.Prepare("DELETE FROM login_failures WHERE at < ?"));
    q.Bind(before);
    return Done(q.Run());
  }

  Result<InvitationId> InsertInvitation(const Invitation& i) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO invitations (clinic_id, user_id, created_by, token_hash, "
                   "created_at, expires_at, used_at, purpose, delivery) VALUES (?, ?, ?, ?, ?, ?, "
                   "?, ?, ?) RETURNING id"));
    q.Bind(i.clinic_id)
        .Bind(i.user_id)
        .Bind(i.created_by)
        .Bind(i.token_hash)
        .Bind(i.created_at)
        .Bind(i.expires_at)
        .Bind(i.used_at)
        .Bind(i.purpose)
        .Bind(i.delivery);
    return NameMissing(q.RunReturningId(), "clinic, user or inviting user does not exist");
  }

  Status MarkInvitationUsed(InvitationId id, Timestamp used_at) override {
    {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c_.Prepare("UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL"));
      q.Bind(used_at).Bind(id);
      RAPPORT_ASSIGN_OR_RETURN(const int changed, q.Run());
      if (changed == 1) return Ok();
    }
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery exists, c_.Prepare("SELECT 1 FROM invitations WHERE id = ?"));
    exists.Bind(id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, exists.Step());
    if (!found) return Fail(Error::NotFound("no such invitation"));
    return Fail(Error::FailedPrecondition("the invitation has already been used"));
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

  Result<User> GetUser(UserId id) override { return QueryUser(c_, id); }
  Result<TherapistOffer> GetTherapistOffer(UserId therapist_id) override {
    return sql::GetTherapistOffer(c_, therapist_id);
  }
  Result<std::vector<Episode>> ListEpisodesOfClient(UserId client_id) override {
    return QueryEpisodesOfClient(c_, client_id);
  }
  Result<Episode> GetEpisode(EpisodeId id) override { return QueryEpisode(c_, id); }
  Result<Appointment> GetAppointment(AppointmentId id) override { return QueryAppointment(c_, id); }
  Result<std::vector<Appointment>> ListAppointmentsOfEpisode(EpisodeId id) override {
    return QueryAppointmentsOfEpisode(c_, id);
  }
  Result<Invitation> FindInvitationByTokenHash(const std::string& token_hash) override {
    return QueryInvitationByTokenHash(c_, token_hash);
  }
  Result<FeedbackAlert> GetAlert(AlertId id) override { return QueryAlert(f_, id); }
  Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(EpisodeId id) override {
    return QueryResponsesOfEpisode(f_, id);
  }
  Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(EpisodeId id) override {
    return QueryAlertsOfEpisode(f_, id);
  }

  Result<FeedbackDraft> GetFeedbackDraft(EpisodeId episode_id, UserId author_id) override {
    return QueryFeedbackDraft(f_, episode_id, author_id);
  }
  Result<ResponseSeries> GetResponseSeries(EpisodeId episode_id, const std::string& instrument,
                                           Respondent respondent, int recent) override {
    return QueryResponseSeries(c_, episode_id, instrument, respondent, recent);
  }
  Result<std::vector<FeedbackAlert>> ListUnresolvedAlertsOfInstrument(
      EpisodeId episode_id, const std::string& instrument) override {
    return QueryUnresolvedAlertsOfInstrument(f_, episode_id, instrument);
  }

  Status PutFeedbackDraft(const FeedbackDraft& d) override {
    const std::string missing = "episode or author does not exist";
    RowClinic clinic = f_.OfEpisode(d.episode_id);
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string answers,
        NameMissing(f_.Seal(clinic, Field::kDraftAnswers, OwnerOf(d.episode_id, d.author_id),
                            d.answers_json),
                    missing));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO feedback_drafts (episode_id, author_id, answers_json, updated_at, "
                   "risk_since, risk_alerted_at) VALUES (?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (episode_id, author_id) DO UPDATE SET "
                   "answers_json = excluded.answers_json, updated_at = excluded.updated_at, "
                   "risk_since = excluded.risk_since, risk_alerted_at = excluded.risk_alerted_at"));
    q.Bind(d.episode_id)
        .Bind(d.author_id)
        .Bind(answers)
        .Bind(d.updated_at)
        .Bind(d.risk_since)
        .Bind(d.risk_alerted_at);
    return Done(NameMissing(q.Run(), missing));
  }

  Status DeleteFeedbackDraft(EpisodeId episode_id, UserId author_id) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("DELETE FROM feedback_drafts WHERE episode_id = ? AND author_id = ?"));
    q.Bind(episode_id).Bind(author_id);
    return Done(q.Run());
  }

  Status UpsertAssignment(const InstrumentAssignment& a) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO episode_instruments (episode_id, instrument, respondent, "
                   "assigned_at, every_sessions, every_weeks) VALUES (?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT DO NOTHING"));
    q.Bind(a.episode_id).Bind(a.instrument).Bind(ToString(a.respondent)).Bind(a.assigned_at);
    BindSchedule(q, a.schedule);
    return Done(NameMissing(q.Run(), "episode does not exist"));
  }

  Status SetAssignmentSchedule(EpisodeId episode_id, const std::string& instrument,
                               Respondent respondent,
                               const std::optional<Schedule>& schedule) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("UPDATE episode_instruments SET every_sessions = ?, every_weeks = ? "
                               "WHERE episode_id = ? AND instrument = ? AND respondent = ?"));
    BindSchedule(q, schedule);
    q.Bind(episode_id).Bind(instrument).Bind(ToString(respondent));
    return ChangedOne(q.Run(), "no such assignment");
  }

  Result<ResponseId> InsertResponse(const FeedbackResponse& r) override {
    RowClinic clinic = f_.OfEpisode(r.episode_id);
    RAPPORT_ASSIGN_OR_RETURN(const std::string answers,
                             NameMissing(f_.Seal(clinic, Field::kResponseAnswers,
                                                 OwnerOf(r.episode_id, r.respondent_user_id,
                                                         r.instrument, r.submitted_at),
                                                 r.answers_json),
                                         "episode, appointment or respondent does not exist"));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("INSERT INTO responses (episode_id, appointment_id, instrument, "
                               "instrument_version, respondent, respondent_user_id, submitted_at, "
                               "session_number, answers, total, band, scales, risk) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(r.episode_id)
        .Bind(r.appointment_id)
        .Bind(r.instrument)
        .Bind(r.instrument_version)
        .Bind(ToString(r.respondent))
        .Bind(r.respondent_user_id)
        .Bind(r.submitted_at)
        .Bind(r.session_number)
        .Bind(answers)
        .Bind(r.total)
        .Bind(r.band)
        .Bind(r.scales_json)
        .Bind(r.risk_json);
    auto id = NameMissing(q.RunReturningId(), "episode, appointment or respondent does not exist");
    if (!id && id.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error{ErrorCode::kAlreadyExists,
                        "this questionnaire has already been answered for this appointment",
                        {FieldError{"appointment_id", "has already been answered"}}});
    }
    if (id && r.total) RAPPORT_RETURN_IF_ERROR(KeepLatestTotal(r, *id));
    return id;
  }

  Result<AlertId> InsertAlert(const FeedbackAlert& a) override {
    const std::string missing = "episode, clinic, response or user does not exist";
    RowClinic clinic(a.clinic_id);
    const Owner owner = OwnerOf(a.episode_id, a.rule_id, a.raised_at);
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string acknowledge_note,
        NameMissing(f_.Seal(clinic, Field::kAlertAcknowledgeNote, owner, a.acknowledge_note),
                    missing));
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string resolve_note,
        NameMissing(f_.Seal(clinic, Field::kAlertResolveNote, owner, a.resolve_note), missing));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("INSERT INTO alerts (episode_id, clinic_id, response_id, rule_id, "
                               "kind, severity, title, explanation, next_step, raised_at, state, "
                               "acknowledged_by, acknowledged_at, acknowledge_note, resolved_by, "
                               "resolved_at, resolve_note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                               "?, ?, ?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(a.episode_id)
        .Bind(a.clinic_id)
        .Bind(a.response_id)
        .Bind(a.rule_id)
        .Bind(ToString(a.kind))
        .Bind(ToString(a.severity))
        .Bind(a.title)
        .Bind(a.explanation)
        .Bind(a.next_step)
        .Bind(a.raised_at)
        .Bind(ToString(a.state))
        .Bind(a.acknowledged_by)
        .Bind(a.acknowledged_at)
        .Bind(acknowledge_note)
        .Bind(a.resolved_by)
        .Bind(a.resolved_at)
        .Bind(resolve_note);
    return NameMissing(q.RunReturningId(), missing);
  }

  Status UpdateAlertState(const FeedbackAlert& a) override {
    std::string acknowledge_note;
    std::string resolve_note;
    {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery stored,
                               c_.Prepare("SELECT clinic_id, episode_id, rule_id, raised_at "
                                          "FROM alerts WHERE id = ?"));
      stored.Bind(a.id);
      RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
      if (!found) return Fail(Error::NotFound("no such alert"));
      RowClinic clinic(stored.Int(0));
      const Owner owner = OwnerOf(stored.Int(1), stored.Text(2), stored.Int(3));
      RAPPORT_ASSIGN_OR_RETURN(acknowledge_note, f_.Seal(clinic, Field::kAlertAcknowledgeNote,
                                                         owner, a.acknowledge_note));
      RAPPORT_ASSIGN_OR_RETURN(resolve_note,
                               f_.Seal(clinic, Field::kAlertResolveNote, owner, a.resolve_note));
    }
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("UPDATE alerts SET state = ?, acknowledged_by = ?, acknowledged_at = ?, "
                   "acknowledge_note = ?, resolved_by = ?, resolved_at = ?, resolve_note = ? "
                   "WHERE id = ?"));
    q.Bind(ToString(a.state))
        .Bind(a.acknowledged_by)
        .Bind(a.acknowledged_at)
        .Bind(acknowledge_note)
        .Bind(a.resolved_by)
        .Bind(a.resolved_at)
        .Bind(resolve_note)
        .Bind(a.id);
    return ChangedOne(NameMissing(q.Run(), "user does not exist"), "no such alert");
  }

  Result<FeedbackLinkId> InsertFeedbackLink(const FeedbackLink& l) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO feedback_links (appointment_id, created_by, token_hash, "
                   "created_at, expires_at, uses, guardian_id) VALUES (?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id"));
    q.Bind(l.appointment_id)
        .Bind(l.created_by)
        .Bind(l.token_hash)
        .Bind(l.created_at)
        .Bind(l.expires_at)
        .Bind(l.uses)
        .Bind(l.guardian_id);
    return NameMissing(q.RunReturningId(), "appointment or user does not exist");
  }

  Status CountFeedbackLinkUse(FeedbackLinkId id) override {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                             c_.Prepare("UPDATE feedback_links SET uses = uses + 1 WHERE id = ?"));
    q.Bind(id);
    return ChangedOne(q.Run(), "no such feedback link");
  }

  Result<PlanVersionId> InsertPlanVersion(const PlanVersion& v) override {
    const std::string missing = "episode or creating user does not exist";
    RowClinic clinic = f_.OfEpisode(v.episode_id);
    const Owner owner = OwnerOf(v.episode_id, v.number);
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string content,
        NameMissing(f_.Seal(clinic, Field::kPlanContent, owner, v.content_json), missing));
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string comment,
        NameMissing(f_.Seal(clinic, Field::kPlanClientComment, owner, v.client_comment), missing));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO plan_versions (episode_id, number, status, content_json, "
                   "content_hash, created_by, created_at, updated_at, proposed_at, decided_at, "
                   "client_comment, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "RETURNING id"));
    q.Bind(v.episode_id)
        .Bind(v.number)
        .Bind(ToString(v.status))
        .Bind(content)
        .Bind(v.content_hash)
        .Bind(v.created_by)
        .Bind(v.created_at)
        .Bind(v.updated_at)
        .Bind(v.proposed_at)
        .Bind(v.decided_at)
        .Bind(comment)
        .Bind(IdOrNull(v.decided_by));
    auto id = NameMissing(q.RunReturningId(), missing);
    if (!id && id.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error{ErrorCode::kAlreadyExists,
                        fmt::format("the plan already has a version {}", v.number),
                        {FieldError{"number", "is already taken"}}});
    }
    return id;
  }

  Status UpdatePlanVersion(const PlanVersion& v) override {
    // Checked here as well as by the trigger, so that the refusal is a clear error of its own
    // and does not depend on the schema having been applied unaltered.
    std::string stored_content;  // sealed, as stored
    bool frozen = false;
    RowClinic clinic(ClinicId{0});
    Owner owner;
    {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery stored,
                               c_.Prepare("SELECT content_json, content_hash, episode_id, number "
                                          "FROM plan_versions WHERE id = ?"));
      stored.Bind(v.id);
      RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
      if (!found) return Fail(Error::NotFound("no such plan version"));
      stored_content = stored.Text(0);
      const std::string stored_hash = stored.Text(1);
      owner = OwnerOf(stored.Int(2), stored.Int(3));
      clinic = f_.OfEpisode(stored.Int(2));
      frozen = !stored_hash.empty();
      if (frozen) {
        RAPPORT_ASSIGN_OR_RETURN(const std::string content,
                                 f_.Open(Field::kPlanContent, owner, stored_content));
        if (content != v.content_json || stored_hash != v.content_hash) {
          return Fail(Error::FailedPrecondition(
              "this plan version has been proposed or signed; its content can no longer change"));
        }
      }
    }
    // A frozen version keeps the sealed text it has: sealing the same content again would only
    // change the ciphertext.
    std::string content = stored_content;
    if (!frozen) {
      RAPPORT_ASSIGN_OR_RETURN(content,
                               f_.Seal(clinic, Field::kPlanContent, owner, v.content_json));
    }
    RAPPORT_ASSIGN_OR_RETURN(const std::string comment,
                             f_.Seal(clinic, Field::kPlanClientComment, owner, v.client_comment));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("UPDATE plan_versions SET status = ?, content_json = ?, content_hash = ?, "
                   "created_by = ?, created_at = ?, updated_at = ?, proposed_at = ?, "
                   "decided_at = ?, client_comment = ?, decided_by = ? WHERE id = ?"));
    q.Bind(ToString(v.status))
        .Bind(content)
        .Bind(v.content_hash)
        .Bind(v.created_by)
        .Bind(v.created_at)
        .Bind(v.updated_at)
        .Bind(v.proposed_at)
        .Bind(v.decided_at)
        .Bind(comment)
        .Bind(IdOrNull(v.decided_by))
        .Bind(v.id);
    return ChangedOne(NameMissing(q.Run(), "user does not exist"), "no such plan version");
  }

  Status InsertPlanSignature(const PlanSignature& s) override {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q, c_.Prepare("INSERT INTO plan_signatures (" RAPPORT_PLAN_SIGNATURE_COLUMNS
                               ") VALUES (?, ?, ?, ?, ?)"));
    q.Bind(s.version_id)
        .Bind(ToString(s.role))
        .Bind(s.user_id)
        .Bind(s.signed_at)
        .Bind(s.content_hash);
    auto done = NameMissing(q.Run(), "plan version or signer does not exist");
    if (!done && done.error().code == ErrorCode::kAlreadyExists) {
      return Fail(Error{ErrorCode::kAlreadyExists,
                        fmt::format("the {} has already signed this version", ToString(s.role)),
                        {FieldError{"role", "has already signed"}}});
    }
    return Done(done);
  }

  Result<PlanEventId> InsertPlanEvent(const PlanEvent& e) override {
    RowClinic clinic = f_.OfEpisode(e.episode_id);
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string payload,
        NameMissing(f_.Seal(clinic, Field::kPlanEventPayload,
                            OwnerOf(e.episode_id, ToString(e.kind), e.subject, e.actor_id, e.at),
                            e.payload_json),
                    "episode or user does not exist"));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c_.Prepare("INSERT INTO plan_events (episode_id, kind, subject, payload_json, actor_id, "
                   "at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
    q.Bind(e.episode_id)
        .Bind(ToString(e.kind))
        .Bind(e.subject)
        .Bind(payload)
        .Bind(e.actor_id)
        .Bind(e.at);
    return NameMissing(q.RunReturningId(), "episode or user does not exist");
  }

  Result<std::vector<PlanVersion>> ListPlanVersions(EpisodeId id) override {
    return QueryPlanVersions(f_, id);
  }
  Result<std::vector<PlanSignature>> ListPlanSignatures(EpisodeId id) override {
    return QueryPlanSignatures(c_, id);
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
  Result<Clinic> GetClinic(ClinicId id) override { return QueryClinic(c_, id); }
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
    return QueryIds(c_, kSupervisorsOfTherapist, therapist_id);
  }
  Result<std::vector<User>> ListUsers(ClinicId clinic_id) override {
    return QueryUsersOfClinic(c_, clinic_id);
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
    RAPPORT_RETURN_IF_ERROR(QueryClinic(c_, clinic_id));
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
  // Puts the total of answer `id` among its series' latest (0015_latest_totals_kept_by_the_store
  // .sql); the trigger has already counted the answer, so its series' row exists.
  Status KeepLatestTotal(const FeedbackResponse& r, ResponseId id) {
    std::vector<ScoredPoint> kept;
    {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery read, c_.Prepare("SELECT recent FROM response_series WHERE episode_id = ? AND "
                                    "instrument = ? AND respondent = ?"));
      read.Bind(r.episode_id).Bind(r.instrument).Bind(ToString(r.respondent));
      RAPPORT_ASSIGN_OR_RETURN(const bool found, read.Step());
      if (!found) return Fail(Error::Internal("an answer without its series"));
      RAPPORT_ASSIGN_OR_RETURN(kept, ParseKeptTotals(read.Text(0)));
    }
    RAPPORT_ASSIGN_OR_RETURN(
        const std::string recent,
        FormatKeptTotals(WithLatest(std::move(kept), {r.submitted_at, id, *r.total, r.band})));
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery write,
        c_.Prepare("UPDATE response_series SET recent = ? WHERE episode_id = ? AND instrument = ? "
                   "AND respondent = ?"));
    write.Bind(recent).Bind(r.episode_id).Bind(r.instrument).Bind(ToString(r.respondent));
    RAPPORT_RETURN_IF_ERROR(write.Run());
    return Ok();
  }

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
    return WithReader([&](SqlConnection& c) { return QueryClinic(c, id); });
  }

  Result<std::vector<Clinic>> ListClinics() override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<Clinic>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT " RAPPORT_CLINIC_COLUMNS " FROM clinics ORDER BY id"));
      return All(q, ReadClinic);
    });
  }

  Result<User> GetUser(UserId id) override {
    return WithReader([&](SqlConnection& c) { return QueryUser(c, id); });
  }

  Result<User> FindUserByEmail(ClinicId clinic_id, const std::string& normalized_email) override {
    return WithReader([&](SqlConnection& c) -> Result<User> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT " RAPPORT_USER_COLUMNS " FROM users WHERE clinic_id = ? AND email = ? "
                    "AND email_confirmed = 1"));
      q.Bind(clinic_id).Bind(normalized_email);
      return One(q, ReadUser, "no such user");
    });
  }

  Result<std::vector<User>> ListUsersWithEmail(const std::string& normalized_email) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<User>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT " RAPPORT_USER_COLUMNS
                                " FROM users WHERE email = ? AND email_confirmed = 1 ORDER BY id"));
      q.Bind(normalized_email);
      return All(q, ReadUser);
    });
  }

  Result<std::vector<User>> ListRecordsWithEmail(ClinicId clinic_id,
                                                 const std::string& normalized_email) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<User>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT " RAPPORT_USER_COLUMNS
                                " FROM users WHERE email = ? AND clinic_id = ? ORDER BY id"));
      q.Bind(normalized_email).Bind(clinic_id);
      return All(q, ReadUser);
    });
  }

  Result<std::string> GetPasswordHash(UserId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::string> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT password_hash FROM users WHERE id = ?"));
      q.Bind(id);
      return One(
          q, [](const SqlQuery& row) -> Result<std::string> { return row.Text(0); },
          "no such user");
    });
  }

  Result<std::vector<User>> ListUsers(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return QueryUsersOfClinic(c, clinic_id); });
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
    return WithReader([&](SqlConnection& c) -> Result<TherapistProfile> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT user_id, credentials, bio, accepting_new_clients "
                                         "FROM therapist_profiles WHERE user_id = ?"));
      q.Bind(id);
      return One(
          q,
          [](const SqlQuery& row) -> Result<TherapistProfile> {
            return TherapistProfile{row.Int(0), row.Text(1), row.Text(2), row.Bool(3)};
          },
          "no such therapist profile");
    });
  }

  Result<ClientProfile> GetClientProfile(UserId id) override {
    return WithReader([&](SqlConnection& c) -> Result<ClientProfile> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT user_id, date_of_birth, preferred_name, country "
                                         "FROM client_profiles WHERE user_id = ?"));
      q.Bind(id);
      return One(
          q,
          [](const SqlQuery& row) -> Result<ClientProfile> {
            return ClientProfile{row.Int(0), row.Text(1), row.Text(2), row.Text(3)};
          },
          "no such client profile");
    });
  }

  Result<ContactDetails> GetContactDetails(UserId client_id) override {
    return WithReader([&](SqlConnection& c) -> Result<ContactDetails> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT user_id, phone, contact_method, contact_times, emergency_name, "
                    "emergency_relationship, emergency_phone, pronouns, language, updated_at, "
                    "updated_by FROM client_contacts WHERE user_id = ?"));
      q.Bind(client_id);
      return One(
          q,
          [](const SqlQuery& row) -> Result<ContactDetails> {
            ContactDetails d;
            d.client_id = row.Int(0);
            d.phone = row.Text(1);
            RAPPORT_ASSIGN_OR_RETURN(d.method, ParseContactMethod(row.Text(2)));
            d.contact_times = row.Text(3);
            d.emergency_name = row.Text(4);
            d.emergency_relationship = row.Text(5);
            d.emergency_phone = row.Text(6);
            d.pronouns = row.Text(7);
            d.language = row.Text(8);
            d.updated_at = row.Int(9);
            d.updated_by = row.Int(10);
            return d;
          },
          "no contact details");
    });
  }

  Result<std::vector<UserId>> ListSupervisees(UserId supervisor_id) override {
    return ListIds(
        "SELECT therapist_id FROM supervision_links WHERE supervisor_id = ? "
        "ORDER BY therapist_id",
        supervisor_id);
  }
  Result<std::vector<UserId>> ListSupervisors(UserId therapist_id) override {
    return ListIds(kSupervisorsOfTherapist, therapist_id);
  }
  Result<std::vector<UserId>> ListChildrenOfGuardian(UserId guardian_id) override {
    return ListIds("SELECT child_id FROM guardian_links WHERE guardian_id = ? " RAPPORT_ACTIVE_LINK
                   " ORDER BY child_id",
                   guardian_id);
  }
  Result<std::vector<UserId>> ListGuardiansOfChild(UserId child_id) override {
    return ListIds("SELECT guardian_id FROM guardian_links WHERE child_id = ? " RAPPORT_ACTIVE_LINK
                   " ORDER BY guardian_id",
                   child_id);
  }
  Result<GuardianLink> GetGuardianLink(GuardianLinkId id) override {
    return WithReader([&](SqlConnection& c) -> Result<GuardianLink> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_GUARDIAN_LINK_COLUMNS
                                                     " FROM guardian_links WHERE id = ?"));
      q.Bind(id);
      return One(q, Opening(f, ReadGuardianLink), "no such guardian link");
    });
  }
  Result<std::vector<GuardianLink>> ListGuardianLinksOfChild(UserId child_id) override {
    return ListGuardianLinks("SELECT " RAPPORT_GUARDIAN_LINK_COLUMNS
                             " FROM guardian_links WHERE child_id = ? ORDER BY id",
                             child_id);
  }
  Result<std::vector<GuardianLink>> ListGuardianLinksOfGuardian(UserId guardian_id) override {
    return ListGuardianLinks("SELECT " RAPPORT_GUARDIAN_LINK_COLUMNS
                             " FROM guardian_links WHERE guardian_id = ? ORDER BY id",
                             guardian_id);
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
    return WithReader([&](SqlConnection& c) { return QueryEpisode(c, id); });
  }
  Result<std::vector<Episode>> ListEpisodesOfClient(UserId client_id) override {
    return WithReader([&](SqlConnection& c) { return QueryEpisodesOfClient(c, client_id); });
  }
  Result<std::vector<Episode>> ListEpisodesOfTherapist(UserId therapist_id) override {
    return ListEpisodes("SELECT " RAPPORT_EPISODE_COLUMNS
                        " FROM episodes WHERE therapist_id = ? ORDER BY id",
                        therapist_id);
  }
  Result<std::vector<Episode>> ListEpisodesOfClinic(ClinicId clinic_id) override {
    return ListEpisodes("SELECT " RAPPORT_EPISODE_COLUMNS
                        " FROM episodes WHERE clinic_id = ? ORDER BY id",
                        clinic_id);
  }

  Result<Appointment> GetAppointment(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) { return QueryAppointment(c, id); });
  }

  Result<std::vector<Appointment>> ListAppointmentsOfEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return QueryAppointmentsOfEpisode(c, id); });
  }

  Result<std::vector<Appointment>> ListAppointmentsOfClient(UserId client_id, Timestamp from,
                                                            Timestamp to) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<Appointment>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT a.id, a.episode_id, a.starts_at, a.duration_minutes, a.modality, "
                    "a.status FROM appointments a JOIN episodes e ON e.id = a.episode_id "
                    "WHERE e.client_id = ? AND a.starts_at >= ? AND a.starts_at < ? "
                    "ORDER BY a.starts_at, a.id"));
      q.Bind(client_id).Bind(from).Bind(to);
      return All(q, ReadAppointment);
    });
  }

  Result<std::vector<InstrumentAssignment>> ListAssignments(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<InstrumentAssignment>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT episode_id, instrument, respondent, assigned_at, every_sessions, "
                    "every_weeks FROM episode_instruments WHERE episode_id = ? "
                    "ORDER BY assigned_at, rowid"));
      q.Bind(id);
      return All(q, [](const SqlQuery& row) -> Result<InstrumentAssignment> {
        InstrumentAssignment a;
        a.episode_id = row.Int(0);
        a.instrument = row.Text(1);
        RAPPORT_ASSIGN_OR_RETURN(a.respondent,
                                 FromColumn(ParseRespondent(row.Text(2)), "respondent"));
        a.assigned_at = row.Int(3);
        const auto sessions = row.OptionalInt(4);
        const auto weeks = row.OptionalInt(5);
        if (sessions && weeks) {
          a.schedule = Schedule{static_cast<int>(*sessions), static_cast<int>(*weeks)};
        }
        return a;
      });
    });
  }

  Result<FeedbackResponse> GetResponse(ResponseId id) override {
    return WithReader([&](SqlConnection& c) -> Result<FeedbackResponse> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT " RAPPORT_RESPONSE_COLUMNS " FROM responses WHERE id = ?"));
      q.Bind(id);
      return One(q, Opening(f, ReadResponse), "no such response");
    });
  }

  Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return QueryResponsesOfEpisode(f, id); });
  }

  Result<std::vector<FeedbackResponse>> ListResponsesOfEndedEpisodes(
      ClinicId clinic_id, const std::string& instrument) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<FeedbackResponse>> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT r.id, r.episode_id, r.appointment_id, r.instrument, "
                    "r.instrument_version, r.respondent, r.respondent_user_id, r.submitted_at, "
                    "r.session_number, r.answers, r.total, r.band, r.scales, r.risk "
                    "FROM responses r JOIN episodes e ON e.id = r.episode_id "
                    "LEFT JOIN episode_endings x ON x.episode_id = e.id "
                    "WHERE e.clinic_id = ? AND e.status = 'ended' AND r.instrument = ? "
                    "AND (x.reason IS NULL OR x.reason IN ('goals-met', 'mutual-agreement')) "
                    "ORDER BY r.episode_id, r.submitted_at, r.id"));
      q.Bind(clinic_id).Bind(instrument);
      return All(q, Opening(f, ReadResponse));
    });
  }

  Result<FeedbackAlert> GetAlert(AlertId id) override {
    return WithFields([&](SealedFields& f) { return QueryAlert(f, id); });
  }

  Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return QueryAlertsOfEpisode(f, id); });
  }

  Result<FeedbackDraft> GetFeedbackDraft(EpisodeId episode_id, UserId author_id) override {
    return WithFields(
        [&](SealedFields& f) { return QueryFeedbackDraft(f, episode_id, author_id); });
  }

  Result<std::vector<FeedbackAlert>> ListAlertsOfTherapist(
      UserId therapist_id, std::optional<AlertState> state) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<FeedbackAlert>> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT a.id, a.episode_id, a.clinic_id, a.response_id, a.rule_id, a.kind, "
                    "a.severity, a.title, a.explanation, a.next_step, a.raised_at, a.state, "
                    "a.acknowledged_by, a.acknowledged_at, a.acknowledge_note, a.resolved_by, "
                    "a.resolved_at, a.resolve_note FROM alerts a JOIN episodes e "
                    "ON e.id = a.episode_id WHERE e.therapist_id = ? AND (? = '' OR a.state = ?) "
                    "ORDER BY a.raised_at DESC, a.id DESC"));
      const std::string wanted = state ? std::string(ToString(*state)) : std::string();
      q.Bind(therapist_id).Bind(wanted).Bind(wanted);
      return All(q, Opening(f, ReadAlert));
    });
  }

  Result<FeedbackLink> FindFeedbackLinkByTokenHash(const std::string& token_hash) override {
    return WithReader([&](SqlConnection& c) -> Result<FeedbackLink> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_FEEDBACK_LINK_COLUMNS
                                                     " FROM feedback_links WHERE token_hash = ?"));
      q.Bind(token_hash);
      return One(q, ReadFeedbackLink, "no such feedback link");
    });
  }

  Result<std::vector<CaseloadEpisode>> ReadCaseload(const CaseloadQuery& query) override {
    return WithReader([&](SqlConnection& c) { return QueryCaseload(c, query); });
  }
  Result<std::pair<std::int64_t, std::int64_t>> EndedEpisodesMark(ClinicId clinic_id) override {
    return WithReader([&](SqlConnection& c) { return QueryEndedEpisodesMark(c, clinic_id); });
  }

  Result<std::vector<PlanVersion>> ListPlanVersions(EpisodeId id) override {
    return WithFields([&](SealedFields& f) { return QueryPlanVersions(f, id); });
  }

  Result<PlanVersion> GetPlanVersion(EpisodeId id, int number) override {
    return WithReader([&](SqlConnection& c) -> Result<PlanVersion> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT " RAPPORT_PLAN_VERSION_COLUMNS
                                " FROM plan_versions WHERE episode_id = ? AND number = ?"));
      q.Bind(id).Bind(number);
      return One(q, Opening(f, ReadPlanVersion), "no such plan version");
    });
  }

  Result<std::vector<PlanSignature>> ListPlanSignatures(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) { return QueryPlanSignatures(c, id); });
  }

  Result<std::vector<PlanEvent>> ListPlanEvents(EpisodeId id,
                                                std::optional<PlanEventKind> kind) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<PlanEvent>> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT " RAPPORT_PLAN_EVENT_COLUMNS
                                         " FROM plan_events WHERE episode_id = ?1 AND (?2 = '' OR "
                                         "kind = ?2) ORDER BY at, id"));
      const std::string wanted = kind ? std::string(ToString(*kind)) : std::string();
      q.Bind(id).Bind(wanted);
      return All(q, Opening(f, ReadPlanEvent));
    });
  }

  Result<PlanEvent> GetPlanEvent(PlanEventId id) override {
    return WithReader([&](SqlConnection& c) -> Result<PlanEvent> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_PLAN_EVENT_COLUMNS
                                                     " FROM plan_events WHERE id = ?"));
      q.Bind(id);
      return One(q, Opening(f, ReadPlanEvent), "no such plan event");
    });
  }

  Result<AuthSession> FindSessionByTokenHash(const std::string& token_hash) override {
    return WithReader([&](SqlConnection& c) -> Result<AuthSession> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_SESSION_COLUMNS
                                                     " FROM auth_sessions WHERE token_hash = ?"));
      q.Bind(token_hash);
      return One(q, ReadSession, "no such session");
    });
  }

  Result<std::vector<AuthSession>> ListSessionsOfUser(UserId user_id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<AuthSession>> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT " RAPPORT_SESSION_COLUMNS
                                         " FROM auth_sessions WHERE user_id = ? ORDER BY id"));
      q.Bind(user_id);
      return All(q, ReadSession);
    });
  }

  Result<bool> IsKnownDevice(UserId user_id, const std::string& token_hash) override {
    return WithReader([&](SqlConnection& c) -> Result<bool> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT 1 FROM known_devices WHERE user_id = ? AND token_hash = ?"));
      q.Bind(user_id).Bind(token_hash);
      return q.Step();
    });
  }

  Result<std::optional<Invitation>> FindFirstAcceptedInvitation(UserId user_id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::optional<Invitation>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT " RAPPORT_INVITATION_COLUMNS
                    " FROM invitations WHERE user_id = ? AND purpose = 'invite' AND used_at IS "
                    "NOT NULL ORDER BY used_at, id LIMIT 1"));
      q.Bind(user_id);
      RAPPORT_ASSIGN_OR_RETURN(auto found, All(q, ReadInvitation));
      if (found.empty()) return std::optional<Invitation>();
      return std::optional<Invitation>(std::move(found.front()));
    });
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
    return WithReader([&](SqlConnection& c) { return QueryInvitationByTokenHash(c, token_hash); });
  }
  Result<AppointmentRequest> GetAppointmentRequest(AppointmentRequestId id) override {
    return WithReader([&](SqlConnection& c) -> Result<AppointmentRequest> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_APPOINTMENT_REQUEST_COLUMNS
                                                     " FROM appointment_requests WHERE id = ?"));
      q.Bind(id);
      return One(q, Opening(f, ReadAppointmentRequest), "no such appointment request");
    });
  }
  Result<std::vector<AppointmentRequest>> ListRequestsOfAppointment(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<AppointmentRequest>> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT " RAPPORT_APPOINTMENT_REQUEST_COLUMNS
                                " FROM appointment_requests WHERE appointment_id = ? ORDER BY id"));
      q.Bind(id);
      return All(q, Opening(f, ReadAppointmentRequest));
    });
  }
  Result<std::vector<AppointmentRequest>> ListPendingRequestsOfTherapist(
      UserId therapist_id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<AppointmentRequest>> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT r.id, r.clinic_id, r.appointment_id, r.requested_by, r.kind, r.note, "
                    "r.short_notice, r.created_at, r.state, r.decided_by, r.decided_at, r.reply "
                    "FROM appointment_requests r JOIN appointments a ON a.id = r.appointment_id "
                    "JOIN episodes e ON e.id = a.episode_id "
                    "WHERE e.therapist_id = ? AND r.state = 'pending' ORDER BY r.id"));
      q.Bind(therapist_id);
      return All(q, Opening(f, ReadAppointmentRequest));
    });
  }
  Result<std::optional<RoomSession>> GetRoomSession(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::optional<RoomSession>> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT " RAPPORT_ROOM_SESSION_COLUMNS
                                         " FROM room_sessions WHERE appointment_id = ?"));
      q.Bind(id);
      RAPPORT_ASSIGN_OR_RETURN(std::vector<RoomSession> rows, All(q, ReadRoomSession));
      if (rows.empty()) return std::optional<RoomSession>();
      return std::optional<RoomSession>(std::move(rows.front()));
    });
  }
  Result<std::vector<RoomSession>> ListRoomSessionsOfEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<RoomSession>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare(
              "SELECT " RAPPORT_ROOM_SESSION_COLUMNS
              " FROM room_sessions WHERE episode_id = ? ORDER BY started_at, appointment_id"));
      q.Bind(id);
      return All(q, ReadRoomSession);
    });
  }
  Result<std::vector<RoomGuest>> ListRoomGuests(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<RoomGuest>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT appointment_id, guardian_id, invited_by, invited_at FROM room_guests "
                    "WHERE appointment_id = ? ORDER BY guardian_id"));
      q.Bind(id);
      return All(q, ReadRoomGuest);
    });
  }
  Result<std::optional<SessionSignalsRecord>> GetSessionSignals(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::optional<SessionSignalsRecord>> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT " RAPPORT_SESSION_SIGNALS_COLUMNS
                                         " FROM session_signals WHERE appointment_id = ?"));
      q.Bind(id);
      RAPPORT_ASSIGN_OR_RETURN(std::vector<SessionSignalsRecord> rows, All(q, ReadSessionSignals));
      if (rows.empty()) return std::optional<SessionSignalsRecord>();
      return std::optional<SessionSignalsRecord>(std::move(rows.front()));
    });
  }
  Result<std::vector<SessionSignalsRecord>> ListSessionSignalsOfEpisode(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<SessionSignalsRecord>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT " RAPPORT_SESSION_SIGNALS_COLUMNS
                    " FROM session_signals WHERE episode_id = ? ORDER BY origin, appointment_id"));
      q.Bind(id);
      return All(q, ReadSessionSignals);
    });
  }
  Result<std::vector<SessionReaction>> ListSessionReactions(AppointmentId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<SessionReaction>> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT id, appointment_id, clinic_id, by_user, kind, at FROM "
                                "session_reactions WHERE appointment_id = ? ORDER BY at, id"));
      q.Bind(id);
      return All(q, ReadSessionReaction);
    });
  }
  Result<std::vector<EpisodeMessage>> ListEpisodeMessages(EpisodeId id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<EpisodeMessage>> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q,
          c.Prepare("SELECT id, clinic_id, episode_id, sender_id, sent_at, sealed, read_at FROM "
                    "episode_messages WHERE episode_id = ? ORDER BY id"));
      q.Bind(id);
      return All(q, [&](const SqlQuery& row) -> Result<EpisodeMessage> {
        EpisodeMessage m{row.Int(0), row.Int(1), row.Int(2),        row.Int(3),
                         {},         row.Int(4), row.OptionalInt(6)};
        const std::string stored = row.Text(5);
        if (IsSealedValue(stored)) {
          RAPPORT_ASSIGN_OR_RETURN(
              m.body, f.Open(Field::kMessageBody,
                             OwnerOf(m.clinic_id, m.episode_id, m.sender_id, m.sent_at), stored));
          return m;
        }
        // Sealed before 0027 under the message key file; the first start seals it again.
        auto body = message_sealer_.Open(stored, MessageSealContext(m));
        if (!body) {
          return Fail(Error::Internal(fmt::format(
              "message {} does not open with the message key file; was the database moved "
              "without its key file?",
              m.id)));
        }
        m.body = std::move(*body);
        return m;
      });
    });
  }
  Result<UserId> FindCalendarFeed(const std::string& token_hash) override {
    return WithReader([&](SqlConnection& c) -> Result<UserId> {
      RAPPORT_ASSIGN_OR_RETURN(
          SqlQuery q, c.Prepare("SELECT user_id FROM calendar_feeds WHERE token_hash = ?"));
      q.Bind(token_hash);
      return One(
          q, [](const SqlQuery& row) -> Result<UserId> { return row.Int(0); },
          "no such calendar feed");
    });
  }

  Result<std::vector<Invitation>> ListInvitationsOfUser(UserId user_id) override {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<Invitation>> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                               c.Prepare("SELECT " RAPPORT_INVITATION_COLUMNS
                                         " FROM invitations WHERE user_id = ? ORDER BY id DESC"));
      q.Bind(user_id);
      return All(q, ReadInvitation);
    });
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

  Result<std::vector<UserId>> ListIds(const char* sql, UserId key) {
    return WithReader([&](SqlConnection& c) { return QueryIds(c, sql, key); });
  }

  Result<std::vector<GuardianLink>> ListGuardianLinks(const char* sql, UserId key) {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<GuardianLink>> {
      SealedFields f(*keys_, c);
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
      q.Bind(key);
      return All(q, Opening(f, ReadGuardianLink));
    });
  }

  Result<std::vector<Episode>> ListEpisodes(const char* sql, std::int64_t key) {
    return WithReader([&](SqlConnection& c) -> Result<std::vector<Episode>> {
      RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
      q.Bind(key);
      return All(q, ReadEpisode);
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
