// Several app servers on one PostgreSQL database, as a clinic group runs them behind a load
// balancer: what one server raises reaches a page another server holds, and scheduled work runs
// once however many servers look for it. Real servers on port 0, each with its own store (its own
// connections and its own listener) on the same database. These run in the PostgreSQL pass of
// the suite only: an SQLite file has one server.

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "core/wait_test_support.h"
#include "domain/test_instruments.h"
#include "http_fixture.h"
#include "notify/delivery.h"
#include "service/scheduler.h"
#include "store/postgres/pg_events.h"
#include "test_socket.h"

namespace rapport::testing {
namespace {

using testing_support::Phq9;

class TwoServersTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    if (TestEngine() == nullptr) GTEST_SKIP() << "two app servers share a PostgreSQL database";
    AssignDefaultQuestionnaires();
    options_.events = &world_.store->events();
    StartServer();  // the first server

    // The second server: a store of its own on the same database, and its own services.
    second_store_ = world_.db.Open();
    ASSERT_NE(second_store_, nullptr);
    second_auth_ = std::make_unique<AuthService>(*second_store_, world_.clock, FastAuth());
    second_clinic_ = std::make_unique<ClinicService>(*second_store_, world_.clock, FastAuth());
    second_audit_ = std::make_unique<AuditService>(*second_store_);
    ServerOptions options = DefaultOptions();
    options.events = &second_store_->events();
    second_server_ = std::make_unique<Server>(options, ApiServices{.store = second_store_.get(),
                                                                   .auth = second_auth_.get(),
                                                                   .clinic = second_clinic_.get(),
                                                                   .audit = second_audit_.get()});
    auto port = second_server_->Start();
    ASSERT_TRUE(port.has_value()) << port.error().message;
    second_port_ = *port;
  }

  void TearDown() override {
    if (second_server_) second_server_->Stop();
    HttpTest::TearDown();
  }

  // Whether the second server's listener has started: a message sent before reaches nobody.
  bool SecondServerListens() {
    auto* events = dynamic_cast<PgServerEvents*>(&second_store_->events());
    return events != nullptr && WaitUntil([&] { return events->listening() > 0; });
  }

  std::unique_ptr<SqliteStore> second_store_;
  std::unique_ptr<AuthService> second_auth_;
  std::unique_ptr<ClinicService> second_clinic_;
  std::unique_ptr<AuditService> second_audit_;
  std::unique_ptr<Server> second_server_;
  std::uint16_t second_port_ = 0;
};

TEST_F(TwoServersTest, ARiskAnswerThroughOneServerReachesTheTherapistsPageOnTheOther) {
  // Tara's page is held by the second server.
  Browser therapist(second_port_);
  ASSERT_EQ(therapist.Login("t1@a.test", std::string(kPassword)).status, 200u);
  TestSocket page(second_port_, therapist, "/api/v1/live");
  ASSERT_TRUE(page.open());
  page.Send(Json{{"type", "hello"}, {"csrf", therapist.csrf()}}.dump());
  EXPECT_EQ(Json::parse(page.Next())["type"], "ready");
  ASSERT_TRUE(SecondServerListens());

  // Cleo answers through the first server, whose delivery worker takes the outbox.
  Browser client = SignedIn("c1@a.test");
  HttpReply answered =
      client.Post("/api/v1/episodes/" + std::to_string(world_.e_c1) + "/responses",
                  {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(1, 2)}});
  ASSERT_EQ(answered.status, 201u) << answered.body;
  DeliveryWorker worker(*world_.store, world_.clock, nullptr, nullptr, &server_->live());
  auto delivered = worker.RunOnce();
  ASSERT_TRUE(delivered.has_value()) << delivered.error().message;
  EXPECT_EQ(*delivered, 2) << "the live event and the e-mail";

  const Json event = Json::parse(page.Next());
  EXPECT_EQ(event["type"], "alert");
  EXPECT_EQ(event["severity"], "critical");
  std::int64_t risk_alert = 0;
  const auto alerts = world_.store->ListAlertsOfEpisode(world_.e_c1);
  ASSERT_TRUE(alerts.has_value());
  for (const FeedbackAlert& a : *alerts) {
    if (a.kind == AlertKind::kRisk) risk_alert = a.id;
  }
  EXPECT_EQ(event["alert_id"], risk_alert);
  // The first server holds no page of Tara's: the event came through the database.
}

TEST_F(TwoServersTest, AScheduledJobRunsOnceWithTwoServersLookingForIt) {
  std::atomic<int> runs{0};
  const auto count = [&](WriteTxn&, const Job&, const Json&, Timestamp) -> Status {
    runs.fetch_add(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a wide window to overlap
    return Ok();
  };
  Scheduler first(*world_.store, world_.clock);
  Scheduler second(*second_store_, world_.clock);
  first.Handle("count", count);
  second.Handle("count", count);
  constexpr int kJobs = 20;
  ASSERT_TRUE(world_.store
                  ->Write([&](WriteTxn& txn) -> Status {
                    for (int i = 0; i < kJobs; ++i) {
                      Job job;
                      job.clinic_id = world_.clinic_a;
                      job.kind = "count";
                      job.key = "count-" + std::to_string(i);
                      job.due_at = world_.clock.Now();
                      RAPPORT_RETURN_IF_ERROR(txn.InsertJob(job));
                    }
                    return Ok();
                  })
                  .has_value());

  // Both servers list the same due jobs at once and each tries to run all of them.
  int ran_first = 0;
  int ran_second = 0;
  std::thread other([&] { ran_second = second.RunDue().value_or(-1); });
  ran_first = first.RunDue().value_or(-1);
  other.join();

  EXPECT_EQ(runs.load(), kJobs) << "each job's work done once";
  EXPECT_EQ(ran_first + ran_second, kJobs);
  const auto jobs = world_.store->ListJobs(world_.clinic_a, "count");
  ASSERT_TRUE(jobs.has_value());
  for (const Job& job : *jobs) {
    EXPECT_EQ(job.state, JobState::kDone) << job.key;
  }
}

}  // namespace
}  // namespace rapport::testing
