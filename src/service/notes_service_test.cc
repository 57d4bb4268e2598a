#include "service/notes_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

struct NotesWorld : World {
  NotesService notes{*store, clock};

  Json Words() const { return Json{{"data", "Talked about work"}, {"plan", "Sleep diary"}}; }
};

TEST(SessionNotes, ADraftIsSavedThenSignedAndFromThenOnOnlyAddedTo) {
  NotesWorld w;
  auto blank = w.notes.NoteOf(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(blank.has_value()) << blank.error().message;
  EXPECT_FALSE(blank->note.has_value());
  EXPECT_EQ(blank->note_template.code, "DAP");

  auto draft = w.notes.SaveDraft(w.As(w.t1), w.a_c1, w.Words());
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  EXPECT_EQ(draft->note.state, NoteState::kDraft);
  EXPECT_EQ(draft->author_name, "Tara One");
  auto again = w.notes.SaveDraft(w.As(w.t1), w.a_c1, Json{{"assessment", "Mood lifting"}});
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->note.id, draft->note.id);
  EXPECT_EQ(again->note.sections[0].second, "");  // a save replaces every section

  auto signed_note = w.notes.Sign(w.As(w.t1), w.a_c1);
  ASSERT_TRUE(signed_note.has_value()) << signed_note.error().message;
  EXPECT_EQ(signed_note->note.state, NoteState::kSigned);
  EXPECT_EQ(signed_note->note.signed_at, w.clock.Now());
  EXPECT_EQ(signed_note->signed_by_name, "Tara One");

  auto changed = w.notes.SaveDraft(w.As(w.t1), w.a_c1, w.Words());
  ASSERT_FALSE(changed.has_value());
  EXPECT_EQ(changed.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.notes.Sign(w.As(w.t1), w.a_c1).error().code, ErrorCode::kFailedPrecondition);

  auto added = w.notes.AddAddendum(w.As(w.supervisor), w.a_c1, "Discussed in supervision.");
  ASSERT_TRUE(added.has_value()) << added.error().message;
  ASSERT_EQ(added->note.addenda.size(), 1u);
  EXPECT_EQ(added->addendum_authors[0], "Sam Supervisor");
  EXPECT_EQ(w.store->GetSessionNoteOfAppointment(w.a_c1)->sections[2].second, "");
  EXPECT_EQ(w.AuditCount("sign", "session_note"), 1);
  EXPECT_EQ(w.AuditCount("create", "note_addendum"), 1);
}

TEST(SessionNotes, AnEmptyNoteIsNotSignedAndAnAddendumWaitsForTheSignature) {
  NotesWorld w;
  EXPECT_EQ(w.notes.Sign(w.As(w.t1), w.a_c1).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(w.notes.SaveDraft(w.As(w.t1), w.a_c1, Json::object()).has_value());
  auto empty = w.notes.Sign(w.As(w.t1), w.a_c1);
  ASSERT_FALSE(empty.has_value());
  ASSERT_EQ(empty.error().fields.size(), 1u);
  EXPECT_EQ(empty.error().fields[0].field, "sections");
  EXPECT_EQ(w.notes.AddAddendum(w.As(w.t1), w.a_c1, "Too soon").error().code,
            ErrorCode::kFailedPrecondition);
  auto bad = w.notes.SaveDraft(w.As(w.t1), w.a_c1, Json{{"subjective", "not DAP"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields[0].field, "sections/subjective");
}

TEST(SessionNotes, OnlyTheTherapistWritesAndOnlyTheCareTeamReads) {
  NotesWorld w;
  for (const UserId who : {w.supervisor, w.t2, w.c1, w.g1, w.admin, w.tb}) {
    EXPECT_FALSE(w.notes.SaveDraft(w.As(who), w.a_c1, w.Words()).has_value()) << who;
  }
  ASSERT_TRUE(w.notes.SaveDraft(w.As(w.t1), w.a_c1, w.Words()).has_value());
  EXPECT_TRUE(w.notes.NoteOf(w.As(w.supervisor), w.a_c1).has_value());
  for (const UserId who : {w.t2, w.c1, w.g1, w.admin, w.tb}) {
    EXPECT_FALSE(w.notes.NoteOf(w.As(who), w.a_c1).has_value()) << who;
  }
  EXPECT_FALSE(w.notes.Sign(w.As(w.supervisor), w.a_c1).has_value());
}

TEST(SessionNotes, AClientReadsOnlySignedNotesAndOnlyWhereTheClinicOpensThem) {
  NotesWorld w;
  ASSERT_TRUE(w.notes.SaveDraft(w.As(w.t1), w.a_c1, w.Words()).has_value());
  auto closed = w.notes.NotesOfEpisode(w.As(w.c1), w.e_c1);
  ASSERT_FALSE(closed.has_value());
  EXPECT_EQ(closed.error().code, ErrorCode::kPermissionDenied);

  Clinic clinic = *w.store->GetClinic(w.clinic_a);
  clinic.settings.clients_may_read_notes = true;
  ASSERT_TRUE(w.store->Write(
      [&](WriteTxn& txn) { return txn.UpdateClinicSettings(w.clinic_a, clinic.settings); }));
  auto draft_only = w.notes.NotesOfEpisode(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(draft_only.has_value()) << draft_only.error().message;
  EXPECT_TRUE(draft_only->empty());  // a draft is the therapist's own
  ASSERT_TRUE(w.notes.Sign(w.As(w.t1), w.a_c1).has_value());
  const int reads_before = w.AuditCount("read");
  auto read = w.notes.NotesOfEpisode(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(read.has_value());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ(read->front().note.sections[0].second, "Talked about work");
  EXPECT_EQ(w.AuditCount("read"), reads_before + 1);  // every read leaves its entry

  for (const UserId who : {w.g1, w.admin, w.c2, w.t2}) {
    EXPECT_FALSE(w.notes.NotesOfEpisode(w.As(who), w.e_c1).has_value()) << who;
  }
}

TEST(NoteTemplates, OnlyAnAdminChangesTheClinicsTemplateAndNewNotesUseIt) {
  NotesWorld w;
  const NoteTemplate soap = ShippedNoteTemplates()[1];
  EXPECT_FALSE(w.notes.SetClinicTemplate(w.As(w.t1), soap).has_value());
  ASSERT_TRUE(w.notes.SetClinicTemplate(w.As(w.admin), soap).has_value());
  EXPECT_EQ(w.notes.Templates(w.As(w.t1))->clinic.code, "SOAP");
  auto draft = w.notes.SaveDraft(w.As(w.t1), w.a_c1, Json{{"subjective", "Tired"}});
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  EXPECT_EQ(draft->note.note_template.code, "SOAP");
  EXPECT_FALSE(w.notes.Templates(w.As(w.c1)).has_value());
}

}  // namespace
}  // namespace rapport
