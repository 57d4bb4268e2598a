#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the caseload's read (a therapist's
// or supervisor's episodes with their alerts, next appointment, questionnaires, answer series and
// the plan's standing, in one snapshot) and the mark that says when a clinic's ended episodes
// changed. Each takes the connection it runs on.

#include <cstdint>
#include <utility>
#include <vector>

#include "core/result.h"
#include "store/caseload_records.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

Result<std::vector<CaseloadEpisode>> ReadCaseload(SqlConnection& c, const CaseloadQuery& query);
Result<std::pair<std::int64_t, std::int64_t>> EndedEpisodesMark(SqlConnection& c,
                                                                ClinicId clinic_id);

}  // namespace rapport::sql
