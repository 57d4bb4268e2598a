#include "http/record_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "domain/catalog.h"
#include "service/record_service.h"

namespace rapport {
namespace {

constexpr Timestamp kDay = 24LL * 60 * 60 * 1000;
constexpr Timestamp kJune1 = 1'780'304'400'000;  // 2026-06-01T09:00:00Z
constexpr std::string_view kBase = "https://clinic.example/fhir";

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

// Cleo's ended course with Tara: an agreed plan, one PHQ-9 answer, two messages, the summary and
// the packet she shared when she moved to Theo.
ClientRecord Record() {
  ClientRecord r;
  r.client = User{7, 1, "cleo@example.test", true, "Cleo Client", Role::kClient, true, 0};
  r.profile = ClientProfile{7, "1990-02-03", "", ""};
  r.client_name = "Cleo Client";
  r.clinic_name = "Clinic A";
  r.time_zone = "Europe/London";
  r.made_at = kJune1 + 30 * kDay;

  RecordEpisode e;
  e.episode = Episode{3, 1, 7, 5, EpisodeStatus::kEnded, kJune1, kJune1 + 20 * kDay};
  e.therapist_name = "Tara One";
  EpisodeEnding ending;
  ending.episode_id = 3;
  ending.ended_at = kJune1 + 20 * kDay;
  ending.words.reason = EndReason::kGoalsMet;
  ending.words.what_helped = "Walking <every> day & night";
  e.ending = ending;

  RecordPlanVersion v;
  v.version.id = 9;
  v.version.episode_id = 3;
  v.version.number = 1;
  v.version.status = PlanVersionStatus::kAgreed;
  v.version.created_at = kJune1;
  v.version.proposed_at = kJune1 + kDay;
  v.version.decided_at = kJune1 + 2 * kDay;
  v.content = *ParseStoredPlanContent(Json::parse(R"({
    "summary": "Lift mood together",
    "problems": [{"key": "p1", "client_words": "I feel low most days", "status": "active"}],
    "agreed_order": ["p1"],
    "goals": [
      {"key": "g1", "problem_key": "p1", "description": "Mood back to mild",
       "due_date": "2027-09-01",
       "benchmarks": [{"key": "b1", "kind": "questionnaire", "instrument": "PHQ-9",
                       "comparator": "below", "target": 10}],
       "homework": [{"key": "h1", "description": "A walk a day", "due_date": "2026-06-10"}]}
    ],
    "guardian": {"problems": false, "goals": false, "homework": false, "ask_agreement": false}
  })"));
  v.version.content_json = PlanContentToJson(v.content).dump();
  v.signatures = {{SignerRole::kTherapist, 5, "Tara One", kJune1 + kDay},
                  {SignerRole::kClient, 7, "Cleo Client", kJune1 + 2 * kDay}};
  e.plan_versions.push_back(v);
  e.newest_plan_number = 1;
  e.homework_done = {{"h1", true}};

  RecordAnswer a;
  a.response.id = 11;
  a.response.episode_id = 3;
  a.response.instrument = "PHQ-9";
  a.response.instrument_version = "1.0";
  a.response.respondent_user_id = 7;
  a.response.submitted_at = kJune1 + 3 * kDay;
  a.response.answers_json = R"({"phq9_1": 2, "phq9_2": 2})";
  a.response.total = 16;
  a.response.band = "moderately severe";
  a.title = "Your mood";
  a.answered_by = "Cleo Client";
  e.answers.push_back(a);

  e.messages.push_back({EpisodeMessage{21, 1, 3, 7, "See you on Friday", kJune1 + 4 * kDay, {}},
                        "Cleo Client", true});
  e.messages.push_back(
      {EpisodeMessage{22, 1, 3, 5, "Friday at ten, then", kJune1 + 5 * kDay, kJune1 + 6 * kDay},
       "Tara One", false});

  DischargeSummary s;
  s.episode_id = 3;
  s.client_name = "Cleo Client";
  s.therapist_name = "Tara One";
  s.started_at = kJune1;
  s.ended_at = kJune1 + 20 * kDay;
  s.sessions_attended = 6;
  s.words = ending.words;
  MeasureSummary m;
  m.instrument = "PHQ-9";
  m.title = "Your mood";
  m.answers = 2;
  m.first = 16;
  m.last = 8;
  s.measures.push_back(m);
  s.goals.push_back({"g1", "Mood back to mild", Achievement::kAchieved, std::nullopt});
  s.where_to_get_help = {"Samaritans: 116 123 (24 hours)"};
  e.summary = s;

  RecordHandover h;
  h.change_id = 4;
  h.status = ChangeStatus::kDone;
  h.consented_at = kJune1 + 19 * kDay;
  h.shared_with = "Theo Two";
  h.packet.shared = {PacketSection::kPreferences};
  h.packet.preferences = "Someone who speaks plainly";
  e.handovers.push_back(h);

  r.episodes.push_back(e);
  return r;
}

TEST(ClientRecordPdf, IsAPdfWhoseTextIsTheRecordInPlainWords) {
  const std::string pdf = ClientRecordPdf(Record(), Catalog());
  EXPECT_TRUE(pdf.starts_with("%PDF-1.4\n"));
  EXPECT_TRUE(pdf.ends_with("%%EOF\n"));
  for (const std::string text : {
           "(Your record at Clinic A) Tj",
           "(Your therapy with Tara One) Tj",
           "You reached the goals you set together.",
           "agreed on 3 June 2026",
           "I feel low most days",
           "Mood back to mild \\(by 1 September 2027\\)",
           "Mood back to mild: achieved",
           "your score on \"Your mood\" below 10",
           // "date — questionnaire: total (band)", the dash in WinAnsi
           "4 June 2026 \x97 Your mood: 16 \\(moderately severe\\)",
           // Messages with their time in the clinic's zone (British Summer Time).
           "5 June 2026 at 10:00 \x97 Cleo Client: See you on Friday",
           "Tara One: Friday at ten, then",
           "Your mood went from 16 to 8 over 2 answers",
           "Walking <every> day & night",
           "Samaritans: 116 123 \\(24 hours\\)",
           "Someone who speaks plainly",
           "Theo Two",
       }) {
    EXPECT_NE(pdf.find(text), std::string::npos) << text;
  }
}

TEST(ClientRecordPdf, SaysSoWhenThereIsNothingYet) {
  ClientRecord empty = Record();
  empty.episodes.clear();
  const std::string pdf = ClientRecordPdf(empty, Catalog());
  EXPECT_NE(pdf.find("(There is nothing in your record yet.) Tj"), std::string::npos);
}

TEST(ClientRecordBundle, IsACollectionOfTheRecordsResourcesEachWithItsUrl) {
  const Json bundle = ClientRecordBundle(Record(), Catalog(), kBase);
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "collection");
  EXPECT_EQ(bundle["timestamp"], FormatIso8601(kJune1 + 30 * kDay));
  std::map<std::string, Json> by_id;
  std::vector<std::string> types;
  for (const Json& entry : bundle["entry"]) {
    const Json& r = entry["resource"];
    const std::string key = r["resourceType"].get<std::string>() + "/" + r["id"].get<std::string>();
    EXPECT_EQ(entry["fullUrl"], std::string(kBase) + "/" + key);
    EXPECT_TRUE(by_id.emplace(key, r).second) << "twice: " << key;
    types.push_back(r["resourceType"].get<std::string>());
  }
  EXPECT_THAT(types, ::testing::ElementsAre("Patient", "CarePlan", "QuestionnaireResponse",
                                            "Observation", "Communication", "Communication",
                                            "Composition", "Composition"));

  EXPECT_EQ(by_id["Patient/7"]["birthDate"], "1990-02-03");
  const Json& plan = by_id["CarePlan/3-1"];
  EXPECT_EQ(plan["status"], "completed");
  EXPECT_EQ(plan["subject"]["reference"], "Patient/7");
  EXPECT_EQ(plan["activity"][0]["detail"]["status"], "completed") << "the homework was ticked";
  EXPECT_EQ(by_id["QuestionnaireResponse/11"]["authored"], FormatIso8601(kJune1 + 3 * kDay));
  EXPECT_EQ(by_id["QuestionnaireResponse/11"]["item"][0]["linkId"], "phq9_1");
  const Json& score = by_id["Observation/score-11"];
  EXPECT_EQ(score["valueInteger"], 16);
  EXPECT_EQ(score["derivedFrom"][0]["reference"], "QuestionnaireResponse/11");

  const Json& sent = by_id["Communication/message-21"];
  EXPECT_EQ(sent["sender"]["reference"], "Patient/7");
  EXPECT_EQ(sent["recipient"][0]["reference"], "Practitioner/5");
  EXPECT_EQ(sent["payload"][0]["contentString"], "See you on Friday");
  EXPECT_FALSE(sent.contains("received"));
  const Json& reply = by_id["Communication/message-22"];
  EXPECT_EQ(reply["sender"]["reference"], "Practitioner/5");
  EXPECT_EQ(reply["recipient"][0]["reference"], "Patient/7");
  EXPECT_EQ(reply["received"], FormatIso8601(kJune1 + 6 * kDay));

  const Json& summary = by_id["Composition/summary-3"];
  EXPECT_EQ(summary["status"], "final");
  EXPECT_EQ(summary["type"]["coding"][0]["code"], "18842-5");
  EXPECT_EQ(summary["author"][0]["reference"], "Practitioner/5");
  EXPECT_EQ(summary["event"][0]["period"]["end"], FormatIso8601(kJune1 + 20 * kDay));
  bool helped = false;
  for (const Json& section : summary["section"]) {
    const std::string div = section["text"]["div"].get<std::string>();
    EXPECT_TRUE(div.starts_with("<div xmlns=\"http://www.w3.org/1999/xhtml\">")) << div;
    EXPECT_EQ(section["text"]["status"], "generated");
    if (section["title"] == "What helped") {
      helped = true;
      EXPECT_EQ(div,
                "<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>Walking &lt;every&gt; day "
                "&amp; night</p></div>");
    }
  }
  EXPECT_TRUE(helped) << summary.dump();
  const Json& handover = by_id["Composition/handover-4"];
  EXPECT_EQ(handover["author"][0]["reference"], "Patient/7");
  EXPECT_NE(handover.dump().find("Someone who speaks plainly"), std::string::npos);
}

TEST(ClientRecordBundle, OfAClientWithNothingYetHoldsOnlyThePatient) {
  ClientRecord empty = Record();
  empty.episodes.clear();
  const Json bundle = ClientRecordBundle(empty, Catalog(), kBase);
  ASSERT_EQ(bundle["entry"].size(), 1u);
  EXPECT_EQ(bundle["entry"][0]["resource"]["resourceType"], "Patient");
}

}  // namespace
}  // namespace rapport
