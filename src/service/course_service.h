#pragma once
// The course of therapy as a whole: how an episode ends, and the discharge summary drafted from
// its record.
//
// Access:
//  - Ending: the episode's therapist or their supervisor, once, with a reason from the fixed list
//    (domain/ending.h). The episode ends, its future appointments are cancelled, and the ending is
//    audited, in one write.
//  - The discharge summary: the care team (a draft while the episode is open); the client, once
//    their episode has ended. A guardian or an admin is refused.
// Reads go through the feedback and plan services, so that each part of the record is read with
// its own access rules and audited as they audit it.
// Thread-safe (all state is in the Store). Borrows everything it is given.

#include "core/clock.h"
#include "core/result.h"
#include "domain/catalog.h"
#include "domain/crisis.h"
#include "domain/ending.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

class FeedbackService;
class PlanService;

class CourseService {
 public:
  CourseService(Store& store, const Clock& clock, const InstrumentCatalog& catalog,
                FeedbackService& feedback, PlanService& plan, const CrisisDirectory& crisis);

  // Ends the episode with `words` and returns its discharge summary. kInvalidArgument naming the
  // field for bad words; kFailedPrecondition when the episode has already ended.
  Result<DischargeSummary> EndEpisode(const Actor& actor, EpisodeId episode_id,
                                      const EndingWords& words);

  // The summary as the record stands: measures first against last with reliable change, the
  // goals of the plan in force and their attainment, what the therapist wrote at the end, and
  // where to get help.
  Result<DischargeSummary> Summary(const Actor& actor, EpisodeId episode_id);

 private:
  Result<DischargeSummary> Draft(const Actor& actor, const Episode& episode);

  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
  FeedbackService& feedback_;
  PlanService& plan_;
  const CrisisDirectory& crisis_;
};

}  // namespace rapport
