#pragma once
// Internal to the SQLite backend: the queries behind the course of therapy's records (how an
// episode ended, session notes and their addenda, the clinic's note template, the choice after a
// low Fit Check, changes of therapist with their handover packets, ruptures and their repair). Each
// takes the connection it runs on, so the read pool and the write transaction share one text of
// every query.

#include <vector>

#include "core/result.h"
#include "domain/ending.h"
#include "domain/handover.h"
#include "domain/notes.h"
#include "domain/rupture.h"
#include "domain/support_check.h"
#include "store/sqlite/sqlite_connection.h"

namespace rapport::sqlite {

// Writes (the writer connection, inside its transaction).
Status PutEpisodeEnding(SqliteConnection& c, const EpisodeEnding& ending);
Result<NoteId> InsertSessionNote(SqliteConnection& c, const SessionNote& note);
Status UpdateSessionNote(SqliteConnection& c, const SessionNote& note);
Result<AddendumId> InsertNoteAddendum(SqliteConnection& c, const NoteAddendum& addendum);
Status PutClinicNoteTemplate(SqliteConnection& c, ClinicId clinic_id,
                             const NoteTemplate& note_template, Timestamp at);

Status InsertFitFollowup(SqliteConnection& c, const FitFollowup& followup);
Result<TherapistChangeId> InsertTherapistChange(SqliteConnection& c, const TherapistChange& change);
Status UpdateTherapistChange(SqliteConnection& c, const TherapistChange& change);
Result<RuptureId> InsertRupture(SqliteConnection& c, const Rupture& rupture);
Status RecordRepair(SqliteConnection& c, RuptureId id, UserId by, Timestamp at,
                    const RepairNote& repair);
Status InsertSupportCheckRequest(SqliteConnection& c, const SupportCheckRequest& request);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<EpisodeEnding> GetEpisodeEnding(SqliteConnection& c, EpisodeId episode_id);
Result<SessionNote> GetSessionNoteOfAppointment(SqliteConnection& c, AppointmentId id);
Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(SqliteConnection& c, EpisodeId id);
Result<NoteTemplate> GetClinicNoteTemplate(SqliteConnection& c, ClinicId clinic_id);
Result<std::vector<FitFollowup>> ListFitFollowupsOfEpisode(SqliteConnection& c, EpisodeId id);
Result<TherapistChange> GetTherapistChange(SqliteConnection& c, TherapistChangeId id);
Result<std::vector<TherapistChange>> ListTherapistChangesOfClinic(
    SqliteConnection& c, ClinicId clinic_id, std::optional<ChangeStatus> status);
Result<std::vector<TherapistChange>> ListTherapistChangesOfEpisode(SqliteConnection& c,
                                                                   EpisodeId id);
Result<TherapistChange> GetTherapistChangeInto(SqliteConnection& c, EpisodeId new_episode_id);
Result<Rupture> GetRupture(SqliteConnection& c, RuptureId id);
Result<std::vector<Rupture>> ListRupturesOfEpisode(SqliteConnection& c, EpisodeId id);
Result<std::vector<SupportCheckRequest>> ListSupportCheckRequestsOfEpisode(SqliteConnection& c,
                                                                           EpisodeId id);
Result<std::vector<Rupture>> ListUnrepairedRupturesOfClinic(SqliteConnection& c, ClinicId clinic_id,
                                                            Timestamp noted_before);

}  // namespace rapport::sqlite
