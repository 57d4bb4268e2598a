#include "service/rupture_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "domain/alerts.h"
#include "domain/test_instruments.h"
#include "service/feedback_service.h"
#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;
using testing_support::RapportCheck;

const InstrumentCatalog& Catalog() {
  static const InstrumentCatalog catalog = *InstrumentCatalog::Shipped();
  return catalog;
}

struct RuptureWorld : World {
  FeedbackService feedback{*store, clock, Catalog(), ShippedAlertRules()};
  RuptureService ruptures{*store, clock, Catalog()};

  RuptureWorld() {
    EXPECT_TRUE(store->Write([&](WriteTxn& txn) -> Status {
      for (const auto& a : FeedbackService::DefaultAssignments(e_c1, false, clock.Now())) {
        RAPPORT_RETURN_IF_ERROR(txn.UpsertAssignment(a));
      }
      return Ok();
    }));
  }

  // A Rapport Check of 6 x `each` (of 60) from the client, a day later each time.
  void Check(int each) {
    clock.Advance(std::chrono::hours(24));
    auto r = feedback.SubmitResponse(
        As(c1), e_c1, SubmitRequest{"RAPPORT-CHECK", "client", RapportCheck(each), {}});
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }

  RuptureView Noted(std::string_view what = "Went quiet when homework came up") {
    auto noted = ruptures.Note(
        As(t1), e_c1, RuptureNote{RuptureSource::kInSession, std::nullopt, std::string(what)});
    EXPECT_TRUE(noted.has_value()) << noted.error().message;
    return noted.value_or(RuptureView{});
  }
};

TEST(Ruptures, ARepairIsWrittenOnceAndRecoveryIsReadFromTheRapportChecksAfterIt) {
  RuptureWorld w;
  w.Check(9);  // 54 of 60: the level before
  w.Check(5);  // 30: the drop
  w.clock.Advance(std::chrono::hours(1));
  const RuptureView noted = w.Noted();
  EXPECT_EQ(noted.recovery.before, 30) << "the latest Check before the rupture was noted";
  w.clock.Advance(std::chrono::hours(1));
  auto repaired = w.ruptures.Repair(
      w.As(w.t1), noted.rupture.id,
      RepairNote{"I asked how the homework landed; it felt like a test.", "Smaller steps"});
  ASSERT_TRUE(repaired.has_value()) << repaired.error().message;
  ASSERT_TRUE(repaired->rupture.repair.has_value());
  EXPECT_EQ(repaired->repaired_by_name, "Tara One");
  EXPECT_FALSE(repaired->recovery.recovered_at.has_value());
  // A second repair note is refused; the first stands.
  auto again = w.ruptures.Repair(w.As(w.t1), noted.rupture.id, RepairNote{"Again", ""});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);

  w.Check(7);  // 42: better, not yet back to the cutoff of 48
  auto listed = w.ruptures.OfEpisode(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(listed.has_value()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE((*listed)[0].recovery.recovered_at.has_value());
  EXPECT_EQ((*listed)[0].recovery.target, 48);
  w.Check(9);  // 54: recovered
  listed = w.ruptures.OfEpisode(w.As(w.t1), w.e_c1);
  ASSERT_TRUE(listed.has_value());
  ASSERT_TRUE((*listed)[0].recovery.recovered_at.has_value());
  EXPECT_EQ((*listed)[0].recovery.recovered_at, w.clock.Now());
  EXPECT_EQ((*listed)[0].rupture.repair->what_was_said,
            "I asked how the homework landed; it felt like a test.");
  EXPECT_GE(w.AuditCount("read", "rupture"), 2);
}

TEST(Ruptures, OnlyTheCareTeamNotesAndReadsThem) {
  RuptureWorld w;
  const RuptureView noted = w.Noted();
  EXPECT_TRUE(w.ruptures.OfEpisode(w.As(w.supervisor), w.e_c1).has_value());
  EXPECT_EQ(w.ruptures.OfEpisode(w.As(w.t2), w.e_c1).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(w.ruptures.OfEpisode(w.As(w.c1), w.e_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.ruptures.OfEpisode(w.As(w.admin), w.e_c1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(w.ruptures.OfEpisode(w.As(w.g1), w.e_k1).error().code, ErrorCode::kPermissionDenied);
  EXPECT_FALSE(w.ruptures
                   .Note(w.As(w.c1), w.e_c1,
                         RuptureNote{RuptureSource::kOther, std::nullopt, "From the client"})
                   .has_value());
  EXPECT_FALSE(
      w.ruptures.Repair(w.As(w.t2), noted.rupture.id, RepairNote{"Not mine", ""}).has_value());
  EXPECT_FALSE(w.store->GetRupture(noted.rupture.id)->repair.has_value());
}

TEST(Ruptures, ARuptureFromAnAlertMustNameAnAlertOfTheEpisode) {
  RuptureWorld w;
  auto refused = w.ruptures.Note(
      w.As(w.t1), w.e_c1, RuptureNote{RuptureSource::kRapportAlert, AlertId{999}, "Dropped"});
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().fields,
              ::testing::Contains(::testing::Field(&FieldError::field, "alert_id")));
  // A low Rapport Check raises an alert, which the rupture can name.
  w.Check(3);
  auto alerts = w.store->ListAlertsOfEpisode(w.e_c1);
  ASSERT_TRUE(alerts.has_value());
  ASSERT_FALSE(alerts->empty());
  auto noted = w.ruptures.Note(
      w.As(w.t1), w.e_c1,
      RuptureNote{RuptureSource::kRapportAlert, alerts->front().id, "Rapport dropped"});
  ASSERT_TRUE(noted.has_value()) << noted.error().message;
  EXPECT_EQ(noted->rupture.note.alert_id, alerts->front().id);
}

TEST(Ruptures, ASupervisorSeesTheirSuperviseesRupturesWaitingPastTheClinicsTime) {
  RuptureWorld w;
  const RuptureView waiting = w.Noted("Cancelled twice after the last session");
  w.clock.Advance(std::chrono::hours(71));
  auto early = w.ruptures.Unrepaired(w.As(w.supervisor));
  ASSERT_TRUE(early.has_value()) << early.error().message;
  EXPECT_TRUE(early->empty()) << "72 hours by default";
  w.clock.Advance(std::chrono::hours(2));
  auto late = w.ruptures.Unrepaired(w.As(w.supervisor));
  ASSERT_TRUE(late.has_value());
  ASSERT_EQ(late->size(), 1u);
  EXPECT_EQ((*late)[0].rupture.id, waiting.rupture.id);
  EXPECT_EQ((*late)[0].therapist_name, "Tara One");
  EXPECT_EQ((*late)[0].client_name, "Cleo Client");
  // A repair takes it off the list; only supervisors have the list.
  ASSERT_TRUE(
      w.ruptures.Repair(w.As(w.t1), waiting.rupture.id, RepairNote{"We talked", ""}).has_value());
  EXPECT_TRUE(w.ruptures.Unrepaired(w.As(w.supervisor))->empty());
  EXPECT_EQ(w.ruptures.Unrepaired(w.As(w.t1)).error().code, ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace rapport
