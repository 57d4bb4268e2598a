// A risk answer reaches a person: the outbox written with the alert, the escalation ladder run by
// the scheduler, exactly once, and what the client is told. Real SQLite store, FakeClock.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "domain/test_instruments.h"
#include "service/feedback_service.h"
#include "service/jobs.h"
#include "service/safety_service.h"
#include "service/scheduler.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;
using testing_support::Phq9;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

constexpr std::int64_t kMinute = 60'000;

// World's clock starts on Monday 2026-06-01 at 09:00 UTC: inside the default hours (Monday to
// Friday, 9:00 to 17:00, UTC).
struct ReachWorld : World {
  NotifierConfig notifier{&ShippedEscalationLadder(), "https://rapport.example"};
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules(),
                           FeedbackWiring{notifier, nullptr, nullptr}};
  SafetyService safety{*store, clock, ShippedCrisisDirectory()};
  Scheduler scheduler{*store, clock};

  ReachWorld() {
    RegisterJobs(scheduler, *store, feedback, notifier, AuthOptions{});
    const Status assigned = store->Write([&](WriteTxn& txn) -> Status {
      for (EpisodeId e : {e_c1, e_c2}) {
        for (const auto& a : FeedbackService::DefaultAssignments(e, false, clock.Now())) {
          RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
        }
      }
      return Ok();
    });
    EXPECT_TRUE(assigned.has_value());
  }

  // Cleo (c1, therapist t1, supervised by `supervisor`) answers PHQ-9 item 9 with `item9`.
  AlertId RiskAnswer(int item9 = 2) {
    auto result =
        feedback.SubmitResponse(As(c1), e_c1, SubmitRequest{"PHQ-9", "client", Phq9(1, item9), {}});
    EXPECT_TRUE(result.has_value()) << result.error().message;
    const auto alerts = *store->ListAlertsOfEpisode(e_c1);
    for (const FeedbackAlert& a : alerts) {
      if (a.kind == AlertKind::kRisk) return a.id;
    }
    ADD_FAILURE() << "no risk alert";
    return 0;
  }

  std::vector<Notification> Told(AlertId alert) { return *store->ListNotificationsOfAlert(alert); }

  // (recipient, channel, step) of every notification of the alert.
  std::set<std::tuple<UserId, Channel, int>> Who(AlertId alert) {
    std::set<std::tuple<UserId, Channel, int>> out;
    for (const Notification& n : Told(alert))
      out.emplace(n.recipient_id.value_or(0), n.channel, n.step);
    return out;
  }

  void Settings(const SafetySettings& s) {
    ASSERT_TRUE(store
                    ->Write([&](WriteTxn& txn) {
                      return txn.PutSafetySettings(clinic_a, SafetySettingsToJson(s).dump());
                    })
                    .has_value());
  }

  void OnCall(UserId who, Timestamp from, Timestamp to) {
    ASSERT_TRUE(safety.AddOnCall(As(admin), who, from, to).has_value());
  }

  int Run() {
    auto ran = scheduler.RunDue();
    EXPECT_TRUE(ran.has_value()) << ran.error().message;
    return ran.value_or(-1);
  }
};

TEST(AlertOutbox, ARiskAnswerTellsTheTreatingTherapistLiveAndByMailInTheAlertsOwnWrite) {
  ReachWorld w;
  const AlertId alert = w.RiskAnswer(2);
  const auto told = w.Told(alert);
  EXPECT_EQ(w.Who(alert), (std::set<std::tuple<UserId, Channel, int>>{{w.t1, Channel::kLive, 0},
                                                                      {w.t1, Channel::kEmail, 0}}));
  for (const Notification& n : told) {
    EXPECT_EQ(n.state, DeliveryState::kPending);
    EXPECT_EQ(n.created_at, w.clock.Now());
    EXPECT_EQ(n.next_attempt_at, w.clock.Now()) << "due at once";
    if (n.channel != Channel::kEmail) continue;
    EXPECT_EQ(n.address, "t1@a.test");
    // No clinical content: neither the client's name nor what they answered.
    for (const char* secret : {"Cleo", "PHQ", "risk", "harm", "dead"}) {
      EXPECT_EQ(n.body.find(secret), std::string::npos) << secret;
      EXPECT_EQ(n.subject.find(secret), std::string::npos) << secret;
    }
    EXPECT_NE(n.body.find("https://rapport.example/alerts/"), std::string::npos);
  }
}

TEST(AlertOutbox, ANotificationThatCannotBeWrittenTakesTheAlertAndTheAnswerWithIt) {
  ReachWorld w;
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(w.db.path().c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw,
                         "CREATE TRIGGER refuse BEFORE INSERT ON notifications BEGIN "
                         "SELECT RAISE(ABORT, 'disk full'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  auto result = w.feedback.SubmitResponse(w.As(w.c1), w.e_c1,
                                          SubmitRequest{"PHQ-9", "client", Phq9(1, 2), {}});
  EXPECT_FALSE(result.has_value()) << "an alert nobody would be told about was stored";
  EXPECT_TRUE(w.store->ListResponsesOfEpisode(w.e_c1)->empty());
  EXPECT_TRUE(w.store->ListAlertsOfEpisode(w.e_c1)->empty());
}

TEST(AlertOutbox, ACliniciansPreferencesChooseMailForLesserAlertsButNeverSilenceACriticalOne) {
  ReachWorld w;
  ASSERT_TRUE(
      w.safety.UpdatePreferences(w.As(w.t1), false, Severity::kCritical, false).has_value());
  const AlertId critical = w.RiskAnswer(2);
  EXPECT_EQ(w.Who(critical).size(), 2U) << "live and e-mail whatever the preferences";
  // A lesser alert (a first rapport rating near the bottom) follows them: nothing by mail.
  auto rapport = w.feedback.SubmitResponse(
      w.As(w.c2), w.e_c2,
      SubmitRequest{"RAPPORT-CHECK", "client", testing_support::RapportCheck(1), {}});
  ASSERT_TRUE(rapport.has_value());
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_c2);
  for (const FeedbackAlert& a : alerts) {
    for (const Notification& n : w.Told(a.id)) EXPECT_EQ(n.recipient_id, w.t2);
  }
  ASSERT_TRUE(
      w.safety.UpdatePreferences(w.As(w.t2), false, Severity::kCritical, false).has_value());
  auto again = w.feedback.SubmitResponse(w.As(w.c2), w.e_c2,
                                         SubmitRequest{"PHQ-9", "client", Phq9(3, 0), {}});
  ASSERT_TRUE(again.has_value());
}

TEST(Escalation, NobodyAcknowledgesSoTheSupervisorAndOnCallClinicianAreToldOnceEach) {
  ReachWorld w;
  w.OnCall(w.t2, w.clock.Now() - 60 * kMinute, w.clock.Now() + 8 * 60 * kMinute);
  const AlertId alert = w.RiskAnswer(3);
  EXPECT_EQ(w.Run(), 0) << "nothing is due yet";
  w.clock.Advance(std::chrono::minutes(14));
  EXPECT_EQ(w.Run(), 0) << "15 minutes in clinic hours have not passed";
  w.clock.Advance(std::chrono::minutes(1));
  EXPECT_EQ(w.Run(), 1);
  const auto who = w.Who(alert);
  EXPECT_TRUE(who.contains({w.supervisor, Channel::kEmail, 1}));
  EXPECT_TRUE(who.contains({w.supervisor, Channel::kLive, 1}));
  EXPECT_TRUE(who.contains({w.t2, Channel::kEmail, 1})) << "the on-call clinician";
  EXPECT_FALSE(who.contains({w.admin, Channel::kEmail, 1}));
  const std::size_t after_step_one = w.Told(alert).size();
  EXPECT_EQ(w.Run(), 0) << "the step ran once";
  EXPECT_EQ(w.Told(alert).size(), after_step_one);
  // Still nobody: every supervisor and the admins; an admin hears by mail only, without a name.
  w.clock.Advance(std::chrono::minutes(15));
  EXPECT_EQ(w.Run(), 1);
  const auto all = w.Who(alert);
  EXPECT_TRUE(all.contains({w.admin, Channel::kEmail, 2}));
  EXPECT_FALSE(all.contains({w.admin, Channel::kLive, 2}));
  EXPECT_FALSE(all.contains({w.admin_b, Channel::kEmail, 2})) << "another clinic's admin";
  for (const Notification& n : w.Told(alert)) {
    if (n.recipient_id == w.admin) {
      EXPECT_EQ(n.body.find("Cleo"), std::string::npos);
    }
  }
}

TEST(Escalation, ARiskAnswerOfTheLowestGradeEscalatesTooBecauseTheClientIsToldItWill) {
  ReachWorld w;
  const AlertId alert = w.RiskAnswer(1);  // "several days": the mildest risk answer
  ASSERT_NE(alert, 0);
  ASSERT_TRUE(
      w.safety.UpdatePreferences(w.As(w.t1), false, Severity::kCritical, false).has_value());
  EXPECT_TRUE(w.Who(alert).contains({w.t1, Channel::kEmail, 0}));
  w.clock.Advance(std::chrono::minutes(15));
  EXPECT_EQ(w.Run(), 1);
  EXPECT_TRUE(w.Who(alert).contains({w.supervisor, Channel::kEmail, 1}));
}

TEST(Escalation, AnAlertThatIsNeitherARiskAnswerNorCriticalDoesNotEscalate) {
  ReachWorld w;
  auto rapport = w.feedback.SubmitResponse(
      w.As(w.c1), w.e_c1,
      SubmitRequest{"RAPPORT-CHECK", "client", testing_support::RapportCheck(1), {}});
  ASSERT_TRUE(rapport.has_value());
  EXPECT_TRUE(w.store->ListJobs(w.clinic_a, kEscalateJob)->empty());
  w.clock.Advance(std::chrono::hours(3));
  EXPECT_EQ(w.Run(), 0);
}

TEST(Escalation, AnAcknowledgedAlertEndsTheLadder) {
  ReachWorld w;
  const AlertId alert = w.RiskAnswer(2);
  ASSERT_TRUE(
      w.feedback.Acknowledge(w.As(w.t1), alert, "Called Cleo; she is safe tonight.").has_value());
  const std::size_t before = w.Told(alert).size();
  w.clock.Advance(std::chrono::hours(2));
  EXPECT_EQ(w.Run(), 1) << "the step's job runs, and finds nothing to do";
  EXPECT_EQ(w.Told(alert).size(), before);
  const auto jobs = *w.store->ListJobs(w.clinic_a, kEscalateJob);
  ASSERT_EQ(jobs.size(), 1U) << "no later step was scheduled";
  EXPECT_EQ(jobs[0].state, JobState::kDone);
}

TEST(Escalation, OutsideClinicHoursTheNextStepComesAfterTheShorterDelay) {
  ReachWorld w;
  w.clock.Set(1'780'736'400'000);  // Saturday 2026-06-06 09:00 UTC
  const AlertId alert = w.RiskAnswer(2);
  const auto jobs = *w.store->ListJobs(w.clinic_a, kEscalateJob);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0].due_at, w.clock.Now() + 5 * kMinute);
  w.clock.Advance(std::chrono::minutes(5));
  EXPECT_EQ(w.Run(), 1);
  EXPECT_TRUE(w.Who(alert).contains({w.supervisor, Channel::kEmail, 1}));
}

TEST(Escalation, TheClinicsOwnDelayAndTimeZoneDecide) {
  ReachWorld w;
  SafetySettings s;
  s.time_zone = "America/New_York";  // 09:00 UTC is 05:00 there: closed
  s.escalate_after_minutes_in_hours = 30;
  s.escalate_after_minutes_out_of_hours = 10;
  w.Settings(s);
  w.RiskAnswer(2);
  const auto jobs = *w.store->ListJobs(w.clinic_a, kEscalateJob);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0].due_at, w.clock.Now() + 10 * kMinute);
}

TEST(Escalation, TheOnCallClinicianToldMayOpenAndAcknowledgeTheAlertAndNobodyElse) {
  ReachWorld w;
  w.OnCall(w.t2, w.clock.Now(), w.clock.Now() + 60 * kMinute);
  const AlertId alert = w.RiskAnswer(2);
  EXPECT_EQ(w.feedback.GetAlert(w.As(w.t2), alert).error().code, ErrorCode::kNotFound)
      << "not told yet";
  w.clock.Advance(std::chrono::minutes(15));
  ASSERT_EQ(w.Run(), 1);
  auto detail = w.feedback.GetAlert(w.As(w.t2), alert);
  ASSERT_TRUE(detail.has_value()) << detail.error().message;
  EXPECT_EQ(detail->view.client_id, w.c1);
  EXPECT_FALSE(detail->deliveries.empty());
  EXPECT_EQ(w.feedback.GetAlert(w.As(w.tb), alert).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.feedback.GetAlert(w.As(w.c1), alert).error().code, ErrorCode::kPermissionDenied);
  auto acknowledged = w.feedback.Acknowledge(w.As(w.t2), alert, "On call: phoned Cleo.");
  ASSERT_TRUE(acknowledged.has_value()) << acknowledged.error().message;
  auto seen = w.feedback.GetAlert(w.As(w.t1), alert);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->acknowledged_by_name, "Theo Two");
}

TEST(Scheduler, AJobRunsExactlyOnceWhenTwoServersRunTheSameDueList) {
  ReachWorld w;
  std::atomic<int> runs{0};
  Scheduler a(*w.store, w.clock), b(*w.store, w.clock);
  const auto handler = [&](WriteTxn&, const Job&, const Json&, Timestamp) -> Status {
    ++runs;
    return Ok();
  };
  a.Handle("probe", handler);
  b.Handle("probe", handler);
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    for (int i = 0; i < 20; ++i) {
                      Job job;
                      job.clinic_id = w.clinic_a;
                      job.kind = "probe";
                      job.key = "probe:" + std::to_string(i);
                      job.due_at = w.clock.Now();
                      RAPPORT_RETURN_IF_ERROR(txn.InsertJob(job));
                    }
                    return Ok();
                  })
                  .has_value());
  int ran_a = 0, ran_b = 0;
  std::thread left([&] { ran_a = a.RunDue().value_or(-100); });
  std::thread right([&] { ran_b = b.RunDue().value_or(-100); });
  left.join();
  right.join();
  EXPECT_EQ(runs.load(), 20);
  EXPECT_EQ(ran_a + ran_b, 20);
}

TEST(Scheduler, AFailingJobKeepsItsPlaceAndItsReasonAndIsTriedAgainLater) {
  ReachWorld w;
  int attempts = 0;
  w.scheduler.Handle("flaky", [&](WriteTxn& txn, const Job& job, const Json&, Timestamp now) {
    ++attempts;
    // Work done before the failure must not stay.
    Job other = job;
    other.key = "side-effect";
    EXPECT_TRUE(txn.InsertJob(other).has_value());
    (void)now;
    if (attempts < 3) return Status(Fail(Error::Unavailable("the relay is down")));
    return Ok();
  });
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    Job job;
                    job.clinic_id = w.clinic_a;
                    job.kind = "flaky";
                    job.key = "flaky";
                    job.due_at = w.clock.Now();
                    RAPPORT_RETURN_IF_ERROR(txn.InsertJob(job));
                    return Ok();
                  })
                  .has_value());
  EXPECT_EQ(w.Run(), 0);
  auto jobs = *w.store->ListJobs(w.clinic_a, "flaky");
  ASSERT_EQ(jobs.size(), 1U) << "the failed run's own writes were rolled back";
  EXPECT_EQ(jobs[0].state, JobState::kPending);
  EXPECT_EQ(jobs[0].attempts, 1);
  EXPECT_EQ(jobs[0].last_error, "the relay is down");
  EXPECT_EQ(jobs[0].due_at, w.clock.Now() + JobRetryDelayMs(1));
  EXPECT_EQ(w.Run(), 0) << "not before its retry time";
  w.clock.Advance(std::chrono::milliseconds(JobRetryDelayMs(1)));
  EXPECT_EQ(w.Run(), 0);
  w.clock.Advance(std::chrono::milliseconds(JobRetryDelayMs(2)));
  EXPECT_EQ(w.Run(), 1);
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(JobRetryDelayMs(1), 5'000);
  EXPECT_EQ(JobRetryDelayMs(2), 10'000);
  EXPECT_EQ(JobRetryDelayMs(30), 300'000);
}

TEST(Scheduler, SessionsPastTheirTimeoutAreRemovedWithoutBeingPresented) {
  ReachWorld w;
  AuthService auth(*w.store, w.clock, testing::FastAuth());
  auto left_open = auth.Login("c1@a.test", testing::kPassword, "198.51.100.7", "test");
  ASSERT_TRUE(left_open.has_value());
  ASSERT_TRUE(SchedulePeriodicJobs(*w.store, w.clock.Now()).has_value());
  w.Run();
  ASSERT_EQ(w.store->ListSessionsOfUser(w.c1)->size(), 1u);  // still fresh
  w.clock.Advance(std::chrono::minutes(31));  // idle past 30 minutes, never presented again
  w.Run();
  EXPECT_TRUE(w.store->ListSessionsOfUser(w.c1)->empty());
}

TEST(Scheduler, AServerThatWasDownRunsTheOverdueCheckOnceAndSchedulesTheNext) {
  ReachWorld w;
  ASSERT_TRUE(SchedulePeriodicJobs(*w.store, w.clock.Now()).has_value());
  ASSERT_TRUE(SchedulePeriodicJobs(*w.store, w.clock.Now()).has_value()) << "idempotent";
  EXPECT_EQ(w.store->ListJobs(w.clinic_a, kMissedFeedbackJob)->size(), 1U);
  // Five hours pass with no server running.
  w.clock.Advance(std::chrono::hours(5));
  EXPECT_EQ(w.Run(), 12) << "each of the six periodic jobs once per clinic, not once per "
                            "missed period";
  const auto jobs = *w.store->ListJobs(w.clinic_a, kMissedFeedbackJob);
  ASSERT_EQ(jobs.size(), 2U);
  EXPECT_EQ(jobs[1].state, JobState::kPending);
  EXPECT_GT(jobs[1].due_at, w.clock.Now());
  EXPECT_LE(jobs[1].due_at, w.clock.Now() + kMissedFeedbackEveryMs);
  ASSERT_TRUE(SchedulePeriodicJobs(*w.store, w.clock.Now()).has_value());
  EXPECT_EQ(w.store->ListJobs(w.clinic_a, kMissedFeedbackJob)->size(), 2U);
}

TEST(YouthRiskScreen, AYoungPersonOfTenOrOverIsAskedTheAsqAndAYoungerChildIsNot) {
  ReachWorld w;
  const Timestamp now = w.clock.Now();
  const auto codes = [&](const ClientProfile& p) {
    std::vector<std::string> out;
    for (const auto& a : FeedbackService::DefaultAssignmentsFor(1, p, now))
      out.push_back(a.instrument);
    return out;
  };
  const auto has_asq = [&](const ClientProfile& p) {
    const auto c = codes(p);
    return std::find(c.begin(), c.end(), "ASQ") != c.end();
  };
  EXPECT_TRUE(has_asq(ClientProfile{1, "2016-05-31", "", ""})) << "10 on 2026-05-31";
  EXPECT_FALSE(has_asq(ClientProfile{1, "2016-06-02", "", ""})) << "still 9";
  EXPECT_FALSE(has_asq(ClientProfile{1, "1990-01-01", "", ""})) << "adults answer PHQ-9 item 9";
  EXPECT_FALSE(has_asq(ClientProfile{1, "", "", ""})) << "unknown age counts as adult";
}

TEST(YouthRiskScreen, APositiveAsqFromAYoungPersonRaisesAnUrgentAlertAndShowsThemHelp) {
  ReachWorld w;
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    for (const auto& a : FeedbackService::DefaultAssignmentsFor(
                             w.e_k2, *w.store->GetClientProfile(w.k2), w.clock.Now())) {
                      RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
                    }
                    return Ok();
                  })
                  .has_value());
  const Json answers = {{"asq_1", 1}, {"asq_2", 0}, {"asq_3", 0}, {"asq_4", 0}, {"asq_5", 0}};
  auto result =
      w.feedback.SubmitResponse(w.As(w.k2), w.e_k2, SubmitRequest{"ASQ", "client", answers, {}});
  ASSERT_TRUE(result.has_value()) << result.error().message;
  ASSERT_TRUE(result->crisis.has_value()) << "the young person sees help at once";
  const auto alerts = *w.store->ListAlertsOfEpisode(w.e_k2);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].kind, AlertKind::kRisk);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  EXPECT_TRUE(w.Who(alerts[0].id).contains({w.t2, Channel::kEmail, 0}));
  EXPECT_EQ(w.store->ListJobs(w.clinic_a, kEscalateJob)->size(), 1U) << "it escalates";
}

// Runs the feedback-request sweep of clinic A as its job does; returns how many were queued.
int Requests(ReachWorld& w) {
  int queued = -1;
  EXPECT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    RAPPORT_ASSIGN_OR_RETURN(
                        queued, w.feedback.QueueFeedbackRequests(txn, w.clinic_a, w.clock.Now()));
                    return Ok();
                  })
                  .has_value());
  return queued;
}

std::vector<Notification> ToClient(ReachWorld& w, UserId client) {
  std::vector<Notification> out;
  const auto mail = *w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 100);
  for (const Notification& n : mail) {
    if (n.recipient_id == client) out.push_back(n);
  }
  return out;
}

TEST(FeedbackRequests, AClientIsAskedOnceBeforeTheSessionOnceAfterItAndRemindedOnce) {
  ReachWorld w;
  // Cleo's appointment a_c1 starts in 24 hours: the PHQ-9 and GAD-7 open 24 hours before.
  w.clock.Advance(-std::chrono::minutes(1));
  EXPECT_EQ(Requests(w), 0) << "not open yet";
  w.clock.Advance(std::chrono::minutes(1));
  // Cleo and Cody (a_c2, also in 24 hours), each live and by e-mail.
  EXPECT_EQ(Requests(w), 4);
  EXPECT_EQ(Requests(w), 0) << "once";
  auto mails = ToClient(w, w.c1);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_EQ(mails[0].address, "c1@a.test");
  EXPECT_NE(mails[0].body.find("/feedback?appointment=" + std::to_string(w.a_c1)),
            std::string::npos);
  EXPECT_EQ(mails[0].body.find("PHQ"), std::string::npos) << "no clinical content";
  // Answering it before the session leaves nothing more to ask before.
  ASSERT_TRUE(
      w.feedback
          .SubmitResponse(w.As(w.c1), w.e_c1, SubmitRequest{"PHQ-9", "client", Phq9(1, 0), w.a_c1})
          .has_value());
  // After the session (50 minutes), the Rapport Check is asked once, then a reminder a day on.
  w.clock.Advance(std::chrono::hours(25));
  EXPECT_EQ(Requests(w), 4);
  EXPECT_EQ(Requests(w), 0);
  w.clock.Advance(std::chrono::hours(24));
  EXPECT_EQ(Requests(w), 8) << "the reminders, and the Fit Check a day after the first session";
  std::set<std::string> reasons;
  for (const Notification& n : ToClient(w, w.c1)) reasons.insert(n.reason);
  EXPECT_TRUE(reasons.contains("feedback_reminder"));
  EXPECT_TRUE(reasons.contains("fit_check"));
  w.clock.Advance(std::chrono::hours(72));
  EXPECT_EQ(Requests(w), 0) << "nothing after three days";
}

// Kit (k1) has Gina (g1), and Gus (g2), whom a court order limits to Kit's appointments.
TEST(FeedbackRequests, AChildsGuardiansAreAskedBeforeASessionAndAfterOneTheyTookPartIn) {
  ReachWorld w;
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    for (const auto& a :
                         FeedbackService::DefaultAssignments(w.e_k1, true, w.clock.Now())) {
                      RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
                    }
                    RAPPORT_ASSIGN_OR_RETURN(const GuardianLinkId link,
                                             txn.InsertGuardianLink(EstablishedGuardianLink(
                                                 w.g2, w.k1, w.clock.Now(), "second")));
                    GuardianStanding limited;
                    limited.link_id = link;
                    limited.authority = LegalAuthority::kLimitedByCourtOrder;
                    limited.court_order = "Contact order of 2026-02-01: appointment times only";
                    limited.sections = GuardianSections{.appointments = true};
                    return txn.PutGuardianStanding(limited);
                  })
                  .has_value());
  // a_k1 starts in 24 hours: the PSC-17 opens a day before.
  Requests(w);
  const auto before = ToClient(w, w.g1);
  ASSERT_EQ(before.size(), 1U);
  EXPECT_NE(before[0].body.find("/feedback?child=" + std::to_string(w.k1)), std::string::npos);
  EXPECT_EQ(before[0].body.find("PSC"), std::string::npos) << "no clinical content";
  EXPECT_EQ(before[0].body.find("Kit"), std::string::npos) << "the child is not named";
  EXPECT_TRUE(ToClient(w, w.g2).empty()) << "Gus does not see Kit's questionnaires";
  // After the session, nobody who did not take part is asked how it felt to them.
  w.clock.Advance(std::chrono::hours(25));
  Requests(w);
  EXPECT_EQ(ToClient(w, w.g1).size(), 1U);
  EXPECT_TRUE(ToClient(w, w.g2).empty());
  // Gus took part: he is asked his own Rapport Check, once.
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.InsertRoomGuest(RoomGuest{w.a_k1, w.g2, w.t1, w.clock.Now()});
                  })
                  .has_value());
  Requests(w);
  Requests(w);
  const auto after = ToClient(w, w.g2);
  ASSERT_EQ(after.size(), 1U);
  EXPECT_NE(after[0].body.find("taking part"), std::string::npos);
  EXPECT_EQ(ToClient(w, w.g1).size(), 1U);
}

TEST(FeedbackRequests, TheFitCheckIsDueAndSentOnlyADayAfterTheFirstSession) {
  ReachWorld w;
  const auto fit_due = [&] {
    auto assigned = w.feedback.AssignedInstruments(w.As(w.c1), w.e_c1, std::nullopt);
    EXPECT_TRUE(assigned.has_value());
    for (const AssignedInstrument& a : *assigned) {
      if (a.code == "FIT-CHECK") return a.due;
    }
    ADD_FAILURE() << "no Fit Check assigned";
    return false;
  };
  const auto fit_mail = [&] {
    int n = 0;
    for (const Notification& m : ToClient(w, w.c1)) n += m.reason == "fit_check";
    return n;
  };
  EXPECT_FALSE(fit_due()) << "before the client has met their therapist";
  Requests(w);
  EXPECT_EQ(fit_mail(), 0);
  // The first session (a_c1, in 24 hours, 50 minutes) is over: the form may be filled in, and
  // the request goes out a day later.
  w.clock.Advance(std::chrono::hours(25));
  EXPECT_TRUE(fit_due());
  Requests(w);
  EXPECT_EQ(fit_mail(), 0) << "not the same hour";
  w.clock.Advance(std::chrono::hours(24));
  Requests(w);
  ASSERT_EQ(fit_mail(), 1);
  Requests(w);
  EXPECT_EQ(fit_mail(), 1) << "once";
  for (const Notification& m : ToClient(w, w.c1)) {
    if (m.reason == "fit_check") {
      EXPECT_NE(m.body.find("You have now met your therapist"), std::string::npos) << m.body;
    }
  }
}

TEST(FeedbackRequests, TheFitCheckWaitsTheClinicsHoursAfterTheFirstSession) {
  ReachWorld w;
  ClinicSettings settings = w.store->GetClinic(w.clinic_a)->settings;
  settings.fit_check_after_hours = 72;
  ASSERT_TRUE(
      w.store->Write([&](WriteTxn& txn) { return txn.UpdateClinicSettings(w.clinic_a, settings); })
          .has_value());
  const auto fit_mail = [&] {
    int n = 0;
    for (const Notification& m : ToClient(w, w.c1)) n += m.reason == "fit_check";
    return n;
  };
  // The first session (a_c1) starts in 24 hours and lasts 50 minutes.
  w.clock.Advance(std::chrono::hours(25 + 48));
  Requests(w);
  EXPECT_EQ(fit_mail(), 0) << "two days after: the clinic waits three";
  w.clock.Advance(std::chrono::hours(24));
  Requests(w);
  EXPECT_EQ(fit_mail(), 1);
}

// --- What the client is told ------------------------------------------------------------------

TEST(Help, AClientSeesTheLinesOfTheirOwnCountryElseTheClinics) {
  ReachWorld w;
  SafetySettings s;
  s.country = "US";
  w.Settings(s);
  auto us = w.safety.Help(w.As(w.c1));
  ASSERT_TRUE(us.has_value()) << us.error().message;
  EXPECT_EQ(us->set.country, "US");
  EXPECT_EQ(us->set.emergency_number, "911");
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpsertClientProfile(ClientProfile{w.c1, "", "", "GB"});
                  })
                  .has_value());
  auto gb = w.safety.Help(w.As(w.c1));
  ASSERT_TRUE(gb.has_value());
  EXPECT_EQ(gb->set.country, "GB");
  EXPECT_EQ(gb->set.emergency_number, "999");
  const bool samaritans = std::any_of(gb->lines.begin(), gb->lines.end(),
                                      [](const CrisisLine& l) { return l.tel == "116123"; });
  EXPECT_TRUE(samaritans);
}

TEST(Help, TheClinicsOwnLinesReplaceTheShippedOnes) {
  ReachWorld w;
  Json own = CrisisSetToJson(*ShippedCrisisDirectory().Find("US"));
  own["lines"] = Json::array({{{"name", "Northside on-call line"},
                               {"description", "Our own clinicians, day and night."},
                               {"phone", "555 0100"},
                               {"tel", "5550100"},
                               {"sms", ""},
                               {"hours", "24/7"},
                               {"audience", "everyone"},
                               {"url", ""}}});
  ASSERT_TRUE(w.safety.PutCrisisSet(w.As(w.admin), "US", own).has_value());
  auto help = w.safety.Help(w.As(w.c1));
  ASSERT_TRUE(help.has_value());
  ASSERT_EQ(help->lines.size(), 1U);
  EXPECT_EQ(help->lines[0].name, "Northside on-call line");
  ASSERT_TRUE(w.safety.ResetCrisisSet(w.As(w.admin), "US").has_value());
  EXPECT_GT(w.safety.Help(w.As(w.c1))->lines.size(), 1U);
}

TEST(Help, TheWordsAfterARiskAnswerAreWhatTheClinicsSettingsMakeTrue) {
  ReachWorld w;
  // Open now (Monday 09:00 UTC): the therapist is told now.
  auto open = w.safety.Help(w.As(w.c1));
  ASSERT_TRUE(open.has_value());
  EXPECT_TRUE(open->open_now);
  const std::string open_words = open->after_risk.headline + " " + open->after_risk.body;
  EXPECT_NE(open_words.find("15 minutes"), std::string::npos) << open_words;
  // Saturday, nobody on call: it says so, with when the clinic opens again.
  w.clock.Set(1'780'736'400'000);
  auto closed = w.safety.Help(w.As(w.c1));
  ASSERT_TRUE(closed.has_value());
  EXPECT_FALSE(closed->open_now);
  const std::string closed_words = closed->after_risk.headline + " " + closed->after_risk.body;
  EXPECT_NE(closed_words.find("Monday"), std::string::npos) << closed_words;
  // Saturday with someone on call: the on-call clinician is told.
  w.OnCall(w.t2, w.clock.Now() - kMinute, w.clock.Now() + 60 * kMinute);
  auto covered = w.safety.Help(w.As(w.c1));
  const std::string covered_words = covered->after_risk.headline + " " + covered->after_risk.body;
  EXPECT_NE(covered_words.find("on-call"), std::string::npos) << covered_words;
  EXPECT_NE(covered_words, closed_words);
}

TEST(Help, ARiskSubmissionCarriesTheSameWordsAsTheHelpPage) {
  ReachWorld w;
  auto result = w.feedback.SubmitResponse(w.As(w.c1), w.e_c1,
                                          SubmitRequest{"PHQ-9", "client", Phq9(1, 1), {}});
  ASSERT_TRUE(result.has_value());
  ASSERT_TRUE(result->crisis.has_value());
  auto help = w.safety.Help(w.As(w.c1));
  EXPECT_EQ(result->crisis->after_risk.body, help->after_risk.body);
  EXPECT_EQ(result->crisis->set.country, help->set.country);
}

// --- The admin's settings ---------------------------------------------------------------------

TEST(SafetySettingsAdmin, AnUnknownTimeZoneIsRefusedByFieldAndNothingChanges) {
  ReachWorld w;
  Json settings = SafetySettingsToJson(SafetySettings{});
  settings["time_zone"] = "Mars/Olympus_Mons";
  auto refused = w.safety.UpdateSafety(w.As(w.admin), settings);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(refused.error().fields.empty());
  EXPECT_EQ(refused.error().fields[0].field, "settings/time_zone");
  EXPECT_EQ(*w.store->GetSafetySettingsJson(w.clinic_a), std::nullopt);
  settings["time_zone"] = "Europe/London";
  auto saved = w.safety.UpdateSafety(w.As(w.admin), settings);
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  EXPECT_EQ(saved->settings.time_zone, "Europe/London");
}

TEST(SafetySettingsAdmin, OnlyTheAdminChangesSettingsRotaAndLinesAndReadsTheOutbox) {
  ReachWorld w;
  for (UserId who : {w.t1, w.supervisor, w.c1, w.g1}) {
    EXPECT_EQ(w.safety.GetSafety(w.As(who)).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(w.safety.MailOutbox(w.As(who), 0, 20).error().code, ErrorCode::kPermissionDenied);
    EXPECT_EQ(w.safety.AddOnCall(w.As(who), w.t2, w.clock.Now(), w.clock.Now() + 1).error().code,
              ErrorCode::kPermissionDenied);
  }
}

TEST(SafetySettingsAdmin, AWebhookMustBeHttpsAndSigned) {
  ReachWorld w;
  auto plain = w.safety.UpdateChannels(
      w.As(w.admin), ChannelsUpdate{"http://pager.example/hook", "0123456789abcdef", ""});
  ASSERT_FALSE(plain.has_value());
  EXPECT_EQ(plain.error().fields[0].field, "webhook_url");
  auto unsigned_hook =
      w.safety.UpdateChannels(w.As(w.admin), ChannelsUpdate{"https://pager.example/hook", {}, ""});
  ASSERT_FALSE(unsigned_hook.has_value());
  EXPECT_EQ(unsigned_hook.error().fields[0].field, "webhook_secret");
  auto saved = w.safety.UpdateChannels(
      w.As(w.admin), ChannelsUpdate{"https://pager.example/hook", "0123456789abcdef", ""});
  ASSERT_TRUE(saved.has_value());
  EXPECT_TRUE(saved->has_webhook_secret);
  // Keeping the secret while changing the address.
  saved = w.safety.UpdateChannels(w.As(w.admin),
                                  ChannelsUpdate{"https://pager2.example/hook", std::nullopt, ""});
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(w.store->GetClinicChannels(w.clinic_a)->webhook_secret, "0123456789abcdef");
}

TEST(SafetySettingsAdmin, OnlyAnActiveClinicianOfTheClinicGoesOnCall) {
  ReachWorld w;
  const Timestamp now = w.clock.Now();
  for (UserId who : {w.c1, w.g1, w.admin, w.tb}) {
    auto refused = w.safety.AddOnCall(w.As(w.admin), who, now, now + 60 * kMinute);
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().fields[0].field, "user_id");
  }
  auto backwards = w.safety.AddOnCall(w.As(w.admin), w.t2, now, now - 1);
  ASSERT_FALSE(backwards.has_value());
  EXPECT_EQ(backwards.error().fields[0].field, "ends_at");
  EXPECT_TRUE(w.store->ListOnCallShifts(w.clinic_a, 0, now + 1'000'000'000)->empty());
  // Another clinic's admin cannot remove this clinic's shift.
  auto shift = w.safety.AddOnCall(w.As(w.admin), w.t2, now, now + 60 * kMinute);
  ASSERT_TRUE(shift.has_value());
  EXPECT_EQ(w.safety.RemoveOnCall(w.As(w.admin_b), shift->shift.id).error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(w.safety.RemoveOnCall(w.As(w.admin), shift->shift.id).has_value());
}

TEST(SafetySettingsAdmin, ACrisisLineThatCannotBeDialledIsRefusedByItsPath) {
  ReachWorld w;
  Json set = CrisisSetToJson(*ShippedCrisisDirectory().Find("GB"));
  set["lines"][0]["tel"] = "call us";
  auto refused = w.safety.PutCrisisSet(w.As(w.admin), "GB", set);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().fields[0].field, "lines/0/tel");
  EXPECT_TRUE(w.store->ListClinicCrisisSets(w.clinic_a)->empty());
}

TEST(SafetySettingsAdmin, MailWithNoRelayWaitsInTheOutboxNewestFirst) {
  ReachWorld w;
  const AlertId alert = w.RiskAnswer(2);
  // Without a relay the delivery worker holds mail; here we hold it as the worker would.
  ASSERT_TRUE(w.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    const std::vector<Notification> notifications = w.Told(alert);
                    for (Notification n : notifications) {
                      if (n.channel != Channel::kEmail) continue;
                      n.state = DeliveryState::kHeld;
                      RAPPORT_RETURN_IF_ERROR(txn.UpdateNotificationDelivery(n));
                    }
                    return Ok();
                  })
                  .has_value());
  auto page = w.safety.MailOutbox(w.As(w.admin), 0, 20);
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->mail.size(), 1U);
  EXPECT_EQ(page->mail[0].to, "t1@a.test");
  EXPECT_FALSE(page->next_before.has_value());
  EXPECT_TRUE(w.safety.MailOutbox(w.As(w.admin_b), 0, 20)->mail.empty());
  EXPECT_EQ(w.safety.MailOutbox(w.As(w.admin), 0, 0).error().fields[0].field, "limit");
}

// --- Drafts: a risk answer given but not sent ---------------------------------------------------

TEST(UnsentRisk, ARiskAnswerLeftInADraftReachesTheTherapistAfterTenMinutesOnce) {
  ReachWorld w;
  Json draft = {{"PHQ-9/phq9_1", 1}, {"PHQ-9/phq9_9", 2}};
  auto saved = w.feedback.SaveDraft(w.As(w.c1), w.e_c1, draft);
  ASSERT_TRUE(saved.has_value()) << saved.error().message;
  // The client sees where to turn at once, before sending anything.
  ASSERT_TRUE(saved->crisis.has_value());
  EXPECT_FALSE(saved->crisis->lines.empty());
  const auto risk_alerts = [&] {
    int n = 0;
    const std::vector<FeedbackAlert> alerts = *w.store->ListAlertsOfEpisode(w.e_c1);
    for (const FeedbackAlert& a : alerts) {
      if (a.kind == AlertKind::kRisk) ++n;
    }
    return n;
  };
  // Changing another answer does not postpone it.
  w.clock.Advance(std::chrono::minutes(6));
  draft["PHQ-9/phq9_2"] = 0;
  ASSERT_TRUE(w.feedback.SaveDraft(w.As(w.c1), w.e_c1, draft).has_value());
  w.Run();
  EXPECT_EQ(risk_alerts(), 0) << "not before ten minutes";
  w.clock.Advance(std::chrono::minutes(4));
  w.Run();
  ASSERT_EQ(risk_alerts(), 1);
  AlertId alert = 0;
  const std::vector<FeedbackAlert> raised = *w.store->ListAlertsOfEpisode(w.e_c1);
  for (const FeedbackAlert& a : raised) {
    if (a.kind != AlertKind::kRisk) continue;
    alert = a.id;
    EXPECT_EQ(a.severity, Severity::kCritical);
    EXPECT_EQ(a.response_id, std::nullopt);
    EXPECT_NE(a.title.find("Not sent"), std::string::npos) << a.title;
  }
  EXPECT_EQ(w.Who(alert), (std::set<std::tuple<UserId, Channel, int>>{{w.t1, Channel::kLive, 0},
                                                                      {w.t1, Channel::kEmail, 0}}));
  // Once: saving again or running again raises nothing more.
  ASSERT_TRUE(w.feedback.SaveDraft(w.As(w.c1), w.e_c1, draft).has_value());
  w.clock.Advance(std::chrono::minutes(30));
  w.Run();
  EXPECT_EQ(risk_alerts(), 1);
}

TEST(UnsentRisk, SendingOrTakingBackTheAnswerInTimeRaisesNoUnsentAlert) {
  ReachWorld w;
  // Sent within the ten minutes: the submission's own alert, and no second one.
  Json answers = Phq9(1, 2);
  Json draft = Json::object();
  for (const auto& [item, value] : answers.items()) draft["PHQ-9/" + item] = value;
  draft["RAPPORT-CHECK/rc_heard"] = nullptr;
  ASSERT_TRUE(w.feedback.SaveDraft(w.As(w.c1), w.e_c1, draft).has_value());
  w.RiskAnswer(2);
  EXPECT_EQ(w.store->GetFeedbackDraft(w.e_c1, w.c1).error().code, ErrorCode::kNotFound)
      << "sending takes its answers out of the draft";
  // Taken back within the ten minutes by another client.
  ASSERT_TRUE(w.feedback.SaveDraft(w.As(w.c2), w.e_c2, Json{{"PHQ-9/phq9_9", 3}}).has_value());
  auto calmer = w.feedback.SaveDraft(w.As(w.c2), w.e_c2, Json{{"PHQ-9/phq9_9", 0}});
  ASSERT_TRUE(calmer.has_value());
  EXPECT_FALSE(calmer->crisis.has_value());
  w.clock.Advance(std::chrono::minutes(15));
  w.Run();
  int risk = 0;
  for (EpisodeId e : {w.e_c1, w.e_c2}) {
    const std::vector<FeedbackAlert> alerts = *w.store->ListAlertsOfEpisode(e);
    for (const FeedbackAlert& a : alerts) {
      if (a.kind == AlertKind::kRisk) ++risk;
    }
  }
  EXPECT_EQ(risk, 1) << "only the sent answer's alert";
}

}  // namespace
}  // namespace rapport
