#include "service/messaging_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "service/service_test_world.h"

namespace rapport {
namespace {

using testing::World;

class MessagingServiceTest : public ::testing::Test {
 protected:
  MessagingServiceTest() : messaging_(*w_.store, w_.clock) {}

  std::vector<Notification> MailTo(const std::string& address) {
    std::vector<Notification> out;
    const auto mail = w_.store->ListMail(w_.clinic_a, DeliveryState::kPending, 0, 500);
    EXPECT_TRUE(mail.has_value());
    for (const Notification& n : mail.value_or(std::vector<Notification>{})) {
      if (n.address == address) out.push_back(n);
    }
    return out;
  }

  World w_;
  MessagingService messaging_;
};

TEST_F(MessagingServiceTest, TheClientAndTheTherapistWriteToEachOtherInOrder) {
  auto sent = messaging_.Send(w_.As(w_.c1), w_.e_c1, "  Can we talk about Tuesday?\r\n");
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  EXPECT_TRUE(sent->from_client);
  EXPECT_EQ(sent->sender_name, "Cleo Client");
  EXPECT_EQ(sent->message.body, "Can we talk about Tuesday?");
  w_.clock.Advance(std::chrono::minutes(1));
  auto reply = messaging_.Send(w_.As(w_.t1), w_.e_c1, "Yes, of course.");
  ASSERT_TRUE(reply.has_value()) << reply.error().message;
  EXPECT_FALSE(reply->from_client);

  for (const UserId reader : {w_.c1, w_.t1, w_.supervisor}) {
    auto thread = messaging_.Thread(w_.As(reader), w_.e_c1);
    ASSERT_TRUE(thread.has_value()) << thread.error().message;
    ASSERT_EQ(thread->messages.size(), 2u);
    EXPECT_EQ(thread->messages[0].body, "Can we talk about Tuesday?");
    EXPECT_EQ(thread->messages[1].body, "Yes, of course.");
    EXPECT_EQ(thread->messages[1].sent_at, thread->messages[0].sent_at + 60'000);
    EXPECT_EQ(thread->client_name, "Cleo Client");
    EXPECT_EQ(thread->therapist_name, "Tara One");
  }
  EXPECT_EQ(messaging_.Thread(w_.As(w_.c1), w_.e_c1)->unread, 1);
  EXPECT_EQ(messaging_.Thread(w_.As(w_.t1), w_.e_c1)->unread, 1);
  EXPECT_EQ(messaging_.Thread(w_.As(w_.supervisor), w_.e_c1)->unread, 0);
  EXPECT_EQ(w_.AuditCount("create", "episode_message"), 2);
  EXPECT_EQ(w_.AuditCount("read", "episode_messages"), 6);
}

TEST_F(MessagingServiceTest, TheOtherPersonIsToldByMailWithoutTheWords) {
  ASSERT_TRUE(messaging_.Send(w_.As(w_.c1), w_.e_c1, "my private worry about work").has_value());
  const auto mail = MailTo("t1@a.test");
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].reason, "message");
  EXPECT_NE(mail[0].body.find("Cleo Client sent you a message"), std::string::npos);
  EXPECT_EQ(mail[0].body.find("worry"), std::string::npos);
  EXPECT_EQ(mail[0].subject.find("worry"), std::string::npos);
  EXPECT_TRUE(MailTo("c1@a.test").empty());
}

TEST_F(MessagingServiceTest, NobodyElseReadsOrWritesAndTheirReachIsAudited) {
  ASSERT_TRUE(messaging_.Send(w_.As(w_.c1), w_.e_c1, "hello").has_value());
  // Another therapist, another client, another clinic: the episode does not exist for them.
  for (const UserId outsider : {w_.t2, w_.c2, w_.tb, w_.cb}) {
    auto thread = messaging_.Thread(w_.As(outsider), w_.e_c1);
    ASSERT_FALSE(thread.has_value());
    EXPECT_EQ(thread.error().code, ErrorCode::kNotFound);
    auto sent = messaging_.Send(w_.As(outsider), w_.e_c1, "let me in");
    ASSERT_FALSE(sent.has_value());
    EXPECT_EQ(sent.error().code, ErrorCode::kNotFound);
  }
  EXPECT_GE(w_.AuditCount("denied"), 8);
  // An admin sees no clinical content.
  auto admin_thread = messaging_.Thread(w_.As(w_.admin), w_.e_k1);
  ASSERT_FALSE(admin_thread.has_value());
  EXPECT_EQ(admin_thread.error().code, ErrorCode::kPermissionDenied);
  // A guardian reads a young child's messages, as the clinic's policy for a child shares them,
  // and never writes in them; an adolescent's stay theirs (docs/family.md).
  auto childs = messaging_.Thread(w_.As(w_.g1), w_.e_k1);
  ASSERT_TRUE(childs.has_value()) << childs.error().message;
  EXPECT_FALSE(childs->can_write);
  auto written = messaging_.Send(w_.As(w_.g1), w_.e_k1, "from a parent");
  ASSERT_FALSE(written.has_value());
  EXPECT_EQ(written.error().code, ErrorCode::kPermissionDenied);
  auto adolescents = messaging_.Thread(w_.As(w_.g2), w_.e_k2);
  ASSERT_FALSE(adolescents.has_value());
  EXPECT_EQ(adolescents.error().code, ErrorCode::kNotFound);
  // The supervisor reads but does not write.
  auto supervised = messaging_.Send(w_.As(w_.supervisor), w_.e_c1, "from the supervisor");
  ASSERT_FALSE(supervised.has_value());
  EXPECT_EQ(supervised.error().code, ErrorCode::kPermissionDenied);
  auto thread = messaging_.Thread(w_.As(w_.supervisor), w_.e_c1);
  ASSERT_TRUE(thread.has_value());
  EXPECT_FALSE(thread->can_write);
  EXPECT_EQ(thread->messages.size(), 1u);
}

TEST_F(MessagingServiceTest, AMessageThatBreaksTheRulesIsRefusedNamingTheBodyAndNothingIsKept) {
  for (const std::string& bad : {std::string(), std::string("  \n "), std::string(4001, 'x'),
                                 std::string("\xE2\x80\xAE"
                                             "reversed")}) {
    auto sent = messaging_.Send(w_.As(w_.c1), w_.e_c1, bad);
    ASSERT_FALSE(sent.has_value());
    EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument);
    ASSERT_EQ(sent.error().fields.size(), 1u);
    EXPECT_EQ(sent.error().fields[0].field, "body");
  }
  EXPECT_TRUE(w_.store->ListEpisodeMessages(w_.e_c1)->empty());
  EXPECT_TRUE(MailTo("t1@a.test").empty());
  EXPECT_EQ(w_.AuditCount("create", "episode_message"), 0);
}

TEST_F(MessagingServiceTest, ReadReceiptsMarkOnlyTheOtherPersonsMessagesUpToTheOneSeen) {
  const MessageId first = messaging_.Send(w_.As(w_.c1), w_.e_c1, "one")->message.id;
  const MessageId second = messaging_.Send(w_.As(w_.c1), w_.e_c1, "two")->message.id;
  const MessageId mine = messaging_.Send(w_.As(w_.t1), w_.e_c1, "three")->message.id;
  w_.clock.Advance(std::chrono::seconds(5));

  // The supervisor's reading is not the therapist's.
  EXPECT_EQ(messaging_.MarkRead(w_.As(w_.supervisor), w_.e_c1, second).value_or(-1), 0);
  EXPECT_EQ(messaging_.MarkRead(w_.As(w_.t1), w_.e_c1, first).value_or(-1), 1);
  auto thread = messaging_.Thread(w_.As(w_.t1), w_.e_c1);
  EXPECT_EQ(thread->messages[0].read_at, w_.clock.Now());
  EXPECT_FALSE(thread->messages[1].read_at.has_value());
  EXPECT_EQ(thread->unread, 1);
  EXPECT_EQ(messaging_.MarkRead(w_.As(w_.t1), w_.e_c1, mine).value_or(-1), 1);
  EXPECT_EQ(messaging_.Thread(w_.As(w_.t1), w_.e_c1)->unread, 0);
  // The therapist's own message stays unread until the client opens it.
  EXPECT_FALSE(messaging_.Thread(w_.As(w_.c1), w_.e_c1)->messages[2].read_at.has_value());
  EXPECT_EQ(w_.AuditCount("update", "episode_messages"), 2);

  // A message of another episode, or none at all, is refused naming up_to.
  const MessageId elsewhere = messaging_.Send(w_.As(w_.c2), w_.e_c2, "other")->message.id;
  for (const MessageId wrong : {elsewhere, MessageId{999999}}) {
    auto marked = messaging_.MarkRead(w_.As(w_.c1), w_.e_c1, wrong);
    ASSERT_FALSE(marked.has_value());
    ASSERT_EQ(marked.error().fields.size(), 1u);
    EXPECT_EQ(marked.error().fields[0].field, "up_to");
  }
  EXPECT_FALSE(messaging_.Thread(w_.As(w_.c1), w_.e_c1)->messages[2].read_at.has_value());
}

TEST_F(MessagingServiceTest, AnEndedEpisodesMessagesCanBeReadButNotAddedTo) {
  ASSERT_TRUE(messaging_.Send(w_.As(w_.c1), w_.e_c1, "thank you for everything").has_value());
  ASSERT_TRUE(w_.store
                  ->Write([&](WriteTxn& txn) {
                    return txn.UpdateEpisodeStatus(w_.e_c1, EpisodeStatus::kEnded, w_.clock.Now());
                  })
                  .has_value());
  auto thread = messaging_.Thread(w_.As(w_.c1), w_.e_c1);
  ASSERT_TRUE(thread.has_value());
  EXPECT_FALSE(thread->can_write);
  EXPECT_FALSE(thread->closed_reason.empty());
  EXPECT_EQ(thread->messages.size(), 1u);
  auto sent = messaging_.Send(w_.As(w_.t1), w_.e_c1, "one more thing");
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(w_.store->ListEpisodeMessages(w_.e_c1)->size(), 1u);
}

TEST_F(MessagingServiceTest, AClientExportsTheirOwnMessagesOfEveryEpisodeAndNoOneElseCan) {
  const EpisodeId later = w_.OpenEpisode(w_.c1, w_.t2);
  ASSERT_TRUE(messaging_.Send(w_.As(w_.c1), w_.e_c1, "first therapist").has_value());
  ASSERT_TRUE(messaging_.Send(w_.As(w_.t2), later, "welcome").has_value());
  ASSERT_TRUE(messaging_.Send(w_.As(w_.c2), w_.e_c2, "someone else's").has_value());

  auto exported = messaging_.ExportOwn(w_.As(w_.c1));
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  ASSERT_EQ(exported->size(), 2u);
  EXPECT_EQ((*exported)[0].episode.id, w_.e_c1);
  EXPECT_EQ((*exported)[0].messages.at(0).body, "first therapist");
  EXPECT_EQ((*exported)[1].episode.id, later);
  EXPECT_EQ((*exported)[1].therapist_name, "Theo Two");
  EXPECT_EQ((*exported)[1].messages.at(0).body, "welcome");
  for (const UserId other : {w_.t1, w_.g1, w_.admin, w_.supervisor}) {
    auto refused = messaging_.ExportOwn(w_.As(other));
    ASSERT_FALSE(refused.has_value());
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  }
}

}  // namespace
}  // namespace rapport
