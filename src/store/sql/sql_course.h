#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind the course of
// therapy's records (how an episode ended, session notes and their addenda, the clinic's note
// template, the choice after a low Fit Check, changes of therapist with their handover packets,
// ruptures and their repair). Each takes the connection it runs on, so the read pool and the write
// transaction share one text of every query.

#include <vector>

#include "core/result.h"
#include "domain/ending.h"
#include "domain/handover.h"
#include "domain/notes.h"
#include "domain/rupture.h"
#include "domain/support_check.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Status PutEpisodeEnding(SqlConnection& c, const EpisodeEnding& ending);
Result<NoteId> InsertSessionNote(SqlConnection& c, const SessionNote& note);
Status UpdateSessionNote(SqlConnection& c, const SessionNote& note);
Result<AddendumId> InsertNoteAddendum(SqlConnection& c, const NoteAddendum& addendum);
Status PutClinicNoteTemplate(SqlConnection& c, ClinicId clinic_id,
                             const NoteTemplate& note_template, Timestamp at);

Status InsertFitFollowup(SqlConnection& c, const FitFollowup& followup);
Result<TherapistChangeId> InsertTherapistChange(SqlConnection& c, const TherapistChange& change);
Status UpdateTherapistChange(SqlConnection& c, const TherapistChange& change);
Result<RuptureId> InsertRupture(SqlConnection& c, const Rupture& rupture);
Status RecordRepair(SqlConnection& c, RuptureId id, UserId by, Timestamp at,
                    const RepairNote& repair);
Status InsertSupportCheckRequest(SqlConnection& c, const SupportCheckRequest& request);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<EpisodeEnding> GetEpisodeEnding(SqlConnection& c, EpisodeId episode_id);
Result<SessionNote> GetSessionNoteOfAppointment(SqlConnection& c, AppointmentId id);
Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(SqlConnection& c, EpisodeId id);
Result<NoteTemplate> GetClinicNoteTemplate(SqlConnection& c, ClinicId clinic_id);
Result<std::vector<FitFollowup>> ListFitFollowupsOfEpisode(SqlConnection& c, EpisodeId id);
Result<TherapistChange> GetTherapistChange(SqlConnection& c, TherapistChangeId id);
Result<std::vector<TherapistChange>> ListTherapistChangesOfClinic(
    SqlConnection& c, ClinicId clinic_id, std::optional<ChangeStatus> status);
Result<std::vector<TherapistChange>> ListTherapistChangesOfEpisode(SqlConnection& c, EpisodeId id);
Result<TherapistChange> GetTherapistChangeInto(SqlConnection& c, EpisodeId new_episode_id);
Result<Rupture> GetRupture(SqlConnection& c, RuptureId id);
Result<std::vector<Rupture>> ListRupturesOfEpisode(SqlConnection& c, EpisodeId id);
Result<std::vector<SupportCheckRequest>> ListSupportCheckRequestsOfEpisode(SqlConnection& c,
                                                                           EpisodeId id);
Result<std::vector<Rupture>> ListUnrepairedRupturesOfClinic(SqlConnection& c, ClinicId clinic_id,
                                                            Timestamp noted_before);

}  // namespace rapport::sql
