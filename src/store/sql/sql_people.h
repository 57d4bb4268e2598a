#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind the clinic and
// its people (clinics and their settings, users and their sign-in details, therapist and client
// profiles, contact details, supervision, guardian links) and their episodes of care. Each takes
// the connection it runs on (with its SealedFields where it reads or writes a guardian link,
// whose notes are sealed at rest), so the read pool and the write transaction share one text of
// every query.

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"
#include "store/store.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Result<ClinicId> InsertClinic(SqlConnection& c, const Clinic& clinic);
Status UpdateClinicSettings(SqlConnection& c, ClinicId id, const ClinicSettings& settings);
Result<UserId> InsertUser(SqlConnection& c, const NewUser& user);
Status SetPasswordHash(SqlConnection& c, UserId id, const std::string& hash);
Status ConfirmEmail(SqlConnection& c, UserId id);
Status SetUserActive(SqlConnection& c, UserId id, bool active);
Status UpsertTherapistProfile(SqlConnection& c, const TherapistProfile& p);
Status UpsertClientProfile(SqlConnection& c, const ClientProfile& p);
Status UpsertContactDetails(SqlConnection& c, const ContactDetails& d);
Status AddSupervision(SqlConnection& c, UserId supervisor_id, UserId therapist_id);
Result<GuardianLinkId> InsertGuardianLink(SealedFields& f, const GuardianLink& link);
Status UpdateGuardianLink(SealedFields& f, const GuardianLink& link);
Status DeleteGuardianLink(SqlConnection& c, GuardianLinkId id);
Result<EpisodeId> InsertEpisode(SqlConnection& c, const Episode& e);
Status UpdateEpisodeStatus(SqlConnection& c, EpisodeId id, EpisodeStatus status,
                           std::optional<Timestamp> ended_at);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<Clinic> GetClinic(SqlConnection& c, ClinicId id);
Result<std::vector<Clinic>> ListClinics(SqlConnection& c);
Result<User> GetUser(SqlConnection& c, UserId id);
Result<User> FindUserByEmail(SqlConnection& c, ClinicId clinic_id,
                             const std::string& normalized_email);
Result<std::vector<User>> ListUsersWithEmail(SqlConnection& c, const std::string& normalized_email);
Result<std::vector<User>> ListRecordsWithEmail(SqlConnection& c, ClinicId clinic_id,
                                               const std::string& normalized_email);
Result<std::string> GetPasswordHash(SqlConnection& c, UserId id);
Result<std::vector<User>> ListUsers(SqlConnection& c, ClinicId clinic_id);
Result<TherapistProfile> GetTherapistProfile(SqlConnection& c, UserId id);
Result<ClientProfile> GetClientProfile(SqlConnection& c, UserId id);
Result<ContactDetails> GetContactDetails(SqlConnection& c, UserId client_id);
Result<std::vector<UserId>> ListSupervisees(SqlConnection& c, UserId supervisor_id);
Result<std::vector<UserId>> ListSupervisors(SqlConnection& c, UserId therapist_id);
// Only links that grant access: accepted, with consent to share recorded.
Result<std::vector<UserId>> ListChildrenOfGuardian(SqlConnection& c, UserId guardian_id);
Result<std::vector<UserId>> ListGuardiansOfChild(SqlConnection& c, UserId child_id);
Result<GuardianLink> GetGuardianLink(SealedFields& f, GuardianLinkId id);
Result<std::vector<GuardianLink>> ListGuardianLinksOfChild(SealedFields& f, UserId child_id);
Result<std::vector<GuardianLink>> ListGuardianLinksOfGuardian(SealedFields& f, UserId guardian_id);
Result<Episode> GetEpisode(SqlConnection& c, EpisodeId id);
Result<std::vector<Episode>> ListEpisodesOfClient(SqlConnection& c, UserId client_id);
Result<std::vector<Episode>> ListEpisodesOfTherapist(SqlConnection& c, UserId therapist_id);
Result<std::vector<Episode>> ListEpisodesOfClinic(SqlConnection& c, ClinicId clinic_id);

// The current row of a query selecting an episode's columns in the order id, clinic_id,
// client_id, therapist_id, status, started_at, ended_at; the caseload's read shares it.
Result<Episode> ReadEpisode(const SqlQuery& q);

}  // namespace rapport::sql
