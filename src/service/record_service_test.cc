#include "service/record_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "domain/alerts.h"
#include "domain/test_instruments.h"
#include "service/audit_service.h"
#include "service/change_service.h"
#include "service/course_service.h"
#include "service/feedback_service.h"
#include "service/messaging_service.h"
#include "service/plan_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;
using testing_support::Phq9;
using testing_support::Psc17;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

Json PlanContent(const std::string& summary) {
  Json content = Json::parse(R"({
    "problems": [{"key": "p1", "client_words": "I feel low most days", "status": "active"}],
    "agreed_order": ["p1"],
    "goals": [
      {"key": "g1", "problem_key": "p1", "description": "Mood back to mild",
       "due_date": "2027-09-01",
       "benchmarks": [
         {"key": "b1", "kind": "questionnaire", "instrument": "PHQ-9", "comparator": "below",
          "target": 10}
       ]}
    ],
    "guardian": {"problems": false, "goals": false, "homework": false, "ask_agreement": false}
  })");
  content["summary"] = summary;
  return content;
}

struct RecordWorld : World {
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules()};
  PlanService plan{*store, clock, Catalog()};
  CourseService course{*store, clock, Catalog(), feedback, plan, ShippedCrisisDirectory()};
  MessagingService messaging{*store, clock};
  TherapistChangeService changes{*store, clock, Catalog(), course};
  RecordService records{*store, clock, Catalog(), course};

  RecordWorld() {
    EXPECT_TRUE(store->Write([&](WriteTxn& txn) -> Status {
      for (const auto& a : FeedbackService::DefaultAssignments(e_c1, false, clock.Now())) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
      }
      for (const auto& a : FeedbackService::DefaultAssignments(e_k1, true, clock.Now())) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
      }
      return Ok();
    }));
  }

  // Version 1 agreed; then a version 2 the therapist is still drafting on their own.
  void AgreedPlanAndAPrivateDraft() {
    auto first = plan.StartDraft(As(t1), e_c1, PlanContent("Lift mood together"));
    ASSERT_TRUE(first.has_value()) << first.error().message;
    ASSERT_TRUE(plan.Propose(As(t1), e_c1, first->version.number).has_value());
    ASSERT_TRUE(plan.Accept(As(c1), e_c1, first->version.number).has_value());
    clock.Advance(std::chrono::hours(24));
    auto second = plan.StartDraft(As(t1), e_c1, PlanContent("Private working notes"));
    ASSERT_TRUE(second.has_value()) << second.error().message;
  }

  // The client asks for someone else, shares what helped and their wishes, and the coordinator
  // assigns Theo: the first episode ends as transferred and a second starts.
  void ChangeToTheo() {
    auto asked = changes.AskForChange(As(c1), e_c1);
    ASSERT_TRUE(asked.has_value()) << asked.error().message;
    PacketConsent consent;
    consent.share = {PacketSection::kWhatHelped, PacketSection::kPreferences};
    consent.what_helped = "Being listened to";
    consent.preferences = "Someone who speaks plainly";
    auto consented = changes.Consent(As(c1), asked->change.id, consent);
    ASSERT_TRUE(consented.has_value()) << consented.error().message;
    auto assigned = changes.Assign(As(admin), asked->change.id, t2);
    ASSERT_TRUE(assigned.has_value()) << assigned.error().message;
  }
};

TEST(ClientRecord, TheClientGetsEveryEpisodeWithPlanAnswersMessagesSummaryAndHandover) {
  RecordWorld w;
  w.AgreedPlanAndAPrivateDraft();
  auto answered =
      w.feedback.SubmitResponse(w.As(w.c1), w.e_c1, SubmitRequest{"PHQ-9", "client", Phq9(2), {}});
  ASSERT_TRUE(answered.has_value()) << answered.error().message;
  w.clock.Advance(std::chrono::hours(2));
  ASSERT_TRUE(w.messaging.Send(w.As(w.c1), w.e_c1, "Could we move Thursday?").has_value());
  ASSERT_TRUE(w.messaging.Send(w.As(w.t1), w.e_c1, "Of course: Friday at ten.").has_value());
  w.clock.Advance(std::chrono::hours(24));
  w.ChangeToTheo();

  auto record = w.records.RecordOf(w.As(w.c1), w.c1);
  ASSERT_TRUE(record.has_value()) << record.error().message;
  EXPECT_EQ(record->client_name, "Cleo Client");
  EXPECT_EQ(record->clinic_name, "Clinic A");
  EXPECT_EQ(record->made_at, w.clock.Now());
  ASSERT_EQ(record->episodes.size(), 2u) << "the ended episode and the new one";

  const RecordEpisode& first = record->episodes[0];
  EXPECT_EQ(first.episode.id, w.e_c1);
  EXPECT_EQ(first.therapist_name, "Tara One");
  EXPECT_EQ(first.episode.status, EpisodeStatus::kEnded);
  ASSERT_TRUE(first.ending.has_value());
  EXPECT_EQ(first.ending->words.reason, EndReason::kTransferred);

  // The agreed version with both signatures; never the therapist's private draft.
  ASSERT_EQ(first.plan_versions.size(), 1u);
  EXPECT_EQ(first.plan_versions[0].version.number, 1);
  EXPECT_EQ(first.plan_versions[0].version.status, PlanVersionStatus::kAgreed);
  EXPECT_EQ(first.plan_versions[0].content.summary, "Lift mood together");
  EXPECT_EQ(first.plan_versions[0].content.problems[0].client_words, "I feel low most days");
  EXPECT_EQ(first.plan_versions[0].signatures.size(), 2u);
  EXPECT_EQ(first.newest_plan_number, 2);
  for (const RecordEpisode& e : record->episodes) {
    for (const RecordPlanVersion& v : e.plan_versions) {
      EXPECT_NE(v.version.status, PlanVersionStatus::kDraft);
      EXPECT_EQ(v.version.content_json.find("Private working notes"), std::string::npos);
    }
  }

  // Their answer with its total, band and the answers as stored.
  const auto phq = std::find_if(first.answers.begin(), first.answers.end(),
                                [](const auto& a) { return a.response.instrument == "PHQ-9"; });
  ASSERT_NE(phq, first.answers.end());
  EXPECT_EQ(phq->title, "Your mood");
  EXPECT_EQ(phq->answered_by, "Cleo Client");
  EXPECT_EQ(phq->response.total, 16);
  EXPECT_FALSE(phq->response.band.empty());
  EXPECT_EQ(Json::parse(phq->response.answers_json)["phq9_1"], 2);

  ASSERT_EQ(first.messages.size(), 2u);
  EXPECT_EQ(first.messages[0].message.body, "Could we move Thursday?");
  EXPECT_TRUE(first.messages[0].from_client);
  EXPECT_EQ(first.messages[0].sender_name, "Cleo Client");
  EXPECT_EQ(first.messages[1].sender_name, "Tara One");
  EXPECT_FALSE(first.messages[1].from_client);

  // The summary the client reads of an ended episode, and the packet they shared.
  ASSERT_TRUE(first.summary.has_value());
  auto read = w.course.Summary(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(DischargeSummaryToJson(*first.summary), DischargeSummaryToJson(*read));
  ASSERT_EQ(first.handovers.size(), 1u);
  EXPECT_EQ(first.handovers[0].status, ChangeStatus::kDone);
  EXPECT_EQ(first.handovers[0].shared_with, "Theo Two");
  EXPECT_EQ(first.handovers[0].packet.preferences, "Someone who speaks plainly");
  EXPECT_EQ(first.handovers[0].packet.what_helped, "Being listened to");
  EXPECT_TRUE(first.handovers[0].packet.measures.empty()) << "not shared, so not kept";

  const RecordEpisode& second = record->episodes[1];
  EXPECT_EQ(second.therapist_name, "Theo Two");
  EXPECT_NE(second.episode.status, EpisodeStatus::kEnded);
  EXPECT_FALSE(second.summary.has_value());
  EXPECT_FALSE(second.ending.has_value());
  EXPECT_TRUE(second.messages.empty());
}

TEST(ClientRecord, AChildsRecordHoldsTheirGuardiansAnswersByName) {
  RecordWorld w;
  auto answered = w.feedback.SubmitResponse(w.As(w.g1), w.e_k1,
                                            SubmitRequest{"PSC-17", "guardian", Psc17(1), {}});
  ASSERT_TRUE(answered.has_value()) << answered.error().message;
  auto record = w.records.RecordOf(w.As(w.k1), w.k1);
  ASSERT_TRUE(record.has_value()) << record.error().message;
  EXPECT_EQ(record->client_name, "Kit") << "the name they go by";
  ASSERT_EQ(record->episodes.size(), 1u);
  ASSERT_EQ(record->episodes[0].answers.size(), 1u);
  EXPECT_EQ(record->episodes[0].answers[0].answered_by, "Gina Guardian");
  EXPECT_EQ(record->episodes[0].answers[0].response.total, 17);
}

TEST(ClientRecord, OnlyTheClientThemselfGetsIt) {
  RecordWorld w;
  for (const UserId who : {w.t1, w.supervisor, w.admin, w.g1, w.t2}) {
    auto refused = w.records.RecordOf(w.As(who), w.c1);
    ASSERT_FALSE(refused.has_value()) << who;
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied) << who;
  }
  // A guardian is refused their child's download too: it is the client's own.
  auto child = w.records.RecordOf(w.As(w.g1), w.k1);
  ASSERT_FALSE(child.has_value());
  EXPECT_EQ(child.error().code, ErrorCode::kPermissionDenied);
  // Another client's id is a record that does not exist, and the reach is audited.
  const int denied = w.AuditCount("denied");
  for (const UserId who : {w.c2, w.cb}) {
    auto other = w.records.RecordOf(w.As(who), w.c1);
    ASSERT_FALSE(other.has_value()) << who;
    EXPECT_EQ(other.error().code, ErrorCode::kNotFound) << who;
  }
  EXPECT_EQ(w.AuditCount("denied"), denied + 2);
  EXPECT_EQ(w.AuditCount("read", "client_record"), 0);
}

TEST(ClientRecord, TheDownloadIsOneAuditEntryFoundUnderTheClient) {
  RecordWorld w;
  ASSERT_TRUE(w.records.RecordOf(w.As(w.c1), w.c1).has_value());
  ASSERT_EQ(w.AuditCount("read", "client_record"), 1);
  const auto entries = w.Audit();
  const auto entry = std::find_if(entries.begin(), entries.end(), [](const AuditEntry& e) {
    return e.record_type == "client_record";
  });
  ASSERT_NE(entry, entries.end());
  EXPECT_EQ(entry->actor_id, w.c1);
  EXPECT_EQ(entry->record_id, std::to_string(w.c1));

  AuditService audit(*w.store, w.clock);
  AuditSearch search;
  search.client_id = w.c1;
  auto page = audit.Browse(w.As(w.admin), 0, 200, search);
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_TRUE(std::any_of(page->entries.begin(), page->entries.end(), [](const AuditRow& row) {
    return row.record_type == "client_record" &&
           row.record_words == "Cleo Client's whole record, downloaded";
  }));
}

}  // namespace
}  // namespace rapport
