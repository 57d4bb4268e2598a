#include "service/appointment_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "service/service_test_world.h"

namespace rapport {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::World;

constexpr std::int64_t kHour = 60LL * 60 * 1000;

std::vector<Notification> MailTo(World& w, const std::string& address) {
  std::vector<Notification> out;
  const auto mail = w.store->ListMail(w.clinic_a, DeliveryState::kPending, 0, 500);
  EXPECT_TRUE(mail.has_value());
  if (!mail) return out;
  for (const Notification& n : *mail) {
    if (n.address == address) out.push_back(n);
  }
  return out;
}

TEST(AppointmentRequests, AClientAsksToCancelTheTherapistIsToldAndAcceptingCancelsIt) {
  World w;
  AppointmentService service(*w.store, w.clock, "https://rapport.example");
  auto asked = service.RequestChange(w.As(w.c1), w.a_c1, ChangeKind::kCancel, "I have a fever");
  ASSERT_TRUE(asked.has_value()) << asked.error().message;
  EXPECT_EQ(asked->request.state, RequestState::kPending);
  EXPECT_FALSE(asked->request.short_notice) << "24 hours ahead meets the default notice rule";
  const User t1 = *w.store->GetUser(w.t1);
  ASSERT_EQ(MailTo(w, t1.email).size(), 1u);
  EXPECT_THAT(MailTo(w, t1.email)[0].body, HasSubstr("asked to cancel"));

  // One waiting request per appointment.
  EXPECT_EQ(service.RequestChange(w.As(w.c1), w.a_c1, ChangeKind::kCancel, "").error().code,
            ErrorCode::kAlreadyExists);
  auto waiting = service.WaitingForCare(w.As(w.t1));
  ASSERT_TRUE(waiting.has_value());
  ASSERT_EQ(waiting->size(), 1u);
  EXPECT_EQ(service.WaitingForCare(w.As(w.t2))->size(), 0u);

  // Only the episode's therapist or their supervisor answers.
  EXPECT_EQ(service.Decide(w.As(w.t2), asked->request.id, true, "", std::nullopt).error().code,
            ErrorCode::kNotFound);
  auto decided = service.Decide(w.As(w.t1), asked->request.id, true, "Get well soon", std::nullopt);
  ASSERT_TRUE(decided.has_value()) << decided.error().message;
  EXPECT_EQ(decided->request.state, RequestState::kAccepted);
  EXPECT_EQ(w.store->GetAppointment(w.a_c1)->status, AppointmentStatus::kCancelled);
  const User c1 = *w.store->GetUser(w.c1);
  ASSERT_EQ(MailTo(w, c1.email).size(), 1u);
  EXPECT_THAT(MailTo(w, c1.email)[0].body, HasSubstr("is cancelled"));
  EXPECT_EQ(service.Decide(w.As(w.t1), asked->request.id, false, "no", std::nullopt).error().code,
            ErrorCode::kFailedPrecondition);
}

TEST(AppointmentRequests, AskingInsideTheNoticePeriodIsAllowedAndMarkedShortNotice) {
  World w;
  AppointmentService service(*w.store, w.clock);
  w.clock.Advance(std::chrono::hours(20));  // the appointment is 4 hours away
  auto asked = service.RequestChange(w.As(w.c1), w.a_c1, ChangeKind::kCancel, "");
  ASSERT_TRUE(asked.has_value()) << asked.error().message;
  EXPECT_TRUE(asked->request.short_notice);
  EXPECT_EQ(asked->notice_hours, 24);
  // Once it has started, it is no longer the client's to change here.
  w.clock.Advance(std::chrono::hours(5));
  EXPECT_EQ(service.RequestChange(w.As(w.c1), w.a_c2, ChangeKind::kCancel, "").error().code,
            ErrorCode::kNotFound)
      << "someone else's appointment";
  ASSERT_TRUE(service.Withdraw(w.As(w.c1), asked->request.id).has_value());
  EXPECT_EQ(service.RequestChange(w.As(w.c1), w.a_c1, ChangeKind::kCancel, "").error().code,
            ErrorCode::kFailedPrecondition);
}

TEST(AppointmentRequests, AMoveNeedsTheClientsWordsAndTheNewTimeAndADeclineAReason) {
  World w;
  AppointmentService service(*w.store, w.clock);
  auto bare = service.RequestChange(w.As(w.c1), w.a_c1, ChangeKind::kMove, "  ");
  ASSERT_FALSE(bare.has_value());
  EXPECT_EQ(bare.error().fields.at(0).field, "note");
  auto asked =
      service.RequestChange(w.As(w.c1), w.a_c1, ChangeKind::kMove, "Any afternoon next week");
  ASSERT_TRUE(asked.has_value());
  const AppointmentRequestId id = asked->request.id;
  EXPECT_EQ(service.Decide(w.As(w.t1), id, true, "", std::nullopt).error().fields.at(0).field,
            "starts_at");
  EXPECT_EQ(service.Decide(w.As(w.t1), id, false, "", std::nullopt).error().fields.at(0).field,
            "reply");
  const Timestamp later = w.clock.Now() + 8 * 24 * kHour;
  auto moved = service.Decide(w.As(w.supervisor), id, true, "", later);
  ASSERT_TRUE(moved.has_value()) << moved.error().message;
  EXPECT_EQ(w.store->GetAppointment(w.a_c1)->starts_at, later);
  EXPECT_EQ(w.store->GetAppointment(w.a_c1)->status, AppointmentStatus::kScheduled);
}

TEST(CalendarFeed, TheSecretAddressServesTheOwnersAppointmentsUntilItIsReset) {
  World w;
  AppointmentService service(*w.store, w.clock);
  auto link = service.ResetCalendarFeed(w.As(w.c1));
  ASSERT_TRUE(link.has_value()) << link.error().message;
  ASSERT_EQ(link->path.rfind("/api/v1/calendar/", 0), 0u);
  const std::string secret =
      link->path.substr(17, link->path.size() - 17 - 4);  // without the prefix and ".ics"
  auto feed = service.CalendarFeed(secret, "192.0.2.1");
  ASSERT_TRUE(feed.has_value()) << feed.error().message;
  EXPECT_THAT(*feed, HasSubstr("UID:appointment-" + std::to_string(w.a_c1) + "@rapport"));
  EXPECT_THAT(*feed, Not(HasSubstr("appointment-" + std::to_string(w.a_c2))));
  // Only the hash is kept.
  EXPECT_FALSE(w.store->FindCalendarFeed(secret).has_value());
  // Resetting ends the old address at once.
  ASSERT_TRUE(service.ResetCalendarFeed(w.As(w.c1)).has_value());
  EXPECT_EQ(service.CalendarFeed(secret, "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service.CalendarFeed("guess", "x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service.ResetCalendarFeed(w.As(w.admin)).error().code, ErrorCode::kPermissionDenied);
}

TEST(CalendarFeed, ATherapistsFeedNamesNoClientWhileAClientsNamesTheirTherapist) {
  World w;
  AppointmentService service(*w.store, w.clock);
  const auto feed_of = [&](UserId owner) -> std::string {
    auto link = service.ResetCalendarFeed(w.As(owner));
    if (!link) return "no feed: " + link.error().message;
    auto feed = service.CalendarFeed(link->path.substr(17, link->path.size() - 17 - 4), "x");
    return feed ? *feed : "no feed: " + feed.error().message;
  };
  const User therapist = *w.store->GetUser(w.t1);
  const User client = *w.store->GetUser(w.c1);
  const std::string therapists = feed_of(w.t1);
  EXPECT_THAT(therapists, HasSubstr("UID:appointment-" + std::to_string(w.a_c1) + "@rapport"));
  EXPECT_THAT(therapists, HasSubstr("SUMMARY:Client session"));
  EXPECT_THAT(therapists, Not(HasSubstr(client.display_name)));
  const std::string clients = feed_of(w.c1);
  EXPECT_THAT(clients, HasSubstr("SUMMARY:Session with " + therapist.display_name));
}

TEST(Reminders, EachClientIsRemindedOnceTheDayBeforeAndAgainAfterAMove) {
  World w;
  const auto run = [&] {
    return w.store->Write([&](WriteTxn& txn) {
      return QueueAppointmentReminders(txn, *w.store, w.clinic_a, w.clock.Now(),
                                       "https://r.example");
    });
  };
  const User c1 = *w.store->GetUser(w.c1);
  w.clock.Advance(-std::chrono::hours(2));  // 26 hours ahead: not yet
  ASSERT_TRUE(run().has_value());
  EXPECT_EQ(MailTo(w, c1.email).size(), 0u);
  w.clock.Advance(std::chrono::hours(3));  // 23 hours ahead
  ASSERT_TRUE(run().has_value());
  ASSERT_TRUE(run().has_value());
  ASSERT_EQ(MailTo(w, c1.email).size(), 1u) << "once, however often the job runs";
  EXPECT_THAT(MailTo(w, c1.email)[0].body, HasSubstr("reminder"));
  Appointment a = *w.store->GetAppointment(w.a_c1);
  a.starts_at -= 2 * kHour;
  ASSERT_TRUE(w.store->Write([&](WriteTxn& txn) { return txn.UpdateAppointment(a); }).has_value());
  ASSERT_TRUE(run().has_value());
  EXPECT_EQ(MailTo(w, c1.email).size(), 2u) << "a moved appointment is reminded of again";
}

}  // namespace
}  // namespace rapport
