#include "service/notes_service.h"

#include <utility>

#include "service/access.h"
#include "service/audit_log.h"
#include "service/names.h"

namespace rapport {

namespace {

constexpr std::initializer_list<Role> kCareTeam = {Role::kTherapist, Role::kSupervisor};

Error NotTheAuthor() {
  return Error::PermissionDenied(
      "Only the episode's therapist writes and signs its session notes; a supervisor can add an "
      "addendum once a note is signed.");
}

// The session's note, read inside the write that changes it; kNotFound with `missing` when none
// has been written.
Result<SessionNote> WrittenNote(WriteTxn& txn, AppointmentId appointment_id,
                                std::string_view missing) {
  auto note = txn.GetSessionNoteOfAppointment(appointment_id);
  if (!note && note.error().code == ErrorCode::kNotFound) {
    return Fail(Error::NotFound(std::string(missing)));
  }
  return note;
}

}  // namespace

NotesService::NotesService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

Result<NoteTemplate> NotesService::ClinicTemplate(ClinicId clinic_id) {
  auto own = store_.GetClinicNoteTemplate(clinic_id);
  if (own) return own;
  if (own.error().code != ErrorCode::kNotFound) return Fail(own.error());
  if (ShippedNoteTemplates().empty()) return Fail(Error::Internal("no note template is shipped"));
  return ShippedNoteTemplates().front();
}

Result<SessionNoteView> NotesService::ViewOf(SessionNote note) {
  Names names(store_);
  SessionNoteView view;
  RAPPORT_ASSIGN_OR_RETURN(view.author_name, names.User(note.author_id));
  if (note.signed_by != 0) {
    RAPPORT_ASSIGN_OR_RETURN(view.signed_by_name, names.User(note.signed_by));
  }
  for (const NoteAddendum& a : note.addenda) {
    RAPPORT_ASSIGN_OR_RETURN(std::string name, names.User(a.author_id));
    view.addendum_authors.push_back(std::move(name));
  }
  view.note = std::move(note);
  return view;
}

Result<NoteTemplates> NotesService::Templates(const Actor& actor) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor, Role::kAdmin}));
  NoteTemplates out;
  out.shipped = ShippedNoteTemplates();
  RAPPORT_ASSIGN_OR_RETURN(out.clinic, ClinicTemplate(actor.clinic_id));
  return out;
}

Result<NoteTemplate> NotesService::SetClinicTemplate(const Actor& actor,
                                                     const NoteTemplate& note_template) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  const Timestamp now = clock_.Now();
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.PutClinicNoteTemplate(actor.clinic_id, note_template, now));
    return audit::Append(txn, actor, now, "update", "note_template", audit::Id(actor.clinic_id));
  }));
  return note_template;
}

Result<NoteOfSession> NotesService::NoteOf(const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareTeam));
  RAPPORT_ASSIGN_OR_RETURN(
      const AppointmentOfEpisode found,
      RequireAppointment(store_, actor, appointment_id, ClientAccess::kClinical));
  NoteOfSession out;
  out.appointment = found.appointment;
  auto note = store_.GetSessionNoteOfAppointment(appointment_id);
  if (note) {
    out.note_template = note->note_template;
    RAPPORT_RETURN_IF_ERROR(
        audit::Reads(store_, actor, clock_.Now(), {{"session_note", audit::Id(note->id)}}));
    RAPPORT_ASSIGN_OR_RETURN(out.note, ViewOf(*std::move(note)));
    return out;
  }
  if (note.error().code != ErrorCode::kNotFound) return Fail(note.error());
  RAPPORT_ASSIGN_OR_RETURN(out.note_template, ClinicTemplate(found.episode.clinic_id));
  return out;
}

Result<SessionNoteView> NotesService::SaveDraft(const Actor& actor, AppointmentId appointment_id,
                                                const Json& sections) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareTeam));
  RAPPORT_ASSIGN_OR_RETURN(
      const AppointmentOfEpisode found,
      RequireAppointment(store_, actor, appointment_id, ClientAccess::kClinical));
  if (actor.user_id != found.episode.therapist_id) return Fail(NotTheAuthor());
  RAPPORT_ASSIGN_OR_RETURN(const NoteTemplate clinic_template,
                           ClinicTemplate(found.episode.clinic_id));
  const Timestamp now = clock_.Now();
  SessionNote note;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    auto existing = txn.GetSessionNoteOfAppointment(appointment_id);
    if (existing) {
      note = *std::move(existing);
      if (note.state == NoteState::kSigned) {
        return Fail(
            Error::FailedPrecondition("A signed note cannot be changed; add an addendum instead."));
      }
    } else if (existing.error().code == ErrorCode::kNotFound) {
      note.appointment_id = appointment_id;
      note.episode_id = found.episode.id;
      note.author_id = actor.user_id;
      note.note_template = clinic_template;
      note.created_at = now;
    } else {
      return Fail(existing.error());
    }
    RAPPORT_ASSIGN_OR_RETURN(note.sections, NoteSectionsFromJson(note.note_template, sections));
    note.updated_at = now;
    if (note.id == 0) {
      RAPPORT_ASSIGN_OR_RETURN(note.id, txn.InsertSessionNote(note));
      return audit::Append(txn, actor, now, "create", "session_note", audit::Id(note.id));
    }
    RAPPORT_RETURN_IF_ERROR(txn.UpdateSessionNote(note));
    return audit::Append(txn, actor, now, "update", "session_note", audit::Id(note.id));
  }));
  return ViewOf(std::move(note));
}

Result<SessionNoteView> NotesService::Sign(const Actor& actor, AppointmentId appointment_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareTeam));
  RAPPORT_ASSIGN_OR_RETURN(
      const AppointmentOfEpisode found,
      RequireAppointment(store_, actor, appointment_id, ClientAccess::kClinical));
  if (actor.user_id != found.episode.therapist_id) return Fail(NotTheAuthor());
  const Timestamp now = clock_.Now();
  SessionNote note;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(
        note, WrittenNote(txn, appointment_id, "This session has no note to sign yet."));
    if (note.state == NoteState::kSigned) {
      return Fail(Error::FailedPrecondition("This note is already signed."));
    }
    if (!HasContent(note.sections)) {
      return Fail(Error::Field("sections", "write at least one section before signing"));
    }
    note.state = NoteState::kSigned;
    note.signed_at = now;
    note.signed_by = actor.user_id;
    note.updated_at = now;
    RAPPORT_RETURN_IF_ERROR(txn.UpdateSessionNote(note));
    return audit::Append(txn, actor, now, "sign", "session_note", audit::Id(note.id));
  }));
  return ViewOf(std::move(note));
}

Result<SessionNoteView> NotesService::AddAddendum(const Actor& actor, AppointmentId appointment_id,
                                                  std::string_view text) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, kCareTeam));
  RAPPORT_ASSIGN_OR_RETURN(
      const AppointmentOfEpisode found,
      RequireAppointment(store_, actor, appointment_id, ClientAccess::kClinical));
  RAPPORT_ASSIGN_OR_RETURN(const bool cares,
                           MayManageCareOf(store_, actor, found.episode.therapist_id));
  if (!cares) return Fail(Error::PermissionDenied("Only the care team adds to a session note."));
  RAPPORT_ASSIGN_OR_RETURN(std::string words, ValidateAddendum(text));
  const Timestamp now = clock_.Now();
  SessionNote note;
  RAPPORT_RETURN_IF_ERROR(store_.Write([&](WriteTxn& txn) -> Status {
    RAPPORT_ASSIGN_OR_RETURN(note,
                             WrittenNote(txn, appointment_id, "This session has no note yet."));
    if (note.state != NoteState::kSigned) {
      return Fail(Error::FailedPrecondition(
          "Addenda follow a signed note; change the draft itself until it is signed."));
    }
    NoteAddendum addendum{0, note.id, actor.user_id, words, now};
    RAPPORT_ASSIGN_OR_RETURN(addendum.id, txn.InsertNoteAddendum(addendum));
    note.addenda.push_back(std::move(addendum));
    return audit::Append(txn, actor, now, "create", "note_addendum",
                         audit::Id(note.addenda.back().id));
  }));
  return ViewOf(std::move(note));
}

Result<std::vector<SessionNoteView>> NotesService::NotesOfEpisode(const Actor& actor,
                                                                  EpisodeId episode_id) {
  RAPPORT_RETURN_IF_ERROR(RequireRole(actor, {Role::kTherapist, Role::kSupervisor, Role::kClient}));
  RAPPORT_ASSIGN_OR_RETURN(const Episode episode,
                           RequireEpisode(store_, actor, episode_id, ClientAccess::kClinical));
  const bool client = actor.role == Role::kClient;
  if (client) {
    RAPPORT_ASSIGN_OR_RETURN(const Clinic clinic, store_.GetClinic(episode.clinic_id));
    if (!clinic.settings.clients_may_read_notes) {
      return Fail(Error::PermissionDenied(
          "Your clinic does not share session notes in Rapport. You can ask your therapist about "
          "what they write."));
    }
  }
  RAPPORT_ASSIGN_OR_RETURN(std::vector<SessionNote> notes,
                           store_.ListSessionNotesOfEpisode(episode_id));
  std::vector<SessionNoteView> out;
  std::vector<audit::Touch> touched;
  for (SessionNote& note : notes) {
    if (client && note.state != NoteState::kSigned) continue;  // a draft is the therapist's
    touched.push_back({"session_note", audit::Id(note.id)});
    RAPPORT_ASSIGN_OR_RETURN(SessionNoteView view, ViewOf(std::move(note)));
    out.push_back(std::move(view));
  }
  if (touched.empty()) touched.push_back({"episode", audit::Id(episode_id)});
  RAPPORT_RETURN_IF_ERROR(audit::Reads(store_, actor, clock_.Now(), std::move(touched)));
  return out;
}

}  // namespace rapport
