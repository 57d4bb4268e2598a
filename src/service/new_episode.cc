#include "service/new_episode.h"

#include "service/audit_log.h"
#include "service/feedback_service.h"

namespace rapport {

Result<Episode> OpenIntakeEpisode(WriteTxn& txn, const Actor& actor, UserId client_id,
                                  UserId therapist_id, const ClientProfile& profile,
                                  Timestamp now) {
  Episode episode;
  episode.clinic_id = actor.clinic_id;
  episode.client_id = client_id;
  episode.therapist_id = therapist_id;
  episode.status = EpisodeStatus::kIntake;
  episode.started_at = now;
  RAPPORT_ASSIGN_OR_RETURN(episode.id, txn.InsertEpisode(episode));
  // Feedback can be asked for from the first session.
  for (const InstrumentAssignment& a :
       FeedbackService::DefaultAssignmentsFor(episode.id, profile, now)) {
    RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
  }
  RAPPORT_RETURN_IF_ERROR(
      audit::Append(txn, actor, now, "create", "episode", audit::Id(episode.id)));
  return episode;
}

}  // namespace rapport
