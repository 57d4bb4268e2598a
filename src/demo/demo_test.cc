#include "demo/demo.h"
#include "demo/demo_matching.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "service/family_service.h"
#include "service/feedback_service.h"
#include "service/plan_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

constexpr Timestamp kNow = 1'780'304'400'000;  // 2026-06-01T09:00:00Z
constexpr std::string_view kDemoPassword = "riverside demo password";

struct Seeded {
  testing::TempDb db;
  std::unique_ptr<SqliteStore> store = db.Open();
  FakeClock clock{kNow};
  Result<DemoSummary> summary =
      SeedDemo(*store, kNow, std::string(kDemoPassword), HashCost::kMinimal);

  Actor SignIn(std::string_view email) {
    AuthService auth(*store, clock, testing::FastAuth());
    auto login = auth.Login(email, kDemoPassword, "127.0.0.1", "test");
    EXPECT_TRUE(login.has_value()) << email << ": " << login.error().message;
    auto actor = auth.Authenticate(login->session_token, "127.0.0.1");
    EXPECT_TRUE(actor.has_value());
    return *actor;
  }
};

TEST(Demo, SeedsTheWholeClinicWithTheAgreedPeople) {
  Seeded s;
  ASSERT_TRUE(s.summary.has_value()) << s.summary.error().message;
  auto clinic = s.store->GetClinic(s.summary->clinic_id);
  ASSERT_TRUE(clinic.has_value());
  EXPECT_EQ(clinic->name, kDemoClinicName);

  std::map<Role, int> roles;
  const auto users = s.store->ListUsers(s.summary->clinic_id);
  ASSERT_TRUE(users.has_value());
  int former = 0;
  for (const User& u : *users) {
    ++roles[u.role];
    former += !u.active;
  }
  EXPECT_EQ(roles[Role::kAdmin], 1);
  EXPECT_EQ(roles[Role::kSupervisor], 1);
  EXPECT_EQ(roles[Role::kTherapist], 3);
  // Twelve in care, two waiting to be matched, and the former clients of the outcome report,
  // whose accounts are closed.
  EXPECT_EQ(former, 3 * kDemoFormerClientsPerTherapist);
  EXPECT_EQ(roles[Role::kClient], 12 + 2 + former);
  // Leo's mother and father, Ama's father.
  EXPECT_EQ(roles[Role::kGuardian], 3);
  EXPECT_EQ(s.summary->accounts.size(), 22u);
  // Ravi's new episode with Priya, after his change of therapist.
  EXPECT_EQ(s.summary->episodes, 12 + 1 + former);
  EXPECT_EQ(s.summary->accounts[0].email, "admin@demo.rapport");
}

TEST(Demo, EveryNamedAccountSignsInAndSeesWhatItsRoleShouldSee) {
  Seeded s;
  ASSERT_TRUE(s.summary.has_value());
  ClinicService service(*s.store, s.clock, testing::FastAuth());

  const Actor therapist = s.SignIn("therapist@demo.rapport");
  auto caseload = service.ListClients(therapist);
  ASSERT_TRUE(caseload.has_value());
  std::vector<std::string> emails;
  for (const auto& c : *caseload) emails.push_back(c.user.email);
  EXPECT_NE(std::find(emails.begin(), emails.end(), "client@demo.rapport"), emails.end());
  EXPECT_NE(std::find(emails.begin(), emails.end(), "leo.haddad@demo.rapport"), emails.end());

  const Actor supervisor = s.SignIn("supervisor@demo.rapport");
  auto all = service.ListClients(supervisor);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->size(), 12u + 3 * kDemoFormerClientsPerTherapist);

  const Actor client = s.SignIn("client@demo.rapport");
  auto own = service.ListClients(client);
  ASSERT_TRUE(own.has_value());
  ASSERT_EQ(own->size(), 1u);
  auto upcoming = service.ListUpcomingAppointments(client);
  ASSERT_TRUE(upcoming.has_value());
  EXPECT_FALSE(upcoming->empty());
  EXPECT_EQ(upcoming->front().therapist_name, "Sofia Lindqvist");

  const Actor guardian = s.SignIn("guardian@demo.rapport");
  auto children = service.ListClients(guardian);
  ASSERT_TRUE(children.has_value());
  ASSERT_EQ(children->size(), 1u);
  EXPECT_EQ(children->front().user.email, "leo.haddad@demo.rapport");
  EXPECT_TRUE(children->front().minor);
  EXPECT_EQ(AgeInYears(children->front().profile.date_of_birth, kNow), 9);

  const Actor admin = s.SignIn("admin@demo.rapport");
  EXPECT_EQ(service.ListUsers(admin)->size(), 22u + 3 * kDemoFormerClientsPerTherapist);
  EXPECT_EQ(service.ListClients(admin).error().code, ErrorCode::kPermissionDenied);
}

TEST(Demo, HasSixteenWeeksOfMostlyCompletedAppointmentsAndSomeUpcoming) {
  Seeded s;
  ASSERT_TRUE(s.summary.has_value());
  std::map<AppointmentStatus, int> statuses;
  Timestamp earliest = kNow;
  int upcoming = 0;
  const auto episodes = s.store->ListEpisodesOfClinic(s.summary->clinic_id);
  ASSERT_TRUE(episodes.has_value());
  for (const Episode& e : *episodes) {
    // The former clients' episodes ended long before the sixteen weeks (see demo_matching.h).
    if (!s.store->GetUser(e.client_id)->active) continue;
    const auto appointments = s.store->ListAppointmentsOfEpisode(e.id);
    ASSERT_TRUE(appointments.has_value());
    for (const Appointment& a : *appointments) {
      ++statuses[a.status];
      earliest = std::min(earliest, a.starts_at);
      if (a.starts_at > kNow && e.status == EpisodeStatus::kEnded) {
        // Ravi's course ended today as a transfer: what was booked ahead was cancelled.
        EXPECT_EQ(a.status, AppointmentStatus::kCancelled);
      } else if (a.starts_at > kNow) {
        ++upcoming;
        EXPECT_EQ(a.status, AppointmentStatus::kScheduled);
      } else if (a.starts_at + a.duration_minutes * 60'000 <= kNow) {
        EXPECT_NE(a.status, AppointmentStatus::kScheduled);
      }
    }
  }
  EXPECT_GT(statuses[AppointmentStatus::kCompleted], 80);
  EXPECT_GT(statuses[AppointmentStatus::kCancelled], 0);
  EXPECT_GT(statuses[AppointmentStatus::kNoShow], 0);
  EXPECT_GT(upcoming, 20);
  EXPECT_GE(kNow - earliest, 15LL * 7 * 86'400'000);
  EXPECT_LE(kNow - earliest, 17LL * 7 * 86'400'000);
}

TEST(Demo, EveryKeptVideoPhoneOrTypedAppointmentHadItsSessionInTheRoomAndNoOtherDid) {
  Seeded s;
  ASSERT_TRUE(s.summary.has_value());
  int held = 0;
  const auto episodes = s.store->ListEpisodesOfClinic(s.summary->clinic_id);
  ASSERT_TRUE(episodes.has_value());
  for (const Episode& e : *episodes) {
    const auto appointments = s.store->ListAppointmentsOfEpisode(e.id);
    ASSERT_TRUE(appointments.has_value());
    for (const Appointment& a : *appointments) {
      const auto session = s.store->GetRoomSession(a.id);
      ASSERT_TRUE(session.has_value());
      const bool expected =
          a.status == AppointmentStatus::kCompleted && a.modality != Modality::kInPerson;
      ASSERT_EQ(session->has_value(), expected) << "appointment " << a.id;
      if (!expected) continue;
      ++held;
      const RoomSession& r = **session;
      EXPECT_EQ(r.modality, a.modality);
      EXPECT_GT(r.started_at, a.starts_at);
      ASSERT_TRUE(r.ended_at.has_value());
      EXPECT_GT(*r.ended_at, r.started_at + 40 * 60'000);
      EXPECT_LE(*r.ended_at, a.starts_at + a.duration_minutes * 60'000);
    }
  }
  EXPECT_GT(held, 20);
}

TEST(Demo, ComesOutTheSameEveryTime) {
  Seeded first;
  Seeded second;
  ASSERT_TRUE(first.summary.has_value());
  ASSERT_TRUE(second.summary.has_value());
  EXPECT_EQ(first.summary->appointments, second.summary->appointments);
  const auto statuses = [](Seeded& s) {
    std::vector<std::pair<Timestamp, AppointmentStatus>> out;
    const auto episodes = s.store->ListEpisodesOfClinic(s.summary->clinic_id);
    for (const Episode& e : episodes.value_or(std::vector<Episode>{})) {
      const auto appointments = s.store->ListAppointmentsOfEpisode(e.id);
      for (const Appointment& a : appointments.value_or(std::vector<Appointment>{})) {
        out.emplace_back(a.starts_at, a.status);
      }
    }
    return out;
  };
  EXPECT_EQ(statuses(first), statuses(second));
}

TEST(Demo, RefusesAStoreThatAlreadyHoldsAClinicAndChangesNothing) {
  Seeded s;
  ASSERT_TRUE(s.summary.has_value());
  const auto audit_before = s.store->ListAudit(0, 0, 100000)->size();
  auto again = SeedDemo(*s.store, kNow, "whatever password", HashCost::kMinimal);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(s.store->ListClinics()->size(), 1u);
  EXPECT_EQ(s.store->ListAudit(0, 0, 100000)->size(), audit_before);
}

TEST(Demo, LeavesAnIntactAuditChain) {
  Seeded s;
  ASSERT_TRUE(s.summary.has_value());
  auto report = AuditService::VerifyChain(*s.store);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_GT(report->entries_checked, 100);
}

TEST(Demo, ShowsATransferWithItsPacketAndRupturesRepairedAndWaiting) {
  Seeded s;
  ASSERT_TRUE(s.summary.has_value());
  const auto ravi = SoleUserWithEmail(*s.store, "ravi.patel@demo.rapport");
  ASSERT_TRUE(ravi.has_value());
  const auto episodes = s.store->ListEpisodesOfClient(ravi->id);
  ASSERT_TRUE(episodes.has_value());
  ASSERT_EQ(episodes->size(), 2u);
  const Episode& old = (*episodes)[0];
  const Episode& next = (*episodes)[1];
  EXPECT_EQ(old.status, EpisodeStatus::kEnded);
  EXPECT_EQ(s.store->GetEpisodeEnding(old.id)->words.reason, EndReason::kTransferred);
  EXPECT_EQ(next.status, EpisodeStatus::kIntake);
  EXPECT_NE(next.therapist_id, old.therapist_id);
  const auto change = s.store->GetTherapistChangeInto(next.id);
  ASSERT_TRUE(change.has_value());
  EXPECT_EQ(change->status, ChangeStatus::kDone);
  ASSERT_TRUE(change->packet.has_value());
  EXPECT_EQ(change->packet->shared,
            (std::set<PacketSection>{PacketSection::kWhatHelped, PacketSection::kPreferences}));
  EXPECT_TRUE(change->packet->measures.empty()) << "Ravi kept his scores to himself";

  const auto ruptures_of = [&](const char* email) {
    const auto user = SoleUserWithEmail(*s.store, email);
    const auto theirs = s.store->ListEpisodesOfClient(user->id);
    return s.store->ListRupturesOfEpisode(theirs->front().id).value_or(std::vector<Rupture>{});
  };
  const auto jordan = ruptures_of("client@demo.rapport");
  ASSERT_EQ(jordan.size(), 1u);
  EXPECT_TRUE(jordan[0].repair.has_value());
  const auto mei = ruptures_of("mei.chen@demo.rapport");
  ASSERT_EQ(mei.size(), 1u);
  EXPECT_FALSE(mei[0].repair.has_value());
  EXPECT_LT(mei[0].noted_at, kNow - 72LL * 60 * 60 * 1000) << "past the repair window";
}

// --- Feedback histories -----------------------------------------------------

struct DemoFeedback : Seeded {
  const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  FeedbackService feedback{*store, clock, catalog, ShippedAlertRules()};

  EpisodeId EpisodeOf(std::string_view email) {
    const auto user = SoleUserWithEmail(*store, std::string(email));
    EXPECT_TRUE(user.has_value()) << email;
    const auto episodes = store->ListEpisodesOfClient(user->id);
    EXPECT_TRUE(episodes.has_value() && !episodes->empty());
    return episodes->front().id;
  }
  std::vector<FeedbackAlert> Alerts(std::string_view email) {
    return store->ListAlertsOfEpisode(EpisodeOf(email)).value_or(std::vector<FeedbackAlert>{});
  }
};

bool HasAlert(const std::vector<FeedbackAlert>& alerts, AlertKind kind, AlertState state) {
  return std::any_of(alerts.begin(), alerts.end(),
                     [&](const FeedbackAlert& a) { return a.kind == kind && a.state == state; });
}

TEST(DemoFeedback, TheTherapistsCaseloadTellsTheAgreedStories) {
  DemoFeedback s;
  ASSERT_TRUE(s.summary.has_value()) << s.summary.error().message;
  EXPECT_GT(s.summary->responses, 300);

  // Jordan improved a lot; their early risk answer was acknowledged with a note.
  const auto jordan = s.Alerts("client@demo.rapport");
  const auto risk = std::find_if(jordan.begin(), jordan.end(),
                                 [](const FeedbackAlert& a) { return a.kind == AlertKind::kRisk; });
  ASSERT_NE(risk, jordan.end());
  EXPECT_EQ(risk->state, AlertState::kAcknowledged);
  EXPECT_FALSE(risk->acknowledge_note.empty());
  const Actor therapist = s.SignIn("therapist@demo.rapport");
  auto progress = s.feedback.Progress(therapist, s.EpisodeOf("client@demo.rapport"));
  ASSERT_TRUE(progress.has_value());
  ASSERT_FALSE(progress->questionnaires.empty());
  EXPECT_EQ(progress->questionnaires[0].definition.code, "PHQ-9");
  ASSERT_TRUE(progress->questionnaires[0].change.has_value());
  EXPECT_TRUE(progress->questionnaires[0].change->improved);

  // Mei is not on track; Hana's rapport dropped at her latest session.
  EXPECT_TRUE(
      HasAlert(s.Alerts("mei.chen@demo.rapport"), AlertKind::kNotOnTrack, AlertState::kOpen));
  EXPECT_TRUE(
      HasAlert(s.Alerts("hana.sato@demo.rapport"), AlertKind::kRapportDrop, AlertState::kOpen));

  // Leo's mother answered the PSC-17.
  const auto leo = s.store->ListResponsesOfEpisode(s.EpisodeOf("leo.haddad@demo.rapport"));
  ASSERT_TRUE(leo.has_value());
  const auto guardian = SoleUserWithEmail(*s.store, "guardian@demo.rapport");
  EXPECT_TRUE(std::any_of(leo->begin(), leo->end(), [&](const FeedbackResponse& r) {
    return r.instrument == "PSC-17" && r.respondent == Respondent::kGuardian &&
           r.respondent_user_id == guardian->id;
  }));

  // The dashboard puts the open alerts first.
  auto rows = s.feedback.Dashboard(therapist);
  ASSERT_TRUE(rows.has_value());
  ASSERT_FALSE(rows->empty());
  EXPECT_GT((*rows)[0].open_alerts, 0);
  EXPECT_FALSE((*rows)[0].rapport_trend.empty());
}

// --- Treatment plans ----------------------------------------------------------------

struct DemoPlans : DemoFeedback {
  PlanService plans{*store, clock, catalog};

  std::vector<Episode> Episodes() {
    auto episodes = store->ListEpisodesOfClinic(summary ? summary->clinic_id : 0);
    EXPECT_TRUE(episodes.has_value());
    return episodes.value_or(std::vector<Episode>{});
  }
  std::vector<PlanVersion> Versions(EpisodeId id) {
    return store->ListPlanVersions(id).value_or(std::vector<PlanVersion>{});
  }

  std::vector<PlanVersion> VersionsOf(std::string_view email) {
    return store->ListPlanVersions(EpisodeOf(email)).value_or(std::vector<PlanVersion>{});
  }
  std::vector<PlanVersionStatus> StatusesOf(std::string_view email) {
    std::vector<PlanVersionStatus> out;
    for (const PlanVersion& v : VersionsOf(email)) out.push_back(v.status);
    return out;
  }
  const DashboardRow* RowOf(const std::vector<DashboardRow>& rows, std::string_view email) {
    const auto user = SoleUserWithEmail(*store, std::string(email));
    EXPECT_TRUE(user.has_value()) << email;
    for (const DashboardRow& row : rows) {
      if (user && row.client_id == user->id) return &row;
    }
    ADD_FAILURE() << "no dashboard row for " << email;
    return nullptr;
  }
};

TEST(DemoPlans, EveryVersionStateExists) {
  DemoPlans s;
  ASSERT_TRUE(s.summary.has_value()) << s.summary.error().message;
  std::set<PlanVersionStatus> seen;
  for (const Episode& e : s.Episodes()) {
    for (const PlanVersion& v : s.Versions(e.id)) seen.insert(v.status);
  }
  for (const PlanVersionStatus status :
       {PlanVersionStatus::kDraft, PlanVersionStatus::kProposed,
        PlanVersionStatus::kChangesRequested, PlanVersionStatus::kDeclined,
        PlanVersionStatus::kWithdrawn, PlanVersionStatus::kAgreed,
        PlanVersionStatus::kSuperseded}) {
    EXPECT_TRUE(seen.contains(status)) << ToString(status);
  }
}

TEST(DemoPlans, ContentParsesAndEverySignatureIsOverTheVersionsHash) {
  DemoPlans s;
  ASSERT_TRUE(s.summary.has_value()) << s.summary.error().message;
  int versions = 0;
  for (const Episode& e : s.Episodes()) {
    const auto stored = s.Versions(e.id);
    const auto signatures =
        s.store->ListPlanSignatures(e.id).value_or(std::vector<PlanSignature>{});
    for (const PlanVersion& v : stored) {
      ++versions;
      SCOPED_TRACE(::testing::Message() << "episode " << e.id << " version " << v.number);
      const Json json = Json::parse(v.content_json, nullptr, /*allow_exceptions=*/false);
      ASSERT_FALSE(json.is_discarded());
      auto content = ParsePlanContent(json, s.catalog);
      ASSERT_TRUE(content.has_value()) << content.error().message;
      EXPECT_FALSE(content->problems.empty());
      EXPECT_FALSE(content->goals.empty());
      // Stored in the canonical form the hash is made over.
      EXPECT_EQ(PlanContentToJson(*content).dump(), v.content_json);
      std::set<SignerRole> roles;
      for (const PlanSignature& sig : signatures) {
        if (sig.version_id != v.id) continue;
        roles.insert(sig.role);
        EXPECT_EQ(sig.content_hash, v.content_hash);
        EXPECT_LE(sig.signed_at, kNow);
      }
      if (v.status == PlanVersionStatus::kDraft) {
        EXPECT_TRUE(v.content_hash.empty());
        EXPECT_TRUE(roles.empty());
        continue;
      }
      EXPECT_EQ(v.content_hash, PlanContentHash(*content));
      ASSERT_TRUE(v.proposed_at.has_value());
      EXPECT_TRUE(roles.contains(SignerRole::kTherapist));
      const bool accepted =
          v.status == PlanVersionStatus::kAgreed || v.status == PlanVersionStatus::kSuperseded;
      EXPECT_EQ(roles.contains(SignerRole::kClient), accepted);
      if (accepted) {
        EXPECT_TRUE(AgreementComplete(
            [&] {
              std::vector<PlanSignature> own;
              for (const PlanSignature& sig : signatures) {
                if (sig.version_id == v.id) own.push_back(sig);
              }
              return own;
            }(),
            v.content_hash, content->guardian.ask_agreement));
      }
      if (v.status != PlanVersionStatus::kProposed) {
        EXPECT_TRUE(v.decided_at.has_value());
      }
      EXPECT_LE(v.created_at, *v.proposed_at);
      EXPECT_LE(v.updated_at, kNow);
    }
  }
  EXPECT_GE(versions, 10);
}

TEST(DemoPlans, TheDemoTherapistHasADraftAProposalARevisionAndADueReview) {
  DemoPlans s;
  ASSERT_TRUE(s.summary.has_value()) << s.summary.error().message;
  EXPECT_EQ(
      s.StatusesOf("client@demo.rapport"),
      (std::vector<PlanVersionStatus>{PlanVersionStatus::kSuperseded, PlanVersionStatus::kAgreed}));
  EXPECT_EQ(s.StatusesOf("leo.haddad@demo.rapport"),
            (std::vector<PlanVersionStatus>{PlanVersionStatus::kProposed}));
  EXPECT_EQ(s.StatusesOf("mei.chen@demo.rapport"),
            (std::vector<PlanVersionStatus>{PlanVersionStatus::kAgreed}));
  EXPECT_EQ(s.StatusesOf("hana.sato@demo.rapport"),
            (std::vector<PlanVersionStatus>{PlanVersionStatus::kDraft}));

  const Actor therapist = s.SignIn("therapist@demo.rapport");
  auto rows = s.feedback.Dashboard(therapist);
  ASSERT_TRUE(rows.has_value());
  const DashboardRow* jordan = s.RowOf(*rows, "client@demo.rapport");
  const DashboardRow* leo = s.RowOf(*rows, "leo.haddad@demo.rapport");
  const DashboardRow* mei = s.RowOf(*rows, "mei.chen@demo.rapport");
  const DashboardRow* hana = s.RowOf(*rows, "hana.sato@demo.rapport");
  ASSERT_TRUE(jordan && leo && mei && hana);
  EXPECT_EQ(jordan->plan_status, "agreed");
  EXPECT_FALSE(jordan->plan_review_due) << "reviewed recently";
  EXPECT_EQ(leo->plan_status, "proposed");
  EXPECT_EQ(mei->plan_status, "agreed");
  EXPECT_TRUE(mei->plan_review_due) << "six or more sessions since it was agreed";
  EXPECT_EQ(hana->plan_status, "draft");

  // Leo's proposal shares every section with his mother and asks for her agreement.
  const Actor guardian = s.SignIn("guardian@demo.rapport");
  auto seen_by_guardian = s.plans.Overview(guardian, s.EpisodeOf("leo.haddad@demo.rapport"));
  ASSERT_TRUE(seen_by_guardian.has_value()) << seen_by_guardian.error().message;
  EXPECT_TRUE(seen_by_guardian->guardian_view);
  EXPECT_TRUE(seen_by_guardian->may_accept);
  ASSERT_TRUE(seen_by_guardian->current.has_value());
  EXPECT_FALSE(seen_by_guardian->current->content.goals.empty());
}

// docs/family.md: a young child with two guardians, one limited by a court order, and an
// adolescent with a confidential goal.
TEST(DemoPlans, TheFamiliesShowEachPersonTheirOwnPart) {
  DemoPlans s;
  ASSERT_TRUE(s.summary.has_value()) << s.summary.error().message;
  FamilyService family(*s.store, s.clock);
  ClinicService clinic(*s.store, s.clock, testing::FastAuth());
  const EpisodeId leo = s.EpisodeOf("leo.haddad@demo.rapport");
  const EpisodeId ama = s.EpisodeOf("ama.mensah@demo.rapport");
  const UserId leo_id = s.store->GetEpisode(leo)->client_id;
  const UserId ama_id = s.store->GetEpisode(ama)->client_id;

  // Leo's father: the appointments, nothing of the record.
  const Actor marcus = s.SignIn("marcus.haddad@demo.rapport");
  EXPECT_EQ(s.plans.Overview(marcus, leo).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(clinic.ListUpcomingAppointments(marcus)->empty());
  // His mother: the plan, by the policy for a child; both consents are on record.
  const Actor therapist = s.SignIn("therapist@demo.rapport");
  auto leos = family.Family(therapist, leo_id);
  ASSERT_TRUE(leos.has_value()) << leos.error().message;
  EXPECT_EQ(leos->band, AgeBand::kChild);
  ASSERT_EQ(leos->guardians.size(), 2u);
  EXPECT_TRUE(leos->guardians[0].sees.plan);
  EXPECT_EQ(leos->guardians[1].standing.authority, LegalAuthority::kLimitedByCourtOrder);
  EXPECT_FALSE(leos->guardians[1].sees.plan);
  EXPECT_TRUE(leos->missing.empty());

  // Ama's father sees her plan without the problem and goal she keeps private.
  const Actor kwame = s.SignIn("kwame.mensah@demo.rapport");
  auto seen = s.plans.Overview(kwame, ama);
  ASSERT_TRUE(seen.has_value()) << seen.error().message;
  ASSERT_TRUE(seen->current.has_value());
  EXPECT_EQ(seen->current->content.goals.size(), 1u);
  EXPECT_EQ(seen->current->content.problems.size(), 1u);
  const Actor ama_herself = s.SignIn("ama.mensah@demo.rapport");
  auto own = family.Family(ama_herself, ama_id);
  ASSERT_TRUE(own.has_value()) << own.error().message;
  EXPECT_EQ(own->band, AgeBand::kAdolescent);
  EXPECT_EQ(own->confidential.size(), 2u);  // the problem and its goal
  ASSERT_EQ(own->guardians.size(), 1u);
  EXPECT_TRUE(own->guardians[0].sees.plan);
  EXPECT_FALSE(own->guardians[0].sees.messages);
}

TEST(DemoPlans, JordansPlanCarriesRankingsRatingsTicksAThoughtRecordAndGasLevels) {
  DemoPlans s;
  ASSERT_TRUE(s.summary.has_value()) << s.summary.error().message;
  const Actor client = s.SignIn("client@demo.rapport");
  auto overview = s.plans.Overview(client, s.EpisodeOf("client@demo.rapport"));
  ASSERT_TRUE(overview.has_value()) << overview.error().message;
  EXPECT_EQ(overview->agreed_number, 2);
  EXPECT_FALSE(overview->open_number.has_value());
  ASSERT_TRUE(overview->client_ranking.has_value());
  ASSERT_TRUE(overview->therapist_ranking.has_value());
  EXPECT_NE(*overview->client_ranking, *overview->therapist_ranking);
  ASSERT_TRUE(overview->consensus.tau.has_value());
  EXPECT_LT(*overview->consensus.tau, 1.0);
  EXPECT_EQ(overview->thought_records, 1);
  ASSERT_TRUE(overview->gas_t_score.has_value());
  EXPECT_GE(*overview->gas_t_score, 50.0) << "the latest levels are at or above expectation";
  ASSERT_TRUE(overview->last_review_at.has_value());
  EXPECT_FALSE(overview->review.due);

  bool rated = false, questionnaire_filled_in = false;
  for (const GoalView& goal : overview->goals) {
    if (goal.self_ratings.size() >= 2) rated = true;
    for (const BenchmarkView& b : goal.benchmarks) {
      if (b.benchmark.kind == BenchmarkKind::kQuestionnaire && b.progress.latest.has_value() &&
          b.progress.baseline.has_value()) {
        questionnaire_filled_in = true;
      }
    }
  }
  EXPECT_TRUE(rated);
  EXPECT_TRUE(questionnaire_filled_in) << "progress comes from Jordan's PHQ-9 and GAD-7 answers";
  EXPECT_TRUE(std::any_of(overview->homework.begin(), overview->homework.end(),
                          [](const HomeworkView& h) { return h.done; }));

  auto thoughts = s.plans.ThoughtRecords(client, s.EpisodeOf("client@demo.rapport"));
  ASSERT_TRUE(thoughts.has_value()) << thoughts.error().message;
  ASSERT_EQ(thoughts->size(), 1u);
  EXPECT_EQ((*thoughts)[0].record.goal_key, "g3");

  auto diff = s.plans.Diff(client, s.EpisodeOf("client@demo.rapport"), 1, 2);
  ASSERT_TRUE(diff.has_value()) << diff.error().message;
  EXPECT_FALSE(diff->empty());
}

TEST(DemoPlans, PlansComeOutTheSameEveryTime) {
  DemoPlans first;
  DemoPlans second;
  ASSERT_TRUE(first.summary.has_value());
  ASSERT_TRUE(second.summary.has_value());
  const auto everything = [](DemoPlans& s) {
    std::vector<std::string> out;
    for (const Episode& e : s.Episodes()) {
      for (const PlanVersion& v : s.Versions(e.id)) {
        out.push_back(fmt::format("{} {} {} {} {}", v.number, ToString(v.status), v.created_at,
                                  v.content_hash, v.content_json));
      }
      const auto events =
          s.store->ListPlanEvents(e.id, std::nullopt).value_or(std::vector<PlanEvent>{});
      for (const PlanEvent& ev : events) {
        out.push_back(
            fmt::format("{} {} {} {}", ToString(ev.kind), ev.subject, ev.at, ev.payload_json));
      }
    }
    return out;
  };
  EXPECT_EQ(everything(first), everything(second));
}

}  // namespace
}  // namespace rapport
