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

}  // namespace
}  // namespace rapport::testing
