#pragma once
// The Store contract for the course of therapy: how an episode ended (and what the outcome report
// and the expected trajectories make of it), session notes that are final once signed, their
// addenda, and the clinic's note template. Part of the contract suite
// (store/store_contract_test.h); include from exactly one .cc per test binary, after
// store_matching_contract_test.h, and instantiate StoreCourseContractTest there.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_matching_contract_test.h"

namespace rapport {

class StoreCourseContractTest : public StoreMatchingContractTest {
 protected:
  static SessionNote Draft(const FeedbackContractWorld& w, AppointmentId appointment,
                           Timestamp at) {
    SessionNote note;
    note.appointment_id = appointment;
    note.episode_id = w.episode;
    note.author_id = w.therapist;
    note.note_template = ShippedNoteTemplates()[0];
    note.sections = {{"data", "Talked about work"}, {"assessment", ""}, {"plan", "Sleep diary"}};
    note.created_at = at;
    note.updated_at = at;
    return note;
  }
};

TEST_P(StoreCourseContractTest, AnEndingKeepsItsReasonAndWordsAndOnlyOneIsWritten) {
  const auto w = MakeWorld();
  EXPECT_THAT(store().GetEpisodeEnding(w.episode), FailsWith(ErrorCode::kNotFound));
  EpisodeEnding ending;
  ending.episode_id = w.episode;
  ending.ended_by = w.therapist;
  ending.ended_at = kT0 + kDay;
  ending.words.reason = EndReason::kReferredOut;
  ending.words.what_helped = "Walking\nand talking";
  ending.words.referrals = {Referral{"Eating disorder service", "0300 123", "specialist care"}};
  std::vector<Appointment> booked;  // the write's own read of the episode's appointments
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(booked, txn.ListAppointmentsOfEpisode(w.episode));
                RAPPORT_RETURN_IF_ERROR(
                    txn.UpdateEpisodeStatus(w.episode, EpisodeStatus::kEnded, ending.ended_at));
                return txn.InsertEpisodeEnding(ending);
              }),
              IsOk());
  ASSERT_EQ(booked.size(), 1u);
  EXPECT_EQ(booked[0].id, w.appointment);
  auto read = store().GetEpisodeEnding(w.episode);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->ended_by, w.therapist);
  EXPECT_EQ(read->ended_at, kT0 + kDay);
  EXPECT_EQ(read->words.reason, EndReason::kReferredOut);
  EXPECT_EQ(read->words.what_helped, "Walking\nand talking");
  ASSERT_EQ(read->words.referrals.size(), 1u);
  EXPECT_EQ(read->words.referrals[0].contact, "0300 123");
  // An episode ends once: a second ending is refused and the first is kept.
  EpisodeEnding again = ending;
  again.words.reason = EndReason::kOther;
  again.words.ending_note = "twice";
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.InsertEpisodeEnding(again); }),
              FailsWith(ErrorCode::kAlreadyExists));
  EXPECT_EQ(store().GetEpisodeEnding(w.episode)->words.reason, EndReason::kReferredOut);
  // The outcome report's read carries the reason.
  auto measures = store().ListEndedEpisodeMeasures(w.clinic);
  ASSERT_THAT(measures, IsOk());
  ASSERT_EQ(measures->size(), 1u);
  EXPECT_EQ((*measures)[0].end_reason, EndReason::kReferredOut);
}

TEST_P(StoreCourseContractTest, ExpectedTrajectoriesReadOnlyCoursesThatWereFinished) {
  const auto w = MakeWorld();
  // Four ended episodes: goals met, no reason recorded, a dropout, a transfer.
  const std::vector<std::optional<EndReason>> reasons = {
      EndReason::kGoalsMet, std::nullopt, EndReason::kClientChoseToStop, EndReason::kTransferred};
  std::vector<EpisodeId> episodes;
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    const UserId client = AddUser(w.clinic, fmt::format("ended{}@example.org", i));
    const EpisodeId episode = AddEpisode(w.clinic, client, w.therapist);
    Answer(episode, client, kT0 + 1, 15);
    ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                  RAPPORT_RETURN_IF_ERROR(
                      txn.UpdateEpisodeStatus(episode, EpisodeStatus::kEnded, kT0 + kDay));
                  if (!reasons[i]) return Ok();
                  EpisodeEnding ending;
                  ending.episode_id = episode;
                  ending.ended_by = w.therapist;
                  ending.ended_at = kT0 + kDay;
                  ending.words.reason = *reasons[i];
                  return txn.InsertEpisodeEnding(ending);
                }),
                IsOk());
    episodes.push_back(episode);
  }
  auto pool = store().ListResponsesOfEndedEpisodes(w.clinic, "PHQ-9");
  ASSERT_THAT(pool, IsOk());
  std::vector<EpisodeId> read;
  for (const FeedbackResponse& r : *pool) read.push_back(r.episode_id);
  EXPECT_THAT(read, ::testing::ElementsAre(episodes[0], episodes[1]));
}

TEST_P(StoreCourseContractTest, ASignedNoteIsFinalAndOnlyAddendaFollowIt) {
  const auto w = MakeWorld();
  EXPECT_THAT(store().GetSessionNoteOfAppointment(w.appointment), FailsWith(ErrorCode::kNotFound));
  SessionNote note = Draft(w, w.appointment, kT0);
  note.id = Put([&](WriteTxn& txn) { return txn.InsertSessionNote(note); });
  // One note per appointment.
  EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                auto again = txn.InsertSessionNote(note);
                if (!again) return Fail(again.error());
                return Ok();
              }),
              FailsWith(ErrorCode::kAlreadyExists));
  // A draft changes; then it is signed.
  note.sections[1].second = "Engaged, mood lifting";
  note.updated_at = kT0 + 1;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateSessionNote(note); }), IsOk());
  note.state = NoteState::kSigned;
  note.signed_at = kT0 + 2;
  note.signed_by = w.therapist;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateSessionNote(note); }), IsOk());
  // From now on the store itself refuses a change.
  SessionNote changed = note;
  changed.sections[0].second = "Rewritten";
  changed.state = NoteState::kDraft;
  changed.signed_at.reset();
  changed.signed_by = 0;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateSessionNote(changed); }),
              FailsWith(ErrorCode::kFailedPrecondition));
  Put([&](WriteTxn& txn) {
    return txn.InsertNoteAddendum(
        NoteAddendum{0, note.id, w.other_therapist, "Phoned GP", kT0 + 3});
  });
  auto read = store().GetSessionNoteOfAppointment(w.appointment);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->id, note.id);
  EXPECT_EQ(read->state, NoteState::kSigned);
  EXPECT_EQ(read->signed_at, kT0 + 2);
  EXPECT_EQ(read->signed_by, w.therapist);
  EXPECT_EQ(read->note_template, ShippedNoteTemplates()[0]);
  EXPECT_EQ(read->sections, note.sections);
  ASSERT_EQ(read->addenda.size(), 1u);
  EXPECT_EQ(read->addenda[0].author_id, w.other_therapist);
  EXPECT_EQ(read->addenda[0].text, "Phoned GP");
  // The write transaction reads the same note.
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(SessionNote in_txn,
                                         txn.GetSessionNoteOfAppointment(w.appointment));
                if (in_txn.addenda.size() != 1) return Fail(Error::Internal("addenda"));
                return Ok();
              }),
              IsOk());
}

TEST_P(StoreCourseContractTest, AnEpisodesNotesAreListedByTheirSessionsTime) {
  const auto w = MakeWorld();
  const AppointmentId earlier = AddAppointment(w.episode, kT0 - 7 * kDay);
  SessionNote later = Draft(w, w.appointment, kT0);
  Put([&](WriteTxn& txn) { return txn.InsertSessionNote(later); });
  SessionNote first = Draft(w, earlier, kT0 + 5);
  Put([&](WriteTxn& txn) { return txn.InsertSessionNote(first); });
  auto notes = store().ListSessionNotesOfEpisode(w.episode);
  ASSERT_THAT(notes, IsOk());
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_EQ((*notes)[0].appointment_id, earlier);
  EXPECT_EQ((*notes)[1].appointment_id, w.appointment);
  EXPECT_TRUE(store().ListSessionNotesOfEpisode(w.episode + 100)->empty());
}

TEST_P(StoreCourseContractTest, AClinicKeepsItsOwnNoteTemplateAndTheSettingToOpenNotes) {
  const auto w = MakeWorld();
  EXPECT_THAT(store().GetClinicNoteTemplate(w.clinic), FailsWith(ErrorCode::kNotFound));
  const NoteTemplate soap = ShippedNoteTemplates()[1];
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutClinicNoteTemplate(w.clinic, soap, kT0); }),
              IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.PutClinicNoteTemplate(w.clinic, soap, kT0 + 1); }),
              IsOk());
  EXPECT_EQ(store().GetClinicNoteTemplate(w.clinic).value(), soap);
  EXPECT_FALSE(store().GetClinic(w.clinic)->settings.clients_may_read_notes);
  ClinicSettings open = store().GetClinic(w.clinic)->settings;
  open.clients_may_read_notes = true;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateClinicSettings(w.clinic, open); }), IsOk());
  EXPECT_TRUE(store().GetClinic(w.clinic)->settings.clients_may_read_notes);
}

}  // namespace rapport
