#include "store/sql/sql_appointments.h"

#include <fmt/format.h>

#include <utility>

#include "core/json.h"
#include "store/sql/field_cipher.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

#define RAPPORT_APPOINTMENT_COLUMNS "id, episode_id, starts_at, duration_minutes, modality, status"

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

}  // namespace

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

Result<AppointmentId> InsertAppointment(SqlConnection& c, const Appointment& a) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO appointments (episode_id, starts_at, duration_minutes, modality, "
                "status) VALUES (?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(a.episode_id)
      .Bind(a.starts_at)
      .Bind(a.duration_minutes)
      .Bind(ToString(a.modality))
      .Bind(ToString(a.status));
  return NameMissing(q.RunReturningId(), "episode does not exist");
}

Status UpdateAppointment(SqlConnection& c, const Appointment& a) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE appointments SET episode_id = ?, starts_at = ?, duration_minutes = ?, "
                "modality = ?, status = ? WHERE id = ?"));
  q.Bind(a.episode_id)
      .Bind(a.starts_at)
      .Bind(a.duration_minutes)
      .Bind(ToString(a.modality))
      .Bind(ToString(a.status))
      .Bind(a.id);
  return ChangedOne(NameMissing(q.Run(), "episode does not exist"), "no such appointment");
}

Status StartRoomSession(SqlConnection& c, const RoomSession& s) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("INSERT INTO room_sessions (" RAPPORT_ROOM_SESSION_COLUMNS
                                     ") VALUES (?, ?, ?, ?, ?, NULL) "
                                     "ON CONFLICT (appointment_id) DO UPDATE SET ended_at = NULL"));
  q.Bind(s.appointment_id).Bind(s.clinic_id).Bind(s.episode_id).Bind(ToString(s.modality));
  q.Bind(s.started_at);
  return Done(NameMissing(q.Run(), "appointment does not exist"));
}

Status EndRoomSession(SqlConnection& c, AppointmentId appointment_id, Timestamp at) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE room_sessions SET ended_at = coalesce(ended_at, max(?, started_at)) "
                "WHERE appointment_id = ?"));
  q.Bind(at).Bind(appointment_id);
  return ChangedOne(q.Run(), "no session was held in this room");
}

Status InsertRoomGuest(SqlConnection& c, const RoomGuest& g) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO room_guests (appointment_id, guardian_id, invited_by, invited_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"));
  q.Bind(g.appointment_id).Bind(g.guardian_id).Bind(g.invited_by).Bind(g.invited_at);
  return Done(NameMissing(q.Run(), "appointment or person does not exist"));
}

Status UpsertSessionSignals(SqlConnection& c, const SessionSignalsRecord& r) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO session_signals (" RAPPORT_SESSION_SIGNALS_COLUMNS
                ") VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (appointment_id) DO UPDATE SET "
                "updated_at = max(excluded.updated_at, session_signals.origin), "
                "figures = excluded.figures"));
  q.Bind(r.appointment_id).Bind(r.clinic_id).Bind(r.episode_id).Bind(r.origin);
  q.Bind(r.updated_at).Bind(r.figures.dump());
  return Done(NameMissing(q.Run(), "appointment does not exist"));
}

Result<std::int64_t> InsertSessionReaction(SqlConnection& c, const SessionReaction& r) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO session_reactions (appointment_id, clinic_id, by_user, kind, at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(r.appointment_id).Bind(r.clinic_id).Bind(r.by).Bind(ToString(r.kind)).Bind(r.at);
  return NameMissing(q.RunReturningId(), "appointment or person does not exist");
}

Result<MessageId> InsertEpisodeMessage(SealedFields& f, const EpisodeMessage& m) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "INSERT INTO episode_messages (clinic_id, episode_id, sender_id, sent_at, "
                      "sealed) VALUES (?, ?, ?, ?, ?) RETURNING id"));
  RowClinic clinic(m.clinic_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string body,
      NameMissing(f.Seal(clinic, Field::kMessageBody,
                         OwnerOf(m.clinic_id, m.episode_id, m.sender_id, m.sent_at), m.body),
                  "episode or sender does not exist"));
  q.Bind(m.clinic_id).Bind(m.episode_id).Bind(m.sender_id).Bind(m.sent_at).Bind(body);
  return NameMissing(q.RunReturningId(), "episode or sender does not exist");
}

Result<int> MarkEpisodeMessagesRead(SqlConnection& c, EpisodeId episode_id, UserId reader,
                                    MessageId up_to, Timestamp at) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE episode_messages SET read_at = max(?, sent_at) WHERE episode_id = ? "
                "AND sender_id <> ? AND id <= ? AND read_at IS NULL"));
  q.Bind(at).Bind(episode_id).Bind(reader).Bind(up_to);
  return q.Run();
}

Result<AppointmentRequestId> InsertAppointmentRequest(SealedFields& f,
                                                      const AppointmentRequest& r) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "INSERT INTO appointment_requests (clinic_id, appointment_id, requested_by, "
                      "kind, note, short_notice, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                      "RETURNING id"));
  RowClinic clinic(r.clinic_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string note,
      NameMissing(f.Seal(clinic, Field::kRequestNote,
                         OwnerOf(r.appointment_id, r.requested_by, r.created_at), r.note),
                  "appointment or person does not exist"));
  q.Bind(r.clinic_id).Bind(r.appointment_id).Bind(r.requested_by).Bind(ToString(r.kind));
  q.Bind(note).Bind(r.short_notice).Bind(r.created_at);
  return NameMissing(q.RunReturningId(), "appointment or person does not exist");
}

Status UpdateAppointmentRequest(SealedFields& f, const AppointmentRequest& r) {
  std::string reply;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery stored,
        f.connection().Prepare("SELECT clinic_id, appointment_id, requested_by, created_at "
                               "FROM appointment_requests WHERE id = ?"));
    stored.Bind(r.id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
    if (!found) return Fail(Error::NotFound("no such appointment request"));
    RowClinic clinic(stored.Int(0));
    RAPPORT_ASSIGN_OR_RETURN(reply,
                             f.Seal(clinic, Field::kRequestReply,
                                    OwnerOf(stored.Int(1), stored.Int(2), stored.Int(3)), r.reply));
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "UPDATE appointment_requests SET state = ?, decided_by = ?, decided_at = ?, "
                      "reply = ? WHERE id = ?"));
  q.Bind(ToString(r.state)).Bind(r.decided_by).Bind(r.decided_at).Bind(reply).Bind(r.id);
  return ChangedOne(q.Run(), "no such appointment request");
}

Status PutCalendarFeed(SqlConnection& c, UserId user_id, const std::string& token_hash,
                       Timestamp created_at) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, "
                "created_at = excluded.created_at"));
  q.Bind(user_id).Bind(token_hash).Bind(created_at);
  return Done(NameMissing(q.Run(), "user does not exist"));
}

Result<Appointment> GetAppointment(SqlConnection& c, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_APPOINTMENT_COLUMNS
                                                 " FROM appointments WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadAppointment, "no such appointment");
}

Result<std::vector<Appointment>> ListAppointmentsOfEpisode(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_APPOINTMENT_COLUMNS
                                                 " FROM appointments WHERE episode_id = ? "
                                                 "ORDER BY starts_at, id"));
  q.Bind(id);
  return All(q, ReadAppointment);
}

Result<std::vector<Appointment>> ListAppointmentsOfClient(SqlConnection& c, UserId client_id,
                                                          Timestamp from, Timestamp to) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT a.id, a.episode_id, a.starts_at, a.duration_minutes, a.modality, "
                "a.status FROM appointments a JOIN episodes e ON e.id = a.episode_id "
                "WHERE e.client_id = ? AND a.starts_at >= ? AND a.starts_at < ? "
                "ORDER BY a.starts_at, a.id"));
  q.Bind(client_id).Bind(from).Bind(to);
  return All(q, ReadAppointment);
}

Result<std::optional<RoomSession>> GetRoomSession(SqlConnection& c, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_ROOM_SESSION_COLUMNS
                                                 " FROM room_sessions WHERE appointment_id = ?"));
  q.Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(std::vector<RoomSession> rows, All(q, ReadRoomSession));
  if (rows.empty()) return std::optional<RoomSession>();
  return std::optional<RoomSession>(std::move(rows.front()));
}

Result<std::vector<RoomSession>> ListRoomSessionsOfEpisode(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT " RAPPORT_ROOM_SESSION_COLUMNS
                " FROM room_sessions WHERE episode_id = ? ORDER BY started_at, appointment_id"));
  q.Bind(id);
  return All(q, ReadRoomSession);
}

Result<std::vector<RoomGuest>> ListRoomGuests(SqlConnection& c, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT appointment_id, guardian_id, invited_by, invited_at FROM room_guests "
                "WHERE appointment_id = ? ORDER BY guardian_id"));
  q.Bind(id);
  return All(q, ReadRoomGuest);
}

Result<std::optional<SessionSignalsRecord>> GetSessionSignals(SqlConnection& c, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_SESSION_SIGNALS_COLUMNS
                                                 " FROM session_signals WHERE appointment_id = ?"));
  q.Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(std::vector<SessionSignalsRecord> rows, All(q, ReadSessionSignals));
  if (rows.empty()) return std::optional<SessionSignalsRecord>();
  return std::optional<SessionSignalsRecord>(std::move(rows.front()));
}

Result<std::vector<SessionSignalsRecord>> ListSessionSignalsOfEpisode(SqlConnection& c,
                                                                      EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT " RAPPORT_SESSION_SIGNALS_COLUMNS
                " FROM session_signals WHERE episode_id = ? ORDER BY origin, appointment_id"));
  q.Bind(id);
  return All(q, ReadSessionSignals);
}

Result<std::vector<SessionReaction>> ListSessionReactions(SqlConnection& c, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT id, appointment_id, clinic_id, by_user, kind, at FROM "
                                     "session_reactions WHERE appointment_id = ? ORDER BY at, id"));
  q.Bind(id);
  return All(q, ReadSessionReaction);
}

Result<std::vector<EpisodeMessage>> ListEpisodeMessages(SealedFields& f,
                                                        const TextSealer& message_sealer,
                                                        EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "SELECT id, clinic_id, episode_id, sender_id, sent_at, sealed, read_at FROM "
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
    auto body = message_sealer.Open(stored, MessageSealContext(m));
    if (!body) {
      return Fail(Error::Internal(
          fmt::format("message {} does not open with the message key file; was the database moved "
                      "without its key file?",
                      m.id)));
    }
    m.body = std::move(*body);
    return m;
  });
}

Result<AppointmentRequest> GetAppointmentRequest(SealedFields& f, AppointmentRequestId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_APPOINTMENT_REQUEST_COLUMNS
                                                  " FROM appointment_requests WHERE id = ?"));
  q.Bind(id);
  return One(q, Opening(f, ReadAppointmentRequest), "no such appointment request");
}

Result<std::vector<AppointmentRequest>> ListRequestsOfAppointment(SealedFields& f,
                                                                  AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT " RAPPORT_APPOINTMENT_REQUEST_COLUMNS
                             " FROM appointment_requests WHERE appointment_id = ? ORDER BY id"));
  q.Bind(id);
  return All(q, Opening(f, ReadAppointmentRequest));
}

Result<std::vector<AppointmentRequest>> ListPendingRequestsOfTherapist(SealedFields& f,
                                                                       UserId therapist_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "SELECT r.id, r.clinic_id, r.appointment_id, r.requested_by, r.kind, r.note, "
                      "r.short_notice, r.created_at, r.state, r.decided_by, r.decided_at, r.reply "
                      "FROM appointment_requests r JOIN appointments a ON a.id = r.appointment_id "
                      "JOIN episodes e ON e.id = a.episode_id "
                      "WHERE e.therapist_id = ? AND r.state = 'pending' ORDER BY r.id"));
  q.Bind(therapist_id);
  return All(q, Opening(f, ReadAppointmentRequest));
}

Result<UserId> FindCalendarFeed(SqlConnection& c, const std::string& token_hash) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT user_id FROM calendar_feeds WHERE token_hash = ?"));
  q.Bind(token_hash);
  return One(
      q, [](const SqlQuery& row) -> Result<UserId> { return row.Int(0); }, "no such calendar feed");
}

}  // namespace rapport::sql
