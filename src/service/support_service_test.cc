#include "service/support_service.h"

#include <gtest/gtest.h>

#include "domain/alerts.h"
#include "service/feedback_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

struct SupportWorld : World {
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules()};
  SupportService support{*store, clock, Catalog(), "https://clinic.example"};

  bool Due() {
    auto assigned = feedback.AssignedInstruments(As(c1), e_c1, std::nullopt);
    EXPECT_TRUE(assigned.has_value());
    for (const AssignedInstrument& a : assigned.value_or(std::vector<AssignedInstrument>{})) {
      if (a.code == kSupportCheckCode) return a.due;
    }
    return false;
  }

  void Answer(int alliance, int life_event, const std::string& comment = "") {
    Json answers = {{"sc_understood", alliance},
                    {"sc_same_goals", alliance},
                    {"sc_ready", 8},
                    {"sc_hope", 8},
                    {"sc_people", 8},
                    {"sc_backing", 8},
                    {"sc_life_events", life_event}};
    if (!comment.empty()) answers["sc_life_comment"] = comment;
    auto r = feedback.SubmitResponse(As(c1), e_c1,
                                     SubmitRequest{"SUPPORT-CHECK", "client", answers, {}});
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
};

TEST(SupportCheck, IsDueForTheClientFromTheTherapistsRequestUntilAnswered) {
  SupportWorld w;
  EXPECT_FALSE(w.Due()) << "not assigned, not asked";
  auto sent = w.support.Request(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  EXPECT_TRUE(sent->waiting);
  EXPECT_TRUE(w.Due());
  EXPECT_EQ(w.AuditCount("request", "support_check"), 1);
  w.clock.Advance(std::chrono::hours(2));
  w.Answer(8, 0);
  EXPECT_FALSE(w.Due()) << "answered: not asked again until the next request";
  w.clock.Advance(std::chrono::hours(24 * 14));
  EXPECT_FALSE(w.Due());
  ASSERT_TRUE(w.support.Request(w.As(w.t1), w.e_c1).has_value());
  EXPECT_TRUE(w.Due()) << "asked again";
}

TEST(SupportCheck, TheTherapistReadsTheAreasOfConcernWithCitedStrategies) {
  SupportWorld w;
  ASSERT_TRUE(w.support.Request(w.As(w.t1), w.e_c1).has_value());
  w.clock.Advance(std::chrono::hours(2));
  w.Answer(3, 1, "My father is in hospital.");
  auto view = w.support.Of(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(view.has_value()) << view.error().message;
  EXPECT_FALSE(view->waiting);
  ASSERT_TRUE(view->answered_at.has_value());
  ASSERT_EQ(view->findings.size(), 4u);
  EXPECT_EQ(view->findings[0].scale, "alliance");
  EXPECT_TRUE(view->findings[0].concern);
  ASSERT_FALSE(view->findings[0].strategies.empty());
  EXPECT_FALSE(view->findings[0].strategies[0].citation.empty());
  EXPECT_FALSE(view->findings[1].concern);
  EXPECT_TRUE(view->findings[3].concern);
  EXPECT_EQ(view->life_events_comment, "My father is in hospital.");
  EXPECT_EQ(w.AuditCount("read", "support_check"), 1);
}

TEST(SupportCheck, OnlyTheCareTeamSendsAndReadsIt) {
  SupportWorld w;
  EXPECT_EQ(w.support.Request(w.As(w.c1), w.e_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.support.Request(w.As(w.t2), w.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.support.Request(w.As(w.admin), w.e_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(w.support.Request(w.As(w.supervisor), w.e_c1).has_value());
  EXPECT_TRUE(w.support.Of(w.As(w.supervisor), w.e_c1).has_value());
  EXPECT_EQ(w.support.Of(w.As(w.c1), w.e_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.support.Of(w.As(w.g1), w.e_k1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.support.Of(w.As(w.t2), w.e_c1).error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace rapport
