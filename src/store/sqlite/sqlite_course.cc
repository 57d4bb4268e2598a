#include "store/sqlite/sqlite_course.h"

#include <map>
#include <string>
#include <utility>

#include "store/sqlite/sqlite_rows.h"

namespace rapport::sqlite {

Status PutEpisodeEnding(SqliteConnection& c, const EpisodeEnding& ending) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q,
      c.Prepare("INSERT INTO episode_endings (episode_id, reason, ended_by, ended_at, words) "
                "VALUES (?, ?, ?, ?, ?)"));
  q.Bind(ending.episode_id)
      .Bind(std::string(ToString(ending.words.reason)))
      .Bind(ending.ended_by)
      .Bind(ending.ended_at)
      .Bind(EndingWordsToJson(ending.words).dump());
  return Done(NameMissing(q.Run(), "episode or user does not exist"));
}

Result<EpisodeEnding> GetEpisodeEnding(SqliteConnection& c, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqliteQuery q, c.Prepare("SELECT episode_id, ended_by, ended_at, words "
                                                    "FROM episode_endings WHERE episode_id = ?"));
  q.Bind(episode_id);
  return One(
      q,
      [](const SqliteQuery& row) -> Result<EpisodeEnding> {
        EpisodeEnding ending;
        ending.episode_id = row.Int(0);
        ending.ended_by = row.Int(1);
        ending.ended_at = row.Int(2);
        // The text is what EndingWordsToJson wrote after validation; the display words it added
        // are read past.
        RAPPORT_ASSIGN_OR_RETURN(Json words, FromColumn(ParseJson(row.Text(3)), "episode ending"));
        words.erase("reason_words");
        RAPPORT_ASSIGN_OR_RETURN(ending.words,
                                 FromColumn(EndingWordsFromJson(words), "episode ending"));
        return ending;
      },
      "this episode has no recorded ending");
}

namespace {

#define RAPPORT_NOTE_COLUMNS                                                             \
  "n.id, n.appointment_id, n.episode_id, n.author_id, n.template, n.sections, n.state, " \
  "n.created_at, n.updated_at, n.signed_at, n.signed_by"

// The sections as stored: {"key": text} in the template's order (what NoteSectionsToJson wrote).
Result<NoteSections> ReadSections(const NoteTemplate& note_template, const std::string& text) {
  RAPPORT_ASSIGN_OR_RETURN(Json doc, FromColumn(ParseJson(text), "session note"));
  NoteSections sections;
  for (const NoteSection& s : note_template.sections) {
    const auto it = doc.find(s.key);
    sections.emplace_back(s.key, it != doc.end() && it->is_string() ? it->get<std::string>() : "");
  }
  return sections;
}

Result<SessionNote> ReadNote(const SqliteQuery& row) {
  SessionNote note;
  note.id = row.Int(0);
  note.appointment_id = row.Int(1);
  note.episode_id = row.Int(2);
  note.author_id = row.Int(3);
  RAPPORT_ASSIGN_OR_RETURN(Json t, FromColumn(ParseJson(row.Text(4)), "session note"));
  RAPPORT_ASSIGN_OR_RETURN(note.note_template, FromColumn(NoteTemplateFromJson(t), "session note"));
  RAPPORT_ASSIGN_OR_RETURN(note.sections, ReadSections(note.note_template, row.Text(5)));
  RAPPORT_ASSIGN_OR_RETURN(note.state, FromColumn(ParseNoteState(row.Text(6)), "session note"));
  note.created_at = row.Int(7);
  note.updated_at = row.Int(8);
  note.signed_at = row.OptionalInt(9);
  note.signed_by = row.OptionalInt(10).value_or(0);
  return note;
}

// Fills in the addenda of `notes` in one query.
Status AddAddenda(SqliteConnection& c, std::vector<SessionNote>& notes) {
  if (notes.empty()) return Ok();
  std::map<NoteId, SessionNote*> by_id;
  std::string ids;
  for (SessionNote& n : notes) {
    by_id[n.id] = &n;
    if (!ids.empty()) ids += ",";
    ids += std::to_string(n.id);
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q,
      c.Prepare("SELECT a.id, a.note_id, a.author_id, a.text, a.created_at FROM note_addenda a "
                "WHERE a.note_id IN (SELECT value FROM json_each(?)) ORDER BY a.note_id, a.id"));
  q.Bind("[" + ids + "]");
  RAPPORT_ASSIGN_OR_RETURN(
      std::vector<NoteAddendum> addenda, All(q, [](const SqliteQuery& row) -> Result<NoteAddendum> {
        return NoteAddendum{row.Int(0), row.Int(1), row.Int(2), row.Text(3), row.Int(4)};
      }));
  for (NoteAddendum& a : addenda) by_id.at(a.note_id)->addenda.push_back(std::move(a));
  return Ok();
}

}  // namespace

Result<NoteId> InsertSessionNote(SqliteConnection& c, const SessionNote& note) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q,
      c.Prepare("INSERT INTO session_notes (appointment_id, episode_id, author_id, template, "
                "sections, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?) "
                "RETURNING id"));
  q.Bind(note.appointment_id)
      .Bind(note.episode_id)
      .Bind(note.author_id)
      .Bind(NoteTemplateToJson(note.note_template).dump())
      .Bind(NoteSectionsToJson(note.sections).dump())
      .Bind(note.created_at)
      .Bind(note.updated_at);
  return NameMissing(q.RunReturningId(), "appointment, episode or author does not exist");
}

Status UpdateSessionNote(SqliteConnection& c, const SessionNote& note) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q,
      c.Prepare("UPDATE session_notes SET sections = ?, state = ?, updated_at = ?, signed_at = ?, "
                "signed_by = ? WHERE id = ?"));
  q.Bind(NoteSectionsToJson(note.sections).dump())
      .Bind(std::string(ToString(note.state)))
      .Bind(note.updated_at)
      .Bind(note.signed_at)
      .Bind(note.signed_by != 0 ? std::optional<std::int64_t>(note.signed_by) : std::nullopt)
      .Bind(note.id);
  return ChangedOne(q.Run(), "no such session note");
}

Result<AddendumId> InsertNoteAddendum(SqliteConnection& c, const NoteAddendum& addendum) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q, c.Prepare("INSERT INTO note_addenda (note_id, author_id, text, created_at) "
                               "VALUES (?, ?, ?, ?) RETURNING id"));
  q.Bind(addendum.note_id).Bind(addendum.author_id).Bind(addendum.text).Bind(addendum.created_at);
  return NameMissing(q.RunReturningId(), "note or author does not exist");
}

Status PutClinicNoteTemplate(SqliteConnection& c, ClinicId clinic_id,
                             const NoteTemplate& note_template, Timestamp at) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q,
      c.Prepare("INSERT INTO clinic_note_templates (clinic_id, template, updated_at) "
                "VALUES (?, ?, ?) ON CONFLICT (clinic_id) DO UPDATE SET "
                "template = excluded.template, updated_at = excluded.updated_at"));
  q.Bind(clinic_id).Bind(NoteTemplateToJson(note_template).dump()).Bind(at);
  return Done(NameMissing(q.Run(), "clinic does not exist"));
}

Result<SessionNote> GetSessionNoteOfAppointment(SqliteConnection& c, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q,
      c.Prepare("SELECT " RAPPORT_NOTE_COLUMNS " FROM session_notes n WHERE n.appointment_id = ?"));
  q.Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(SessionNote note, One(q, ReadNote, "this session has no note"));
  std::vector<SessionNote> one{std::move(note)};
  RAPPORT_RETURN_IF_ERROR(AddAddenda(c, one));
  return std::move(one.front());
}

Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(SqliteConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqliteQuery q,
                           c.Prepare("SELECT " RAPPORT_NOTE_COLUMNS " FROM session_notes n "
                                     "JOIN appointments a ON a.id = n.appointment_id "
                                     "WHERE n.episode_id = ? ORDER BY a.starts_at, a.id"));
  q.Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(std::vector<SessionNote> notes, All(q, ReadNote));
  RAPPORT_RETURN_IF_ERROR(AddAddenda(c, notes));
  return notes;
}

Result<NoteTemplate> GetClinicNoteTemplate(SqliteConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqliteQuery q, c.Prepare("SELECT template FROM clinic_note_templates WHERE clinic_id = ?"));
  q.Bind(clinic_id);
  return One(
      q,
      [](const SqliteQuery& row) -> Result<NoteTemplate> {
        RAPPORT_ASSIGN_OR_RETURN(Json t, FromColumn(ParseJson(row.Text(0)), "note template"));
        return FromColumn(NoteTemplateFromJson(t), "note template");
      },
      "the clinic uses the shipped template");
}

}  // namespace rapport::sqlite
