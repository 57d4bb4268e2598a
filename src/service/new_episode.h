#pragma once
// Opening an episode of care in intake: the one way every path (a therapist taking a client on, a
// new client added with their therapist, a client asking a matched therapist for a first
// appointment) starts one, so that each starts with the clinic's routine questionnaires and an
// audit entry.

#include "core/clock.h"
#include "core/result.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

// Inserts an episode in intake of `client_id` with `therapist_id` inside `txn`, assigns the
// routine questionnaires for a client of `profile`, and audits its creation by `actor`.
Result<Episode> OpenIntakeEpisode(WriteTxn& txn, const Actor& actor, UserId client_id,
                                  UserId therapist_id, const ClientProfile& profile, Timestamp now);

}  // namespace rapport
