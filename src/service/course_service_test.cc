#include "service/course_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "domain/alerts.h"
#include "domain/test_instruments.h"
#include "service/feedback_service.h"
#include "service/plan_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;
using testing_support::Phq9;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

// One goal with a PHQ-9 target below 10.
Json PlanContent() {
  return Json::parse(R"({
    "summary": "Lift mood",
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
}

struct CourseWorld : World {
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules()};
  PlanService plan{*store, clock, Catalog()};
  CourseService course{*store, clock, Catalog(), feedback, plan, ShippedCrisisDirectory()};

  CourseWorld() {
    EXPECT_TRUE(store->Write([&](WriteTxn& txn) -> Status {
      for (const auto& a : FeedbackService::DefaultAssignments(e_c1, false, clock.Now())) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
      }
      return Ok();
    }));
  }

  AppointmentId Session(Timestamp at, AppointmentStatus status) {
    AppointmentId id = 0;
    EXPECT_TRUE(store->Write([&](WriteTxn& txn) -> Status {
      Appointment a;
      a.episode_id = e_c1;
      a.starts_at = at;
      a.status = status;
      RAPPORT_ASSIGN_OR_RETURN(id, txn.InsertAppointment(a));
      return Ok();
    }));
    return id;
  }

  void AnswerPhq9(int each) {
    auto r =
        feedback.SubmitResponse(As(c1), e_c1, SubmitRequest{"PHQ-9", "client", Phq9(each), {}});
    ASSERT_TRUE(r.has_value()) << r.error().message;
    clock.Advance(std::chrono::hours(24 * 7));
  }

  void AgreePlan() {
    auto draft = plan.StartDraft(As(t1), e_c1, PlanContent());
    ASSERT_TRUE(draft.has_value()) << draft.error().message;
    ASSERT_TRUE(plan.Propose(As(t1), e_c1, draft->version.number).has_value());
    ASSERT_TRUE(plan.Accept(As(c1), e_c1, draft->version.number).has_value());
  }

  static EndingWords GoalsMet() {
    EndingWords words;
    words.reason = EndReason::kGoalsMet;
    words.what_helped = "Planning one good thing a day";
    words.relapse_signs = "Staying in bed past ten";
    words.if_it_returns = "Plan the week again and call the clinic";
    return words;
  }
};

TEST(CourseEnding, EndingAsGoalsMetGivesASummaryWhoseNumbersAreTheRecords) {
  CourseWorld w;
  w.AgreePlan();
  w.AnswerPhq9(2);  // 16
  w.Session(w.clock.Now() - 3'600'000, AppointmentStatus::kCompleted);
  w.AnswerPhq9(1);  // 8
  w.Session(w.clock.Now() - 3'600'000, AppointmentStatus::kCompleted);
  const AppointmentId future = w.Session(w.clock.Now() + 86'400'000, AppointmentStatus::kScheduled);

  auto summary = w.course.EndEpisode(w.As(w.t1), w.e_c1, CourseWorld::GoalsMet());
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  EXPECT_EQ(summary->ended_at, w.clock.Now());
  ASSERT_TRUE(summary->words.has_value());
  EXPECT_EQ(summary->words->reason, EndReason::kGoalsMet);
  EXPECT_EQ(summary->sessions_attended, 2);
  const auto phq = std::find_if(summary->measures.begin(), summary->measures.end(),
                                [](const MeasureSummary& m) { return m.instrument == "PHQ-9"; });
  ASSERT_NE(phq, summary->measures.end());
  EXPECT_EQ(phq->answers, 2);
  EXPECT_EQ(phq->first, 16);
  EXPECT_EQ(phq->last, 8);
  ASSERT_TRUE(phq->change.has_value());
  EXPECT_TRUE(phq->change->improved);
  ASSERT_EQ(summary->goals.size(), 1u);
  EXPECT_EQ(summary->goals[0].description, "Mood back to mild");
  EXPECT_EQ(summary->goals[0].achievement, Achievement::kAchieved);
  EXPECT_FALSE(summary->where_to_get_help.empty());

  // The episode ended, its future session was cancelled, and both are audited.
  EXPECT_EQ(w.store->GetEpisode(w.e_c1)->status, EpisodeStatus::kEnded);
  EXPECT_EQ(w.store->GetAppointment(future)->status, AppointmentStatus::kCancelled);
  EXPECT_EQ(w.AuditCount("end", "episode"), 1);
  EXPECT_EQ(w.AuditCount("update", "appointment"), 1);

  // The client reads the same summary once it has ended.
  auto read = w.course.Summary(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(DischargeSummaryToJson(*read)["measures"],
            DischargeSummaryToJson(*summary)["measures"]);
}

TEST(CourseEnding, AnEpisodeEndsOnceAndBadWordsChangeNothing) {
  CourseWorld w;
  EndingWords other;
  other.reason = EndReason::kOther;  // needs a note
  auto refused = w.course.EndEpisode(w.As(w.t1), w.e_c1, other);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().fields[0].field, "ending_note");
  EXPECT_NE(w.store->GetEpisode(w.e_c1)->status, EpisodeStatus::kEnded);
  EXPECT_EQ(w.AuditCount("end", "episode"), 0);

  ASSERT_TRUE(w.course.EndEpisode(w.As(w.t1), w.e_c1, CourseWorld::GoalsMet()).has_value());
  auto twice = w.course.EndEpisode(w.As(w.supervisor), w.e_c1, CourseWorld::GoalsMet());
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w.AuditCount("end", "episode"), 1);
}

TEST(CourseEnding, OnlyTheCareTeamEndsAndTheClientReadsOnlyAnEndedSummary) {
  CourseWorld w;
  for (const UserId who : {w.c1, w.g1, w.admin, w.t2, w.tb}) {
    auto ended = w.course.EndEpisode(w.As(who), w.e_c1, CourseWorld::GoalsMet());
    EXPECT_FALSE(ended.has_value()) << who;
  }
  EXPECT_NE(w.store->GetEpisode(w.e_c1)->status, EpisodeStatus::kEnded);
  // The care team sees a draft; the client is told the summary comes at the end.
  auto draft = w.course.Summary(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(draft.has_value()) << draft.error().message;
  EXPECT_FALSE(draft->ended_at.has_value());
  EXPECT_FALSE(draft->words.has_value());
  auto early = w.course.Summary(w.As(w.c1), w.e_c1);
  ASSERT_FALSE(early.has_value());
  EXPECT_EQ(early.error().code, ErrorCode::kFailedPrecondition);
  // Other clients, guardians and admins never read it.
  ASSERT_TRUE(w.course.EndEpisode(w.As(w.supervisor), w.e_c1, CourseWorld::GoalsMet()));
  for (const UserId who : {w.c2, w.g1, w.admin, w.tb}) {
    auto read = w.course.Summary(w.As(who), w.e_c1);
    EXPECT_FALSE(read.has_value()) << who;
  }
  EXPECT_TRUE(w.course.Summary(w.As(w.c1), w.e_c1).has_value());
}

TEST(CourseEnding, TheClientLooksBackOnceAfterTheEndAndTheSummaryKeepsItApart) {
  CourseWorld w;
  const auto rapport = [&](int each) {
    return w.feedback.SubmitResponse(
        w.As(w.c1), w.e_c1,
        SubmitRequest{"RAPPORT-CHECK", "client", testing_support::RapportCheck(each), {}});
  };
  ASSERT_TRUE(rapport(6).has_value());
  w.clock.Advance(std::chrono::hours(24 * 7));
  ASSERT_TRUE(rapport(7).has_value());
  w.clock.Advance(std::chrono::hours(24));
  ASSERT_TRUE(w.course.EndEpisode(w.As(w.t1), w.e_c1, CourseWorld::GoalsMet()).has_value());
  const auto due = [&] {
    auto assigned = w.feedback.AssignedInstruments(w.As(w.c1), w.e_c1, std::nullopt);
    EXPECT_TRUE(assigned.has_value());
    std::vector<std::string> codes;
    for (const AssignedInstrument& a : assigned.value_or(std::vector<AssignedInstrument>{})) {
      if (a.due) codes.push_back(a.code);
    }
    return codes;
  };
  EXPECT_EQ(due(), std::vector<std::string>{"RAPPORT-CHECK"}) << "only the look back";
  // Nothing else is taken once the course has ended.
  auto phq =
      w.feedback.SubmitResponse(w.As(w.c1), w.e_c1, SubmitRequest{"PHQ-9", "client", Phq9(1), {}});
  ASSERT_FALSE(phq.has_value());
  EXPECT_EQ(phq.error().code, ErrorCode::kFailedPrecondition);
  w.clock.Advance(std::chrono::hours(2));
  const std::size_t alerts = w.store->ListAlertsOfEpisode(w.e_c1)->size();
  auto looked = rapport(3);  // low, yet no alert: nobody acts on an ended course's rapport
  ASSERT_TRUE(looked.has_value()) << looked.error().message;
  EXPECT_EQ(w.store->ListAlertsOfEpisode(w.e_c1)->size(), alerts);
  EXPECT_TRUE(due().empty());
  auto again = rapport(9);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);

  auto summary = w.course.Summary(w.As(w.c1), w.e_c1);
  ASSERT_TRUE(summary.has_value()) << summary.error().message;
  ASSERT_TRUE(summary->looking_back.has_value());
  EXPECT_EQ(summary->looking_back->total, 18);
  EXPECT_EQ(summary->looking_back->max, 60);
  const auto measure =
      std::find_if(summary->measures.begin(), summary->measures.end(),
                   [](const MeasureSummary& m) { return m.instrument == "RAPPORT-CHECK"; });
  ASSERT_NE(measure, summary->measures.end());
  EXPECT_EQ(measure->answers, 2) << "the look back is not part of the course's series";
  EXPECT_EQ(measure->last, 42);
}

}  // namespace
}  // namespace rapport
