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

// Ends episode `episode_id` inside `txn`: its status, its ending, the cancellation of every future
// appointment, and the audit entries. kFailedPrecondition when it has ended already. The one way
// an episode ends, whether by its therapist or by a change of therapist.
Status WriteEnding(WriteTxn& txn, const Actor& actor, EpisodeId episode_id,
                   const EndingWords& words, Timestamp now);

// Asks the client of ended episode `episode_id`, once, how the course felt as a whole: the last
// Rapport Check, which their home then offers.
Status InviteToLookBack(WriteTxn& txn, EpisodeId episode_id, Timestamp now);

// The scheduler's check for open episodes without contact: no session held, no message from the
// client and no answer from them for the clinic's no_contact_after_days, and nothing booked ahead.
// Their therapist is told once for each stretch of silence, kindly, so that they can reach out
// before the episode is ever closed as "no contact". Returns how many were told.
Result<int> FlagEpisodesWithoutContact(WriteTxn& txn, Store& store, ClinicId clinic_id,
                                       Timestamp now);

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

  // The summary of `episode` as `actor` may read it, with no check of its own beyond those of the
  // feedback and plan services: for callers that have decided access already (the handover
  // packet a client reviews).
  Result<DischargeSummary> Draft(const Actor& actor, const Episode& episode);

 private:
  Store& store_;
  const Clock& clock_;
  const InstrumentCatalog& catalog_;
  FeedbackService& feedback_;
  PlanService& plan_;
  const CrisisDirectory& crisis_;
};

}  // namespace rapport
