#include "store/sql/sql_people.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "store/sql/field_cipher.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

namespace {

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

Result<UserId> ReadId(const SqlQuery& q) {
  return q.Int(0);
}

constexpr const char* kSupervisorsOfTherapist =
    "SELECT supervisor_id FROM supervision_links WHERE therapist_id = ? ORDER BY supervisor_id";

Result<std::vector<UserId>> QueryIds(SqlConnection& c, const char* sql, std::int64_t key) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
  q.Bind(key);
  return All(q, ReadId);
}

Result<std::vector<GuardianLink>> QueryGuardianLinks(SealedFields& f, const char* sql, UserId key) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare(sql));
  q.Bind(key);
  return All(q, Opening(f, ReadGuardianLink));
}

Result<std::vector<Episode>> QueryEpisodes(SqlConnection& c, const char* sql, std::int64_t key) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare(sql));
  q.Bind(key);
  return All(q, ReadEpisode);
}

}  // namespace

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

Result<ClinicId> InsertClinic(SqlConnection& c, const Clinic& clinic) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO clinics (name, share_with_guardians, allow_link_feedback, "
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

Status UpdateClinicSettings(SqlConnection& c, ClinicId id, const ClinicSettings& settings) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE clinics SET share_with_guardians = ?, allow_link_feedback = ?, "
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

Result<UserId> InsertUser(SqlConnection& c, const NewUser& user) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO users (clinic_id, email, display_name, role, password_hash, "
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

Status SetPasswordHash(SqlConnection& c, UserId id, const std::string& hash) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("UPDATE users SET password_hash = ? WHERE id = ?"));
  q.Bind(hash).Bind(id);
  return ChangedOne(q.Run(), "no such user");
}

Status ConfirmEmail(SqlConnection& c, UserId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("UPDATE users SET email_confirmed = 1 WHERE id = ?"));
  q.Bind(id);
  return ChangedOne(q.Run(), "no such user");
}

Status SetUserActive(SqlConnection& c, UserId id, bool active) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("UPDATE users SET active = ? WHERE id = ?"));
  q.Bind(active).Bind(id);
  return ChangedOne(q.Run(), "no such user");
}

Status UpsertTherapistProfile(SqlConnection& c, const TherapistProfile& p) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO therapist_profiles (user_id, credentials, bio, "
                "accepting_new_clients) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                "SET credentials = excluded.credentials, bio = excluded.bio, "
                "accepting_new_clients = excluded.accepting_new_clients"));
  q.Bind(p.user_id).Bind(p.credentials).Bind(p.bio).Bind(p.accepting_new_clients);
  return Done(NameMissing(q.Run(), "user does not exist"));
}

Status UpsertClientProfile(SqlConnection& c, const ClientProfile& p) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO client_profiles (user_id, date_of_birth, preferred_name, "
                "country) VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "date_of_birth = excluded.date_of_birth, "
                "preferred_name = excluded.preferred_name, country = excluded.country"));
  q.Bind(p.user_id).Bind(p.date_of_birth).Bind(p.preferred_name).Bind(p.country);
  return Done(NameMissing(q.Run(), "user does not exist"));
}

Status UpsertContactDetails(SqlConnection& c, const ContactDetails& d) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO client_contacts (user_id, phone, contact_method, contact_times, "
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

Status AddSupervision(SqlConnection& c, UserId supervisor_id, UserId therapist_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO supervision_links (supervisor_id, therapist_id) VALUES (?, ?) "
                "ON CONFLICT DO NOTHING"));
  q.Bind(supervisor_id).Bind(therapist_id);
  return Done(NameMissing(q.Run(), "supervisor or therapist does not exist"));
}

Result<GuardianLinkId> InsertGuardianLink(SealedFields& f, const GuardianLink& link) {
  const std::string missing = "guardian or child does not exist";
  RowClinic clinic = f.OfUser(link.child_id);
  const Owner owner = OwnerOf(link.guardian_id, link.child_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string exception_reason,
      NameMissing(f.Seal(clinic, Field::kGuardianException, owner, link.exception_reason),
                  missing));
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string consent_note,
      NameMissing(f.Seal(clinic, Field::kGuardianConsentNote, owner, link.consent_note), missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("INSERT INTO guardian_links (guardian_id, child_id, requested_by, "
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

Status UpdateGuardianLink(SealedFields& f, const GuardianLink& link) {
  std::string consent_note;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery stored,
        f.connection().Prepare("SELECT guardian_id, child_id FROM guardian_links WHERE id = ?"));
    stored.Bind(link.id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
    if (!found) return Fail(Error::NotFound("no such guardian link"));
    RowClinic clinic = f.OfUser(stored.Int(1));
    RAPPORT_ASSIGN_OR_RETURN(consent_note,
                             f.Seal(clinic, Field::kGuardianConsentNote,
                                    OwnerOf(stored.Int(0), stored.Int(1)), link.consent_note));
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare("UPDATE guardian_links SET accepted_at = ?, "
                                         "consent_recorded_by = ?, consent_recorded_at = ?, "
                                         "consent_note = ? WHERE id = ?"));
  q.Bind(link.accepted_at)
      .Bind(IdOrNull(link.consent_recorded_by))
      .Bind(link.consent_recorded_at)
      .Bind(consent_note)
      .Bind(link.id);
  return ChangedOne(NameMissing(q.Run(), "user does not exist"), "no such guardian link");
}

Status DeleteGuardianLink(SqlConnection& c, GuardianLinkId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("DELETE FROM guardian_links WHERE id = ?"));
  q.Bind(id);
  return ChangedOne(q.Run(), "no such guardian link");
}

Result<EpisodeId> InsertEpisode(SqlConnection& c, const Episode& e) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("INSERT INTO episodes (clinic_id, client_id, therapist_id, status, "
                            "started_at, ended_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(e.clinic_id)
      .Bind(e.client_id)
      .Bind(e.therapist_id)
      .Bind(ToString(e.status))
      .Bind(e.started_at)
      .Bind(e.ended_at);
  return NameMissing(q.RunReturningId(), "clinic, client or therapist does not exist");
}

Status UpdateEpisodeStatus(SqlConnection& c, EpisodeId id, EpisodeStatus status,
                           std::optional<Timestamp> ended_at) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("UPDATE episodes SET status = ?, ended_at = ? WHERE id = ?"));
  q.Bind(ToString(status)).Bind(ended_at).Bind(id);
  return ChangedOne(q.Run(), "no such episode");
}

Result<Clinic> GetClinic(SqlConnection& c, ClinicId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT " RAPPORT_CLINIC_COLUMNS " FROM clinics WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadClinic, "no such clinic");
}

Result<std::vector<Clinic>> ListClinics(SqlConnection& c) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_CLINIC_COLUMNS " FROM clinics ORDER BY id"));
  return All(q, ReadClinic);
}

Result<User> GetUser(SqlConnection& c, UserId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_USER_COLUMNS " FROM users WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadUser, "no such user");
}

Result<User> FindUserByEmail(SqlConnection& c, ClinicId clinic_id,
                             const std::string& normalized_email) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_USER_COLUMNS
                                                 " FROM users WHERE clinic_id = ? AND email = ? "
                                                 "AND email_confirmed = 1"));
  q.Bind(clinic_id).Bind(normalized_email);
  return One(q, ReadUser, "no such user");
}

Result<std::vector<User>> ListUsersWithEmail(SqlConnection& c,
                                             const std::string& normalized_email) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT " RAPPORT_USER_COLUMNS
                            " FROM users WHERE email = ? AND email_confirmed = 1 ORDER BY id"));
  q.Bind(normalized_email);
  return All(q, ReadUser);
}

Result<std::vector<User>> ListRecordsWithEmail(SqlConnection& c, ClinicId clinic_id,
                                               const std::string& normalized_email) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           c.Prepare("SELECT " RAPPORT_USER_COLUMNS
                                     " FROM users WHERE email = ? AND clinic_id = ? ORDER BY id"));
  q.Bind(normalized_email).Bind(clinic_id);
  return All(q, ReadUser);
}

Result<std::string> GetPasswordHash(SqlConnection& c, UserId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT password_hash FROM users WHERE id = ?"));
  q.Bind(id);
  return One(
      q, [](const SqlQuery& row) -> Result<std::string> { return row.Text(0); }, "no such user");
}

Result<std::vector<User>> ListUsers(SqlConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_USER_COLUMNS
                                                 " FROM users WHERE clinic_id = ? ORDER BY id"));
  q.Bind(clinic_id);
  return All(q, ReadUser);
}

Result<TherapistProfile> GetTherapistProfile(SqlConnection& c, UserId id) {
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
}

Result<ClientProfile> GetClientProfile(SqlConnection& c, UserId id) {
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
}

Result<ContactDetails> GetContactDetails(SqlConnection& c, UserId client_id) {
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
}

Result<std::vector<UserId>> ListSupervisees(SqlConnection& c, UserId supervisor_id) {
  return QueryIds(c,
                  "SELECT therapist_id FROM supervision_links WHERE supervisor_id = ? "
                  "ORDER BY therapist_id",
                  supervisor_id);
}

Result<std::vector<UserId>> ListSupervisors(SqlConnection& c, UserId therapist_id) {
  return QueryIds(c, kSupervisorsOfTherapist, therapist_id);
}

Result<std::vector<UserId>> ListChildrenOfGuardian(SqlConnection& c, UserId guardian_id) {
  return QueryIds(c,
                  "SELECT child_id FROM guardian_links WHERE guardian_id = ? " RAPPORT_ACTIVE_LINK
                  " ORDER BY child_id",
                  guardian_id);
}

Result<std::vector<UserId>> ListGuardiansOfChild(SqlConnection& c, UserId child_id) {
  return QueryIds(c,
                  "SELECT guardian_id FROM guardian_links WHERE child_id = ? " RAPPORT_ACTIVE_LINK
                  " ORDER BY guardian_id",
                  child_id);
}

Result<GuardianLink> GetGuardianLink(SealedFields& f, GuardianLinkId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_GUARDIAN_LINK_COLUMNS
                                                  " FROM guardian_links WHERE id = ?"));
  q.Bind(id);
  return One(q, Opening(f, ReadGuardianLink), "no such guardian link");
}

Result<std::vector<GuardianLink>> ListGuardianLinksOfChild(SealedFields& f, UserId child_id) {
  return QueryGuardianLinks(f,
                            "SELECT " RAPPORT_GUARDIAN_LINK_COLUMNS
                            " FROM guardian_links WHERE child_id = ? ORDER BY id",
                            child_id);
}

Result<std::vector<GuardianLink>> ListGuardianLinksOfGuardian(SealedFields& f, UserId guardian_id) {
  return QueryGuardianLinks(f,
                            "SELECT " RAPPORT_GUARDIAN_LINK_COLUMNS
                            " FROM guardian_links WHERE guardian_id = ? ORDER BY id",
                            guardian_id);
}

Result<Episode> GetEpisode(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT " RAPPORT_EPISODE_COLUMNS " FROM episodes WHERE id = ?"));
  q.Bind(id);
  return One(q, ReadEpisode, "no such episode");
}

Result<std::vector<Episode>> ListEpisodesOfClient(SqlConnection& c, UserId client_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, c.Prepare("SELECT " RAPPORT_EPISODE_COLUMNS
                                                 " FROM episodes WHERE client_id = ? ORDER BY id"));
  q.Bind(client_id);
  return All(q, ReadEpisode);
}

Result<std::vector<Episode>> ListEpisodesOfTherapist(SqlConnection& c, UserId therapist_id) {
  return QueryEpisodes(
      c, "SELECT " RAPPORT_EPISODE_COLUMNS " FROM episodes WHERE therapist_id = ? ORDER BY id",
      therapist_id);
}

Result<std::vector<Episode>> ListEpisodesOfClinic(SqlConnection& c, ClinicId clinic_id) {
  return QueryEpisodes(
      c, "SELECT " RAPPORT_EPISODE_COLUMNS " FROM episodes WHERE clinic_id = ? ORDER BY id",
      clinic_id);
}

}  // namespace rapport::sql
