// The client's own record over HTTP: the client downloads it as a PDF (a real PDF file whose
// text holds their answers and messages) and as a FHIR Bundle (a collection of their Patient,
// answers, scores, plan, messages and summary); every other role is refused with problem+json,
// another client as if the record did not exist. Real server on port 0, real SQLite store.

#include <gmock/gmock.h>

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "domain/test_instruments.h"
#include "http_fixture.h"

namespace rapport::testing {
namespace {

using testing_support::Phq9;

class RecordHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    AssignDefaultQuestionnaires();
    StartServer();
  }

  std::string Episode(const std::string& tail) const {
    return "/api/v1/episodes/" + std::to_string(world_.e_c1) + tail;
  }
  std::string Record(UserId client, const std::string& tail = {}) const {
    return "/api/v1/clients/" + std::to_string(client) + "/record" + tail;
  }

  // Cleo's agreed plan, her PHQ-9 answer, two messages, and the end of her course with Tara.
  void ACourseWithEverything() {
    auto draft = plan_.StartDraft(world_.As(world_.t1), world_.e_c1, Json::parse(R"({
      "summary": "Lift mood together",
      "problems": [{"key": "p1", "client_words": "I feel low most days", "status": "active"}],
      "agreed_order": ["p1"],
      "goals": [
        {"key": "g1", "problem_key": "p1", "description": "Mood back to mild",
         "due_date": "2027-09-01",
         "benchmarks": [{"key": "b1", "kind": "questionnaire", "instrument": "PHQ-9",
                         "comparator": "below", "target": 10}]}
      ],
      "guardian": {"problems": false, "goals": false, "homework": false, "ask_agreement": false}
    })"));
    ASSERT_TRUE(draft.has_value()) << draft.error().message;
    ASSERT_TRUE(plan_.Propose(world_.As(world_.t1), world_.e_c1, draft->version.number));
    ASSERT_TRUE(plan_.Accept(world_.As(world_.c1), world_.e_c1, draft->version.number));

    Browser client = SignedIn("c1@a.test");
    HttpReply answered =
        client.Post(Episode("/responses"),
                    {{"instrument", "PHQ-9"}, {"respondent", "client"}, {"answers", Phq9(2)}});
    ASSERT_EQ(answered.status, 201u) << answered.body;
    world_.clock.Advance(std::chrono::minutes(5));
    ASSERT_EQ(client.Post(Episode("/messages"), {{"body", "See you on Friday"}}).status, 201u);
    Browser therapist = SignedIn("t1@a.test");
    ASSERT_EQ(therapist.Post(Episode("/messages"), {{"body", "Friday at ten, then"}}).status, 201u);
    // A day later (signed in afresh: a session lasts half an hour idle), the course ends.
    world_.clock.Advance(std::chrono::hours(24));
    therapist = SignedIn("t1@a.test");
    HttpReply ended = therapist.Post(
        Episode("/ending"), {{"reason", "goals-met"}, {"what_helped", "Walking every day"}});
    ASSERT_EQ(ended.status, 201u) << ended.body;
  }
};

TEST_F(RecordHttpTest, TheClientDownloadsTheirRecordAsAPdf) {
  ASSERT_NO_FATAL_FAILURE(ACourseWithEverything());
  Browser client = SignedIn("c1@a.test");
  HttpReply pdf = client.Get(Record(world_.c1, ".pdf"));
  ASSERT_EQ(pdf.status, 200u) << pdf.body;
  EXPECT_EQ(pdf.Header("content-type"), "application/pdf");
  EXPECT_EQ(pdf.Header("content-disposition"), "attachment; filename=\"rapport-record.pdf\"");
  EXPECT_TRUE(pdf.body.starts_with("%PDF-")) << pdf.body.substr(0, 16);
  std::string tail = pdf.body;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == '\r')) tail.pop_back();
  EXPECT_TRUE(tail.ends_with("%%EOF"));
  // The content streams are uncompressed: the text is there in WinAnsi strings.
  for (const std::string text :
       {"(Your record at Clinic A) Tj", "Your mood: 16", "See you on Friday", "Friday at ten, then",
        "I feel low most days", "Mood back to mild", "Walking every day",
        "Your therapy with Tara One"}) {
    EXPECT_NE(pdf.body.find(text), std::string::npos) << text;
  }
}

TEST_F(RecordHttpTest, TheClientDownloadsTheirRecordAsAFhirCollection) {
  ASSERT_NO_FATAL_FAILURE(ACourseWithEverything());
  Browser client = SignedIn("c1@a.test");
  HttpReply reply = client.Get(Record(world_.c1));
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_TRUE(reply.Header("content-type").starts_with("application/fhir+json"))
      << reply.Header("content-type");
  const Json bundle = reply.json();
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "collection");
  EXPECT_FALSE(bundle.contains("total")) << "only a search Bundle has a total";
  std::map<std::string, std::vector<Json>> by_type;
  std::set<std::string> urls;
  for (const Json& entry : bundle["entry"]) {
    const Json& resource = entry["resource"];
    ASSERT_TRUE(resource.contains("resourceType")) << entry.dump();
    ASSERT_TRUE(resource["id"].is_string()) << entry.dump();
    const std::string type = resource["resourceType"].get<std::string>();
    const std::string url = entry["fullUrl"].get<std::string>();
    EXPECT_TRUE(url.starts_with("http://")) << url;
    EXPECT_TRUE(url.ends_with("/fhir/" + type + "/" + resource["id"].get<std::string>())) << url;
    EXPECT_TRUE(urls.insert(url).second) << "twice: " << url;
    by_type[type].push_back(resource);
  }
  for (const std::string type : {"Patient", "QuestionnaireResponse", "Observation", "Communication",
                                 "CarePlan", "Composition"}) {
    EXPECT_FALSE(by_type[type].empty()) << type << " in " << reply.body;
  }
  ASSERT_EQ(by_type["Patient"].size(), 1u);
  EXPECT_EQ(by_type["Patient"][0]["id"], std::to_string(world_.c1));

  // The score is derived from the answer that is in the same Bundle.
  std::set<std::string> answers;
  for (const Json& qr : by_type["QuestionnaireResponse"]) {
    EXPECT_EQ(qr["subject"]["reference"], "Patient/" + std::to_string(world_.c1));
    answers.insert("QuestionnaireResponse/" + qr["id"].get<std::string>());
  }
  bool phq9 = false;
  for (const Json& o : by_type["Observation"]) {
    EXPECT_TRUE(answers.contains(o["derivedFrom"][0]["reference"].get<std::string>())) << o.dump();
    if (o.value("valueInteger", -1) == 16) phq9 = true;
  }
  EXPECT_TRUE(phq9) << "the PHQ-9 total of 16";

  std::vector<std::string> words;
  for (const Json& c : by_type["Communication"]) {
    EXPECT_EQ(c["status"], "completed");
    words.push_back(c["payload"][0]["contentString"].get<std::string>());
  }
  EXPECT_THAT(words, ::testing::ElementsAre("See you on Friday", "Friday at ten, then"));
  EXPECT_EQ(by_type["Communication"][0]["sender"]["reference"],
            "Patient/" + std::to_string(world_.c1));

  ASSERT_EQ(by_type["CarePlan"].size(), 1u);
  EXPECT_EQ(by_type["CarePlan"][0]["status"], "completed") << "agreed, and the course has ended";
  const Json& summary = by_type["Composition"][0];
  EXPECT_EQ(summary["status"], "final");
  EXPECT_EQ(summary["type"]["coding"][0]["code"], "18842-5");
  EXPECT_NE(summary.dump().find("Walking every day"), std::string::npos) << summary.dump();

  // Both downloads, and only they, are the export's audit entries.
  EXPECT_EQ(world_.AuditCount("read", "client_record"), 1);
  EXPECT_EQ(client.Get(Record(world_.c1, ".pdf")).status, 200u);
  EXPECT_EQ(world_.AuditCount("read", "client_record"), 2);
}

TEST_F(RecordHttpTest, NobodyButTheClientGetsTheirRecord) {
  struct Case {
    std::string email;
    unsigned status;
  };
  for (const std::string& tail : {std::string(".pdf"), std::string()}) {
    for (const Case& c : std::vector<Case>{{"c2@a.test", 404},
                                           {"cb@b.test", 404},
                                           {"t1@a.test", 403},
                                           {"sup@a.test", 403},
                                           {"admin@a.test", 403},
                                           {"g1@a.test", 403}}) {
      Browser browser = SignedIn(c.email);
      HttpReply reply = browser.Get(Record(world_.c1, tail));
      EXPECT_EQ(reply.status, c.status) << c.email << " " << tail << ": " << reply.body;
      EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << c.email;
      EXPECT_EQ(reply.body.find("Cleo"), std::string::npos) << c.email;
    }
    // A guardian is refused their child's record too: it is the client's own to download.
    Browser guardian = SignedIn("g1@a.test");
    EXPECT_EQ(guardian.Get(Record(world_.k1, tail)).status, 403u);
    HttpReply anonymous = Browser(port_).Get(Record(world_.c1, tail));
    EXPECT_EQ(anonymous.status, 401u);
    EXPECT_EQ(anonymous.Header("content-type"), "application/problem+json");
  }
  // A path id that is no number names nothing.
  EXPECT_EQ(SignedIn("c1@a.test").Get("/api/v1/clients/me/record.pdf").status, 404u);
  EXPECT_EQ(world_.AuditCount("read", "client_record"), 0);
}

}  // namespace
}  // namespace rapport::testing
