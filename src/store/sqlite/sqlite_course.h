#pragma once
// Internal to the SQLite backend: the queries behind the course of therapy's records (how an
// episode ended, session notes and their addenda, the clinic's note template). Each takes the
// connection it runs on, so the read pool and the write transaction share one text of every
// query.

#include <vector>

#include "core/result.h"
#include "domain/ending.h"
#include "domain/notes.h"
#include "store/sqlite/sqlite_connection.h"

namespace rapport::sqlite {

// Writes (the writer connection, inside its transaction).
Status PutEpisodeEnding(SqliteConnection& c, const EpisodeEnding& ending);
Result<NoteId> InsertSessionNote(SqliteConnection& c, const SessionNote& note);
Status UpdateSessionNote(SqliteConnection& c, const SessionNote& note);
Result<AddendumId> InsertNoteAddendum(SqliteConnection& c, const NoteAddendum& addendum);
Status PutClinicNoteTemplate(SqliteConnection& c, ClinicId clinic_id,
                             const NoteTemplate& note_template, Timestamp at);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<EpisodeEnding> GetEpisodeEnding(SqliteConnection& c, EpisodeId episode_id);
Result<SessionNote> GetSessionNoteOfAppointment(SqliteConnection& c, AppointmentId id);
Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(SqliteConnection& c, EpisodeId id);
Result<NoteTemplate> GetClinicNoteTemplate(SqliteConnection& c, ClinicId clinic_id);

}  // namespace rapport::sqlite
