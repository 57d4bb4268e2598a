#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind the adults around
// a child (each guardian's standing, consent and assent, safety disclosures). Each takes the
// connection it runs on, so the read pool and the write transaction share one text of every query.

#include <vector>

#include "core/result.h"
#include "domain/family.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Status PutGuardianStanding(SqlConnection& c, const GuardianStanding& standing);
Result<ConsentId> InsertCareConsent(SqlConnection& c, const CareConsent& consent);
Result<DisclosureId> InsertSafetyDisclosure(SqlConnection& c, const SafetyDisclosure& disclosure);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<GuardianStanding> GetGuardianStanding(SqlConnection& c, GuardianLinkId link_id);
Result<std::vector<CareConsent>> ListCareConsentsOfChild(SqlConnection& c, UserId child_id);
Result<std::vector<SafetyDisclosure>> ListSafetyDisclosuresOfEpisode(SqlConnection& c,
                                                                     EpisodeId episode_id);

}  // namespace rapport::sql
