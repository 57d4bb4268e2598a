#pragma once
// Internal to service/: the demo clinic's course-of-therapy records beyond the finished course
// (service/demo.cc): a change of therapist done with its handover packet, a rupture with its
// repair, and a rupture still waiting for its repair note, as the supervisor sees it.

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace rapport {

struct DemoCourseInput {
  ClinicId clinic_id = 0;
  UserId coordinator = 0;  // the admin who arranged the change
  // Ravi asked for a different therapist after a Fit Check that did not feel right: his
  // episode with Daniel ended as a transfer and a new one with Priya begins.
  EpisodeId leaving_episode = 0;
  UserId leaving_client = 0;
  UserId from_therapist = 0;
  UserId to_therapist = 0;
  // Jordan's rupture, repaired; Mei's, still waiting.
  EpisodeId repaired_episode = 0;
  EpisodeId waiting_episode = 0;
  UserId rupture_therapist = 0;
  Timestamp now = 0;
};

// Returns how many episodes it started (the new one of the transfer).
Result<int> SeedCourseChanges(WriteTxn& txn, const DemoCourseInput& in);

}  // namespace rapport
