#pragma once
// The Store contract for finding a therapist: offers beside the therapist's profile and their
// licence verification, a client's preferences and first step, and the ended episodes the outcome
// report reads. Part of the contract suite (store/store_contract_test.h); include from exactly one
// .cc per test binary, after store_caseload_contract_test.h, and instantiate
// StoreMatchingContractTest there.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/store_caseload_contract_test.h"

namespace rapport {

class StoreMatchingContractTest : public StoreCaseloadContractTest {
 protected:
  static TherapistOffer MakeOffer(UserId therapist) {
    TherapistOffer o;
    o.therapist_id = therapist;
    o.credentials = "Counselling psychologist";
    o.licence_number = "PYL123";
    o.jurisdiction = "GB";
    o.approaches = {"act"};
    o.focus_areas = {"anxiety", "work"};
    o.languages = {"en", "es"};
    o.modalities = {Modality::kVideo, Modality::kPhone};
    o.availability = {WeeklySlot{1, 17 * 60, 21 * 60}};
    o.payers = {"self-pay"};
    o.fees = "£80 a session";
    o.accepting_new_clients = true;
    o.identity.faith = Described{"Quaker", false};
    o.identity.gender_identity = Described{"man", true};
    o.about = "I follow your lead.";
    o.updated_at = kT0;
    return o;
  }
};

TEST_P(StoreMatchingContractTest, AnOfferKeepsEveryFieldAndWritesTheProfileFromIt) {
  const auto w = MakeWorld();
  ASSERT_THAT(
      Do([&](WriteTxn& txn) {
        return txn.UpsertTherapistProfile(TherapistProfile{w.therapist, "Old", "Bio", false});
      }),
      IsOk());
  // Before any offer is written, the profile is the offer.
  auto before = store().GetTherapistOffer(w.therapist);
  ASSERT_THAT(before, IsOk());
  EXPECT_EQ(before->credentials, "Old");
  EXPECT_EQ(before->about, "Bio");
  EXPECT_FALSE(before->accepting_new_clients);
  EXPECT_TRUE(before->languages.empty());
  EXPECT_EQ(before->display_name, "Name of t@example.org");

  const TherapistOffer offer = MakeOffer(w.therapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertTherapistOffer(offer); }), IsOk());
  auto read = store().GetTherapistOffer(w.therapist);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->credentials, offer.credentials);
  EXPECT_EQ(read->licence_number, "PYL123");
  EXPECT_EQ(read->languages, offer.languages);
  EXPECT_EQ(read->modalities, offer.modalities);
  EXPECT_EQ(read->availability, offer.availability);
  EXPECT_EQ(read->identity, offer.identity);
  EXPECT_EQ(read->about, offer.about);
  EXPECT_TRUE(read->accepting_new_clients);
  EXPECT_FALSE(read->licence_verified_at.has_value());
  EXPECT_EQ(read->updated_at, kT0);
  auto profile = store().GetTherapistProfile(w.therapist);
  ASSERT_THAT(profile, IsOk());
  EXPECT_EQ(profile->credentials, offer.credentials);
  EXPECT_EQ(profile->bio, offer.about);
  EXPECT_TRUE(profile->accepting_new_clients);
}

TEST_P(StoreMatchingContractTest, ALicenceVerificationIsKeptUntilWithdrawn) {
  const auto w = MakeWorld();
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.SetLicenceVerification(w.therapist, kT0, w.other_therapist);
              }),
              FailsWith(ErrorCode::kNotFound));
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertTherapistOffer(MakeOffer(w.therapist)); }),
              IsOk());
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.SetLicenceVerification(w.therapist, kT0 + 5, w.other_therapist);
              }),
              IsOk());
  auto verified = store().GetTherapistOffer(w.therapist);
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->licence_verified_at, kT0 + 5);
  EXPECT_EQ(verified->licence_verified_by, w.other_therapist);
  ASSERT_THAT(
      Do([&](WriteTxn& txn) { return txn.SetLicenceVerification(w.therapist, std::nullopt, 0); }),
      IsOk());
  auto withdrawn = store().GetTherapistOffer(w.therapist);
  ASSERT_THAT(withdrawn, IsOk());
  EXPECT_FALSE(withdrawn->licence_verified_at.has_value());
  EXPECT_EQ(withdrawn->licence_verified_by, 0);
}

TEST_P(StoreMatchingContractTest, TheClinicsOffersAreItsActiveTherapists) {
  const auto w = MakeWorld();
  const UserId gone = AddUser(w.clinic, "gone@example.org", Role::kTherapist);
  const ClinicId other = AddClinic("Elsewhere");
  const UserId elsewhere = AddUser(other, "t@elsewhere.org", Role::kTherapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                for (UserId t : {w.therapist, w.other_therapist, gone, elsewhere}) {
                  RAPPORT_RETURN_IF_ERROR(txn.UpsertTherapistOffer(MakeOffer(t)));
                }
                return txn.SetUserActive(gone, false);
              }),
              IsOk());
  auto offers = store().ListTherapistOffers(w.clinic);
  ASSERT_THAT(offers, IsOk());
  std::vector<UserId> ids;
  for (const TherapistOffer& o : *offers) ids.push_back(o.therapist_id);
  EXPECT_THAT(ids, ::testing::ElementsAre(w.therapist, w.other_therapist));
  EXPECT_THAT(store().GetTherapistOffer(w.client), FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreMatchingContractTest, PreferencesAndTheFirstStepAreTheClientsOwnAndReplaceable) {
  const auto w = MakeWorld();
  EXPECT_THAT(store().GetClientPreferences(w.client), FailsWith(ErrorCode::kNotFound));
  EXPECT_THAT(store().GetFirstStep(w.client), FailsWith(ErrorCode::kNotFound));
  ClientPreferences p;
  p.client_id = w.client;
  p.needs.jurisdiction = "GB";
  p.needs.languages = {"es"};
  p.needs.times = {WeeklySlot{1, 18 * 60, 21 * 60}};
  p.wishes.gender = Wish{"woman", 2};
  p.wishes.focus_areas = {"anxiety"};
  p.wishes.focus_weight = 1;
  p.identity_note = "Someone who knows what it is to move countries.";
  p.updated_at = kT0;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertClientPreferences(p); }), IsOk());
  p.needs.languages = {"en"};
  p.updated_at = kT0 + 1;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertClientPreferences(p); }), IsOk());
  auto read = store().GetClientPreferences(w.client);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->needs, p.needs);
  EXPECT_EQ(read->wishes, p.wishes);
  EXPECT_EQ(read->identity_note, p.identity_note);
  EXPECT_EQ(read->updated_at, kT0 + 1);

  const FirstStep step{w.client, "Sleep, mostly.", "To feel like myself.", "Crying.", true, kT0};
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpsertFirstStep(step); }), IsOk());
  EXPECT_THAT(store().GetFirstStep(w.client), ::testing::Optional(step));
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertFirstStep(FirstStep{w.client + 1000, "", "", "", false, kT0});
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreMatchingContractTest, EndedEpisodesComeWithTheirBaselineLatestAndSessionsHeld) {
  const auto w = MakeWorld();
  // The world's episode: ended, three sessions held (one cancelled), PHQ-9 twice, GAD-7 once.
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                for (int i = 1; i <= 3; ++i) {
                  Appointment a = MakeAppointment(w.episode, kT0 + i * kDay);
                  a.status = AppointmentStatus::kCompleted;
                  RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(a));
                }
                Appointment cancelled = MakeAppointment(w.episode, kT0 + 9 * kDay);
                cancelled.status = AppointmentStatus::kCancelled;
                RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(cancelled));
                return txn.UpdateEpisodeStatus(w.episode, EpisodeStatus::kEnded, kT0 + 10 * kDay);
              }),
              IsOk());
  Answer(w.episode, w.client, kT0 + 1, 18);
  Answer(w.episode, w.client, kT0 + 3 * kDay, 7);
  Answer(w.episode, w.client, kT0 + 2 * kDay, 12);
  Answer(w.episode, w.client, kT0 + 1, 11, "GAD-7");
  Answer(w.episode, w.therapist, kT0 + 1, 30, "PHQ-9", Respondent::kTherapist);
  // Another ended episode with no answers, and an open one that is left out.
  const UserId second = AddUser(w.clinic, "c2@example.org");
  const EpisodeId quiet = AddEpisode(w.clinic, second, w.other_therapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpdateEpisodeStatus(quiet, EpisodeStatus::kEnded, kT0 + kDay);
              }),
              IsOk());
  const UserId third = AddUser(w.clinic, "c3@example.org");
  const EpisodeId open = AddEpisode(w.clinic, third, w.therapist);
  Answer(open, third, kT0, 20);

  auto measures = store().ListEndedEpisodeMeasures(w.clinic);
  ASSERT_THAT(measures, IsOk());
  ASSERT_EQ(measures->size(), 3u);
  const EndedEpisodeMeasure& gad = (*measures)[0];
  EXPECT_EQ(gad.episode_id, w.episode);
  EXPECT_EQ(gad.therapist_id, w.therapist);
  EXPECT_EQ(gad.completed_sessions, 3);
  EXPECT_EQ(gad.instrument, "GAD-7");
  EXPECT_EQ(gad.first_total, 11);
  EXPECT_FALSE(gad.latest_total.has_value());  // answered once: no change to measure
  const EndedEpisodeMeasure& phq = (*measures)[1];
  EXPECT_EQ(phq.instrument, "PHQ-9");
  EXPECT_EQ(phq.respondent, Respondent::kClient);
  EXPECT_EQ(phq.first_total, 18);
  EXPECT_EQ(phq.latest_total, 7);  // by time answered, not by order written
  const EndedEpisodeMeasure& none = (*measures)[2];
  EXPECT_EQ(none.episode_id, quiet);
  EXPECT_EQ(none.therapist_id, w.other_therapist);
  EXPECT_EQ(none.completed_sessions, 0);
  EXPECT_TRUE(none.instrument.empty());
}

TEST_P(StoreMatchingContractTest, ClinicSettingsKeepTheMatchingChoices) {
  ClinicSettings settings;
  settings.outcome_informed_matching = true;
  settings.min_outcome_episodes = 25;
  const ClinicId clinic = AddClinic("Outcome-minded", settings);
  auto read = store().GetClinic(clinic);
  ASSERT_THAT(read, IsOk());
  EXPECT_TRUE(read->settings.outcome_informed_matching);
  EXPECT_EQ(read->settings.min_outcome_episodes, 25);
  settings.outcome_informed_matching = false;
  settings.min_outcome_episodes = 10;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateClinicSettings(clinic, settings); }),
              IsOk());
  EXPECT_FALSE(store().GetClinic(clinic)->settings.outcome_informed_matching);
  EXPECT_EQ(store().GetClinic(clinic)->settings.min_outcome_episodes, 10);
}

}  // namespace rapport
