#pragma once
// Session notes: one per appointment, in the clinic's progress-note template, a draft until its
// author signs it and final from then on, with addenda after.
//
// Access:
//  - Writing and signing: the episode's therapist only (the note is theirs).
//  - Reading a session's note and adding an addendum to a signed one: the care team (the
//    therapist and their supervisor).
//  - An episode's notes: the care team (drafts too); the client only their signed notes and only
//    where the clinic's settings open notes to clients. Guardians and admins never.
//  - The clinic's template: staff and admins read the choices; only an admin changes it.
// Every read of a note is audited, one entry per note.
// Thread-safe (all state is in the Store). Borrows the Store and Clock.

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "core/result.h"
#include "domain/notes.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

struct SessionNoteView {
  SessionNote note;
  std::string author_name;
  std::string signed_by_name;                 // empty until signed
  std::vector<std::string> addendum_authors;  // beside note.addenda
};

struct NoteOfSession {
  std::optional<SessionNoteView> note;  // nullopt until one is written
  NoteTemplate note_template;           // what a new note of this session would use
  Appointment appointment;
};

struct NoteTemplates {
  std::vector<NoteTemplate> shipped;
  NoteTemplate clinic;  // the clinic's own, or the first shipped one
};

class NotesService {
 public:
  NotesService(Store& store, const Clock& clock);

  Result<NoteTemplates> Templates(const Actor& actor);
  Result<NoteTemplate> SetClinicTemplate(const Actor& actor, const NoteTemplate& note_template);

  Result<NoteOfSession> NoteOf(const Actor& actor, AppointmentId appointment_id);
  // `sections` is {"key": text} in the note's template (the clinic's, for a new note).
  Result<SessionNoteView> SaveDraft(const Actor& actor, AppointmentId appointment_id,
                                    const Json& sections);
  Result<SessionNoteView> Sign(const Actor& actor, AppointmentId appointment_id);
  Result<SessionNoteView> AddAddendum(const Actor& actor, AppointmentId appointment_id,
                                      std::string_view text);

  Result<std::vector<SessionNoteView>> NotesOfEpisode(const Actor& actor, EpisodeId episode_id);

 private:
  Result<NoteTemplate> ClinicTemplate(ClinicId clinic_id);
  Result<SessionNoteView> ViewOf(SessionNote note);

  Store& store_;
  const Clock& clock_;
};

}  // namespace rapport
