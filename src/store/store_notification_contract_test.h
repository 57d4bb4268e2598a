#pragma once
// The Store contract for reaching people: the notification outbox, the scheduler's jobs, on-call
// shifts, preferences and the clinic's safety configuration. Part of the one contract suite:
// include after store_contract_test.h from the backend's test file and instantiate
// StoreNotificationContractTest like the others.

#include <set>

#include "store/store_contract_test.h"

namespace rapport {

class StoreNotificationContractTest : public StoreContractTest {
 protected:
  struct World {
    ClinicId clinic = 0;
    UserId therapist = 0, supervisor = 0, client = 0;
    EpisodeId episode = 0;
    AlertId alert = 0;
  };

  World MakeWorld() {
    World w;
    w.clinic = AddClinic();
    w.therapist = AddUser(w.clinic, "t@example.org", Role::kTherapist);
    w.supervisor = AddUser(w.clinic, "s@example.org", Role::kSupervisor);
    w.client = AddUser(w.clinic, "c@example.org", Role::kClient);
    w.episode = AddEpisode(w.clinic, w.client, w.therapist);
    w.alert = Put([&](WriteTxn& txn) {
      return txn.InsertAlert(MakeAlert(w.clinic, w.episode, std::nullopt, kT0));
    });
    return w;
  }

  static Notification MakeMail(const World& w, UserId to, Timestamp due,
                               const std::string& key = "") {
    Notification n;
    n.clinic_id = w.clinic;
    n.alert_id = w.alert;
    n.recipient_id = to;
    n.channel = Channel::kEmail;
    n.reason = "alert";
    n.dedupe_key = key;
    n.address = "t@example.org";
    n.subject = "A client needs your attention";
    n.body = "Sign in to Rapport.";
    n.created_at = kT0;
    n.next_attempt_at = due;
    return n;
  }

  NotificationId AddNotification(const Notification& n) {
    return Put([&](WriteTxn& txn) { return txn.InsertNotification(n); });
  }

  std::vector<Notification> Claim(Timestamp now, Timestamp lease_until, int limit = 100) {
    std::vector<Notification> claimed;
    EXPECT_THAT(Do([&](WriteTxn& txn) -> Status {
                  RAPPORT_ASSIGN_OR_RETURN(claimed,
                                           txn.ClaimDueNotifications(now, lease_until, limit));
                  return Ok();
                }),
                IsOk());
    return claimed;
  }

  static Job MakeJob(ClinicId clinic, const std::string& key, Timestamp due) {
    Job j;
    j.clinic_id = clinic;
    j.kind = "escalate";
    j.key = key;
    j.payload_json = R"({"alert_id":1,"step":1})";
    j.due_at = due;
    return j;
  }
};

TEST_P(StoreNotificationContractTest, NotificationsRoundTripEveryField) {
  const World w = MakeWorld();
  Notification n = MakeMail(w, w.therapist, kT0 + 1, "alert:1:step:0:email");
  n.step = 2;
  n.payload_json = R"({"type":"alert"})";
  const NotificationId id = AddNotification(n);
  auto got = store().GetNotification(id);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->clinic_id, w.clinic);
  EXPECT_EQ(got->alert_id, w.alert);
  EXPECT_EQ(got->recipient_id, w.therapist);
  EXPECT_EQ(got->channel, Channel::kEmail);
  EXPECT_EQ(got->reason, "alert");
  EXPECT_EQ(got->step, 2);
  EXPECT_EQ(got->dedupe_key, "alert:1:step:0:email");
  EXPECT_EQ(got->address, "t@example.org");
  EXPECT_EQ(got->subject, "A client needs your attention");
  EXPECT_EQ(got->body, "Sign in to Rapport.");
  EXPECT_EQ(got->payload_json, R"({"type":"alert"})");
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->state, DeliveryState::kPending);
  EXPECT_EQ(got->attempts, 0);
  EXPECT_EQ(got->next_attempt_at, kT0 + 1);
  EXPECT_EQ(got->delivered_at, std::nullopt);
  EXPECT_THAT(store().GetNotification(id + 100), FailsWith(ErrorCode::kNotFound));
  auto of_alert = store().ListNotificationsOfAlert(w.alert);
  ASSERT_THAT(of_alert, IsOk());
  ASSERT_EQ(of_alert->size(), 1U);
  EXPECT_EQ((*of_alert)[0].id, id);
}

TEST_P(StoreNotificationContractTest, ADedupeKeyIsWrittenOnceAndEmptyKeysNeverCollide) {
  const World w = MakeWorld();
  AddNotification(MakeMail(w, w.therapist, kT0, "same"));
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(txn.InsertNotification(MakeMail(w, w.supervisor, kT0, "same")));
              }),
              FailsWith(ErrorCode::kAlreadyExists));
  AddNotification(MakeMail(w, w.therapist, kT0));
  AddNotification(MakeMail(w, w.therapist, kT0));
  EXPECT_EQ(store().ListNotificationsOfAlert(w.alert)->size(), 3U);
}

TEST_P(StoreNotificationContractTest, ANotificationOfAMissingRecipientIsInvalidArgument) {
  const World w = MakeWorld();
  EXPECT_THAT(Do([&](WriteTxn& txn) {
                return DropValue(txn.InsertNotification(MakeMail(w, w.client + 100, kT0)));
              }),
              FailsWith(ErrorCode::kInvalidArgument));
}

TEST_P(StoreNotificationContractTest, ClaimTakesOnlyDueOnesOldestFirstAndLeasesThem) {
  const World w = MakeWorld();
  const NotificationId later = AddNotification(MakeMail(w, w.therapist, kT0 + 50));
  const NotificationId second = AddNotification(MakeMail(w, w.therapist, kT0 + 20));
  const NotificationId first = AddNotification(MakeMail(w, w.supervisor, kT0 + 10));
  const auto claimed = Claim(kT0 + 30, kT0 + 1'000);
  ASSERT_EQ(claimed.size(), 2U);
  std::set<NotificationId> ids{claimed[0].id, claimed[1].id};
  EXPECT_EQ(ids, (std::set<NotificationId>{first, second}));
  for (const Notification& n : claimed) {
    EXPECT_EQ(n.state, DeliveryState::kSending);
    EXPECT_EQ(n.attempts, 1);
    EXPECT_EQ(n.next_attempt_at, kT0 + 1'000);
  }
  // While the lease runs, nobody else takes them; the later one is now due.
  const auto again = Claim(kT0 + 60, kT0 + 2'000);
  ASSERT_EQ(again.size(), 1U);
  EXPECT_EQ(again[0].id, later);
  // A worker that died leaves its lease to run out: then they are due again, attempt 2.
  const auto after_crash = Claim(kT0 + 1'000, kT0 + 3'000);
  ASSERT_EQ(after_crash.size(), 2U);
  EXPECT_EQ(after_crash[0].attempts, 2);
  // The limit holds.
  AddNotification(MakeMail(w, w.therapist, kT0));
  AddNotification(MakeMail(w, w.therapist, kT0));
  EXPECT_EQ(Claim(kT0 + 1, kT0 + 10, 1).size(), 1U);
}

TEST_P(StoreNotificationContractTest, ClaimTakesLivePushesThenAlertMailBeforeOlderRequests) {
  const World w = MakeWorld();
  Notification request = MakeMail(w, w.client, kT0);
  request.reason = "feedback_request";
  const NotificationId old_request = AddNotification(request);
  Notification escalation = MakeMail(w, w.supervisor, kT0 + 5);
  escalation.reason = "escalation";
  const NotificationId escalation_mail = AddNotification(escalation);
  Notification live = MakeMail(w, w.therapist, kT0 + 9);
  live.channel = Channel::kLive;
  live.address.clear();
  const NotificationId live_push = AddNotification(live);
  // With room for two, the older request waits for the next round.
  const auto claimed = Claim(kT0 + 10, kT0 + 1'000, 2);
  ASSERT_EQ(claimed.size(), 2U);
  EXPECT_EQ(claimed[0].id, live_push);
  EXPECT_EQ(claimed[1].id, escalation_mail);
  const auto next = Claim(kT0 + 10, kT0 + 1'000, 2);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_EQ(next[0].id, old_request);
}

TEST_P(StoreNotificationContractTest, ConcurrentClaimsNeverShareANotification) {
  const World w = MakeWorld();
  constexpr int kCount = 60;
  for (int i = 0; i < kCount; ++i) AddNotification(MakeMail(w, w.therapist, kT0 + i));
  std::vector<Notification> a, b;
  std::thread left([&] {
    for (int i = 0; i < 10; ++i) {
      auto got = Claim(kT0 + kCount, kT0 + 100'000, 4);
      a.insert(a.end(), got.begin(), got.end());
    }
  });
  std::thread right([&] {
    for (int i = 0; i < 10; ++i) {
      auto got = Claim(kT0 + kCount, kT0 + 100'000, 4);
      b.insert(b.end(), got.begin(), got.end());
    }
  });
  left.join();
  right.join();
  std::set<NotificationId> seen;
  for (const auto& n : a) seen.insert(n.id);
  for (const auto& n : b) EXPECT_FALSE(seen.contains(n.id)) << "claimed twice: " << n.id;
  for (const auto& n : b) seen.insert(n.id);
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kCount));
}

TEST_P(StoreNotificationContractTest, ADeliveredNotificationIsNeverDueAgain) {
  const World w = MakeWorld();
  const NotificationId id = AddNotification(MakeMail(w, w.therapist, kT0));
  EXPECT_EQ(*store().NextNotificationDue(), std::optional<Timestamp>(kT0));
  auto claimed = Claim(kT0, kT0 + 100);
  ASSERT_EQ(claimed.size(), 1U);
  Notification n = claimed[0];
  n.state = DeliveryState::kSent;
  n.delivered_at = kT0 + 5;
  n.last_error = "";
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateNotificationDelivery(n); }), IsOk());
  EXPECT_TRUE(Claim(kT0 + 1'000'000, kT0 + 2'000'000).empty());
  EXPECT_EQ(*store().NextNotificationDue(), std::nullopt);
  auto got = store().GetNotification(id);
  EXPECT_EQ(got->state, DeliveryState::kSent);
  EXPECT_EQ(got->delivered_at, kT0 + 5);
  n.id += 100;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateNotificationDelivery(n); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreNotificationContractTest, HeldMailIsListedNewestFirstPageByPage) {
  const World w = MakeWorld();
  std::vector<NotificationId> held;
  for (int i = 0; i < 5; ++i) {
    Notification n = MakeMail(w, w.therapist, kT0);
    n.state = i == 2 ? DeliveryState::kSent : DeliveryState::kHeld;
    const NotificationId id = AddNotification(n);
    if (i != 2) held.push_back(id);
  }
  auto page = store().ListMail(w.clinic, DeliveryState::kHeld, 0, 3);
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->size(), 3U);
  EXPECT_EQ((*page)[0].id, held[3]);
  EXPECT_EQ((*page)[2].id, held[1]);
  auto rest = store().ListMail(w.clinic, DeliveryState::kHeld, (*page)[2].id, 3);
  ASSERT_EQ(rest->size(), 1U);
  EXPECT_EQ((*rest)[0].id, held[0]);
  EXPECT_TRUE(store().ListMail(w.clinic + 1, DeliveryState::kHeld, 0, 3)->empty());
}

TEST_P(StoreNotificationContractTest, NotificationsOfAFailedWriteAreRolledBackWithIt) {
  const World w = MakeWorld();
  const Status written = Do([&](WriteTxn& txn) -> Status {
    RAPPORT_RETURN_IF_ERROR(DropValue(txn.InsertNotification(MakeMail(w, w.therapist, kT0))));
    RAPPORT_RETURN_IF_ERROR(DropValue(txn.InsertJob(MakeJob(w.clinic, "k", kT0))));
    return Fail(Error::FailedPrecondition("the alert was not written"));
  });
  EXPECT_THAT(written, FailsWith(ErrorCode::kFailedPrecondition));
  EXPECT_TRUE(store().ListNotificationsOfAlert(w.alert)->empty());
  EXPECT_TRUE(store().ListDueJobs(kT0 + 1'000, 10)->empty());
}

TEST_P(StoreNotificationContractTest, AJobKeyIsScheduledOnceAndKeepsItsFirstDueTime) {
  const World w = MakeWorld();
  const JobId id = Put([&](WriteTxn& txn) { return txn.InsertJob(MakeJob(w.clinic, "a", kT0)); });
  const JobId again =
      Put([&](WriteTxn& txn) { return txn.InsertJob(MakeJob(w.clinic, "a", kT0 + 99)); });
  EXPECT_EQ(again, id);
  auto job = Put([&](WriteTxn& txn) { return txn.GetJob(id); });
  EXPECT_EQ(job.due_at, kT0);
  EXPECT_EQ(job.kind, "escalate");
  EXPECT_EQ(job.key, "a");
  EXPECT_EQ(job.payload_json, R"({"alert_id":1,"step":1})");
  EXPECT_EQ(job.state, JobState::kPending);
  EXPECT_EQ(store().ListJobs(w.clinic, "escalate")->size(), 1U);
}

TEST_P(StoreNotificationContractTest, DueJobsAreListedByDueTimeAndLeaveOnceDone) {
  const World w = MakeWorld();
  const JobId late =
      Put([&](WriteTxn& txn) { return txn.InsertJob(MakeJob(w.clinic, "l", kT0 + 9)); });
  const JobId early =
      Put([&](WriteTxn& txn) { return txn.InsertJob(MakeJob(w.clinic, "e", kT0 + 1)); });
  Put([&](WriteTxn& txn) { return txn.InsertJob(MakeJob(w.clinic, "f", kT0 + 500)); });
  EXPECT_EQ(*store().NextJobDue(), std::optional<Timestamp>(kT0 + 1));
  auto due = store().ListDueJobs(kT0 + 10, 10);
  ASSERT_THAT(due, IsOk());
  ASSERT_EQ(due->size(), 2U);
  EXPECT_EQ((*due)[0].id, early);
  EXPECT_EQ((*due)[1].id, late);
  Job done = (*due)[0];
  done.state = JobState::kDone;
  done.done_at = kT0 + 10;
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateJob(done); }), IsOk());
  due = store().ListDueJobs(kT0 + 10, 10);
  ASSERT_EQ(due->size(), 1U);
  EXPECT_EQ((*due)[0].id, late);
  EXPECT_EQ(*store().NextJobDue(), std::optional<Timestamp>(kT0 + 9));
  done.id = 999;
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.UpdateJob(done); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreNotificationContractTest, ClinicSafetyChannelsAndCrisisSetsRoundTripWithDefaults) {
  const World w = MakeWorld();
  EXPECT_EQ(*store().GetSafetySettingsJson(w.clinic), std::nullopt);
  EXPECT_EQ(store().GetClinicChannels(w.clinic)->webhook_url, "");
  EXPECT_TRUE(store().ListClinicCrisisSets(w.clinic)->empty());
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.PutSafetySettings(w.clinic, R"({"a":1})"));
                RAPPORT_RETURN_IF_ERROR(txn.PutSafetySettings(w.clinic, R"({"a":2})"));
                RAPPORT_RETURN_IF_ERROR(txn.PutClinicChannels(
                    ClinicChannels{w.clinic, "https://pager.example/hook", "s3cret", "x@y.z"}));
                RAPPORT_RETURN_IF_ERROR(txn.PutClinicCrisisSet(
                    ClinicCrisisSet{w.clinic, "GB", R"({"v":1})", w.therapist, kT0}));
                RAPPORT_RETURN_IF_ERROR(txn.PutClinicCrisisSet(
                    ClinicCrisisSet{w.clinic, "GB", R"({"v":2})", w.supervisor, kT0 + 1}));
                return txn.PutClinicCrisisSet(
                    ClinicCrisisSet{w.clinic, "DE", R"({"v":3})", w.therapist, kT0});
              }),
              IsOk());
  EXPECT_EQ(*store().GetSafetySettingsJson(w.clinic), std::optional<std::string>(R"({"a":2})"));
  const auto channels = store().GetClinicChannels(w.clinic);
  EXPECT_EQ(channels->webhook_url, "https://pager.example/hook");
  EXPECT_EQ(channels->webhook_secret, "s3cret");
  EXPECT_EQ(channels->mail_from, "x@y.z");
  const auto sets = store().ListClinicCrisisSets(w.clinic);
  ASSERT_EQ(sets->size(), 2U);
  EXPECT_EQ((*sets)[0].country, "DE");
  EXPECT_EQ((*sets)[1].set_json, R"({"v":2})");
  EXPECT_EQ((*sets)[1].updated_by, w.supervisor);
  ASSERT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteClinicCrisisSet(w.clinic, "DE"); }), IsOk());
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteClinicCrisisSet(w.clinic, "DE"); }),
              FailsWith(ErrorCode::kNotFound));
  EXPECT_EQ(store().ListClinicCrisisSets(w.clinic)->size(), 1U);
  // The write transaction reads what it wrote.
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_RETURN_IF_ERROR(txn.PutSafetySettings(w.clinic, R"({"a":3})"));
                RAPPORT_ASSIGN_OR_RETURN(const auto json, txn.GetSafetySettingsJson(w.clinic));
                EXPECT_EQ(json, std::optional<std::string>(R"({"a":3})"));
                return Ok();
              }),
              IsOk());
}

TEST_P(StoreNotificationContractTest, PreferencesDefaultUntilChosen) {
  const World w = MakeWorld();
  auto p = store().GetNotificationPreferences(w.therapist);
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE(p->email);
  EXPECT_TRUE(p->live);
  EXPECT_EQ(p->email_min_severity, Severity::kHigh);
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.PutNotificationPreferences(
                    NotificationPreferences{w.therapist, false, Severity::kCritical, true});
              }),
              IsOk());
  p = store().GetNotificationPreferences(w.therapist);
  EXPECT_FALSE(p->email);
  EXPECT_EQ(p->email_min_severity, Severity::kCritical);
}

TEST_P(StoreNotificationContractTest, OnCallShiftsAreFoundByOverlap) {
  const World w = MakeWorld();
  const ShiftId night = Put([&](WriteTxn& txn) {
    return txn.InsertOnCallShift(OnCallShift{0, w.clinic, w.supervisor, kT0, kT0 + 100});
  });
  Put([&](WriteTxn& txn) {
    return txn.InsertOnCallShift(OnCallShift{0, w.clinic, w.therapist, kT0 + 100, kT0 + 200});
  });
  EXPECT_THAT(
      Do([&](WriteTxn& txn) {
        return DropValue(txn.InsertOnCallShift(OnCallShift{0, w.clinic, w.therapist, kT0, kT0}));
      }),
      FailsWith(ErrorCode::kInvalidArgument));
  EXPECT_EQ(store().ListOnCallShifts(w.clinic, kT0 + 50, kT0 + 150)->size(), 2U);
  EXPECT_EQ(store().ListOnCallShifts(w.clinic, kT0 + 100, kT0 + 101)->front().user_id, w.therapist);
  ASSERT_THAT(Do([&](WriteTxn& txn) -> Status {
                RAPPORT_ASSIGN_OR_RETURN(const auto at, txn.ListOnCallShiftsAt(w.clinic, kT0 + 99));
                EXPECT_EQ(at.size(), 1U);
                // Another clinic's shift is not there to delete.
                EXPECT_THAT(txn.DeleteOnCallShift(w.clinic + 1, night),
                            FailsWith(ErrorCode::kNotFound));
                return txn.DeleteOnCallShift(w.clinic, night);
              }),
              IsOk());
  EXPECT_THAT(Do([&](WriteTxn& txn) { return txn.DeleteOnCallShift(w.clinic, night); }),
              FailsWith(ErrorCode::kNotFound));
}

TEST_P(StoreNotificationContractTest, AClientsCountryRoundTrips) {
  const World w = MakeWorld();
  ASSERT_THAT(Do([&](WriteTxn& txn) {
                return txn.UpsertClientProfile(ClientProfile{w.client, "", "Sam", "GB"});
              }),
              IsOk());
  EXPECT_EQ(store().GetClientProfile(w.client)->country, "GB");
}

}  // namespace rapport
