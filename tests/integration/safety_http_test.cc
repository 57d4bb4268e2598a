// Reaching a person over HTTP: the live socket (/api/v1/live) and who may open it, the alert
// with who was told, "Get help now", the admin's safety routes with their field errors, and the
// test clock that exists only when asked for. Real server on port 0, real SQLite store.

#include <thread>

#include "domain/test_instruments.h"
#include "http/asio.h"
#include "http_fixture.h"
#include "notify/delivery.h"
#include "test_socket.h"

namespace rapport::testing {
namespace {

using testing_support::Phq9;

// A page's live socket: the cookie at the upgrade, then the CSRF token in the first message.
class LivePage : public TestSocket {
 public:
  LivePage(std::uint16_t port, const Browser& browser, std::string origin = "")
      : TestSocket(port, browser, "/api/v1/live", std::move(origin)) {}
};

class SafetyHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    AssignDefaultQuestionnaires();
    StartServer();
  }

  // Cleo (client of t1) answers PHQ-9 item 9 with 2; returns the risk alert's id.
  std::int64_t RiskAnswer() {
    Browser client = SignedIn("c1@a.test");
    HttpReply reply =
        client.Post("/api/v1/episodes/" + std::to_string(world_.e_c1) + "/responses",
                    {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(1, 2)}});
    EXPECT_EQ(reply.status, 201u) << reply.body;
    EXPECT_TRUE(reply.json()["crisis"].is_object());
    const auto alerts = *world_.store->ListAlertsOfEpisode(world_.e_c1);
    for (const FeedbackAlert& a : alerts) {
      if (a.kind == AlertKind::kRisk) return a.id;
    }
    ADD_FAILURE() << "no risk alert";
    return 0;
  }
};

TEST_F(SafetyHttpTest, AnOpenPageGetsTheAlertPushedOnceTheOutboxIsDelivered) {
  Browser therapist = SignedIn("t1@a.test");
  LivePage page(port_, therapist);
  ASSERT_TRUE(page.open());
  EXPECT_EQ(page.status(), 101u);
  page.Send(Json{{"type", "hello"}, {"csrf", therapist.csrf()}}.dump());
  EXPECT_EQ(Json::parse(page.Next())["type"], "ready");
  const std::int64_t alert = RiskAnswer();
  DeliveryWorker worker(*world_.store, world_.clock, nullptr, nullptr, &server_->live());
  auto delivered = worker.RunOnce();
  ASSERT_TRUE(delivered.has_value());
  EXPECT_EQ(*delivered, 2) << "the live event and the e-mail";
  const Json event = Json::parse(page.Next());
  EXPECT_EQ(event["type"], "alert");
  EXPECT_EQ(event["alert_id"], alert);
  EXPECT_EQ(event["severity"], "critical");
  // The alert records who was told and how: on screen, and the mail held (no relay here).
  HttpReply detail = therapist.Get("/api/v1/alerts/" + std::to_string(alert));
  ASSERT_EQ(detail.status, 200u) << detail.body;
  std::set<std::string> states;
  const Json deliveries = detail.json()["deliveries"];
  for (const Json& d : deliveries) {
    states.insert(d["channel"].get<std::string>() + ":" + d["state"].get<std::string>());
    EXPECT_EQ(d["recipient_name"], "Tara One");
  }
  EXPECT_EQ(states, (std::set<std::string>{"live:sent", "email:held"}));
}

TEST_F(SafetyHttpTest, ALiveSocketNeedsTheSessionTheCsrfTokenAndThisSitesOrigin) {
  // An upgrade request as a browser sends it, with or without a cookie and a foreign Origin.
  const auto upgrade = [&](const std::string& extra) {
    return SendRaw(
               port_,
               "GET /api/v1/live HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port_) +
                   "\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                   extra + "\r\n")
        .data;
  };
  const std::string anonymous = upgrade("");
  EXPECT_TRUE(anonymous.starts_with("HTTP/1.1 401 ")) << anonymous;
  EXPECT_NE(anonymous.find("application/problem+json"), std::string::npos);

  Browser therapist = SignedIn("t1@a.test");
  const std::string foreign =
      upgrade("Cookie: " + therapist.cookie() + "\r\nOrigin: https://evil.example\r\n");
  EXPECT_TRUE(foreign.starts_with("HTTP/1.1 403 ")) << foreign;

  LivePage wrong_token(port_, therapist);
  ASSERT_TRUE(wrong_token.open());
  wrong_token.Send(R"({"type":"hello","csrf":"not the token"})");
  EXPECT_EQ(wrong_token.Next(), "") << "closed without a word";
  // It never joined: an event for this therapist reaches no page through it.
  RiskAnswer();
  EXPECT_EQ(server_->live().Publish(world_.t1, "{}"), 0);
}

TEST_F(SafetyHttpTest, SigningOutClosesThatSessionsOpenPagesAtOnceAndNoOthers) {
  Browser leaving = SignedIn("t1@a.test");
  Browser staying = SignedIn("t1@a.test");  // the same therapist on another device
  LivePage page(port_, leaving);
  LivePage other(port_, staying);
  for (auto [p, b] : {std::pair{&page, &leaving}, std::pair{&other, &staying}}) {
    ASSERT_TRUE(p->open());
    p->Send(Json{{"type", "hello"}, {"csrf", b->csrf()}}.dump());
    ASSERT_EQ(Json::parse(p->Next())["type"], "ready");
  }
  ASSERT_EQ(leaving.Post("/api/v1/auth/logout", Json::object()).status, 204u);
  EXPECT_EQ(page.Next(), "");
  EXPECT_TRUE(page.ended_by_server()) << "closed by the sign-out, not by the minute's re-check";
  // The other device's page still gets its events.
  server_->live().Publish(world_.t1, R"({"type":"ping"})");
  EXPECT_EQ(other.Next(), R"({"type":"ping"})");
}

TEST_F(SafetyHttpTest, AnotherTherapistCannotOpenTheAlertAndAClientCannotAtAll) {
  const std::int64_t alert = RiskAnswer();
  const std::string target = "/api/v1/alerts/" + std::to_string(alert);
  EXPECT_EQ(SignedIn("t1@a.test").Get(target).status, 200u);
  EXPECT_EQ(SignedIn("sup@a.test").Get(target).status, 200u);
  EXPECT_EQ(SignedIn("t2@a.test").Get(target).status, 404u);
  EXPECT_EQ(SignedIn("tb@b.test").Get(target).status, 404u);
  EXPECT_EQ(SignedIn("c1@a.test").Get(target).status, 403u);
  EXPECT_EQ(SignedIn("t1@a.test").Get("/api/v1/alerts/999999").status, 404u);
}

TEST_F(SafetyHttpTest, EveryoneSignedInGetsHelpAndOnlyTheAdminTheClinicsSafetyRoutes) {
  for (const char* who : {"admin@a.test", "sup@a.test", "t1@a.test", "c1@a.test", "g1@a.test"}) {
    Browser b = SignedIn(who);
    HttpReply help = b.Get("/api/v1/help");
    ASSERT_EQ(help.status, 200u) << who;
    EXPECT_FALSE(help.json()["emergency_number"].get<std::string>().empty());
    EXPECT_FALSE(help.json()["after_risk"]["body"].get<std::string>().empty());
    const unsigned admin_only = std::string(who) == "admin@a.test" ? 200u : 403u;
    EXPECT_EQ(b.Get("/api/v1/clinic/safety").status, admin_only) << who;
    EXPECT_EQ(b.Get("/api/v1/clinic/outbox").status, admin_only) << who;
    EXPECT_EQ(b.Get("/api/v1/clinic/crisis-sets").status, admin_only) << who;
  }
  EXPECT_EQ(Browser(port_).Get("/api/v1/help").status, 401u);
  EXPECT_EQ(SignedIn("t1@a.test").Get("/api/v1/me/notifications").status, 200u);
  EXPECT_EQ(SignedIn("c1@a.test").Get("/api/v1/me/notifications").status, 403u);
}

TEST_F(SafetyHttpTest, BadSafetyInputNamesTheFieldAndChangesNothing) {
  Browser admin = SignedIn("admin@a.test");
  HttpReply current = admin.Get("/api/v1/clinic/safety");
  ASSERT_EQ(current.status, 200u);
  Json settings = current.json()["settings"];
  settings["time_zone"] = "Nowhere/Atlantis";
  HttpReply bad_zone = admin.Call("PUT", "/api/v1/clinic/safety", Json{{"settings", settings}});
  EXPECT_EQ(bad_zone.status, 400u);
  EXPECT_EQ(bad_zone.Header("content-type"), "application/problem+json");
  EXPECT_EQ(bad_zone.ErrorFields(), std::vector<std::string>{"settings/time_zone"});
  EXPECT_EQ(admin.Get("/api/v1/clinic/safety").json(), current.json());

  HttpReply bad_shift = admin.Post(
      "/api/v1/on-call",
      {{"user_id", world_.t2}, {"starts_at", "tomorrow"}, {"ends_at", "2026-06-02T09:00:00Z"}});
  EXPECT_EQ(bad_shift.status, 400u);
  EXPECT_EQ(bad_shift.ErrorFields(), std::vector<std::string>{"starts_at"});
  HttpReply bad_limit = admin.Get("/api/v1/clinic/outbox?limit=lots");
  EXPECT_EQ(bad_limit.status, 400u);
  EXPECT_EQ(bad_limit.ErrorFields(), std::vector<std::string>{"limit"});
  HttpReply bad_hook =
      admin.Call("PUT", "/api/v1/clinic/channels", Json{{"webhook_url", "ftp://pager.example"}});
  EXPECT_EQ(bad_hook.status, 400u);
  EXPECT_EQ(bad_hook.ErrorFields(), std::vector<std::string>{"webhook_url"});
  EXPECT_TRUE(world_.store->ListOnCallShifts(world_.clinic_a, 0, 4'000'000'000'000)->empty());
  EXPECT_EQ(world_.store->GetClinicChannels(world_.clinic_a)->webhook_url, "");
}

TEST_F(SafetyHttpTest, TheTherapistSetsWhichCountrysCrisisLinesTheirClientSees) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  const std::string target = "/api/v1/clients/" + std::to_string(world_.c1);
  EXPECT_EQ(client.Get("/api/v1/help").json()["country"], "US") << "the clinic's country";
  HttpReply bad = therapist.Patch(target, {{"country", "gb"}});
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.ErrorFields(), std::vector<std::string>{"country"});
  EXPECT_EQ(therapist.Patch(target, {{"country", "ZZ"}}).ErrorFields(),
            std::vector<std::string>{"country"})
      << "no crisis lines are known for ZZ";
  EXPECT_EQ(SignedIn("t2@a.test").Patch(target, {{"country", "GB"}}).status, 404u);
  EXPECT_EQ(client.Patch(target, {{"country", "GB"}}).status, 403u);
  HttpReply saved = therapist.Patch(target, {{"country", "GB"}});
  ASSERT_EQ(saved.status, 200u) << saved.body;
  EXPECT_EQ(saved.json()["country"], "GB");
  const Json help = client.Get("/api/v1/help").json();
  EXPECT_EQ(help["country"], "GB");
  EXPECT_EQ(help["emergency_number"], "999");
  EXPECT_EQ(therapist.Patch(target, {{"country", ""}}).json()["country"], nullptr);
}

TEST_F(SafetyHttpTest, TheTestClockRouteDoesNotExistOnAnOrdinaryServer) {
  HttpReply reply = Browser(port_).Post("/api/v1/test/clock", {{"advance_minutes", 20}});
  EXPECT_EQ(reply.status, 404u);
}

}  // namespace
}  // namespace rapport::testing
