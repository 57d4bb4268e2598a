#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind finding a
// therapist (offers, licence verification, preferences, the first step) and the outcome report's
// read of ended episodes. Each takes the connection it runs on (with its SealedFields where it
// reads or writes free text, which is sealed at rest), so the read pool and the write transaction
// share one text of every query.

#include <optional>
#include <vector>

#include "core/result.h"
#include "domain/first_step.h"
#include "domain/matching.h"
#include "store/matching_records.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
// The offer's own row; the caller writes the profile fields it shares with therapist_profiles.
Status PutTherapistOffer(SqlConnection& c, const TherapistOffer& offer);
Status PutLicenceVerification(SqlConnection& c, UserId therapist_id, std::optional<Timestamp> at,
                              UserId by);
Status PutClientPreferences(SealedFields& f, const ClientPreferences& preferences);
Status PutFirstStep(SealedFields& f, const FirstStep& step);

// Reads (any connection).
Result<TherapistOffer> GetTherapistOffer(SqlConnection& c, UserId therapist_id);
Result<std::vector<TherapistOffer>> ListTherapistOffers(SqlConnection& c, ClinicId clinic_id);
Result<ClientPreferences> GetClientPreferences(SealedFields& f, UserId client_id);
Result<FirstStep> GetFirstStep(SealedFields& f, UserId client_id);
Result<std::vector<EndedEpisodeMeasure>> ListEndedEpisodeMeasures(SqlConnection& c,
                                                                  ClinicId clinic_id);

}  // namespace rapport::sql
