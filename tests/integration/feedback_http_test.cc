// Formal client feedback over HTTP: the real server on port 0 over a real store.
// The rules themselves are FeedbackService's and tested there; these tests prove the routes
// carry them through: status codes, field names, JSON shapes, nothing stored on refusal, the
// risk path from a client's form to the therapist's alert list, and links without a session.

#include <algorithm>
#include <string>

#include "domain/test_instruments.h"
#include "http_fixture.h"

namespace rapport::testing {
namespace {

using testing_support::Phq9;
using testing_support::Psc17;
using testing_support::RapportCheck;

class FeedbackHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    AssignDefaultQuestionnaires();
    StartServer();
  }

  std::string Episode(EpisodeId id, const std::string& rest) {
    return "/api/v1/episodes/" + std::to_string(id) + rest;
  }

  std::size_t StoredResponses(EpisodeId id) {
    return world_.store->ListResponsesOfEpisode(id)->size();
  }
  std::size_t StoredAlerts(EpisodeId id) { return world_.store->ListAlertsOfEpisode(id)->size(); }

  // The client submits a PHQ-9 with a risk answer; returns the open risk alert's id.
  std::int64_t RaiseRiskAlert() {
    Browser client = SignedIn("c1@a.test");
    HttpReply reply =
        client.Post(Episode(world_.e_c1, "/responses"),
                    {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(1, 2)}});
    EXPECT_EQ(reply.status, 201u) << reply.body;
    Browser therapist = SignedIn("t1@a.test");
    for (const Json& a : therapist.Get("/api/v1/alerts?state=open").json()) {
      if (a.value("kind", "") == "risk") return a.value("id", std::int64_t{0});
    }
    ADD_FAILURE() << "no open risk alert";
    return 0;
  }
};

TEST_F(FeedbackHttpTest, InstrumentsAreListedAndShownWithItemIds) {
  Browser therapist = SignedIn("t1@a.test");
  HttpReply list = therapist.Get("/api/v1/instruments");
  ASSERT_EQ(list.status, 200u) << list.body;
  bool phq9 = false, rapport = false;
  const Json listed = list.json();
  for (const Json& i : listed) {
    if (i.value("code", "") == "PHQ-9") {
      phq9 = true;
      EXPECT_EQ(i.value("purpose", ""), "outcome");
      EXPECT_TRUE(i.value("validated", false));
      // Asked before the session, so the answers can be talked over in it.
      EXPECT_EQ(i["timing"].value("ask", ""), "before_session");
      EXPECT_EQ(i["timing"].value("opens_hours_before", 0), 24);
    }
    if (i.value("code", "") == "RAPPORT-CHECK") {
      rapport = true;
      EXPECT_EQ(i["timing"].value("ask", ""), "after_session");
    }
  }
  EXPECT_TRUE(phq9);
  EXPECT_TRUE(rapport);
  HttpReply show = therapist.Get("/api/v1/instruments/PHQ-9");
  ASSERT_EQ(show.status, 200u);
  EXPECT_EQ(show.json()["items"][8].value("id", ""), "phq9_9");
  EXPECT_EQ(therapist.Get("/api/v1/instruments/NOPE").status, 404u);
  EXPECT_EQ(Browser(port_).Get("/api/v1/instruments").status, 401u);
}

TEST_F(FeedbackHttpTest, EpisodeInstrumentsListTheAssignedQuestionnaires) {
  Browser client = SignedIn("c1@a.test");
  HttpReply reply = client.Get(Episode(world_.e_c1, "/instruments"));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  bool rapport = false;
  for (const Json& a : reply.json()) {
    if (a.value("code", "") == "RAPPORT-CHECK") rapport = a.value("respondent", "") == "client";
  }
  EXPECT_TRUE(rapport) << reply.body;
}

TEST_F(FeedbackHttpTest, SubmissionReturns201WithScoresBandAndNoAlertsForTheClient) {
  Browser client = SignedIn("c1@a.test");
  HttpReply reply =
      client.Post(Episode(world_.e_c1, "/responses"), {{"instrument", "PHQ-9"},
                                                       {"respondent", "client"},
                                                       {"answers", Phq9(2)},
                                                       {"appointment_id", world_.a_c1}});
  ASSERT_EQ(reply.status, 201u) << reply.body;
  const Json body = reply.json();
  EXPECT_GT(body["response"].value("id", 0), 0);
  EXPECT_EQ(body["response"].value("instrument", ""), "PHQ-9");
  EXPECT_EQ(body["scores"]["total"], 16);
  EXPECT_EQ(body["scores"].value("band", ""), "moderately severe");
  EXPECT_TRUE(body["scores"]["risk"].empty());
  EXPECT_TRUE(body["alerts"].empty());
  EXPECT_TRUE(body["crisis"].is_null());
  EXPECT_EQ(StoredResponses(world_.e_c1), 1u);
}

TEST_F(FeedbackHttpTest, ClientRiskAnswerShowsCrisisAndTheTherapistHasACriticalOpenAlert) {
  Browser client = SignedIn("c1@a.test");
  HttpReply reply =
      client.Post(Episode(world_.e_c1, "/responses"),
                  {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(0, 2)}});
  ASSERT_EQ(reply.status, 201u) << reply.body;
  const Json body = reply.json();
  ASSERT_TRUE(body["crisis"].is_object()) << reply.body;
  EXPECT_FALSE(body["crisis"].value("title", "").empty());
  EXPECT_FALSE(body["crisis"]["lines"].empty());
  EXPECT_FALSE(body["crisis"]["after_risk"].value("body", "").empty());
  EXPECT_TRUE(body["alerts"].empty()) << "alerts are for the therapist";
  EXPECT_EQ(body["scores"]["risk"], Json::array({"phq9_9"}));

  for (const std::string email : {"t1@a.test", "sup@a.test"}) {
    Browser staff = SignedIn(email);
    HttpReply alerts = staff.Get("/api/v1/alerts?state=open");
    ASSERT_EQ(alerts.status, 200u) << alerts.body;
    bool critical = false;
    for (const Json& a : alerts.json()) {
      if (a.value("kind", "") == "risk" && a.value("severity", "") == "critical" &&
          a.value("episode_id", 0) == world_.e_c1 && a.value("client_name", "") == "Cleo Client") {
        critical = true;
      }
    }
    EXPECT_TRUE(critical) << email << ": " << alerts.body;
  }
  // Another therapist sees none of it.
  Browser t2 = SignedIn("t2@a.test");
  for (const Json& a : t2.Get("/api/v1/alerts?state=open").json()) {
    EXPECT_NE(a.value("episode_id", 0), world_.e_c1);
  }
}

TEST_F(FeedbackHttpTest, TherapistSubmissionReturnsTheRaisedAlerts) {
  // A therapist entering a client's paper form sees what it raised at once.
  Browser therapist = SignedIn("t1@a.test");
  HttpReply reply =
      therapist.Post(Episode(world_.e_c1, "/responses"),
                     {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(0, 3)}});
  if (reply.status == 201u) {
    EXPECT_FALSE(reply.json()["alerts"].empty()) << reply.body;
    EXPECT_TRUE(reply.json()["crisis"].is_object());
  } else {
    // The service may reserve client-answered forms for the client.
    EXPECT_EQ(reply.status, 400u) << reply.body;
    EXPECT_TRUE(reply.NamesField("respondent")) << reply.body;
  }
}

TEST_F(FeedbackHttpTest, EveryBadInputIsA4xxNamingTheFieldAndStoresNothing) {
  Browser client = SignedIn("c1@a.test");
  const std::string target = Episode(world_.e_c1, "/responses");
  struct Case {
    Json body;
    std::string field;
  };
  Json out_of_range = Phq9(1);
  out_of_range["phq9_4"] = 7;
  Json unknown_item = Phq9(1);
  unknown_item["phq9_99"] = 1;
  Json missing = RapportCheck(8);  // PHQ-9 items may be left blank; Rapport Check sliders not
  missing.erase("rc_goals");
  const std::vector<Case> cases = {
      {{{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", out_of_range}},
       "answers/phq9_4"},
      {{{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", unknown_item}},
       "answers/phq9_99"},
      {{{"instrument", "RAPPORT-CHECK"}, {"respondent", "client"}, {"answers", missing}},
       "answers/rc_goals"},
      {{{"instrument", "PSC-17"}, {"respondent", "client"}, {"answers", Json::object()}},
       "instrument"},
      {{{"instrument", "NOPE"}, {"respondent", "client"}, {"answers", Json::object()}},
       "instrument"},
      {{{"instrument", "PHQ-9"}, {"respondent", "someone"}, {"answers", Phq9(1)}}, "respondent"},
      {{{"instrument", "PHQ-9"},
        {"respondent", "client"},
        {"answers", Phq9(1)},
        {"appointment_id", world_.a_c2}},
       "appointment_id"},
      {{{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", "1,2,3"}}, "answers"},
      {{{"respondent", "client"}, {"answers", Phq9(1)}}, "instrument"},
  };
  for (const Case& c : cases) {
    HttpReply reply = client.Post(target, c.body);
    EXPECT_EQ(reply.status, 400u) << c.field << ": " << reply.body;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
    EXPECT_TRUE(reply.NamesField(c.field)) << c.field << ": " << reply.body;
  }
  EXPECT_EQ(StoredResponses(world_.e_c1), 0u);
  EXPECT_EQ(StoredAlerts(world_.e_c1), 0u);
}

TEST_F(FeedbackHttpTest, ASecondSubmissionForTheSameAppointmentIsAConflict) {
  Browser client = SignedIn("c1@a.test");
  const Json body = {{"instrument", "RAPPORT-CHECK"},
                     {"respondent", "client"},
                     {"answers", RapportCheck(9)},
                     {"appointment_id", world_.a_c1}};
  ASSERT_EQ(client.Post(Episode(world_.e_c1, "/responses"), body).status, 201u);
  HttpReply again = client.Post(Episode(world_.e_c1, "/responses"), body);
  EXPECT_EQ(again.status, 409u) << again.body;
  EXPECT_EQ(StoredResponses(world_.e_c1), 1u);
}

TEST_F(FeedbackHttpTest, WritesNeedTheCsrfToken) {
  Browser client = SignedIn("c1@a.test");
  HttpReply reply =
      client.Call("POST", Episode(world_.e_c1, "/responses"),
                  Json{{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(1)}},
                  /*with_csrf=*/false);
  EXPECT_EQ(reply.status, 403u) << reply.body;
  EXPECT_EQ(StoredResponses(world_.e_c1), 0u);
}

TEST_F(FeedbackHttpTest, AccessMatrixOfTheFeedbackRoutes) {
  const std::int64_t alert = RaiseRiskAlert();
  ASSERT_GT(alert, 0);
  const std::int64_t response = world_.store->ListResponsesOfEpisode(world_.e_c1)->front().id;
  Browser t1 = SignedIn("t1@a.test");
  Browser t2 = SignedIn("t2@a.test");
  Browser c1 = SignedIn("c1@a.test");
  Browser c2 = SignedIn("c2@a.test");
  Browser admin = SignedIn("admin@a.test");
  Browser tb = SignedIn("tb@b.test");
  const std::string progress = Episode(world_.e_c1, "/progress");
  const std::string detail = Episode(world_.e_c1, "/responses/" + std::to_string(response));
  const std::string csv = Episode(world_.e_c1, "/export.csv");
  const std::string ack = "/api/v1/alerts/" + std::to_string(alert) + "/acknowledge";

  EXPECT_EQ(t1.Get(progress).status, 200u);
  EXPECT_EQ(t1.Get(detail).status, 200u);
  EXPECT_EQ(t1.Get(csv).status, 200u);
  // The therapist of another client, in this clinic or another: as if it did not exist.
  for (Browser* other : {&t2, &tb}) {
    EXPECT_EQ(other->Get(progress).status, 404u);
    EXPECT_EQ(other->Get(detail).status, 404u);
    EXPECT_EQ(other->Get(csv).status, 404u);
    EXPECT_EQ(other->Post(ack, {{"note", "called"}}).status, 404u);
  }
  EXPECT_EQ(c2.Get(progress).status, 404u);
  // A client sees their own progress but never alerts.
  HttpReply own = c1.Get(progress);
  ASSERT_EQ(own.status, 200u);
  EXPECT_TRUE(own.json()["alerts"].empty());
  EXPECT_EQ(c1.Get("/api/v1/alerts").status, 403u);
  EXPECT_EQ(c1.Get("/api/v1/dashboard").status, 403u);
  EXPECT_EQ(c1.Get("/api/v1/caseload").status, 403u);
  EXPECT_GE(c1.Post(ack, {{"note", "x"}}).status, 403u);
  EXPECT_GE(c1.Get(csv).status, 403u);
  // An admin runs the clinic but sees no clinical content.
  EXPECT_EQ(admin.Get("/api/v1/alerts").status, 403u);
  EXPECT_EQ(admin.Get("/api/v1/dashboard").status, 403u);
  EXPECT_EQ(admin.Get("/api/v1/caseload").status, 403u);
  for (const std::string& target : {progress, detail, csv}) {
    const unsigned status = admin.Get(target).status;
    EXPECT_TRUE(status == 403u || status == 404u) << target << " " << status;
  }
  // Ids that are not ids name no record.
  EXPECT_EQ(t1.Get("/api/v1/episodes/abc/progress").status, 404u);
  // A response reached through another episode's path.
  EXPECT_EQ(t1.Get(Episode(world_.e_k1, "/responses/" + std::to_string(response))).status, 404u);
}

TEST_F(FeedbackHttpTest, AlertsAreAcknowledgedWithANoteThenResolved) {
  const std::int64_t alert = RaiseRiskAlert();
  ASSERT_GT(alert, 0);
  Browser t1 = SignedIn("t1@a.test");
  const std::string base = "/api/v1/alerts/" + std::to_string(alert);

  HttpReply no_note = t1.Post(base + "/acknowledge", Json::object());
  EXPECT_EQ(no_note.status, 400u) << no_note.body;
  EXPECT_TRUE(no_note.NamesField("note")) << no_note.body;

  HttpReply ack = t1.Post(base + "/acknowledge", {{"note", "Called Cleo; safety plan agreed."}});
  ASSERT_EQ(ack.status, 200u) << ack.body;
  EXPECT_EQ(ack.json().value("state", ""), "acknowledged");
  EXPECT_EQ(ack.json().value("acknowledge_note", ""), "Called Cleo; safety plan agreed.");
  EXPECT_TRUE(ack.json()["acknowledged_at"].is_string());
  EXPECT_EQ(t1.Post(base + "/acknowledge", {{"note", "again"}}).status, 409u);

  bool listed = false;
  for (const Json& a : t1.Get("/api/v1/alerts?state=acknowledged").json()) {
    listed = listed || a.value("id", 0) == alert;
  }
  EXPECT_TRUE(listed);

  HttpReply resolved = t1.Post(base + "/resolve", Json::object());
  ASSERT_EQ(resolved.status, 200u) << resolved.body;
  EXPECT_EQ(resolved.json().value("state", ""), "resolved");
  EXPECT_EQ(t1.Post(base + "/resolve", Json::object()).status, 409u);
  EXPECT_EQ(t1.Get("/api/v1/alerts?state=sideways").status, 400u);
}

TEST_F(FeedbackHttpTest, ProgressAndDashboardShowTheRiskClientFirst) {
  RaiseRiskAlert();
  Browser t1 = SignedIn("t1@a.test");
  HttpReply progress = t1.Get(Episode(world_.e_c1, "/progress"));
  ASSERT_EQ(progress.status, 200u) << progress.body;
  const Json p = progress.json();
  EXPECT_EQ(p.value("client_name", ""), "Cleo Client");
  bool phq9 = false;
  for (const Json& q : p["instruments"]) {
    if (q.value("code", "") != "PHQ-9") continue;
    phq9 = true;
    EXPECT_EQ(q.value("higher_is", ""), "worse");
    EXPECT_EQ(q["max"], 27);
    ASSERT_EQ(q["points"].size(), 1u);
    EXPECT_EQ(q["points"][0]["total"], 10);
  }
  EXPECT_TRUE(phq9) << progress.body;
  EXPECT_FALSE(p["alerts"].empty());
  EXPECT_TRUE(p["summary"].is_string());

  HttpReply dashboard = t1.Get("/api/v1/dashboard");
  ASSERT_EQ(dashboard.status, 200u) << dashboard.body;
  const Json rows = dashboard.json()["clients"];
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0].value("client_id", 0), world_.c1);
  EXPECT_EQ(rows[0].value("top_severity", ""), "critical");
  EXPECT_EQ(rows[0]["last_outcome"].value("code", ""), "PHQ-9");

  // The caseload answer carries all the page shows: client, episode, next session, feedback.
  HttpReply caseload = t1.Get("/api/v1/caseload");
  ASSERT_EQ(caseload.status, 200u) << caseload.body;
  const Json lines = caseload.json()["clients"];
  ASSERT_FALSE(lines.empty());
  const Json& first = lines[0];
  EXPECT_EQ(first["client"].value("id", 0), world_.c1);
  EXPECT_EQ(first["client"].value("display_name", ""), "Cleo Client");
  EXPECT_TRUE(first["client"]["is_minor"].is_boolean());
  EXPECT_EQ(first["episode"].value("id", 0), world_.e_c1);
  EXPECT_NE(first["episode"].value("status", "ended"), "ended");
  ASSERT_TRUE(first["next_appointment"].is_object()) << caseload.body;  // tomorrow's session
  EXPECT_EQ(first["next_appointment"].value("status", ""), "scheduled");
  EXPECT_EQ(first["feedback"].value("top_severity", ""), "critical");
  EXPECT_EQ(first["feedback"]["last_outcome"].value("code", ""), "PHQ-9");
}

TEST_F(FeedbackHttpTest, ResponseDetailListsAnswersItemByItem) {
  Browser client = SignedIn("c1@a.test");
  HttpReply submitted =
      client.Post(Episode(world_.e_c1, "/responses"),
                  {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(3)}});
  ASSERT_EQ(submitted.status, 201u);
  const auto id = submitted.json()["response"].value("id", 0);
  Browser t1 = SignedIn("t1@a.test");
  HttpReply detail = t1.Get(Episode(world_.e_c1, "/responses/" + std::to_string(id)));
  ASSERT_EQ(detail.status, 200u) << detail.body;
  const Json items = detail.json()["items"];
  ASSERT_GE(items.size(), 9u);  // the nine scored items, and the difficulty item
  EXPECT_EQ(items[0].value("id", ""), "phq9_1");
  EXPECT_EQ(items[0]["value"], 3);
  EXPECT_FALSE(items[0].value("text", "").empty());
  EXPECT_TRUE(items[0]["label"].is_string());
}

TEST_F(FeedbackHttpTest, CsvExportIsAnAttachment) {
  Browser client = SignedIn("c1@a.test");
  ASSERT_EQ(client
                .Post(Episode(world_.e_c1, "/responses"),
                      {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(1)}})
                .status,
            201u);
  Browser t1 = SignedIn("t1@a.test");
  HttpReply csv = t1.Get(Episode(world_.e_c1, "/export.csv"));
  ASSERT_EQ(csv.status, 200u) << csv.body;
  EXPECT_TRUE(csv.Header("content-type").starts_with("text/csv"));
  EXPECT_NE(csv.Header("content-disposition").find("attachment"), std::string::npos);
  EXPECT_NE(csv.Header("content-disposition").find(".csv"), std::string::npos);
  EXPECT_TRUE(csv.body.starts_with("response_id,")) << csv.body;
  EXPECT_NE(csv.body.find("PHQ-9"), std::string::npos);
  EXPECT_NE(csv.Header("cache-control").find("no-store"), std::string::npos);
}

TEST_F(FeedbackHttpTest, AFeedbackLinkWorksWithoutASessionOncePerQuestionnaire) {
  Browser t1 = SignedIn("t1@a.test");
  HttpReply created = t1.Post(
      "/api/v1/appointments/" + std::to_string(world_.a_c1) + "/feedback-link", Json::object());
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string url = created.json().value("url", "");
  ASSERT_TRUE(url.starts_with("/feedback/")) << url;
  EXPECT_TRUE(created.json()["expires_at"].is_string());
  const std::string token = url.substr(std::string("/feedback/").size());

  Browser anonymous(port_);
  HttpReply info = anonymous.Get("/api/v1/feedback-links/" + token);
  ASSERT_EQ(info.status, 200u) << info.body;
  EXPECT_EQ(info.json().value("client_first_name", ""), "Cleo");
  EXPECT_EQ(info.json().value("therapist_name", ""), "Tara One");
  bool rapport = false;
  const Json definitions = info.json()["instruments"];
  for (const Json& d : definitions) {
    if (d.value("code", "") == "RAPPORT-CHECK") rapport = !d["items"].empty();
  }
  EXPECT_TRUE(rapport) << info.body;

  const Json body = {{"instrument", "RAPPORT-CHECK"}, {"answers", RapportCheck(8)}};
  HttpReply submitted = anonymous.Post("/api/v1/feedback-links/" + token + "/responses", body);
  ASSERT_EQ(submitted.status, 201u) << submitted.body;
  EXPECT_TRUE(submitted.json()["crisis"].is_null());
  EXPECT_EQ(StoredResponses(world_.e_c1), 1u);
  EXPECT_EQ(anonymous.Post("/api/v1/feedback-links/" + token + "/responses", body).status, 409u);
  EXPECT_EQ(anonymous.Get("/api/v1/feedback-links/not-a-token").status, 404u);
  EXPECT_EQ(anonymous
                .Post("/api/v1/feedback-links/not-a-token/responses",
                      {{"instrument", "RAPPORT-CHECK"}, {"answers", RapportCheck(8)}})
                .status,
            404u);
  // Only staff create links.
  Browser c1 = SignedIn("c1@a.test");
  EXPECT_GE(c1.Post("/api/v1/appointments/" + std::to_string(world_.a_c1) + "/feedback-link",
                    Json::object())
                .status,
            403u);
}

// Kit's parent answers the parent-report form from a link of their own, without signing in.
TEST_F(FeedbackHttpTest, AParentsFeedbackLinkAnswersAsThemWithoutASession) {
  Browser t1 = SignedIn("t1@a.test");
  const std::string create =
      "/api/v1/appointments/" + std::to_string(world_.a_k1) + "/feedback-link";
  for (const Json& bad : {Json{{"guardian_id", "g1"}}, Json{{"guardian_id", world_.g2}}}) {
    HttpReply refused = t1.Post(create, bad);
    EXPECT_EQ(refused.status, 400u) << bad.dump();
    EXPECT_NE(refused.body.find("\"guardian_id\""), std::string::npos) << refused.body;
  }
  HttpReply created = t1.Post(create, Json{{"guardian_id", world_.g1}});
  ASSERT_EQ(created.status, 201u) << created.body;
  const std::string token =
      created.json().value("url", "").substr(std::string("/feedback/").size());
  Browser anonymous(port_);
  const Json info = anonymous.Get("/api/v1/feedback-links/" + token).json();
  EXPECT_EQ(info["respondent"], "guardian");
  EXPECT_EQ(info["guardian_name"], "Gina Guardian");
  ASSERT_EQ(info["instruments"].size(), 1u) << info.dump();
  EXPECT_EQ(info["instruments"][0]["code"], "PSC-17");
  HttpReply sent = anonymous.Post("/api/v1/feedback-links/" + token + "/responses",
                                  {{"instrument", "PSC-17"}, {"answers", Psc17(1)}});
  ASSERT_EQ(sent.status, 201u) << sent.body;
  const auto stored = *world_.store->ListResponsesOfEpisode(world_.e_k1);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].respondent_user_id, world_.g1);
  EXPECT_EQ(stored[0].respondent, Respondent::kGuardian);
}

TEST_F(FeedbackHttpTest, ARiskAnswerThroughALinkShowsCrisisInformation) {
  Browser t1 = SignedIn("t1@a.test");
  HttpReply created = t1.Post(
      "/api/v1/appointments/" + std::to_string(world_.a_c1) + "/feedback-link", Json::object());
  ASSERT_EQ(created.status, 201u);
  const std::string token =
      created.json().value("url", "").substr(std::string("/feedback/").size());
  HttpReply submitted = Browser(port_).Post("/api/v1/feedback-links/" + token + "/responses",
                                            {{"instrument", "PHQ-9"}, {"answers", Phq9(1, 1)}});
  ASSERT_EQ(submitted.status, 201u) << submitted.body;
  EXPECT_TRUE(submitted.json()["crisis"].is_object());
  bool alerted = false;
  for (const Json& a : t1.Get("/api/v1/alerts?state=open").json()) {
    alerted = alerted || (a.value("kind", "") == "risk" && a.value("episode_id", 0) == world_.e_c1);
  }
  EXPECT_TRUE(alerted);
}

TEST_F(FeedbackHttpTest, ADraftIsSavedWithPutAndReadBackAfterSigningInAgain) {
  const Json answers = {{"PHQ-9/phq9_1", 2}, {"PHQ-9/phq9_9", 1}};
  {
    Browser client = SignedIn("c1@a.test");
    HttpReply saved =
        client.Call("PUT", Episode(world_.e_c1, "/feedback-draft"), Json{{"answers", answers}});
    ASSERT_EQ(saved.status, 200u) << saved.body;
    EXPECT_EQ(saved.json()["answers"], answers);
    // A risk answer in the draft brings the crisis information at once.
    EXPECT_TRUE(saved.json()["crisis"].is_object()) << saved.body;
    // Without the CSRF token nothing changes.
    HttpReply forged = client.Call("PUT", Episode(world_.e_c1, "/feedback-draft"),
                                   Json{{"answers", Json::object()}}, /*with_csrf=*/false);
    EXPECT_EQ(forged.status, 403u);
  }
  Browser again = SignedIn("c1@a.test");
  HttpReply read = again.Get(Episode(world_.e_c1, "/feedback-draft"));
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json()["answers"], answers);
  EXPECT_TRUE(read.json()["updated_at"].is_string());
  // Bad input names its field and leaves the draft as it was.
  HttpReply bad = again.Call("PUT", Episode(world_.e_c1, "/feedback-draft"),
                             Json{{"answers", {{"PHQ-9/phq9_1", 9}}}});
  EXPECT_EQ(bad.status, 400u);
  EXPECT_TRUE(bad.NamesField("answers/PHQ-9/phq9_1")) << bad.body;
  HttpReply shapeless =
      again.Call("PUT", Episode(world_.e_c1, "/feedback-draft"), Json{{"answers", 3}});
  EXPECT_EQ(shapeless.status, 400u);
  EXPECT_TRUE(shapeless.NamesField("answers")) << shapeless.body;
  EXPECT_EQ(again.Get(Episode(world_.e_c1, "/feedback-draft")).json()["answers"], answers);
  // The therapist reads no client's unsent answers; another client reaches nothing.
  EXPECT_TRUE(
      SignedIn("t1@a.test").Get(Episode(world_.e_c1, "/feedback-draft")).json()["answers"].empty());
  EXPECT_EQ(SignedIn("c2@a.test").Get(Episode(world_.e_c1, "/feedback-draft")).status, 404u);
  EXPECT_EQ(Browser(port_).Get(Episode(world_.e_c1, "/feedback-draft")).status, 401u);
}

}  // namespace
}  // namespace rapport::testing
