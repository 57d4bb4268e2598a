// Ending an episode over HTTP: bad endings refused by field with nothing changed, an ending as
// goals met answered with a discharge summary whose numbers are the record's, read by the client
// afterwards, and an ended episode refusing a second ending. Real server on port 0, real SQLite
// store.

#include <chrono>
#include <string>

#include "domain/test_instruments.h"
#include "http_fixture.h"

namespace rapport::testing {
namespace {

using testing_support::Phq9;

class CourseHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    AssignDefaultQuestionnaires();
    StartServer();
  }
  std::string Episode(const std::string& tail) const {
    return "/api/v1/episodes/" + std::to_string(world_.e_c1) + tail;
  }
};

TEST_F(CourseHttpTest, BadEndingsAreProblemsNamingTheFieldAndNothingChanges) {
  Browser therapist = SignedIn("t1@a.test");
  const auto before = world_.store->GetEpisode(world_.e_c1)->status;
  struct Case {
    Json body;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {Json{{"reason", "finished"}}, "reason"},
           {Json{{"what_helped", "x"}}, "reason"},
           {Json{{"reason", "other"}}, "ending_note"},
           {Json{{"reason", "referred-out"}}, "referrals"},
           {Json{{"reason", "referred-out"}, {"referrals", Json::array({{{"contact", "1"}}})}},
            "referrals/0/name"},
           {Json{{"reason", "goals-met"}, {"what_helped", std::string(4001, 'a')}}, "what_helped"},
           {Json{{"reason", "goals-met"}, {"mood", "fine"}}, "mood"},
       }) {
    HttpReply reply = therapist.Post(Episode("/ending"), c.body);
    EXPECT_EQ(reply.status, 400u) << c.body.dump() << ": " << reply.body;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << c.body.dump();
    const auto fields = reply.ErrorFields();
    EXPECT_NE(std::find(fields.begin(), fields.end(), c.field), fields.end())
        << c.body.dump() << ": " << reply.body;
  }
  EXPECT_EQ(world_.store->GetEpisode(world_.e_c1)->status, before);
  EXPECT_FALSE(world_.store->GetEpisodeEnding(world_.e_c1).has_value());
}

TEST_F(CourseHttpTest, AnEndingAsGoalsMetGivesTheRecordsNumbersAndTheClientReadsTheSame) {
  Browser client = SignedIn("c1@a.test");
  for (const int each : {2, 1}) {  // PHQ-9 totals 16, then 8
    HttpReply answered =
        client.Post(Episode("/responses"),
                    {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(each)}});
    ASSERT_EQ(answered.status, 201u) << answered.body;
    world_.clock.Advance(std::chrono::minutes(5));
  }
  Browser therapist = SignedIn("t1@a.test");
  HttpReply draft = therapist.Get(Episode("/discharge-summary"));
  ASSERT_EQ(draft.status, 200u) << draft.body;
  EXPECT_TRUE(draft.json()["draft"].get<bool>());

  HttpReply ended = therapist.Post(Episode("/ending"), {{"reason", "goals-met"},
                                                        {"what_helped", "Walking\r\nevery day"},
                                                        {"relapse_signs", "Sleeping badly"}});
  ASSERT_EQ(ended.status, 201u) << ended.body;
  const Json summary = ended.json();
  EXPECT_FALSE(summary["draft"].get<bool>());
  EXPECT_EQ(summary["ending"]["reason"], "goals-met");
  EXPECT_EQ(summary["ending"]["what_helped"], "Walking\nevery day");
  Json phq;
  for (const Json& m : summary["measures"]) {
    if (m["instrument"] == "PHQ-9") phq = m;
  }
  ASSERT_FALSE(phq.is_null()) << summary.dump();
  // The numbers are the record's: the client's first and last PHQ-9 totals in the progress view.
  HttpReply progress = therapist.Get(Episode("/progress"));
  ASSERT_EQ(progress.status, 200u);
  Json totals = Json::array();
  const Json progress_body = progress.json();
  for (const Json& q : progress_body["instruments"]) {
    if (q["code"] != "PHQ-9") continue;
    for (const Json& p : q["points"]) totals.push_back(p["total"]);
  }
  ASSERT_EQ(totals.size(), 2u) << progress.body;
  EXPECT_EQ(phq["first"], totals[0]);
  EXPECT_EQ(phq["last"], totals[1]);
  EXPECT_EQ(phq["first"], 16);
  EXPECT_EQ(phq["last"], 8);
  EXPECT_EQ(phq["answers"], 2);
  EXPECT_TRUE(phq["change"]["improved"].get<bool>()) << phq.dump();
  EXPECT_EQ(world_.store->GetEpisode(world_.e_c1)->status, EpisodeStatus::kEnded);

  HttpReply read = client.Get(Episode("/discharge-summary"));
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json()["measures"], summary["measures"]);
  EXPECT_EQ(read.json()["ending"], summary["ending"]);

  HttpReply again = therapist.Post(Episode("/ending"), {{"reason", "other"}, {"ending_note", "x"}});
  EXPECT_EQ(again.status, 409u) << again.body;
  EXPECT_EQ(world_.store->GetEpisodeEnding(world_.e_c1)->words.reason, EndReason::kGoalsMet);
}

TEST_F(CourseHttpTest, BadNotesAndTemplatesAreProblemsNamingTheFieldAndNothingIsStored) {
  Browser therapist = SignedIn("t1@a.test");
  const std::string note = "/api/v1/appointments/" + std::to_string(world_.a_c1) + "/note";
  struct Case {
    Json body;
    std::string field;
  };
  for (const Case& c : std::vector<Case>{
           {Json::object(), "sections"},
           {Json{{"sections", {{"subjective", "not in DAP"}}}}, "sections/subjective"},
           {Json{{"sections", {{"data", 4}}}}, "sections/data"},
           {Json{{"sections", {{"plan", std::string(8001, 'a')}}}}, "sections/plan"},
           {Json{{"sections", Json::object()}, {"signed", true}}, "signed"},
       }) {
    HttpReply reply = therapist.Put(note, c.body);
    EXPECT_EQ(reply.status, 400u) << c.body.dump() << ": " << reply.body;
    EXPECT_TRUE(reply.NamesField(c.field)) << c.body.dump() << ": " << reply.body;
  }
  EXPECT_FALSE(world_.store->GetSessionNoteOfAppointment(world_.a_c1).has_value());

  // Signing an empty note, and an empty addendum, name their fields too.
  ASSERT_EQ(therapist.Put(note, {{"sections", Json::object()}}).status, 200u);
  HttpReply empty = therapist.Post(note + "/signature", Json::object());
  EXPECT_EQ(empty.status, 400u) << empty.body;
  EXPECT_TRUE(empty.NamesField("sections")) << empty.body;
  ASSERT_EQ(therapist.Put(note, {{"sections", {{"data", "Slept better"}}}}).status, 200u);
  ASSERT_EQ(therapist.Post(note + "/signature", Json::object()).status, 200u);
  HttpReply blank = therapist.Post(note + "/addenda", {{"text", "   "}});
  EXPECT_EQ(blank.status, 400u) << blank.body;
  EXPECT_TRUE(blank.NamesField("text")) << blank.body;
  EXPECT_TRUE(world_.store->GetSessionNoteOfAppointment(world_.a_c1)->addenda.empty());

  Browser admin = SignedIn("admin@a.test");
  HttpReply bad_template =
      admin.Put("/api/v1/clinic/note-template",
                {{"code", "OURS"},
                 {"name", "Ours"},
                 {"sections", Json::array({{{"key", "What Happened"}, {"title", "What"}}})}});
  EXPECT_EQ(bad_template.status, 400u) << bad_template.body;
  EXPECT_TRUE(bad_template.NamesField("sections/0/key")) << bad_template.body;
  EXPECT_FALSE(world_.store->GetClinicNoteTemplate(world_.clinic_a).has_value());
}

// Every problem of a request body names its field, and nothing is stored.
void ExpectProblems(Browser& browser, const std::string& target,
                    const std::vector<std::pair<Json, std::string>>& cases) {
  for (const auto& [body, field] : cases) {
    HttpReply reply = browser.Post(target, body);
    EXPECT_EQ(reply.status, 400u) << target << " " << body.dump() << ": " << reply.body;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << body.dump();
    const auto fields = reply.ErrorFields();
    EXPECT_NE(std::find(fields.begin(), fields.end(), field), fields.end())
        << target << " " << body.dump() << ": " << reply.body;
  }
}

TEST_F(CourseHttpTest, BadRupturesRepairsReferralsAndConsentsNameTheFieldAndStoreNothing) {
  Browser therapist = SignedIn("t1@a.test");
  ExpectProblems(
      therapist, Episode("/ruptures"),
      {{Json{{"what_happened", "x"}}, "source"},
       {Json{{"source", "sometimes"}, {"what_happened", "x"}}, "source"},
       {Json{{"source", "in-session"}}, "what_happened"},
       {Json{{"source", "in-session"}, {"what_happened", "   "}}, "what_happened"},
       {Json{{"source", "in-session"}, {"what_happened", std::string(4001, 'a')}}, "what_happened"},
       {Json{{"source", "rapport-alert"}, {"what_happened", "x"}}, "alert_id"},
       {Json{{"source", "in-session"}, {"alert_id", 1}, {"what_happened", "x"}}, "alert_id"},
       {Json{{"source", "rapport-alert"}, {"alert_id", 999}, {"what_happened", "x"}}, "alert_id"},
       {Json{{"source", "other"}, {"what_happened", "x"}, {"mood", 1}}, "mood"}});
  EXPECT_TRUE(world_.store->ListRupturesOfEpisode(world_.e_c1)->empty());

  HttpReply noted = therapist.Post(Episode("/ruptures"),
                                   Json{{"source", "in-session"}, {"what_happened", "Went quiet"}});
  ASSERT_EQ(noted.status, 201u) << noted.body;
  const std::string repair =
      "/api/v1/ruptures/" + std::to_string(noted.json()["id"].get<int>()) + "/repair";
  ExpectProblems(
      therapist, repair,
      {{Json::object(), "what_was_said"},
       {Json{{"what_was_said", ""}}, "what_was_said"},
       {Json{{"what_was_said", "x"}, {"what_changes", std::string(4001, 'a')}}, "what_changes"}});
  EXPECT_FALSE(world_.store->ListRupturesOfEpisode(world_.e_c1)->front().repair.has_value());

  ExpectProblems(therapist, Episode("/therapist-changes"),
                 {{Json::object(), "reason"},
                  {Json{{"reason", ""}}, "reason"},
                  {Json{{"reason", "fit"}, {"to_therapist_id", "two"}}, "to_therapist_id"},
                  {Json{{"reason", "fit"}, {"to_therapist_id", world_.tb}}, "to_therapist_id"},
                  {Json{{"reason", "fit"}, {"to_therapist_id", world_.t1}}, "to_therapist_id"},
                  {Json{{"reason", "fit"}, {"to_therapist_id", world_.t2}, {"to_outside", "X"}},
                   "to_outside"}});
  Browser client = SignedIn("c1@a.test");
  ExpectProblems(client, Episode("/therapist-changes"), {{Json{{"why", "no"}}, "why"}});
  EXPECT_TRUE(world_.store->ListTherapistChangesOfEpisode(world_.e_c1)->empty());

  HttpReply asked = client.Post(Episode("/therapist-changes"), Json::object());
  ASSERT_EQ(asked.status, 201u) << asked.body;
  EXPECT_EQ(asked.json()["status"], "awaiting-consent");
  EXPECT_TRUE(asked.json()["packet"].is_object()) << "the client reviews the draft";
  const std::string consent =
      "/api/v1/therapist-changes/" + std::to_string(asked.json()["id"].get<int>()) + "/consent";
  ExpectProblems(
      client, consent,
      {{Json::object(), "share"},
       {Json{{"share", Json::array({"diary"})}}, "share/0"},
       {Json{{"share", Json::array({"plan", "plan"})}}, "share/1"},
       {Json{{"share", Json::array()}, {"preferences", std::string(4001, 'a')}}, "preferences"}});
  EXPECT_EQ(world_.store->ListTherapistChangesOfEpisode(world_.e_c1)->front().status,
            ChangeStatus::kAwaitingConsent);
  ExpectProblems(client, Episode("/fit-followup"),
                 {{Json::object(), "choice"}, {Json{{"choice", "later"}}, "choice"}});
  HttpReply bad_status = client.Get("/api/v1/therapist-changes?status=maybe");
  EXPECT_EQ(bad_status.status, 400u);
  EXPECT_TRUE(bad_status.NamesField("status")) << bad_status.body;
}

TEST_F(CourseHttpTest, TheClinicsTimesForTheFitCheckARepairAndNoContactAreSettingsWithRanges) {
  Browser admin = SignedIn("admin@a.test");
  HttpReply read = admin.Get("/api/v1/clinic/settings");
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json()["fit_check_after_hours"], 24);
  EXPECT_EQ(read.json()["repair_within_hours"], 72);
  EXPECT_EQ(read.json()["no_contact_after_days"], 45);
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, int>>{{"fit_check_after_hours", 0},
                                                {"fit_check_after_hours", 337},
                                                {"repair_within_hours", 23},
                                                {"no_contact_after_days", 366}}) {
    HttpReply refused = admin.Put("/api/v1/clinic/settings", Json{{field, value}});
    EXPECT_EQ(refused.status, 400u) << field;
    EXPECT_TRUE(refused.NamesField(field)) << refused.body;
  }
  HttpReply changed = admin.Put("/api/v1/clinic/settings",
                                Json{{"fit_check_after_hours", 48}, {"repair_within_hours", 24}});
  ASSERT_EQ(changed.status, 200u) << changed.body;
  EXPECT_EQ(world_.store->GetClinic(world_.clinic_a)->settings.fit_check_after_hours, 48);
  EXPECT_EQ(world_.store->GetClinic(world_.clinic_a)->settings.repair_within_hours, 24);
}

TEST_F(CourseHttpTest, ASupportCheckIsSentAnsweredAndReadBesideCitedRepairStrategies) {
  Browser therapist = SignedIn("t1@a.test");
  Browser client = SignedIn("c1@a.test");
  HttpReply sent = therapist.Post(Episode("/support-check"), Json::object());
  ASSERT_EQ(sent.status, 201u) << sent.body;
  EXPECT_EQ(sent.json()["waiting"], true);
  HttpReply assigned = client.Get(Episode("/instruments"));
  ASSERT_EQ(assigned.status, 200u) << assigned.body;
  bool due = false;
  for (const Json& a : assigned.json()) {
    if (a["code"] == "SUPPORT-CHECK") due = a["due"].get<bool>();
  }
  EXPECT_TRUE(due);
  HttpReply answered = client.Post(Episode("/responses"), Json{{"instrument", "SUPPORT-CHECK"},
                                                               {"respondent", "client"},
                                                               {"answers",
                                                                {{"sc_understood", 3},
                                                                 {"sc_same_goals", 4},
                                                                 {"sc_ready", 8},
                                                                 {"sc_hope", 9},
                                                                 {"sc_people", 7},
                                                                 {"sc_backing", 8},
                                                                 {"sc_life_events", 0}}}});
  ASSERT_EQ(answered.status, 201u) << answered.body;
  HttpReply read = therapist.Get(Episode("/support-check"));
  ASSERT_EQ(read.status, 200u) << read.body;
  const Json view = read.json();
  EXPECT_EQ(view["waiting"], false);
  EXPECT_EQ(view["validated"], false);
  ASSERT_EQ(view["findings"].size(), 4u);
  EXPECT_EQ(view["findings"][0]["scale"], "alliance");
  EXPECT_EQ(view["findings"][0]["concern"], true);
  EXPECT_EQ(view["findings"][0]["mean"], 3.5);
  ASSERT_FALSE(view["findings"][0]["strategies"].empty());
  EXPECT_NE(view["findings"][0]["strategies"][0]["citation"].get<std::string>().find("Safran"),
            std::string::npos);
  EXPECT_TRUE(view["findings"][1]["strategies"].empty()) << "no concern, no strategies";
}

}  // namespace
}  // namespace rapport::testing
