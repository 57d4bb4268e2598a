#include "service/matching_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "service/service_test_world.h"

namespace rapport {
namespace {

using ::testing::ElementsAre;
using testing::World;

constexpr Timestamp kDayMs = 86'400'000;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

TherapistOffer OfferIn(std::vector<std::string> languages) {
  TherapistOffer o;
  o.credentials = "Clinical psychologist";
  o.licence_number = "PYL555";
  o.jurisdiction = "GB";
  o.approaches = {"cbt"};
  o.focus_areas = {"anxiety", "depression"};
  o.languages = std::move(languages);
  o.modalities = {Modality::kVideo, Modality::kInPerson};
  o.availability = {WeeklySlot{1, 17 * 60, 21 * 60}};
  o.payers = {"self-pay"};
  o.accepting_new_clients = true;
  return o;
}

ClientPreferences SpanishEveningsByVideo() {
  ClientPreferences p;
  p.needs.jurisdiction = "GB";
  p.needs.modalities = {Modality::kVideo};
  p.needs.languages = {"es"};
  p.needs.times = {WeeklySlot{1, 18 * 60, 21 * 60}};
  p.wishes.focus_areas = {"anxiety"};
  p.wishes.focus_weight = 2;
  return p;
}

class MatchingServiceTest : public ::testing::Test {
 protected:
  MatchingServiceTest() : matching_(*w_.store, w_.clock, Catalog()) {
    // Both therapists of clinic A offer their time; only Tara speaks Spanish.
    EXPECT_TRUE(matching_.SaveOffer(w_.As(w_.t1), w_.t1, OfferIn({"en", "es"})).has_value());
    EXPECT_TRUE(matching_.SaveOffer(w_.As(w_.t2), w_.t2, OfferIn({"en"})).has_value());
  }

  // A client of clinic A with no episode yet: someone looking for a therapist.
  UserId NewClient(const std::string& email) {
    UserId id = 0;
    const Status written = w_.store->Write([&](WriteTxn& txn) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(
          id, txn.InsertUser(
                  NewUser{w_.clinic_a, email, "Nia New", Role::kClient, "", w_.clock.Now(), true}));
      return txn.UpsertClientProfile(ClientProfile{id, "", "", ""});
    });
    EXPECT_TRUE(written.has_value());
    return id;
  }

  // An ended episode of a new client of `therapist` with `sessions` held and PHQ-9 totals from
  // `first` to `latest` (no second answer when latest is negative).
  void EndedEpisode(UserId therapist, int sessions, double first, double latest) {
    const UserId client = NewClient("former" + std::to_string(++formers_) + "@a.test");
    const Status written = w_.store->Write([&](WriteTxn& txn) -> Status {
      Episode e;
      e.clinic_id = w_.clinic_a;
      e.client_id = client;
      e.therapist_id = therapist;
      e.status = EpisodeStatus::kEnded;
      e.started_at = w_.clock.Now() - 100 * kDayMs;
      e.ended_at = w_.clock.Now() - kDayMs;
      RAPPORT_ASSIGN_OR_RETURN(const EpisodeId episode, txn.InsertEpisode(e));
      for (int s = 0; s < sessions; ++s) {
        Appointment a;
        a.episode_id = episode;
        a.starts_at = e.started_at + s * 7 * kDayMs;
        a.status = AppointmentStatus::kCompleted;
        RAPPORT_RETURN_IF_ERROR(txn.InsertAppointment(a));
      }
      for (const auto& [total, at] : {std::pair{first, 0}, std::pair{latest, 1}}) {
        if (total < 0) continue;
        FeedbackResponse r;
        r.episode_id = episode;
        r.instrument = "PHQ-9";
        r.instrument_version = "1";
        r.respondent_user_id = client;
        r.submitted_at = e.started_at + at * 50 * kDayMs;
        r.session_number = at * 5;
        r.answers_json = "{}";
        r.total = total;
        r.scales_json = "{}";
        r.risk_json = "[]";
        RAPPORT_RETURN_IF_ERROR(txn.InsertResponse(r));
      }
      return Ok();
    });
    ASSERT_TRUE(written.has_value()) << written.error().message;
  }

  void SetClinic(bool outcome_informed, int min_episodes) {
    const Status written = w_.store->Write([&](WriteTxn& txn) -> Status {
      RAPPORT_ASSIGN_OR_RETURN(Clinic clinic, txn.GetClinic(w_.clinic_a));
      clinic.settings.outcome_informed_matching = outcome_informed;
      clinic.settings.min_outcome_episodes = min_episodes;
      return txn.UpdateClinicSettings(w_.clinic_a, clinic.settings);
    });
    ASSERT_TRUE(written.has_value());
  }

  World w_;
  MatchingService matching_;
  int formers_ = 0;
};

// --- Offers -----------------------------------------------------------------------------------

TEST_F(MatchingServiceTest, ATherapistWritesTheirOfferAndAChangedLicenceNeedsCheckingAgain) {
  auto verified = matching_.VerifyLicence(w_.As(w_.admin), w_.t1, true);
  ASSERT_TRUE(verified.has_value()) << verified.error().message;
  EXPECT_EQ(verified->licence_verified_at, w_.clock.Now());
  EXPECT_EQ(verified->licence_verified_by, w_.admin);

  TherapistOffer edited = OfferIn({"en", "es", "fr"});
  auto kept = matching_.SaveOffer(w_.As(w_.t1), w_.t1, edited);
  ASSERT_TRUE(kept.has_value()) << kept.error().message;
  EXPECT_EQ(kept->licence_verified_at, w_.clock.Now()) << "same licence: still verified";

  edited.licence_number = "PYL999";
  ASSERT_TRUE(matching_.SaveOffer(w_.As(w_.t1), w_.t1, edited).has_value());
  auto read = matching_.Offer(w_.As(w_.c1), w_.t1);
  ASSERT_TRUE(read.has_value());
  EXPECT_FALSE(read->licence_verified_at.has_value()) << "a new licence is not the checked one";
  EXPECT_EQ(read->licence_number, "PYL999");
  EXPECT_EQ(read->display_name, "Tara One");
  EXPECT_EQ(w_.AuditCount("verify", "therapist_licence"), 1);
  EXPECT_EQ(w_.AuditCount("update", "therapist_offer"), 4);
}

TEST_F(MatchingServiceTest, OnlyTheTherapistOrAnAdminWritesAnOfferAndOnlyAnAdminVerifiesIt) {
  EXPECT_EQ(matching_.SaveOffer(w_.As(w_.t2), w_.t1, OfferIn({"en"})).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(matching_.SaveOffer(w_.As(w_.c1), w_.t1, OfferIn({"en"})).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(matching_.SaveOffer(w_.As(w_.admin_b), w_.t1, OfferIn({"en"})).error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(matching_.SaveOffer(w_.As(w_.admin), w_.t1, OfferIn({"en", "es"})).has_value());
  EXPECT_EQ(matching_.VerifyLicence(w_.As(w_.t1), w_.t1, true).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(matching_.Offer(w_.As(w_.cb), w_.t1).error().code, ErrorCode::kNotFound);

  TherapistOffer unlicensed = OfferIn({"en"});
  unlicensed.licence_number.clear();
  ASSERT_TRUE(matching_.SaveOffer(w_.As(w_.t2), w_.t2, unlicensed).has_value());
  auto refused = matching_.VerifyLicence(w_.As(w_.admin), w_.t2, true);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_EQ(refused.error().fields.size(), 1u);
  EXPECT_EQ(refused.error().fields[0].field, "licence_number");
}

TEST_F(MatchingServiceTest, AnInvalidOfferNamesTheFieldAndChangesNothing) {
  TherapistOffer bad = OfferIn({"en"});
  bad.jurisdiction = "Great Britain!";
  auto refused = matching_.SaveOffer(w_.As(w_.t1), w_.t1, bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(refused.error().fields.empty());
  EXPECT_EQ(refused.error().fields[0].field, "jurisdiction");
  EXPECT_EQ(matching_.Offer(w_.As(w_.t1), w_.t1)->jurisdiction, "GB");
}

// --- Preferences and matches ------------------------------------------------------------------

TEST_F(MatchingServiceTest, AClientSavesWhatTheyNeedAndGetsMatchesWithReasons) {
  const UserId nia = NewClient("nia@a.test");
  auto saved = matching_.SavePreferences(w_.As(nia), nia, SpanishEveningsByVideo());
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  EXPECT_EQ(saved->client_id, nia);
  auto matches = matching_.Matches(w_.As(nia), nia, 3);
  ASSERT_TRUE(matches.has_value()) << matches.error().message;
  ASSERT_EQ(matches->result.matches.size(), 1u);
  const RankedMatch& tara = matches->result.matches[0];
  EXPECT_EQ(tara.therapist_id, w_.t1);
  EXPECT_TRUE(std::any_of(tara.reasons.begin(), tara.reasons.end(), [](const MatchReason& r) {
    return r.kind == MatchReason::Kind::kLanguage && r.value == "es" && r.text == "speaks Spanish";
  }));
  EXPECT_EQ(matches->result.left_out_by.at(HardNeed::kLanguage), 1);
  EXPECT_TRUE(matches->offers.contains(w_.t1));
  EXPECT_FALSE(matches->show_outcome);
  EXPECT_EQ(w_.AuditCount("update", "client_preferences"), 1);
  EXPECT_EQ(w_.AuditCount("read", "client_preferences"), 1);
}

TEST_F(MatchingServiceTest, MatchesWaitForPreferences) {
  const UserId nia = NewClient("nia@a.test");
  auto none = matching_.Matches(w_.As(nia), nia, 3);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(none.error().fields.at(0).field, "preferences");
}

TEST_F(MatchingServiceTest, PreferencesAreTheClientsTheAdminsAndTheirCareTeams) {
  ASSERT_TRUE(matching_.SavePreferences(w_.As(w_.c1), w_.c1, SpanishEveningsByVideo()));
  for (const UserId reader : {w_.c1, w_.admin, w_.t1, w_.supervisor}) {
    EXPECT_TRUE(matching_.Preferences(w_.As(reader), w_.c1).has_value()) << reader;
  }
  for (const UserId outsider : {w_.c2, w_.t2, w_.admin_b, w_.tb}) {
    EXPECT_EQ(matching_.Preferences(w_.As(outsider), w_.c1).error().code, ErrorCode::kNotFound)
        << outsider;
  }
  EXPECT_EQ(matching_.Preferences(w_.As(w_.g1), w_.c1).error().code, ErrorCode::kPermissionDenied);
  // Writing them is the client's and the admin's: a therapist honours them, not sets them.
  EXPECT_EQ(matching_.SavePreferences(w_.As(w_.t1), w_.c1, SpanishEveningsByVideo()).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(matching_.SavePreferences(w_.As(w_.admin), w_.c1, SpanishEveningsByVideo()));
  EXPECT_EQ(matching_.Matches(w_.As(w_.t1), w_.c1, 3).error().code, ErrorCode::kPermissionDenied);
  EXPECT_GE(w_.AuditCount("denied", "client"), 4);
}

// --- A first appointment ----------------------------------------------------------------------

TEST_F(MatchingServiceTest, AskingForAFirstAppointmentOpensAnIntakeEpisodeAndTellsTheTherapist) {
  const UserId nia = NewClient("nia@a.test");
  ASSERT_TRUE(matching_.SavePreferences(w_.As(nia), nia, SpanishEveningsByVideo()));
  auto episode = matching_.AskForFirstAppointment(w_.As(nia), nia, w_.t1,
                                                  "Tuesdays after work would be best.");
  ASSERT_TRUE(episode.has_value()) << episode.error().message;
  EXPECT_EQ(episode->status, EpisodeStatus::kIntake);
  EXPECT_EQ(episode->therapist_id, w_.t1);
  EXPECT_FALSE(w_.store->ListAssignments(episode->id)->empty()) << "routine questionnaires";
  auto messages = w_.store->ListEpisodeMessages(episode->id);
  ASSERT_TRUE(messages.has_value());
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ(messages->front().body, "Tuesdays after work would be best.");
  EXPECT_EQ(messages->front().sender_id, nia);
  const auto mail = w_.store->ListMail(w_.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(mail.has_value());
  EXPECT_TRUE(std::any_of(mail->begin(), mail->end(), [](const Notification& n) {
    return n.address == "t1@a.test" && n.reason == "first_appointment";
  }));
  // Now Tara treats Nia, and sees what she asked for.
  EXPECT_TRUE(matching_.Preferences(w_.As(w_.t1), nia).has_value());

  auto again = matching_.AskForFirstAppointment(w_.As(nia), nia, w_.t1, "");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w_.store->ListEpisodesOfClient(nia)->size(), 1u);
}

TEST_F(MatchingServiceTest, ATherapistWhoMissesAHardNeedCannotBeAskedAndNothingIsWritten) {
  const UserId nia = NewClient("nia@a.test");
  ASSERT_TRUE(matching_.SavePreferences(w_.As(nia), nia, SpanishEveningsByVideo()));
  const std::size_t audit_before = w_.Audit().size();
  auto refused = matching_.AskForFirstAppointment(w_.As(nia), nia, w_.t2, "");
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition);
  ASSERT_EQ(refused.error().fields.size(), 1u);
  EXPECT_EQ(refused.error().fields[0].field, "therapist_id");
  EXPECT_THAT(refused.error().fields[0].message, ::testing::HasSubstr("language"));
  EXPECT_TRUE(w_.store->ListEpisodesOfClient(nia)->empty());
  EXPECT_EQ(w_.Audit().size(), audit_before);
  EXPECT_EQ(matching_.AskForFirstAppointment(w_.As(nia), nia, w_.tb, "").error().fields.at(0).field,
            "therapist_id");
}

TEST_F(MatchingServiceTest, TheTherapistSeesTheFirstStepOnlyOnceTheClientSharesIt) {
  const UserId nia = NewClient("nia@a.test");
  ASSERT_TRUE(matching_.SavePreferences(w_.As(nia), nia, SpanishEveningsByVideo()));
  ASSERT_TRUE(matching_.AskForFirstAppointment(w_.As(nia), nia, w_.t1, ""));
  FirstStep step{0, "Sleep, and work.", "To feel steadier.", "That I'll cry.", false, 0};
  ASSERT_TRUE(matching_.SaveFirstStep(w_.As(nia), nia, step));
  EXPECT_EQ(matching_.GetFirstStep(w_.As(w_.t1), nia).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(matching_.GetFirstStep(w_.As(nia), nia).has_value());

  step.shared = true;
  ASSERT_TRUE(matching_.SaveFirstStep(w_.As(nia), nia, step));
  auto seen = matching_.GetFirstStep(w_.As(w_.t1), nia);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->worries, "That I'll cry.");
  EXPECT_TRUE(matching_.GetFirstStep(w_.As(w_.supervisor), nia).has_value());
  EXPECT_EQ(matching_.GetFirstStep(w_.As(w_.t2), nia).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(matching_.GetFirstStep(w_.As(w_.admin), nia).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(matching_.SaveFirstStep(w_.As(w_.t1), nia, step).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(w_.AuditCount("read", "first_step"), 3);
}

// --- Outcomes ---------------------------------------------------------------------------------

TEST_F(MatchingServiceTest, ATherapistBelowTheMinimumHasNoFiguresButCountsForTheClinic) {
  for (int i = 0; i < 10; ++i) EndedEpisode(w_.t1, 6, 20, i < 7 ? 5 : 19);
  for (int i = 0; i < 4; ++i) EndedEpisode(w_.t2, 6, 20, 4);
  EndedEpisode(w_.t2, 1, 18, -1);  // came once: a dropout, not measured
  auto report = matching_.Outcomes(w_.As(w_.admin));
  ASSERT_TRUE(report.has_value()) << report.error().message;
  std::vector<std::int64_t> ids;
  for (const OutcomeRow& row : report->report.rows) {
    EXPECT_EQ(row.domain, "depression");
    ids.push_back(row.therapist_id);
  }
  ASSERT_THAT(ids, ElementsAre(0, w_.t1, w_.t2));
  const OutcomeRow& clinic = report->report.rows[0];
  EXPECT_EQ(clinic.ended, 15);
  EXPECT_EQ(clinic.measured, 14);
  ASSERT_TRUE(clinic.improvement.has_value());
  EXPECT_EQ(clinic.improvement->events, 11);
  ASSERT_TRUE(clinic.dropout.has_value());
  EXPECT_EQ(clinic.dropout->events, 1);
  EXPECT_TRUE(report->report.rows[1].improvement.has_value());
  EXPECT_FALSE(report->report.rows[2].improvement.has_value()) << "4 measured < 10";
  EXPECT_FALSE(report->report.rows[2].dropout.has_value()) << "5 ended < 10";
  EXPECT_EQ(report->therapist_names.at(w_.t2), "Theo Two");
  EXPECT_TRUE(SignalsFrom(report->report).contains({w_.t1, "depression"}));
  EXPECT_FALSE(SignalsFrom(report->report).contains({w_.t2, "depression"}));
}

TEST_F(MatchingServiceTest, ASupervisorSeesTheClinicAndTheirSuperviseesNobodyElse) {
  for (int i = 0; i < 3; ++i) {
    EndedEpisode(w_.t1, 6, 20, 5);
    EndedEpisode(w_.t2, 6, 20, 5);
  }
  auto report = matching_.Outcomes(w_.As(w_.supervisor));
  ASSERT_TRUE(report.has_value());
  std::vector<std::int64_t> ids;
  for (const OutcomeRow& row : report->report.rows) ids.push_back(row.therapist_id);
  EXPECT_THAT(ids, ElementsAre(0, w_.t1));
  EXPECT_EQ(report->report.rows[0].ended, 6) << "the clinic's figure is the whole clinic's";
  EXPECT_EQ(matching_.Outcomes(w_.As(w_.t1)).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(matching_.Outcomes(w_.As(w_.c1)).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w_.AuditCount("read", "outcome_report"), 1);
}

TEST_F(MatchingServiceTest, OutcomesLeanTheRankingOnlyWhenTheClinicTurnsThemOn) {
  // Both speak English and fit equally; Theo's clients have done much better.
  ASSERT_TRUE(matching_.SaveOffer(w_.As(w_.t1), w_.t1, OfferIn({"en"})));
  for (int i = 0; i < 10; ++i) {
    EndedEpisode(w_.t1, 6, 20, i < 3 ? 5 : 19);
    EndedEpisode(w_.t2, 6, 20, i < 9 ? 5 : 19);
  }
  const UserId nia = NewClient("nia@a.test");
  ClientPreferences p = SpanishEveningsByVideo();
  p.needs.languages = {"en"};
  p.wishes.focus_areas = {"depression"};
  ASSERT_TRUE(matching_.SavePreferences(w_.As(nia), nia, p));

  const auto order = [&](UserId reader) {
    std::vector<UserId> ids;
    auto m = matching_.Matches(w_.As(reader), nia, 3);
    EXPECT_TRUE(m.has_value());
    for (const RankedMatch& r : m->result.matches) ids.push_back(r.therapist_id);
    return ids;
  };
  EXPECT_THAT(order(nia), ElementsAre(w_.t1, w_.t2)) << "off: equal fit, by id";
  SetClinic(true, 10);
  EXPECT_THAT(order(nia), ElementsAre(w_.t2, w_.t1));
  auto for_admin = matching_.Matches(w_.As(w_.admin), nia, 3);
  ASSERT_TRUE(for_admin.has_value());
  EXPECT_TRUE(for_admin->show_outcome);
  EXPECT_GT(for_admin->result.matches[0].outcome, 0);
  EXPECT_FALSE(matching_.Matches(w_.As(nia), nia, 3)->show_outcome) << "never for a client";
  SetClinic(true, 11);
  EXPECT_THAT(order(nia), ElementsAre(w_.t1, w_.t2)) << "below the minimum: no outcome weight";
}

}  // namespace
}  // namespace rapport
