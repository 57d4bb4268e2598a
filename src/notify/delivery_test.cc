// The delivery worker against the real SQLite store with fault-injecting fakes of the mail,
// webhook and live channels: held mail, retries with back-off, giving up, and a worker that died
// after claiming.

#include "notify/delivery.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <vector>

#include "core/crypto.h"
#include "store/sqlite/sqlite_store.h"

namespace rapport {
namespace {

namespace fs = std::filesystem;

// Fails the next `failures` sends with `code`, then accepts; remembers what it accepted.
class FlakyMail final : public MailSender {
 public:
  Status Send(const MailMessage& message) override {
    tried.push_back(message);
    if (failures > 0) {
      --failures;
      return Fail(Error{code, "the relay said try later", {}});
    }
    sent.push_back(message);
    return Ok();
  }
  int failures = 0;
  ErrorCode code = ErrorCode::kUnavailable;
  std::vector<MailMessage> tried, sent;
};

class RecordingWebhook final : public WebhookSender {
 public:
  Status Post(const WebhookCall& call) override {
    calls.push_back(call);
    return Ok();
  }
  std::vector<WebhookCall> calls;
};

class Pages final : public LiveChannel {
 public:
  int Publish(UserId user, const std::string& event) override {
    events.emplace_back(user, event);
    return open;
  }
  int open = 1;
  std::vector<std::pair<UserId, std::string>> events;
};

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().has_value());
    dir_ = fs::temp_directory_path() / ("rapport-delivery-" + RandomHex(6));
    SqliteStoreOptions options;
    options.path = (dir_ / "rapport.db").string();
    auto opened = SqliteStore::Open(options);
    ASSERT_TRUE(opened.has_value());
    store_ = std::move(*opened);
    ASSERT_TRUE(store_
                    ->Write([&](WriteTxn& txn) -> Status {
                      RAPPORT_ASSIGN_OR_RETURN(clinic_,
                                               txn.InsertClinic(Clinic{0, "Northside", {}}));
                      RAPPORT_ASSIGN_OR_RETURN(
                          therapist_, txn.InsertUser(NewUser{clinic_, "t@northside.example", "Tara",
                                                             Role::kTherapist, "", 0, true}));
                      return Ok();
                    })
                    .has_value());
  }
  void TearDown() override {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  NotificationId Queue(Channel channel, const std::string& address = "t@northside.example") {
    Notification n;
    n.clinic_id = clinic_;
    n.recipient_id = therapist_;
    n.channel = channel;
    n.reason = "alert";
    n.address = address;
    n.subject = "Rapport: a client needs your attention";
    n.body = "Please sign in.";
    n.payload_json = R"({"type":"alert","alert_id":7})";
    n.created_at = clock_.Now();
    n.next_attempt_at = clock_.Now();
    NotificationId id = 0;
    EXPECT_TRUE(store_
                    ->Write([&](WriteTxn& txn) -> Status {
                      RAPPORT_ASSIGN_OR_RETURN(id, txn.InsertNotification(n));
                      return Ok();
                    })
                    .has_value());
    return id;
  }

  Notification Stored(NotificationId id) { return *store_->GetNotification(id); }

  fs::path dir_;
  std::unique_ptr<SqliteStore> store_;
  FakeClock clock_{1'780'304'400'000};
  ClinicId clinic_ = 0;
  UserId therapist_ = 0;
};

TEST_F(DeliveryTest, WithoutARelayMailIsHeldForTheAdminsOutbox) {
  const NotificationId id = Queue(Channel::kEmail);
  DeliveryWorker worker(*store_, clock_, nullptr, nullptr, nullptr);
  EXPECT_EQ(*worker.RunOnce(), 1);
  EXPECT_EQ(Stored(id).state, DeliveryState::kHeld);
  EXPECT_EQ(store_->ListMail(clinic_, DeliveryState::kHeld, 0, 10)->size(), 1U);
  EXPECT_EQ(*worker.RunOnce(), 0) << "held mail is not due again";
}

TEST_F(DeliveryTest, ATemporaryFailureIsRetriedWithBackOffAndTheSameMessageId) {
  const NotificationId id = Queue(Channel::kEmail);
  FlakyMail mail;
  mail.failures = 2;
  DeliveryWorker worker(*store_, clock_, &mail, nullptr, nullptr);
  EXPECT_EQ(*worker.RunOnce(), 1);
  Notification n = Stored(id);
  EXPECT_EQ(n.state, DeliveryState::kPending);
  EXPECT_EQ(n.attempts, 1);
  EXPECT_EQ(n.next_attempt_at, clock_.Now() + 5'000);
  EXPECT_EQ(n.last_error, "the relay said try later");
  EXPECT_EQ(*worker.RunOnce(), 0) << "not before its back-off";
  clock_.Advance(std::chrono::seconds(5));
  EXPECT_EQ(*worker.RunOnce(), 1);
  EXPECT_EQ(Stored(id).next_attempt_at, clock_.Now() + 10'000) << "the back-off doubles";
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(*worker.RunOnce(), 1);
  n = Stored(id);
  EXPECT_EQ(n.state, DeliveryState::kSent);
  EXPECT_EQ(n.delivered_at, clock_.Now());
  EXPECT_EQ(n.last_error, "");
  ASSERT_EQ(mail.tried.size(), 3U);
  ASSERT_EQ(mail.sent.size(), 1U);
  EXPECT_EQ(mail.tried[0].message_id, mail.tried[2].message_id);
  EXPECT_EQ(mail.sent[0].to, "t@northside.example");
  EXPECT_EQ(mail.sent[0].from, DeliveryOptions{}.mail_from);
}

TEST_F(DeliveryTest, ARefusedAddressFailsAtOnceWithItsReason) {
  const NotificationId id = Queue(Channel::kEmail);
  FlakyMail mail;
  mail.failures = 1;
  mail.code = ErrorCode::kInvalidArgument;
  DeliveryWorker worker(*store_, clock_, &mail, nullptr, nullptr);
  EXPECT_EQ(*worker.RunOnce(), 1);
  EXPECT_EQ(Stored(id).state, DeliveryState::kFailed);
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(*worker.RunOnce(), 0);
}

TEST_F(DeliveryTest, ItGivesUpAfterTheLastAttempt) {
  const NotificationId id = Queue(Channel::kEmail);
  FlakyMail mail;
  mail.failures = 1000;
  DeliveryWorker worker(*store_, clock_, &mail, nullptr, nullptr);
  for (int i = 0; i < kMaxDeliveryAttempts + 3; ++i) {
    ASSERT_TRUE(worker.RunOnce().has_value());
    clock_.Advance(std::chrono::minutes(11));
  }
  EXPECT_EQ(Stored(id).state, DeliveryState::kFailed);
  EXPECT_EQ(mail.tried.size(), static_cast<std::size_t>(kMaxDeliveryAttempts));
}

TEST_F(DeliveryTest, AWorkerThatDiedAfterClaimingIsReplacedOnceItsLeaseRunsOut) {
  const NotificationId id = Queue(Channel::kEmail);
  // Another server claimed it and died before sending.
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) -> Status {
                    RAPPORT_ASSIGN_OR_RETURN(
                        const auto claimed,
                        txn.ClaimDueNotifications(clock_.Now(), clock_.Now() + 60'000, 10));
                    EXPECT_EQ(claimed.size(), 1U);
                    return Ok();
                  })
                  .has_value());
  FlakyMail mail;
  DeliveryWorker worker(*store_, clock_, &mail, nullptr, nullptr);
  EXPECT_EQ(*worker.RunOnce(), 0) << "its lease still runs";
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(*worker.RunOnce(), 1);
  EXPECT_EQ(mail.sent.size(), 1U);
  EXPECT_EQ(Stored(id).state, DeliveryState::kSent);
  EXPECT_EQ(Stored(id).attempts, 2);
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(*worker.RunOnce(), 0);
  EXPECT_EQ(mail.sent.size(), 1U) << "sent once";
}

TEST_F(DeliveryTest, ALiveEventReachesOpenPagesOrIsMarkedSkippedWhenNoneIsOpen) {
  Pages pages;
  DeliveryWorker worker(*store_, clock_, nullptr, nullptr, &pages);
  const NotificationId seen = Queue(Channel::kLive);
  EXPECT_EQ(*worker.RunOnce(), 1);
  EXPECT_EQ(Stored(seen).state, DeliveryState::kSent);
  ASSERT_EQ(pages.events.size(), 1U);
  EXPECT_EQ(pages.events[0].first, therapist_);
  EXPECT_EQ(pages.events[0].second, R"({"type":"alert","alert_id":7})");
  pages.open = 0;
  const NotificationId unseen = Queue(Channel::kLive);
  EXPECT_EQ(*worker.RunOnce(), 1);
  EXPECT_EQ(Stored(unseen).state, DeliveryState::kSkipped);
}

// Remembers how many live events had been pushed when each mail went out.
class MailAfterPages final : public MailSender {
 public:
  explicit MailAfterPages(const Pages& pages) : pages_(pages) {}
  Status Send(const MailMessage&) override {
    pushed_before.push_back(pages_.events.size());
    return Ok();
  }
  std::vector<std::size_t> pushed_before;

 private:
  const Pages& pages_;
};

TEST_F(DeliveryTest, LivePushesGoFirstAndShareOneCommitWhileEachMailHasItsOwn) {
  Pages pages;
  MailAfterPages mail(pages);
  DeliveryWorker worker(*store_, clock_, &mail, nullptr, &pages);
  // Queued mail first, so that only the priority puts the pushes ahead of it.
  const NotificationId mail_1 = Queue(Channel::kEmail);
  const NotificationId mail_2 = Queue(Channel::kEmail);
  std::vector<NotificationId> live;
  for (int i = 0; i < 3; ++i) live.push_back(Queue(Channel::kLive));
  EXPECT_EQ(*worker.RunOnce(), 5);
  EXPECT_EQ(mail.pushed_before, (std::vector<std::size_t>{3, 3}))
      << "every open page has its banner before the first mail is handed to the relay";
  EXPECT_EQ(worker.outcome_writes(), 3) << "one commit for the three pushes, one per mail";
  for (NotificationId id : live) EXPECT_EQ(Stored(id).state, DeliveryState::kSent);
  EXPECT_EQ(Stored(mail_1).state, DeliveryState::kSent);
  EXPECT_EQ(Stored(mail_2).state, DeliveryState::kSent);
}

TEST_F(DeliveryTest, AWebhookIsSignedWithTheClinicsSecretAndAStableDeliveryId) {
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    return txn.PutClinicChannels(ClinicChannels{
                        clinic_, "https://pager.example/hook", "0123456789abcdef", ""});
                  })
                  .has_value());
  const NotificationId id = Queue(Channel::kWebhook, "https://pager.example/hook");
  RecordingWebhook webhook;
  DeliveryWorker worker(*store_, clock_, nullptr, &webhook, nullptr);
  EXPECT_EQ(*worker.RunOnce(), 1);
  ASSERT_EQ(webhook.calls.size(), 1U);
  EXPECT_EQ(webhook.calls[0].url, "https://pager.example/hook");
  EXPECT_EQ(webhook.calls[0].secret, "0123456789abcdef");
  EXPECT_EQ(webhook.calls[0].body, R"({"type":"alert","alert_id":7})");
  EXPECT_EQ(webhook.calls[0].delivery_id, "notification-" + std::to_string(id));
  EXPECT_EQ(webhook.calls[0].timestamp_s, clock_.Now() / 1000);
  EXPECT_EQ(Stored(id).state, DeliveryState::kSent);
}

TEST_F(DeliveryTest, TheClinicsOwnSenderAddressIsUsed) {
  ASSERT_TRUE(store_
                  ->Write([&](WriteTxn& txn) {
                    return txn.PutClinicChannels(
                        ClinicChannels{clinic_, "", "", "alerts@northside.example"});
                  })
                  .has_value());
  Queue(Channel::kEmail);
  FlakyMail mail;
  DeliveryWorker worker(*store_, clock_, &mail, nullptr, nullptr);
  EXPECT_EQ(*worker.RunOnce(), 1);
  ASSERT_EQ(mail.sent.size(), 1U);
  EXPECT_EQ(mail.sent[0].from, "alerts@northside.example");
}

}  // namespace
}  // namespace rapport
