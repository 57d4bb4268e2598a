#include "store/sql/sql_accounts.h"

#include <utility>

#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

#define RAPPORT_SESSION_COLUMNS \
  "id, user_id, token_hash, csrf_hash, created_at, last_seen_at, source, user_agent"
#define RAPPORT_INVITATION_COLUMNS                                                             \
  "id, clinic_id, user_id, created_by, token_hash, created_at, expires_at, used_at, purpose, " \
  "delivery"

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

}  // namespace

Result<SessionId> InsertSession(SqlConnection& c, const AuthSession& s) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO auth_sessions (user_id, token_hash, csrf_hash, created_at, "
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

Status TouchSession(SqlConnection& c, SessionId id, Timestamp last_seen_at) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("UPDATE auth_sessions SET last_seen_at = ? WHERE id = ?"));
  q.Bind(last_seen_at).Bind(id);
  return ChangedOne(q.Run(), "no such session");
}

Status DeleteSession(SqlConnection& c, SessionId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("DELETE FROM auth_sessions WHERE id = ?"));
  q.Bind(id);
  return ChangedOne(q.Run(), "no such session");
}

Status DeleteSessionsOfUser(SqlConnection& c, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("DELETE FROM auth_sessions WHERE user_id = ?"));
  q.Bind(user_id);
  return Done(q.Run());
}

Status DeleteOtherSessionsOfUser(SqlConnection& c, UserId user_id, SessionId keep) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("DELETE FROM auth_sessions WHERE user_id = ? AND id <> ?"));
  q.Bind(user_id).Bind(keep);
  return Done(q.Run());
}

Result<int> DeleteExpiredSessions(SqlConnection& c, ClinicId clinic_id, Timestamp idle_before,
                                  Timestamp created_before) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("DELETE FROM auth_sessions WHERE (last_seen_at < ? OR created_at < ?) AND "
                "user_id IN (SELECT id FROM users WHERE clinic_id = ?)"));
  q.Bind(idle_before).Bind(created_before).Bind(clinic_id);
  return q.Run();
}

Status UpsertKnownDevice(SqlConnection& c, const KnownDevice& d) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare(
          "INSERT INTO known_devices (user_id, token_hash, created_at, last_used_at) "
          "VALUES (?, ?, ?, ?) ON CONFLICT (token_hash) DO UPDATE SET "
          "last_used_at = excluded.last_used_at WHERE known_devices.user_id = excluded.user_id"));
  q.Bind(d.user_id).Bind(d.token_hash).Bind(d.created_at).Bind(d.last_used_at);
  return Done(NameMissing(q.Run(), "user does not exist"));
}

Result<std::int64_t> InsertLoginFailure(SqlConnection& c, const LoginFailure& f) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO login_failures (email, source, device_hash, at) VALUES (?, ?, ?, "
                "?) RETURNING id"));
  q.Bind(f.email).Bind(f.source).Bind(f.device_hash).Bind(f.at);
  return q.RunReturningId();
}

Status DeleteLoginFailure(SqlConnection& c, std::int64_t id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("DELETE FROM login_failures WHERE id = ?"));
  q.Bind(id);
  return Done(q.Run());
}

Status ClearLoginFailuresForEmail(SqlConnection& c, const std::string& email) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("DELETE FROM login_failures WHERE email = ?"));
  q.Bind(email);
  return Done(q.Run());
}

Status PruneLoginFailures(SqlConnection& c, Timestamp before) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("DELETE FROM login_failures WHERE at < ?"));
  q.Bind(before);
  return Done(q.Run());
}

Result<InvitationId> InsertInvitation(SqlConnection& c, const Invitation& i) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO invitations (clinic_id, user_id, created_by, token_hash, "
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

Status MarkInvitationUsed(SqlConnection& c, InvitationId id, Timestamp used_at) {
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery q,
        c.Prepare("UPDATE invitations SET used_at = ? WHERE id = ? AND used_at IS NULL"));
    q.Bind(used_at).Bind(id);
    RAPPORT_ASSIGN_OR_RETURN(const int changed, q.Run());
    if (changed == 1) return Ok();
  }
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery exists, c.Prepare("SELECT 1 FROM invitations WHERE id = ?"));
  exists.Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(const bool found, exists.Step());
  if (!found) return Fail(Error::NotFound("no such invitation"));
  return Fail(Error::FailedPrecondition("the invitation has already been used"));
}

Result<AuthSession> FindSessionByTokenHash(SqlConnection& c, const std::string& token_hash) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_SESSION_COLUMNS
                                                 " FROM auth_sessions WHERE token_hash = ?"));
  q.Bind(token_hash);
  return One(q, ReadSession, "no such session");
}

Result<std::vector<AuthSession>> ListSessionsOfUser(SqlConnection& c, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_SESSION_COLUMNS
                                     " FROM auth_sessions WHERE user_id = ? ORDER BY id"));
  q.Bind(user_id);
  return All(q, ReadSession);
}

Result<bool> IsKnownDevice(SqlConnection& c, UserId user_id, const std::string& token_hash) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT 1 FROM known_devices WHERE user_id = ? AND token_hash = ?"));
  q.Bind(user_id).Bind(token_hash);
  return q.Step();
}

Result<LoginFailureCount> CountLoginFailures(SqlConnection& c, const LoginFailureScope& scope,
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

Result<Invitation> FindInvitationByTokenHash(SqlConnection& c, const std::string& token_hash) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_INVITATION_COLUMNS
                                                 " FROM invitations WHERE token_hash = ?"));
  q.Bind(token_hash);
  return One(q, ReadInvitation, "no such invitation");
}

Result<std::optional<Invitation>> FindFirstAcceptedInvitation(SqlConnection& c, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT " RAPPORT_INVITATION_COLUMNS
                " FROM invitations WHERE user_id = ? AND purpose = 'invite' AND used_at IS "
                "NOT NULL ORDER BY used_at, id LIMIT 1"));
  q.Bind(user_id);
  RAPPORT_ASSIGN_OR_RETURN(auto found, All(q, ReadInvitation));
  if (found.empty()) return std::optional<Invitation>();
  return std::optional<Invitation>(std::move(found.front()));
}

Result<std::vector<Invitation>> ListInvitationsOfUser(SqlConnection& c, UserId user_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_INVITATION_COLUMNS
                                     " FROM invitations WHERE user_id = ? ORDER BY id DESC"));
  q.Bind(user_id);
  return All(q, ReadInvitation);
}

}  // namespace rapport::sql
