#pragma once
// The Store contract for the course of therapy: how an episode ended (and what the outcome report
// and the expected trajectories make of it), session notes that are final once signed, their
// addenda, the clinic's note template, the choice after a low Fit Check, changes of therapist
// with their handover packets, and ruptures with their repair. Part of the contract suite
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

TEST_P(StoreCourseContractTest, AFitCheckAnswerHasOneFollowUpChoice) {
  const auto w = MakeWorld();
  const ResponseId response = Put([&](WriteTxn& txn) {
    return txn.InsertResponse(MakeResponse(w.episode, w.client, w.appointment, kT0 + 5));
  });
  const FitFollowup choice{w.episode, response, FitChoice::kMoreSessions, w.client, kT0 + 10};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.InsertFitFollowup(choice); }), IsOk());
  FitFollowup again = choice;
  again.choice = FitChoice::kChange;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.InsertFitFollowup(again); }),
              FailsWith(ErrorCode::kAlreadyExists));
  auto listed = store().ListFitFollowupsOfEpisode(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].choice, FitChoice::kMoreSessions);
  EXPECT_EQ((*listed)[0].response_id, response);
  EXPECT_EQ((*listed)[0].chosen_at, kT0 + 10);
}

TEST_P(StoreCourseContractTest, AChangeOfTherapistKeepsOnlyTheSharedPacketAndOneIsOpenAtATime) {
  const auto w = MakeWorld();
  TherapistChange change;
  change.clinic_id = w.clinic;
  change.episode_id = w.episode;
  change.client_id = w.client;
  change.from_therapist_id = w.therapist;
  change.kind = TherapistChangeKind::kClientRequest;
  change.requested_by = w.client;
  change.requested_at = kT0;
  const TherapistChangeId id =
      Put([&](WriteTxn& txn) { return txn.InsertTherapistChange(change); });
  auto read = store().GetTherapistChange(id);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->status, ChangeStatus::kAwaitingConsent);
  EXPECT_EQ(read->packet, std::nullopt);
  EXPECT_EQ(read->to_therapist_id, std::nullopt);
  // A second open change of the same episode is refused.
  const auto insert_again = [&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(txn.InsertTherapistChange(change));
    return Ok();
  };
  EXPECT_THAT(Do(insert_again), FailsWith(ErrorCode::kAlreadyExists));

  HandoverPacket packet;
  packet.client_name = "C";
  packet.from_therapist_name = "T";
  packet.started_at = kT0 - kDay;
  packet.sessions_attended = 3;
  packet.preferences = "Someone who speaks plainly";
  packet = SharedOnly(packet, {PacketSection::kPreferences});
  TherapistChange consented = *read;
  consented.status = ChangeStatus::kConsented;
  consented.consented_at = kT0 + 1;
  consented.packet = packet;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateTherapistChange(consented); }), IsOk());
  const EpisodeId next = AddEpisode(w.clinic, w.client, w.other_therapist);
  TherapistChange done = consented;
  done.status = ChangeStatus::kDone;
  done.new_episode_id = next;
  done.decided_by = w.therapist;
  done.decided_at = kT0 + 2;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateTherapistChange(done); }), IsOk());

  auto into = store().GetTherapistChangeInto(next);
  ASSERT_THAT(into, IsOk());
  EXPECT_EQ(into->id, id);
  ASSERT_TRUE(into->packet.has_value());
  EXPECT_EQ(into->packet->preferences, "Someone who speaks plainly");
  EXPECT_EQ(into->packet->shared, std::set<PacketSection>{PacketSection::kPreferences});
  EXPECT_EQ(into->consented_at, kT0 + 1);
  EXPECT_EQ(into->decided_at, kT0 + 2);
  EXPECT_THAT(store().GetTherapistChangeInto(w.episode), FailsWith(ErrorCode::kNotFound));
  // Done, it is no longer open: the episode may have another.
  ASSERT_THAT(Do(insert_again), IsOk());
  EXPECT_EQ(store().ListTherapistChangesOfEpisode(w.episode)->size(), 2u);
  EXPECT_EQ(store().ListTherapistChangesOfClinic(w.clinic, ChangeStatus::kDone)->size(), 1u);
  EXPECT_EQ(store().ListTherapistChangesOfClinic(w.clinic, std::nullopt)->size(), 2u);
  EXPECT_TRUE(store().ListTherapistChangesOfClinic(w.clinic + 100, std::nullopt)->empty());
}

TEST_P(StoreCourseContractTest, ARuptureTakesOneRepairNoteThatIsThenFinal) {
  const auto w = MakeWorld();
  Rupture rupture;
  rupture.episode_id = w.episode;
  rupture.noted_by = w.therapist;
  rupture.noted_at = kT0;
  rupture.note = RuptureNote{RuptureSource::kInSession, std::nullopt, "Went quiet after homework"};
  const RuptureId id = Put([&](WriteTxn& txn) { return txn.InsertRupture(rupture); });
  EXPECT_EQ(store().ListUnrepairedRupturesOfClinic(w.clinic, kT0 + 1)->size(), 1u);
  EXPECT_TRUE(store().ListUnrepairedRupturesOfClinic(w.clinic, kT0)->empty());
  const RepairNote repair{"We talked about the homework feeling like a test", "Smaller steps"};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.RecordRepair(id, w.therapist, kT0 + 5, repair); }),
              IsOk());
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.RecordRepair(id, w.therapist, kT0 + 6, RepairNote{"again", ""});
              }),
              FailsWith(ErrorCode::kFailedPrecondition));
  EXPECT_THAT(
      Do([&](WriteTxn& txn) { return txn.RecordRepair(id + 100, w.therapist, kT0 + 6, repair); }),
      FailsWith(ErrorCode::kNotFound));
  auto listed = store().ListRupturesOfEpisode(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 1u);
  const Rupture& read = (*listed)[0];
  EXPECT_EQ(read.note.what_happened, "Went quiet after homework");
  EXPECT_EQ(read.note.source, RuptureSource::kInSession);
  ASSERT_TRUE(read.repair.has_value());
  EXPECT_EQ(read.repair->what_was_said, repair.what_was_said);
  EXPECT_EQ(read.repair->what_changes, "Smaller steps");
  EXPECT_EQ(read.repaired_at, kT0 + 5);
  EXPECT_TRUE(store().ListUnrepairedRupturesOfClinic(w.clinic, kT0 + 100)->empty());
}

TEST_P(StoreCourseContractTest, AClinicKeepsItsTimesForTheFitCheckARepairAndNoContact) {
  const auto w = MakeWorld();
  ClinicSettings settings = store().GetClinic(w.clinic)->settings;
  EXPECT_EQ(settings.fit_check_after_hours, 24);
  EXPECT_EQ(settings.repair_within_hours, 72);
  EXPECT_EQ(settings.no_contact_after_days, 45);
  settings.fit_check_after_hours = 48;
  settings.repair_within_hours = 24;
  settings.no_contact_after_days = 30;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateClinicSettings(w.clinic, settings); }),
              IsOk());
  const ClinicSettings read = store().GetClinic(w.clinic)->settings;
  EXPECT_EQ(read.fit_check_after_hours, 48);
  EXPECT_EQ(read.repair_within_hours, 24);
  EXPECT_EQ(read.no_contact_after_days, 30);
}

TEST_P(StoreCourseContractTest, SupportCheckRequestsAreListedInTheOrderTheyWereMade) {
  const auto w = MakeWorld();
  EXPECT_TRUE(store().ListSupportCheckRequestsOfEpisode(w.episode)->empty());
  ASSERT_THAT(
      Do([&](WriteTxn& txn) -> Status {
        RAPPORT_RETURN_IF_ERROR(
            txn.InsertSupportCheckRequest(SupportCheckRequest{w.episode, w.therapist, kT0 + 10}));
        return txn.InsertSupportCheckRequest(SupportCheckRequest{w.episode, w.therapist, kT0 + 5});
      }),
      IsOk());
  auto listed = store().ListSupportCheckRequestsOfEpisode(w.episode);
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].requested_at, kT0 + 5);
  EXPECT_EQ((*listed)[1].requested_at, kT0 + 10);
  EXPECT_EQ((*listed)[1].requested_by, w.therapist);
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.InsertSupportCheckRequest(
                    SupportCheckRequest{w.episode + 100, w.therapist, kT0});
              }),
              ::testing::Not(IsOk()));
}

}  // namespace rapport
