#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind an episode's
// treatment plan (its numbered versions, the signatures that agree to one, and the plan's events).
// Each takes the connection it runs on (with its SealedFields where it reads or writes a plan's
// content, comments or event payloads, which are sealed at rest), so the read pool and the write
// transaction share one text of every query.

#include <optional>
#include <vector>

#include "core/result.h"
#include "domain/plan.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Result<PlanVersionId> InsertPlanVersion(SealedFields& f, const PlanVersion& v);
// Refuses to change the content of a version that has been proposed or signed.
Status UpdatePlanVersion(SealedFields& f, const PlanVersion& v);
Status InsertPlanSignature(SqlConnection& c, const PlanSignature& s);
Result<PlanEventId> InsertPlanEvent(SealedFields& f, const PlanEvent& e);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<std::vector<PlanVersion>> ListPlanVersions(SealedFields& f, EpisodeId id);
Result<PlanVersion> GetPlanVersion(SealedFields& f, EpisodeId id, int number);
Result<std::vector<PlanSignature>> ListPlanSignatures(SqlConnection& c, EpisodeId id);
Result<std::vector<PlanEvent>> ListPlanEvents(SealedFields& f, EpisodeId id,
                                              std::optional<PlanEventKind> kind);
Result<PlanEvent> GetPlanEvent(SealedFields& f, PlanEventId id);

}  // namespace rapport::sql
