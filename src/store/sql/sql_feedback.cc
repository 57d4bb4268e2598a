#include "store/sql/sql_feedback.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/sql/field_cipher.h"
#include "store/sql/kept_totals.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

#define RAPPORT_RESPONSE_COLUMNS                                                 \
  "id, episode_id, appointment_id, instrument, instrument_version, respondent, " \
  "respondent_user_id, submitted_at, session_number, answers, total, band, scales, risk"
#define RAPPORT_ALERT_COLUMNS                                                                      \
  "id, episode_id, clinic_id, response_id, rule_id, kind, severity, title, explanation, "          \
  "next_step, raised_at, state, acknowledged_by, acknowledged_at, acknowledge_note, resolved_by, " \
  "resolved_at, resolve_note"
#define RAPPORT_FEEDBACK_LINK_COLUMNS \
  "id, appointment_id, created_by, token_hash, created_at, expires_at, uses, guardian_id"

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

// NULL, NULL: the questionnaire's default.
void BindSchedule(SqlQuery& q, const std::optional<Schedule>& schedule) {
  q.Bind(schedule ? std::optional<std::int64_t>(schedule->every_sessions) : std::nullopt)
      .Bind(schedule ? std::optional<std::int64_t>(schedule->every_weeks) : std::nullopt);
}

// Puts the total of answer `id` among its series' latest (0015_latest_totals_kept_by_the_store
// .sql); the trigger has already counted the answer, so its series' row exists.
Status KeepLatestTotal(SqlConnection& c, const FeedbackResponse& r, ResponseId id) {
  std::vector<ScoredPoint> kept;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery read, c.Prepare("SELECT recent FROM response_series WHERE episode_id = ? AND "
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
      c.Prepare("UPDATE response_series SET recent = ? WHERE episode_id = ? AND instrument = ? "
                "AND respondent = ?"));
  write.Bind(recent).Bind(r.episode_id).Bind(r.instrument).Bind(ToString(r.respondent));
  RAPPORT_RETURN_IF_ERROR(write.Run());
  return Ok();
}

}  // namespace

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

Status PutFeedbackDraft(SealedFields& f, const FeedbackDraft& d) {
  const std::string missing = "episode or author does not exist";
  RowClinic clinic = f.OfEpisode(d.episode_id);
  RAPPORT_ASSIGN_OR_RETURN(const std::string answers,
                           NameMissing(f.Seal(clinic, Field::kDraftAnswers,
                                              OwnerOf(d.episode_id, d.author_id), d.answers_json),
                                       missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO feedback_drafts (episode_id, author_id, answers_json, updated_at, "
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

Status DeleteFeedbackDraft(SqlConnection& c, EpisodeId episode_id, UserId author_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("DELETE FROM feedback_drafts WHERE episode_id = ? AND author_id = ?"));
  q.Bind(episode_id).Bind(author_id);
  return Done(q.Run());
}

Status UpsertAssignment(SqlConnection& c, const InstrumentAssignment& a) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("INSERT INTO episode_instruments (episode_id, instrument, respondent, "
                            "assigned_at, every_sessions, every_weeks) VALUES (?, ?, ?, ?, ?, ?) "
                            "ON CONFLICT DO NOTHING"));
  q.Bind(a.episode_id).Bind(a.instrument).Bind(ToString(a.respondent)).Bind(a.assigned_at);
  BindSchedule(q, a.schedule);
  return Done(NameMissing(q.Run(), "episode does not exist"));
}

Status SetAssignmentSchedule(SqlConnection& c, EpisodeId episode_id, const std::string& instrument,
                             Respondent respondent, const std::optional<Schedule>& schedule) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("UPDATE episode_instruments SET every_sessions = ?, every_weeks = ? "
                            "WHERE episode_id = ? AND instrument = ? AND respondent = ?"));
  BindSchedule(q, schedule);
  q.Bind(episode_id).Bind(instrument).Bind(ToString(respondent));
  return ChangedOne(q.Run(), "no such assignment");
}

Result<ResponseId> InsertResponse(SealedFields& f, const FeedbackResponse& r) {
  RowClinic clinic = f.OfEpisode(r.episode_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string answers,
      NameMissing(f.Seal(clinic, Field::kResponseAnswers,
                         OwnerOf(r.episode_id, r.respondent_user_id, r.instrument, r.submitted_at),
                         r.answers_json),
                  "episode, appointment or respondent does not exist"));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("INSERT INTO responses (episode_id, appointment_id, instrument, "
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
  if (id && r.total) RAPPORT_RETURN_IF_ERROR(KeepLatestTotal(f.connection(), r, *id));
  return id;
}

Result<AlertId> InsertAlert(SealedFields& f, const FeedbackAlert& a) {
  const std::string missing = "episode, clinic, response or user does not exist";
  RowClinic clinic(a.clinic_id);
  const Owner owner = OwnerOf(a.episode_id, a.rule_id, a.raised_at);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string acknowledge_note,
      NameMissing(f.Seal(clinic, Field::kAlertAcknowledgeNote, owner, a.acknowledge_note),
                  missing));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string resolve_note,
      NameMissing(f.Seal(clinic, Field::kAlertResolveNote, owner, a.resolve_note), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("INSERT INTO alerts (episode_id, clinic_id, response_id, rule_id, "
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

Status UpdateAlertState(SealedFields& f, const FeedbackAlert& a) {
  std::string acknowledge_note;
  std::string resolve_note;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery stored, f.connection().Prepare("SELECT clinic_id, episode_id, rule_id, raised_at "
                                                "FROM alerts WHERE id = ?"));
    stored.Bind(a.id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
    if (!found) return Fail(Error::NotFound("no such alert"));
    RowClinic clinic(stored.Int(0));
    const Owner owner = OwnerOf(stored.Int(1), stored.Text(2), stored.Int(3));
    RAPPORT_ASSIGN_OR_RETURN(
        acknowledge_note, f.Seal(clinic, Field::kAlertAcknowledgeNote, owner, a.acknowledge_note));
    RAPPORT_ASSIGN_OR_RETURN(resolve_note,
                             f.Seal(clinic, Field::kAlertResolveNote, owner, a.resolve_note));
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "UPDATE alerts SET state = ?, acknowledged_by = ?, acknowledged_at = ?, "
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

Result<FeedbackLinkId> InsertFeedbackLink(SqlConnection& c, const FeedbackLink& l) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO feedback_links (appointment_id, created_by, token_hash, "
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

Status CountFeedbackLinkUse(SqlConnection& c, FeedbackLinkId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("UPDATE feedback_links SET uses = uses + 1 WHERE id = ?"));
  q.Bind(id);
  return ChangedOne(q.Run(), "no such feedback link");
}

Result<FeedbackDraft> GetFeedbackDraft(SealedFields& f, EpisodeId episode_id, UserId author_id) {
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

Result<std::vector<InstrumentAssignment>> ListAssignments(SqlConnection& c, EpisodeId id) {
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
    RAPPORT_ASSIGN_OR_RETURN(a.respondent, FromColumn(ParseRespondent(row.Text(2)), "respondent"));
    a.assigned_at = row.Int(3);
    const auto sessions = row.OptionalInt(4);
    const auto weeks = row.OptionalInt(5);
    if (sessions && weeks) {
      a.schedule = Schedule{static_cast<int>(*sessions), static_cast<int>(*weeks)};
    }
    return a;
  });
}

Result<FeedbackResponse> GetResponse(SealedFields& f, ResponseId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_RESPONSE_COLUMNS
                                                              " FROM responses WHERE id = ?"));
  q.Bind(id);
  return One(q, Opening(f, ReadResponse), "no such response");
}

Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_RESPONSE_COLUMNS
                                                  " FROM responses WHERE episode_id = ? "
                                                  "ORDER BY submitted_at, id"));
  q.Bind(id);
  return All(q, Opening(f, ReadResponse));
}

Result<std::vector<FeedbackResponse>> ListResponsesOfEndedEpisodes(SealedFields& f,
                                                                   ClinicId clinic_id,
                                                                   const std::string& instrument) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "SELECT r.id, r.episode_id, r.appointment_id, r.instrument, "
                      "r.instrument_version, r.respondent, r.respondent_user_id, r.submitted_at, "
                      "r.session_number, r.answers, r.total, r.band, r.scales, r.risk "
                      "FROM responses r JOIN episodes e ON e.id = r.episode_id "
                      "LEFT JOIN episode_endings x ON x.episode_id = e.id "
                      "WHERE e.clinic_id = ? AND e.status = 'ended' AND r.instrument = ? "
                      "AND (x.reason IS NULL OR x.reason IN ('goals-met', 'mutual-agreement')) "
                      "ORDER BY r.episode_id, r.submitted_at, r.id"));
  q.Bind(clinic_id).Bind(instrument);
  return All(q, Opening(f, ReadResponse));
}

Result<ResponseSeries> GetResponseSeries(SqlConnection& c, EpisodeId episode_id,
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

Result<FeedbackAlert> GetAlert(SealedFields& f, AlertId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_ALERT_COLUMNS
                                                              " FROM alerts WHERE id = ?"));
  q.Bind(id);
  return One(q, Opening(f, ReadAlert), "no such alert");
}

Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_ALERT_COLUMNS
                                                              " FROM alerts WHERE episode_id = ? "
                                                              "ORDER BY raised_at DESC, id DESC"));
  q.Bind(id);
  return All(q, Opening(f, ReadAlert));
}

Result<std::vector<FeedbackAlert>> ListAlertsOfTherapist(SealedFields& f, UserId therapist_id,
                                                         std::optional<AlertState> state) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "SELECT a.id, a.episode_id, a.clinic_id, a.response_id, a.rule_id, a.kind, "
                      "a.severity, a.title, a.explanation, a.next_step, a.raised_at, a.state, "
                      "a.acknowledged_by, a.acknowledged_at, a.acknowledge_note, a.resolved_by, "
                      "a.resolved_at, a.resolve_note FROM alerts a JOIN episodes e "
                      "ON e.id = a.episode_id WHERE e.therapist_id = ? AND (? = '' OR a.state = ?) "
                      "ORDER BY a.raised_at DESC, a.id DESC"));
  const std::string wanted = state ? std::string(ToString(*state)) : std::string();
  q.Bind(therapist_id).Bind(wanted).Bind(wanted);
  return All(q, Opening(f, ReadAlert));
}

Result<std::vector<FeedbackAlert>> ListUnresolvedAlertsOfInstrument(SealedFields& f,
                                                                    EpisodeId episode_id,
                                                                    const std::string& instrument) {
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

Result<FeedbackLink> FindFeedbackLinkByTokenHash(SqlConnection& c, const std::string& token_hash) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_FEEDBACK_LINK_COLUMNS
                                                 " FROM feedback_links WHERE token_hash = ?"));
  q.Bind(token_hash);
  return One(q, ReadFeedbackLink, "no such feedback link");
}

}  // namespace rapport::sql
