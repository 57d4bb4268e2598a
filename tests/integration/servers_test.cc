// Several app servers on one PostgreSQL database, as a clinic group runs them behind a load
// balancer: a sign-in made through one server holds on the other, what one server raises reaches a
// page another server holds, the two people of a session room may be on different servers, and
// scheduled work runs once however many servers look for it. Real servers on port 0, each with its
// own store (its own connections and its own listener) on the same database. These run in the
// PostgreSQL pass of the suite only: an SQLite file has one server.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/wait_test_support.h"
#include "domain/test_instruments.h"
#include "http_fixture.h"
#include "notify/delivery.h"
#include "room_page.h"
#include "service/scheduler.h"
#include "store/postgres/pg_events.h"
#include "test_socket.h"

namespace rapport::testing {
namespace {

using testing_support::Phq9;

constexpr std::int64_t kMinute = 60 * 1000;

// A session description as long as a browser's offer with many codecs: longer than one server
// event, so it crosses between the servers in parts.
Json LongDescription(std::string_view type) {
  std::string sdp = "v=0\r\n";
  for (int line = 0; sdp.size() < 3 * kMaxServerEventBytes; ++line) {
    sdp += "a=rtpmap:" + std::to_string(96 + line % 30) + " VP8/90000 \"" + std::to_string(line) +
           "\"\r\n";
  }
  return {{"description", {{"type", type}, {"sdp", sdp}}}};
}

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
    second_rooms_ = std::make_unique<RoomService>(*second_store_, world_.clock, TestIce());
    ServerOptions options = DefaultOptions();
    options.events = &second_store_->events();
    second_server_ = std::make_unique<Server>(options, ApiServices{.store = second_store_.get(),
                                                                   .auth = second_auth_.get(),
                                                                   .clinic = second_clinic_.get(),
                                                                   .audit = second_audit_.get(),
                                                                   .rooms = second_rooms_.get()});
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
  bool BothServersListen() {
    auto* first = dynamic_cast<PgServerEvents*>(&world_.store->events());
    return first != nullptr && WaitUntil([&] { return first->listening() > 0; }) &&
           SecondServerListens();
  }

  // Cleo's appointment becomes a video session, and it is five minutes before it starts.
  void OpenCleosRoom() {
    auto appointment = world_.store->GetAppointment(world_.a_c1);
    ASSERT_TRUE(appointment.has_value());
    appointment->modality = Modality::kVideo;
    ASSERT_TRUE(
        world_.store->Write([&](WriteTxn& txn) { return txn.UpdateAppointment(*appointment); })
            .has_value());
    world_.clock.Set(appointment->starts_at - 5 * kMinute);
    ASSERT_TRUE(BothServersListen());
  }

  Browser SignedInOn(std::uint16_t port, const std::string& email) {
    Browser browser(port);
    const HttpReply reply = browser.Login(email, std::string(kPassword));
    EXPECT_EQ(reply.status, 200u) << email << ": " << reply.body;
    return browser;
  }

  // A request through `port` with `browser`'s cookie (and CSRF token, for a change).
  static HttpReply Through(std::uint16_t port, const Browser& browser, const std::string& method,
                           const std::string& target) {
    HeaderList headers = {{"Cookie", browser.cookie()}};
    if (method != "GET") headers.emplace_back("X-CSRF-Token", browser.csrf());
    return Send(port, method, target, {}, headers);
  }

  int AuditCount(std::string_view action, std::string_view type) {
    const auto entries = world_.Audit();
    return static_cast<int>(std::count_if(entries.begin(), entries.end(), [&](const AuditEntry& e) {
      return e.action == action && e.record_type == type;
    }));
  }

  std::unique_ptr<SqliteStore> second_store_;
  std::unique_ptr<AuthService> second_auth_;
  std::unique_ptr<ClinicService> second_clinic_;
  std::unique_ptr<AuditService> second_audit_;
  std::unique_ptr<RoomService> second_rooms_;
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

TEST_F(TwoServersTest, ASignInThroughOneServerHoldsOnTheOtherAndASignOutThroughEitherEndsItOnBoth) {
  for (const bool out_through_second : {true, false}) {
    SCOPED_TRACE(out_through_second ? "signed out through the second" : "through the first");
    const std::uint16_t in_port = out_through_second ? port_ : second_port_;
    const std::uint16_t out_port = out_through_second ? second_port_ : port_;
    const Browser cleo = SignedInOn(in_port, "c1@a.test");
    EXPECT_EQ(Through(port_, cleo, "GET", "/api/v1/me").status, 200u);
    EXPECT_EQ(Through(second_port_, cleo, "GET", "/api/v1/me").status, 200u);
    const HttpReply out = Through(out_port, cleo, "POST", "/api/v1/auth/logout");
    EXPECT_EQ(out.status, 204u) << out.body;
    EXPECT_EQ(Through(port_, cleo, "GET", "/api/v1/me").status, 401u);
    EXPECT_EQ(Through(second_port_, cleo, "GET", "/api/v1/me").status, 401u);
  }
}

TEST_F(TwoServersTest, ATherapistOnOneServerAndAClientOnTheOtherHoldOneSessionInOneRoom) {
  OpenCleosRoom();
  Browser tara = SignedInOn(port_, "t1@a.test");
  Browser cleo = SignedInOn(second_port_, "c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  ASSERT_TRUE(therapist.open()) << therapist.status();
  const Json welcome = therapist.Hello();
  ASSERT_FALSE(welcome.is_null());
  EXPECT_EQ(welcome["you"]["presence"], "admitted");

  // Cleo waits, in the same room although her socket is on the other server.
  RoomPage client(second_port_, cleo, world_.a_c1);
  ASSERT_TRUE(client.open()) << client.status();
  const Json waiting = client.Hello();
  ASSERT_FALSE(waiting.is_null());
  EXPECT_EQ(waiting["you"]["part"], "client");
  EXPECT_EQ(waiting["you"]["presence"], "waiting");
  EXPECT_EQ(waiting["members"].size(), 2u) << "the therapist is in the room she entered";
  EXPECT_EQ(waiting["ice"]["ice_servers"][1]["username"].get<std::string>().substr(10),
            ":" + std::to_string(world_.c1))
      << "her own credentials, from the server she entered through";
  const Json seen = therapist.MembersOnce([](const Json& m) { return m.size() == 2; });
  ASSERT_FALSE(seen.is_null()) << "the therapist never saw her waiting";
  EXPECT_EQ(seen[1]["name"], "Cleo Client");
  EXPECT_EQ(seen[1]["presence"], "waiting");

  therapist.Say({{"type", "admit"}, {"user", world_.c1}});
  EXPECT_FALSE(client.NextOf("admitted").is_null());
  ASSERT_FALSE(therapist.NextOf("session").is_null());
  EXPECT_FALSE(client.NextOf("session").is_null());

  // The offer and the answer are each longer than one server event.
  const Json offer = LongDescription("offer");
  client.Say({{"type", "signal"}, {"to", world_.t1}, {"signal", offer}});
  const Json relayed = therapist.NextOf("signal");
  EXPECT_EQ(relayed["from"], world_.c1);
  EXPECT_EQ(relayed["signal"], offer);
  const Json answer = LongDescription("answer");
  therapist.Say({{"type", "signal"}, {"to", world_.c1}, {"signal", answer}});
  const Json answered = client.NextOf("signal");
  EXPECT_EQ(answered["from"], world_.t1);
  EXPECT_EQ(answered["signal"], answer);

  client.Say({{"type", "chat"}, {"text", "Can you hear me?"}});
  const Json chat = therapist.NextOf("chat");
  EXPECT_EQ(chat["text"], "Can you hear me?");
  EXPECT_EQ(chat["from"], world_.c1);
  EXPECT_EQ(client.NextOf("chat")["text"], "Can you hear me?") << "the sender sees it too";
  therapist.Say({{"type", "chat"}, {"text", "Yes, clearly."}});
  EXPECT_EQ(client.NextOf("chat")["text"], "Yes, clearly.");

  // Recorded once, by the server that holds the room.
  const auto session = world_.store->GetRoomSession(world_.a_c1);
  ASSERT_TRUE(session.has_value() && session->has_value());
  EXPECT_EQ((*session)->started_at, world_.clock.Now());
  EXPECT_EQ(AuditCount("start", "room_session"), 1);

  world_.clock.Advance(std::chrono::minutes(50));
  therapist.Say({{"type", "end"}});
  EXPECT_FALSE(client.NextOf("ended").is_null());
  EXPECT_EQ(client.Next(), "");
  EXPECT_TRUE(client.ended_by_server());
  EXPECT_FALSE(therapist.NextOf("ended").is_null());
  const auto ended = world_.store->GetRoomSession(world_.a_c1);
  ASSERT_TRUE(ended.has_value() && ended->has_value());
  EXPECT_EQ((*ended)->ended_at, world_.clock.Now());
  EXPECT_EQ(AuditCount("start", "room_session"), 1);
  EXPECT_EQ(AuditCount("end", "room_session"), 1);
}

TEST_F(TwoServersTest, ASignOutThroughOneServerClosesThatPersonsSocketsOnTheOtherAtOnce) {
  OpenCleosRoom();
  Browser tara = SignedInOn(port_, "t1@a.test");
  Browser cleo = SignedInOn(second_port_, "c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  ASSERT_FALSE(therapist.Hello().is_null());
  RoomPage client(second_port_, cleo, world_.a_c1);
  ASSERT_FALSE(client.Hello().is_null());
  TestSocket page(second_port_, cleo, "/api/v1/live");
  ASSERT_TRUE(page.open());
  page.Send(Json{{"type", "hello"}, {"csrf", cleo.csrf()}}.dump());
  ASSERT_EQ(Json::parse(page.Next())["type"], "ready");
  ASSERT_FALSE(therapist.MembersOnce([](const Json& m) { return m.size() == 2; }).is_null());

  // Cleo signs out through the first server; her sockets are on the second, whose own check of
  // the session comes only once a minute.
  const auto signed_out = std::chrono::steady_clock::now();
  const HttpReply out = Through(port_, cleo, "POST", "/api/v1/auth/logout");
  ASSERT_EQ(out.status, 204u) << out.body;
  while (!client.Next().empty()) {
  }
  EXPECT_TRUE(client.ended_by_server());
  EXPECT_EQ(page.Next(), "");
  EXPECT_TRUE(page.ended_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - signed_out, std::chrono::seconds(30))
      << "closed only by the second server's own check of the session";
  const Json gone = therapist.MembersOnce(
      [](const Json& m) { return m.size() == 2 && !m[1]["connected"].get<bool>(); });
  EXPECT_FALSE(gone.is_null()) << "the therapist never saw her leave";
}

TEST_F(TwoServersTest, JoiningARoomAgainThroughTheOtherServerReplacesTheFirstSeat) {
  OpenCleosRoom();
  Browser tara = SignedInOn(port_, "t1@a.test");
  Browser cleo = SignedInOn(second_port_, "c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  ASSERT_FALSE(therapist.Hello().is_null());
  RoomPage first(second_port_, cleo, world_.a_c1);
  ASSERT_FALSE(first.Hello().is_null());
  therapist.Say({{"type", "admit"}, {"user", world_.c1}});
  ASSERT_FALSE(first.NextOf("admitted").is_null());
  // The session's start is written once the admission is answered: counted below only once it is.
  ASSERT_FALSE(therapist.NextOf("session").is_null());

  // The same sign-in, now through the server that holds the room.
  RoomPage second(port_, cleo, world_.a_c1);
  const Json welcome = second.Hello();
  ASSERT_FALSE(welcome.is_null());
  EXPECT_EQ(welcome["you"]["presence"], "admitted") << "no second wait";
  EXPECT_EQ(welcome["members"].size(), 2u) << "Cleo once";
  EXPECT_FALSE(first.NextOf("replaced").is_null());
  EXPECT_EQ(first.Next(), "");
  EXPECT_TRUE(first.ended_by_server());

  second.Say({{"type", "chat"}, {"text", "Back, on the other tab."}});
  EXPECT_EQ(therapist.NextOf("chat")["text"], "Back, on the other tab.");
  EXPECT_EQ(second.NextOf("chat")["text"], "Back, on the other tab.");
  EXPECT_EQ(AuditCount("start", "room_session"), 1);
}

TEST_F(TwoServersTest, WhenTheServerHoldingARoomStopsThePagesComeBackAndTheRoomGoesOnOnTheOther) {
  OpenCleosRoom();
  Browser tara = SignedInOn(port_, "t1@a.test");
  Browser cleo = SignedInOn(second_port_, "c1@a.test");
  RoomPage therapist(port_, tara, world_.a_c1);
  ASSERT_FALSE(therapist.Hello().is_null());
  RoomPage client(second_port_, cleo, world_.a_c1);
  ASSERT_FALSE(client.Hello().is_null());
  therapist.Say({{"type", "admit"}, {"user", world_.c1}});
  ASSERT_FALSE(therapist.NextOf("session").is_null());

  server_->Stop();
  while (!client.Next().empty()) {
  }
  EXPECT_TRUE(client.ended_by_server()) << "the second server closes the seat it forwarded";

  // Both pages come back, as a page does, through the server still running.
  const auto back = [&](const Browser& browser) {
    std::unique_ptr<RoomPage> page;
    Json welcome;
    EXPECT_TRUE(WaitUntil([&] {
      page = std::make_unique<RoomPage>(second_port_, browser, world_.a_c1);
      welcome = page->Hello();
      return !welcome.is_null();
    }));
    return std::pair{std::move(page), welcome};
  };
  auto [therapist_back, therapist_welcome] = back(tara);
  ASSERT_NE(therapist_back, nullptr);
  EXPECT_EQ(therapist_welcome["session"]["started_at"], FormatIso8601(world_.clock.Now()));
  auto [client_back, client_welcome] = back(cleo);
  ASSERT_NE(client_back, nullptr);
  EXPECT_EQ(client_welcome["you"]["presence"], "waiting") << "who was let in was the stopped one's";
  therapist_back->Say({{"type", "admit"}, {"user", world_.c1}});
  EXPECT_FALSE(client_back->NextOf("admitted").is_null());
  client_back->Say({{"type", "chat"}, {"text", "Still here."}});
  EXPECT_EQ(therapist_back->NextOf("chat")["text"], "Still here.");
  EXPECT_EQ(AuditCount("start", "room_session"), 1) << "the same session, recorded once";
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
