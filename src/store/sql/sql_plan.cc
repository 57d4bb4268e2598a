#include "store/sql/sql_plan.h"

#include <fmt/format.h>

#include <string>

#include "core/crypto.h"
#include "store/sql/field_cipher.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

#define RAPPORT_PLAN_VERSION_COLUMNS                                                     \
  "id, episode_id, number, status, content_json, content_hash, created_by, created_at, " \
  "updated_at, proposed_at, decided_at, client_comment, decided_by"
#define RAPPORT_PLAN_SIGNATURE_COLUMNS "version_id, role, user_id, signed_at, content_hash"
#define RAPPORT_PLAN_EVENT_COLUMNS "id, episode_id, kind, subject, payload_json, actor_id, at"

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

}  // namespace

Result<PlanVersionId> InsertPlanVersion(SealedFields& f, const PlanVersion& v) {
  const std::string missing = "episode or creating user does not exist";
  RowClinic clinic = f.OfEpisode(v.episode_id);
  const Owner owner = OwnerOf(v.episode_id, v.number);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string content,
      NameMissing(f.Seal(clinic, Field::kPlanContent, owner, v.content_json), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string comment,
      NameMissing(f.Seal(clinic, Field::kPlanClientComment, owner, v.client_comment), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "INSERT INTO plan_versions (episode_id, number, status, content_json, "
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

Status UpdatePlanVersion(SealedFields& f, const PlanVersion& v) {
  // Checked here as well as by the trigger, so that the refusal is a clear error of its own
  // and does not depend on the schema having been applied unaltered.
  std::string stored_content;  // sealed, as stored
  bool frozen = false;
  RowClinic clinic(ClinicId{0});
  Owner owner;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery stored,
        f.connection().Prepare("SELECT content_json, content_hash, episode_id, number "
                               "FROM plan_versions WHERE id = ?"));
    stored.Bind(v.id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
    if (!found) return Fail(Error::NotFound("no such plan version"));
    stored_content = stored.Text(0);
    const std::string stored_hash = stored.Text(1);
    owner = OwnerOf(stored.Int(2), stored.Int(3));
    clinic = f.OfEpisode(stored.Int(2));
    frozen = !stored_hash.empty();
    if (frozen) {
      RAPPORT_ASSIGN_OR_RETURN(const std::string content,
                               f.Open(Field::kPlanContent, owner, stored_content));
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
    RAPPORT_ASSIGN_OR_RETURN(content, f.Seal(clinic, Field::kPlanContent, owner, v.content_json));
  }
  RAPPORT_ASSIGN_OR_RETURN(const std::string comment,
                           f.Seal(clinic, Field::kPlanClientComment, owner, v.client_comment));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "UPDATE plan_versions SET status = ?, content_json = ?, content_hash = ?, "
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

Status InsertPlanSignature(SqlConnection& c, const PlanSignature& s) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("INSERT INTO plan_signatures (" RAPPORT_PLAN_SIGNATURE_COLUMNS
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

Result<PlanEventId> InsertPlanEvent(SealedFields& f, const PlanEvent& e) {
  RowClinic clinic = f.OfEpisode(e.episode_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string payload,
      NameMissing(f.Seal(clinic, Field::kPlanEventPayload,
                         OwnerOf(e.episode_id, ToString(e.kind), e.subject, e.actor_id, e.at),
                         e.payload_json),
                  "episode or user does not exist"));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "INSERT INTO plan_events (episode_id, kind, subject, payload_json, actor_id, "
                      "at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(e.episode_id)
      .Bind(ToString(e.kind))
      .Bind(e.subject)
      .Bind(payload)
      .Bind(e.actor_id)
      .Bind(e.at);
  return NameMissing(q.RunReturningId(), "episode or user does not exist");
}

Result<std::vector<PlanVersion>> ListPlanVersions(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_PLAN_VERSION_COLUMNS
                                                  " FROM plan_versions WHERE episode_id = ? "
                                                  "ORDER BY number"));
  q.Bind(id);
  return All(q, Opening(f, ReadPlanVersion));
}

Result<PlanVersion> GetPlanVersion(SealedFields& f, EpisodeId id, int number) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT " RAPPORT_PLAN_VERSION_COLUMNS
                             " FROM plan_versions WHERE episode_id = ? AND number = ?"));
  q.Bind(id).Bind(number);
  return One(q, Opening(f, ReadPlanVersion), "no such plan version");
}

// Signatures of the same moment read in the order agreement builds up: therapist, client,
// guardian (SignerRole's order).
Result<std::vector<PlanSignature>> ListPlanSignatures(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT s.version_id, s.role, s.user_id, s.signed_at, s.content_hash "
                            "FROM plan_signatures s JOIN plan_versions v ON v.id = s.version_id "
                            "WHERE v.episode_id = ? ORDER BY v.number, s.signed_at, "
                            "CASE s.role WHEN 'therapist' THEN 0 WHEN 'client' THEN 1 ELSE 2 END"));
  q.Bind(id);
  return All(q, ReadPlanSignature);
}

Result<std::vector<PlanEvent>> ListPlanEvents(SealedFields& f, EpisodeId id,
                                              std::optional<PlanEventKind> kind) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_PLAN_EVENT_COLUMNS
                                         " FROM plan_events WHERE episode_id = ?1 AND (?2 = '' OR "
                                         "kind = ?2) ORDER BY at, id"));
  const std::string wanted = kind ? std::string(ToString(*kind)) : std::string();
  q.Bind(id).Bind(wanted);
  return All(q, Opening(f, ReadPlanEvent));
}

Result<PlanEvent> GetPlanEvent(SealedFields& f, PlanEventId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_PLAN_EVENT_COLUMNS
                                                              " FROM plan_events WHERE id = ?"));
  q.Bind(id);
  return One(q, Opening(f, ReadPlanEvent), "no such plan event");
}

}  // namespace rapport::sql
