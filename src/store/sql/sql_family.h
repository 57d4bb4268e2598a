#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind the adults around
// a child (each guardian's standing, consent and assent, safety disclosures). Each takes the
// SealedFields of the connection it runs on (their free text is sealed at rest), so the read pool
// and the write transaction share one text of every query.

#include <vector>

#include "core/result.h"
#include "domain/family.h"
#include "store/sql/sealed_fields.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Status PutGuardianStanding(SealedFields& f, const GuardianStanding& standing);
Result<ConsentId> InsertCareConsent(SealedFields& f, const CareConsent& consent);
Result<DisclosureId> InsertSafetyDisclosure(SealedFields& f, const SafetyDisclosure& disclosure);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<GuardianStanding> GetGuardianStanding(SealedFields& f, GuardianLinkId link_id);
Result<std::vector<CareConsent>> ListCareConsentsOfChild(SealedFields& f, UserId child_id);
Result<std::vector<SafetyDisclosure>> ListSafetyDisclosuresOfEpisode(SealedFields& f,
                                                                     EpisodeId episode_id);

}  // namespace rapport::sql
