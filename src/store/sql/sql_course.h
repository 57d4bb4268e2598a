#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind the course of
// therapy's records (how an episode ended, session notes and their addenda, the clinic's note
// template, the choice after a low Fit Check, changes of therapist with their handover packets,
// ruptures and their repair). Each takes the connection it runs on (with its SealedFields where
// it reads or writes free text, which is sealed at rest), so the read pool and the write
// transaction share one text of every query.

#include <vector>

#include "core/result.h"
#include "domain/ending.h"
#include "domain/handover.h"
#include "domain/notes.h"
#include "domain/rupture.h"
#include "domain/support_check.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Status PutEpisodeEnding(SealedFields& f, const EpisodeEnding& ending);
Result<NoteId> InsertSessionNote(SealedFields& f, const SessionNote& note);
Status UpdateSessionNote(SealedFields& f, const SessionNote& note);
Result<AddendumId> InsertNoteAddendum(SealedFields& f, const NoteAddendum& addendum);
Status PutClinicNoteTemplate(SqlConnection& c, ClinicId clinic_id,
                             const NoteTemplate& note_template, Timestamp at);

Status InsertFitFollowup(SqlConnection& c, const FitFollowup& followup);
Result<TherapistChangeId> InsertTherapistChange(SealedFields& f, const TherapistChange& change);
Status UpdateTherapistChange(SealedFields& f, const TherapistChange& change);
Result<RuptureId> InsertRupture(SealedFields& f, const Rupture& rupture);
Status RecordRepair(SealedFields& f, RuptureId id, UserId by, Timestamp at,
                    const RepairNote& repair);
Status InsertSupportCheckRequest(SqlConnection& c, const SupportCheckRequest& request);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<EpisodeEnding> GetEpisodeEnding(SealedFields& f, EpisodeId episode_id);
Result<SessionNote> GetSessionNoteOfAppointment(SealedFields& f, AppointmentId id);
Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(SealedFields& f, EpisodeId id);
Result<NoteTemplate> GetClinicNoteTemplate(SqlConnection& c, ClinicId clinic_id);
Result<std::vector<FitFollowup>> ListFitFollowupsOfEpisode(SqlConnection& c, EpisodeId id);
Result<TherapistChange> GetTherapistChange(SealedFields& f, TherapistChangeId id);
Result<std::vector<TherapistChange>> ListTherapistChangesOfClinic(
    SealedFields& f, ClinicId clinic_id, std::optional<ChangeStatus> status);
Result<std::vector<TherapistChange>> ListTherapistChangesOfEpisode(SealedFields& f, EpisodeId id);
Result<TherapistChange> GetTherapistChangeInto(SealedFields& f, EpisodeId new_episode_id);
Result<Rupture> GetRupture(SealedFields& f, RuptureId id);
Result<std::vector<Rupture>> ListRupturesOfEpisode(SealedFields& f, EpisodeId id);
Result<std::vector<SupportCheckRequest>> ListSupportCheckRequestsOfEpisode(SqlConnection& c,
                                                                           EpisodeId id);
Result<std::vector<Rupture>> ListUnrepairedRupturesOfClinic(SealedFields& f, ClinicId clinic_id,
                                                            Timestamp noted_before);

}  // namespace rapport::sql
