// Secure messages between sessions over HTTP: the client and their therapist write to each
// other, read receipts follow only an explicit "I have read up to here", bad bodies are problems
// naming the field with nothing stored, and the client downloads their own messages as a file.
// Real server on port 0, real SQLite store.

#include <string>
#include <vector>

#include "http_fixture.h"

namespace rapport::testing {
namespace {

class MessagingHttpTest : public HttpTest {
 protected:
  void SetUp() override {
    HttpTest::SetUp();
    StartServer();
  }

  std::string Messages(EpisodeId episode) const {
    return "/api/v1/episodes/" + std::to_string(episode) + "/messages";
  }
};

TEST_F(MessagingHttpTest, ClientAndTherapistWriteAndAReadReceiptFollowsOnlyAnExplicitRead) {
  Browser client = SignedIn("c1@a.test");
  Browser therapist = SignedIn("t1@a.test");
  const std::string target = Messages(world_.e_c1);

  HttpReply sent = client.Post(target, {{"body", "Could we meet earlier on Friday?"}});
  ASSERT_EQ(sent.status, 201u) << sent.body;
  EXPECT_EQ(sent.json()["from"], "client");
  EXPECT_EQ(sent.json()["mine"], true);
  EXPECT_EQ(sent.json()["sender"]["name"], "Cleo Client");
  EXPECT_EQ(sent.json()["read_at"], nullptr);
  const std::int64_t id = sent.json()["id"];

  // Opening the thread is a GET: it shows the message unread and marks nothing.
  for (int i = 0; i < 2; ++i) {
    HttpReply thread = therapist.Get(target);
    ASSERT_EQ(thread.status, 200u) << thread.body;
    ASSERT_EQ(thread.json()["messages"].size(), 1u);
    EXPECT_EQ(thread.json()["messages"][0]["body"], "Could we meet earlier on Friday?");
    EXPECT_EQ(thread.json()["messages"][0]["mine"], false);
    EXPECT_EQ(thread.json()["unread"], 1);
    EXPECT_EQ(thread.json()["can_write"], true);
  }
  EXPECT_EQ(client.Get(target).json()["messages"][0]["read_at"], nullptr);

  HttpReply read = therapist.Post(target + "/read", {{"up_to", id}});
  ASSERT_EQ(read.status, 200u) << read.body;
  EXPECT_EQ(read.json()["marked"], 1);
  EXPECT_TRUE(client.Get(target).json()["messages"][0]["read_at"].is_string());
  EXPECT_EQ(therapist.Get(target).json()["unread"], 0);

  HttpReply reply = therapist.Post(target, {{"body", "Yes, 9:00 is free."}});
  ASSERT_EQ(reply.status, 201u) << reply.body;
  EXPECT_EQ(reply.json()["from"], "therapist");
  EXPECT_EQ(client.Get(target).json()["unread"], 1);
}

TEST_F(MessagingHttpTest, BadMessagesAreProblemsNamingTheFieldAndNothingIsStored) {
  Browser client = SignedIn("c1@a.test");
  const std::string target = Messages(world_.e_c1);
  const std::vector<std::pair<Json, std::string>> bad = {
      {Json::object(), "body"},
      {{{"body", ""}}, "body"},
      {{{"body", "   \n  "}}, "body"},
      {{{"body", 42}}, "body"},
      {{{"body", std::string(4001, 'a')}}, "body"},
      {{{"body", "pay \u202E00.01"}}, "body"},
      {{{"body", "hi"}, {"to", 7}}, "to"},
  };
  for (const auto& [body, field] : bad) {
    HttpReply reply = client.Post(target, body);
    EXPECT_EQ(reply.status, 400u) << body.dump();
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << body.dump();
    EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{field})) << body.dump();
  }
  HttpReply not_json = Send(port_, "POST", target, "{\"body\": ",
                            {{"Cookie", client.cookie()},
                             {"X-CSRF-Token", client.csrf()},
                             {"Content-Type", "application/json"}});
  EXPECT_EQ(not_json.status, 400u);
  for (const Json& receipt : {Json{{"up_to", "first"}}, Json{{"up_to", 999999}}, Json::object()}) {
    HttpReply reply = client.Post(target + "/read", receipt);
    EXPECT_EQ(reply.status, 400u) << receipt.dump();
    EXPECT_EQ(reply.ErrorFields(), (std::vector<std::string>{"up_to"})) << receipt.dump();
  }
  EXPECT_TRUE(world_.store->ListEpisodeMessages(world_.e_c1)->empty());
  auto mail = world_.store->ListMail(world_.clinic_a, DeliveryState::kPending, 0, 100);
  ASSERT_TRUE(mail.has_value());
  for (const Notification& n : *mail) EXPECT_NE(n.reason, "message");
}

TEST_F(MessagingHttpTest, TheClientDownloadsTheirOwnMessagesAsAFile) {
  Browser client = SignedIn("c1@a.test");
  Browser therapist = SignedIn("t1@a.test");
  ASSERT_EQ(client.Post(Messages(world_.e_c1), {{"body", "Thank you for today."}}).status, 201u);
  ASSERT_EQ(therapist.Post(Messages(world_.e_c1), {{"body", "You did the work."}}).status, 201u);

  HttpReply exported = client.Get("/api/v1/me/messages/export");
  ASSERT_EQ(exported.status, 200u) << exported.body;
  EXPECT_EQ(exported.Header("content-disposition"),
            "attachment; filename=\"rapport-messages.json\"");
  const Json file = exported.json();
  ASSERT_EQ(file["episodes"].size(), 1u);
  const Json& episode = file["episodes"][0];
  EXPECT_EQ(episode["episode_id"], world_.e_c1);
  EXPECT_EQ(episode["therapist"]["name"], "Tara One");
  ASSERT_EQ(episode["messages"].size(), 2u);
  EXPECT_EQ(episode["messages"][0]["body"], "Thank you for today.");
  EXPECT_EQ(episode["messages"][0]["from"], "client");
  EXPECT_EQ(episode["messages"][1]["body"], "You did the work.");
  EXPECT_EQ(episode["messages"][1]["from"], "therapist");
  EXPECT_TRUE(file["exported_at"].is_string());
}

}  // namespace
}  // namespace rapport::testing
