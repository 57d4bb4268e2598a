#include "store/sql/sql_course.h"

#include <map>
#include <string>
#include <utility>

#include "store/sql/field_cipher.h"
#include "store/sql/sql_rows.h"

namespace rapport::sql {

Status PutEpisodeEnding(SealedFields& f, const EpisodeEnding& ending) {
  const std::string missing = "episode or user does not exist";
  RowClinic clinic = f.OfEpisode(ending.episode_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string words,
      NameMissing(f.Seal(clinic, Field::kEndingWords, OwnerOf(ending.episode_id),
                         EndingWordsToJson(ending.words).dump()),
                  missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "INSERT INTO episode_endings (episode_id, reason, ended_by, ended_at, words) "
                      "VALUES (?, ?, ?, ?, ?)"));
  q.Bind(ending.episode_id)
      .Bind(std::string(ToString(ending.words.reason)))
      .Bind(ending.ended_by)
      .Bind(ending.ended_at)
      .Bind(words);
  return Done(NameMissing(q.Run(), missing));
}

Result<EpisodeEnding> GetEpisodeEnding(SealedFields& f, EpisodeId episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT episode_id, ended_by, ended_at, words "
                                                  "FROM episode_endings WHERE episode_id = ?"));
  q.Bind(episode_id);
  return One(
      q,
      [&f](const SqlQuery& row) -> Result<EpisodeEnding> {
        EpisodeEnding ending;
        ending.episode_id = row.Int(0);
        ending.ended_by = row.Int(1);
        ending.ended_at = row.Int(2);
        RAPPORT_ASSIGN_OR_RETURN(
            const std::string text,
            f.Open(Field::kEndingWords, OwnerOf(ending.episode_id), row.Text(3)));
        // The text is what EndingWordsToJson wrote after validation; the display words it added
        // are read past.
        RAPPORT_ASSIGN_OR_RETURN(Json words, FromColumn(ParseJson(text), "episode ending"));
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

Result<SessionNote> ReadNote(SealedFields& f, const SqlQuery& row) {
  SessionNote note;
  note.id = row.Int(0);
  note.appointment_id = row.Int(1);
  note.episode_id = row.Int(2);
  note.author_id = row.Int(3);
  RAPPORT_ASSIGN_OR_RETURN(Json t, FromColumn(ParseJson(row.Text(4)), "session note"));
  RAPPORT_ASSIGN_OR_RETURN(note.note_template, FromColumn(NoteTemplateFromJson(t), "session note"));
  RAPPORT_ASSIGN_OR_RETURN(const std::string sections,
                           f.Open(Field::kNoteSections, OwnerOf(note.appointment_id), row.Text(5)));
  RAPPORT_ASSIGN_OR_RETURN(note.sections, ReadSections(note.note_template, sections));
  RAPPORT_ASSIGN_OR_RETURN(note.state, FromColumn(ParseNoteState(row.Text(6)), "session note"));
  note.created_at = row.Int(7);
  note.updated_at = row.Int(8);
  note.signed_at = row.OptionalInt(9);
  note.signed_by = row.OptionalInt(10).value_or(0);
  return note;
}

// Fills in the addenda of `notes` in one query.
Status AddAddenda(SealedFields& f, std::vector<SessionNote>& notes) {
  if (notes.empty()) return Ok();
  std::map<NoteId, SessionNote*> by_id;
  std::string ids;
  for (SessionNote& n : notes) {
    by_id[n.id] = &n;
    if (!ids.empty()) ids += ",";
    ids += std::to_string(n.id);
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "SELECT a.id, a.note_id, a.author_id, a.text, a.created_at FROM note_addenda a "
          "WHERE a.note_id IN (SELECT CAST(value AS BIGINT) FROM json_each(?)) ORDER BY "
          "a.note_id, a.id"));
  q.Bind("[" + ids + "]");
  RAPPORT_ASSIGN_OR_RETURN(
      std::vector<NoteAddendum> addenda, All(q, [&f](const SqlQuery& row) -> Result<NoteAddendum> {
        NoteAddendum a{row.Int(0), row.Int(1), row.Int(2), {}, row.Int(4)};
        RAPPORT_ASSIGN_OR_RETURN(
            a.text, f.Open(Field::kAddendumText, OwnerOf(a.note_id, a.author_id, a.created_at),
                           row.Text(3)));
        return a;
      }));
  for (NoteAddendum& a : addenda) by_id.at(a.note_id)->addenda.push_back(std::move(a));
  return Ok();
}

}  // namespace

Result<NoteId> InsertSessionNote(SealedFields& f, const SessionNote& note) {
  const std::string missing = "appointment, episode or author does not exist";
  RowClinic clinic = f.OfEpisode(note.episode_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string sections,
      NameMissing(f.Seal(clinic, Field::kNoteSections, OwnerOf(note.appointment_id),
                         NoteSectionsToJson(note.sections).dump()),
                  missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO session_notes (appointment_id, episode_id, author_id, template, "
          "sections, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?) "
          "RETURNING id"));
  q.Bind(note.appointment_id)
      .Bind(note.episode_id)
      .Bind(note.author_id)
      .Bind(NoteTemplateToJson(note.note_template).dump())
      .Bind(sections)
      .Bind(note.created_at)
      .Bind(note.updated_at);
  return NameMissing(q.RunReturningId(), missing);
}

Status UpdateSessionNote(SealedFields& f, const SessionNote& note) {
  SqlConnection& c = f.connection();
  AppointmentId appointment = 0;
  EpisodeId episode = 0;
  {
    RAPPORT_ASSIGN_OR_RETURN(
        SqlQuery stored,
        c.Prepare("SELECT appointment_id, episode_id, state FROM session_notes WHERE id = ?"));
    stored.Bind(note.id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
    if (!found) return Fail(Error::NotFound("no such session note"));
    // Checked here as well as by the trigger, which lets a signed note's sections be sealed again.
    if (stored.Text(2) == ToString(NoteState::kSigned)) {
      return Fail(Error::FailedPrecondition("a signed session note cannot be changed"));
    }
    appointment = stored.Int(0);
    episode = stored.Int(1);
  }
  RowClinic clinic = f.OfEpisode(episode);
  RAPPORT_ASSIGN_OR_RETURN(const std::string sections,
                           f.Seal(clinic, Field::kNoteSections, OwnerOf(appointment),
                                  NoteSectionsToJson(note.sections).dump()));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE session_notes SET sections = ?, state = ?, updated_at = ?, signed_at = ?, "
                "signed_by = ? WHERE id = ?"));
  q.Bind(sections)
      .Bind(std::string(ToString(note.state)))
      .Bind(note.updated_at)
      .Bind(note.signed_at)
      .Bind(note.signed_by != 0 ? std::optional<std::int64_t>(note.signed_by) : std::nullopt)
      .Bind(note.id);
  return ChangedOne(q.Run(), "no such session note");
}

Result<AddendumId> InsertNoteAddendum(SealedFields& f, const NoteAddendum& addendum) {
  const std::string missing = "note or author does not exist";
  RowClinic clinic = f.OfNote(addendum.note_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string text,
      NameMissing(
          f.Seal(clinic, Field::kAddendumText,
                 OwnerOf(addendum.note_id, addendum.author_id, addendum.created_at), addendum.text),
          missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("INSERT INTO note_addenda (note_id, author_id, text, created_at) "
                             "VALUES (?, ?, ?, ?) RETURNING id"));
  q.Bind(addendum.note_id).Bind(addendum.author_id).Bind(text).Bind(addendum.created_at);
  return NameMissing(q.RunReturningId(), missing);
}

Status PutClinicNoteTemplate(SqlConnection& c, ClinicId clinic_id,
                             const NoteTemplate& note_template, Timestamp at) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("INSERT INTO clinic_note_templates (clinic_id, template, updated_at) "
                            "VALUES (?, ?, ?) ON CONFLICT (clinic_id) DO UPDATE SET "
                            "template = excluded.template, updated_at = excluded.updated_at"));
  q.Bind(clinic_id).Bind(NoteTemplateToJson(note_template).dump()).Bind(at);
  return Done(NameMissing(q.Run(), "clinic does not exist"));
}

Result<SessionNote> GetSessionNoteOfAppointment(SealedFields& f, AppointmentId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_NOTE_COLUMNS
                                         " FROM session_notes n WHERE n.appointment_id = ?"));
  q.Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(
      SessionNote note,
      One(q, [&f](const SqlQuery& row) { return ReadNote(f, row); }, "this session has no note"));
  std::vector<SessionNote> one{std::move(note)};
  RAPPORT_RETURN_IF_ERROR(AddAddenda(f, one));
  return std::move(one.front());
}

Result<std::vector<SessionNote>> ListSessionNotesOfEpisode(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_NOTE_COLUMNS " FROM session_notes n "
                                         "JOIN appointments a ON a.id = n.appointment_id "
                                         "WHERE n.episode_id = ? ORDER BY a.starts_at, a.id"));
  q.Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(std::vector<SessionNote> notes,
                           All(q, [&f](const SqlQuery& row) { return ReadNote(f, row); }));
  RAPPORT_RETURN_IF_ERROR(AddAddenda(f, notes));
  return notes;
}

Result<NoteTemplate> GetClinicNoteTemplate(SqlConnection& c, ClinicId clinic_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("SELECT template FROM clinic_note_templates WHERE clinic_id = ?"));
  q.Bind(clinic_id);
  return One(
      q,
      [](const SqlQuery& row) -> Result<NoteTemplate> {
        RAPPORT_ASSIGN_OR_RETURN(Json t, FromColumn(ParseJson(row.Text(0)), "note template"));
        return FromColumn(NoteTemplateFromJson(t), "note template");
      },
      "the clinic uses the shipped template");
}

Status InsertFitFollowup(SqlConnection& c, const FitFollowup& followup) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("INSERT INTO fit_followups (episode_id, response_id, choice, chosen_by, chosen_at) "
                "VALUES (?, ?, ?, ?, ?)"));
  q.Bind(followup.episode_id)
      .Bind(followup.response_id)
      .Bind(std::string(ToString(followup.choice)))
      .Bind(followup.chosen_by)
      .Bind(followup.chosen_at);
  return Done(NameMissing(q.Run(), "episode, answer or user does not exist"));
}

Result<std::vector<FitFollowup>> ListFitFollowupsOfEpisode(SqlConnection& c, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT episode_id, response_id, choice, chosen_by, chosen_at FROM fit_followups "
                "WHERE episode_id = ? ORDER BY chosen_at, id"));
  q.Bind(id);
  return All(q, [](const SqlQuery& row) -> Result<FitFollowup> {
    FitFollowup f;
    f.episode_id = row.Int(0);
    f.response_id = row.Int(1);
    RAPPORT_ASSIGN_OR_RETURN(f.choice, FromColumn(ParseFitChoice(row.Text(2)), "fit follow-up"));
    f.chosen_by = row.Int(3);
    f.chosen_at = row.Int(4);
    return f;
  });
}

namespace {

#define RAPPORT_CHANGE_COLUMNS                                                                  \
  "id, clinic_id, episode_id, client_id, from_therapist_id, kind, requested_by, requested_at, " \
  "reason, to_therapist_id, to_outside, status, consented_at, packet, new_episode_id, "         \
  "decided_by, decided_at"

Result<TherapistChange> ReadChange(SealedFields& f, const SqlQuery& row) {
  TherapistChange ch;
  ch.id = row.Int(0);
  ch.clinic_id = row.Int(1);
  ch.episode_id = row.Int(2);
  ch.client_id = row.Int(3);
  ch.from_therapist_id = row.Int(4);
  const std::string kind = row.Text(5);
  if (kind == ToString(TherapistChangeKind::kClientRequest)) {
    ch.kind = TherapistChangeKind::kClientRequest;
  } else if (kind == ToString(TherapistChangeKind::kReferral)) {
    ch.kind = TherapistChangeKind::kReferral;
  } else {
    return Fail(Error::Internal("corrupt therapist change in the database"));
  }
  ch.requested_by = row.Int(6);
  ch.requested_at = row.Int(7);
  const Owner owner = OwnerOf(ch.episode_id, ch.requested_by, ch.requested_at);
  RAPPORT_ASSIGN_OR_RETURN(ch.reason, f.Open(Field::kChangeReason, owner, row.Text(8)));
  ch.to_therapist_id = row.OptionalInt(9);
  RAPPORT_ASSIGN_OR_RETURN(ch.to_outside, f.Open(Field::kChangeToOutside, owner, row.Text(10)));
  RAPPORT_ASSIGN_OR_RETURN(ch.status,
                           FromColumn(ParseChangeStatus(row.Text(11)), "therapist change"));
  ch.consented_at = row.OptionalInt(12);
  // NULL reads as "": no packet until the client consents.
  RAPPORT_ASSIGN_OR_RETURN(const std::string text,
                           f.Open(Field::kChangePacket, owner, row.Text(13)));
  if (!text.empty()) {
    RAPPORT_ASSIGN_OR_RETURN(Json packet, FromColumn(ParseJson(text), "handover packet"));
    RAPPORT_ASSIGN_OR_RETURN(ch.packet,
                             FromColumn(HandoverPacketFromJson(packet), "handover packet"));
  }
  ch.new_episode_id = row.OptionalInt(14);
  ch.decided_by = row.OptionalInt(15);
  ch.decided_at = row.OptionalInt(16);
  return ch;
}

std::optional<std::string> PacketColumn(const TherapistChange& change) {
  if (!change.packet) return std::nullopt;
  return HandoverPacketToJson(*change.packet).dump();
}

}  // namespace

Result<TherapistChangeId> InsertTherapistChange(SealedFields& f, const TherapistChange& change) {
  RowClinic clinic(change.clinic_id);
  const Owner owner = OwnerOf(change.episode_id, change.requested_by, change.requested_at);
  RAPPORT_ASSIGN_OR_RETURN(const std::string reason,
                           f.Seal(clinic, Field::kChangeReason, owner, change.reason));
  RAPPORT_ASSIGN_OR_RETURN(const std::string to_outside,
                           f.Seal(clinic, Field::kChangeToOutside, owner, change.to_outside));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "INSERT INTO therapist_changes (clinic_id, episode_id, client_id, "
          "from_therapist_id, kind, requested_by, requested_at, reason, to_therapist_id, "
          "to_outside, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'awaiting-consent') "
          "RETURNING id"));
  q.Bind(change.clinic_id)
      .Bind(change.episode_id)
      .Bind(change.client_id)
      .Bind(change.from_therapist_id)
      .Bind(std::string(ToString(change.kind)))
      .Bind(change.requested_by)
      .Bind(change.requested_at)
      .Bind(reason)
      .Bind(change.to_therapist_id)
      .Bind(to_outside);
  auto id = NameMissing(q.RunReturningId(), "clinic, episode or user does not exist");
  if (!id && id.error().code == ErrorCode::kAlreadyExists) {
    return Fail(Error::AlreadyExists("this episode has an open change of therapist"));
  }
  return id;
}

Status UpdateTherapistChange(SealedFields& f, const TherapistChange& change) {
  SqlConnection& c = f.connection();
  std::optional<std::string> packet;
  {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery stored,
                             c.Prepare("SELECT clinic_id, episode_id, requested_by, requested_at "
                                       "FROM therapist_changes WHERE id = ?"));
    stored.Bind(change.id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
    if (!found) return Fail(Error::NotFound("no such change of therapist"));
    RowClinic clinic(stored.Int(0));
    RAPPORT_ASSIGN_OR_RETURN(
        packet,
        f.SealOptional(clinic, Field::kChangePacket,
                       OwnerOf(stored.Int(1), stored.Int(2), stored.Int(3)), PacketColumn(change)));
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE therapist_changes SET status = ?, consented_at = ?, packet = ?, "
                "new_episode_id = ?, decided_by = ?, decided_at = ? WHERE id = ?"));
  q.Bind(std::string(ToString(change.status)))
      .Bind(change.consented_at)
      .Bind(packet)
      .Bind(change.new_episode_id)
      .Bind(change.decided_by)
      .Bind(change.decided_at)
      .Bind(change.id);
  return ChangedOne(NameMissing(q.Run(), "episode or user does not exist"),
                    "no such change of therapist");
}

Result<TherapistChange> GetTherapistChange(SealedFields& f, TherapistChangeId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_CHANGE_COLUMNS
                                                  " FROM therapist_changes WHERE id = ?"));
  q.Bind(id);
  return One(
      q, [&f](const SqlQuery& row) { return ReadChange(f, row); }, "no such change of therapist");
}

Result<std::vector<TherapistChange>> ListTherapistChangesOfClinic(
    SealedFields& f, ClinicId clinic_id, std::optional<ChangeStatus> status) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q,
                           f.connection().Prepare("SELECT " RAPPORT_CHANGE_COLUMNS
                                                  " FROM therapist_changes WHERE clinic_id = ? "
                                                  "AND (? IS NULL OR status = ?) ORDER BY id"));
  std::optional<std::string> wanted;
  if (status) wanted = std::string(ToString(*status));
  q.Bind(clinic_id).Bind(wanted).Bind(wanted);
  return All(q, [&f](const SqlQuery& row) { return ReadChange(f, row); });
}

Result<std::vector<TherapistChange>> ListTherapistChangesOfEpisode(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT " RAPPORT_CHANGE_COLUMNS
                             " FROM therapist_changes WHERE episode_id = ? ORDER BY id"));
  q.Bind(id);
  return All(q, [&f](const SqlQuery& row) { return ReadChange(f, row); });
}

Result<TherapistChange> GetTherapistChangeInto(SealedFields& f, EpisodeId new_episode_id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT " RAPPORT_CHANGE_COLUMNS
                             " FROM therapist_changes WHERE new_episode_id = ? ORDER BY id"));
  q.Bind(new_episode_id);
  return One(
      q, [&f](const SqlQuery& row) { return ReadChange(f, row); },
      "this episode did not start from a change of therapist");
}

namespace {

#define RAPPORT_RUPTURE_COLUMNS                                                        \
  "id, episode_id, noted_by, noted_at, source, alert_id, what_happened, repaired_by, " \
  "repaired_at, what_was_said, what_changes"

Result<Rupture> ReadRupture(SealedFields& f, const SqlQuery& row) {
  Rupture r;
  r.id = row.Int(0);
  r.episode_id = row.Int(1);
  r.noted_by = row.Int(2);
  r.noted_at = row.Int(3);
  RAPPORT_ASSIGN_OR_RETURN(r.note.source, FromColumn(ParseRuptureSource(row.Text(4)), "rupture"));
  r.note.alert_id = row.OptionalInt(5);
  const Owner owner = OwnerOf(r.episode_id, r.noted_by, r.noted_at);
  RAPPORT_ASSIGN_OR_RETURN(r.note.what_happened,
                           f.Open(Field::kRuptureWhatHappened, owner, row.Text(6)));
  r.repaired_by = row.OptionalInt(7);
  r.repaired_at = row.OptionalInt(8);
  if (r.repaired_at) {
    RepairNote repair;
    RAPPORT_ASSIGN_OR_RETURN(repair.what_was_said,
                             f.Open(Field::kRuptureWhatWasSaid, owner, row.Text(9)));
    RAPPORT_ASSIGN_OR_RETURN(repair.what_changes,
                             f.Open(Field::kRuptureWhatChanges, owner, row.Text(10)));
    r.repair = std::move(repair);
  }
  return r;
}

}  // namespace

Result<RuptureId> InsertRupture(SealedFields& f, const Rupture& rupture) {
  const std::string missing = "episode, user or alert does not exist";
  RowClinic clinic = f.OfEpisode(rupture.episode_id);
  RAPPORT_ASSIGN_OR_RETURN(
      const std::string what_happened,
      NameMissing(f.Seal(clinic, Field::kRuptureWhatHappened,
                         OwnerOf(rupture.episode_id, rupture.noted_by, rupture.noted_at),
                         rupture.note.what_happened),
                  missing));
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, f.connection().Prepare(
                      "INSERT INTO ruptures (episode_id, noted_by, noted_at, source, alert_id, "
                      "what_happened) VALUES (?, ?, ?, ?, ?, ?) RETURNING id"));
  q.Bind(rupture.episode_id)
      .Bind(rupture.noted_by)
      .Bind(rupture.noted_at)
      .Bind(std::string(ToString(rupture.note.source)))
      .Bind(rupture.note.alert_id)
      .Bind(what_happened);
  return NameMissing(q.RunReturningId(), missing);
}

Status RecordRepair(SealedFields& f, RuptureId id, UserId by, Timestamp at,
                    const RepairNote& repair) {
  SqlConnection& c = f.connection();
  std::string what_was_said;
  std::string what_changes;
  {
    RAPPORT_ASSIGN_OR_RETURN(SqlQuery stored,
                             c.Prepare("SELECT episode_id, noted_by, noted_at, repaired_at "
                                       "FROM ruptures WHERE id = ?"));
    stored.Bind(id);
    RAPPORT_ASSIGN_OR_RETURN(const bool found, stored.Step());
    if (!found) return Fail(Error::NotFound("no such rupture"));
    if (stored.OptionalInt(3)) {
      return Fail(Error::FailedPrecondition("this rupture has its repair note already"));
    }
    const Owner owner = OwnerOf(stored.Int(0), stored.Int(1), stored.Int(2));
    RowClinic clinic = f.OfEpisode(stored.Int(0));
    RAPPORT_ASSIGN_OR_RETURN(
        what_was_said, f.Seal(clinic, Field::kRuptureWhatWasSaid, owner, repair.what_was_said));
    RAPPORT_ASSIGN_OR_RETURN(
        what_changes, f.Seal(clinic, Field::kRuptureWhatChanges, owner, repair.what_changes));
  }
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("UPDATE ruptures SET repaired_by = ?, repaired_at = ?, what_was_said = ?, "
                "what_changes = ? WHERE id = ? AND repaired_at IS NULL"));
  q.Bind(by).Bind(at).Bind(what_was_said).Bind(what_changes).Bind(id);
  RAPPORT_ASSIGN_OR_RETURN(const int changed, NameMissing(q.Run(), "user does not exist"));
  if (changed == 1) return Ok();
  return Fail(Error::FailedPrecondition("this rupture has its repair note already"));
}

Result<Rupture> GetRupture(SealedFields& f, RuptureId id) {
  RAPPORT_ASSIGN_OR_RETURN(SqlQuery q, f.connection().Prepare("SELECT " RAPPORT_RUPTURE_COLUMNS
                                                              " FROM ruptures WHERE id = ?"));
  q.Bind(id);
  return One(q, [&f](const SqlQuery& row) { return ReadRupture(f, row); }, "no such rupture");
}

Result<std::vector<Rupture>> ListRupturesOfEpisode(SealedFields& f, EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare("SELECT " RAPPORT_RUPTURE_COLUMNS
                             " FROM ruptures WHERE episode_id = ? ORDER BY noted_at, id"));
  q.Bind(id);
  return All(q, [&f](const SqlQuery& row) { return ReadRupture(f, row); });
}

Result<std::vector<Rupture>> ListUnrepairedRupturesOfClinic(SealedFields& f, ClinicId clinic_id,
                                                            Timestamp noted_before) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      f.connection().Prepare(
          "SELECT r.id, r.episode_id, r.noted_by, r.noted_at, r.source, r.alert_id, "
          "r.what_happened, r.repaired_by, r.repaired_at, r.what_was_said, r.what_changes "
          "FROM ruptures r JOIN episodes e ON e.id = r.episode_id WHERE e.clinic_id = ? "
          "AND r.repaired_at IS NULL AND r.noted_at < ? ORDER BY r.noted_at, r.id"));
  q.Bind(clinic_id).Bind(noted_before);
  return All(q, [&f](const SqlQuery& row) { return ReadRupture(f, row); });
}

Status InsertSupportCheckRequest(SqlConnection& c, const SupportCheckRequest& request) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q, c.Prepare("INSERT INTO support_check_requests (episode_id, requested_by, "
                            "requested_at) VALUES (?, ?, ?)"));
  q.Bind(request.episode_id).Bind(request.requested_by).Bind(request.requested_at);
  return Done(NameMissing(q.Run(), "episode or user does not exist"));
}

Result<std::vector<SupportCheckRequest>> ListSupportCheckRequestsOfEpisode(SqlConnection& c,
                                                                           EpisodeId id) {
  RAPPORT_ASSIGN_OR_RETURN(
      SqlQuery q,
      c.Prepare("SELECT episode_id, requested_by, requested_at FROM support_check_requests "
                "WHERE episode_id = ? ORDER BY requested_at, id"));
  q.Bind(id);
  return All(q, [](const SqlQuery& row) -> Result<SupportCheckRequest> {
    return SupportCheckRequest{row.Int(0), row.Int(1), row.Int(2)};
  });
}

}  // namespace rapport::sql
