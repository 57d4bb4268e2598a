// Webhook signatures against a hand-computed vector, and the HTTP sender against a real
// receiver on a loopback port.

#include "notify/webhook.h"

#include <gtest/gtest.h>

#include <string>

#include "notify/loopback_test_support.h"

namespace rapport {
namespace {

using testing::LoopbackHttpReceiver;
using testing::SilentListener;

constexpr std::string_view kSecret = "whsec_test";
constexpr std::string_view kBody = R"({"alert":"risk","client":42})";
constexpr std::int64_t kTimestamp = 1'764'105'772;

TEST(WebhookSignature, MatchesAHandComputedVector) {
  // python3 -c "import hmac,hashlib; print(hmac.new(b'whsec_test',
  //   b'1764105772.{\"alert\":\"risk\",\"client\":42}', hashlib.sha256).hexdigest())"
  EXPECT_EQ(WebhookSignature(kSecret, kTimestamp, kBody),
            "t=1764105772,v1=e66be988df9852321cc2ab85b2b3582924d35a785e639108caccffb514209b2c");
}

TEST(VerifyWebhookSignature, AcceptsTheSignatureOfTheSameSecretTimeAndBody) {
  const std::string header = WebhookSignature(kSecret, kTimestamp, kBody);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, kTimestamp));
}

TEST(VerifyWebhookSignature, RejectsAChangedBody) {
  const std::string header = WebhookSignature(kSecret, kTimestamp, kBody);
  EXPECT_FALSE(
      VerifyWebhookSignature(kSecret, header, R"({"alert":"none","client":42})", kTimestamp));
}

TEST(VerifyWebhookSignature, RejectsAnotherSecret) {
  const std::string header = WebhookSignature(kSecret, kTimestamp, kBody);
  EXPECT_FALSE(VerifyWebhookSignature("whsec_other", header, kBody, kTimestamp));
  EXPECT_FALSE(
      VerifyWebhookSignature("", WebhookSignature("", kTimestamp, kBody), kBody, kTimestamp));
}

TEST(VerifyWebhookSignature, RejectsATimestampOutsideTheToleranceEitherWay) {
  const std::string header = WebhookSignature(kSecret, kTimestamp, kBody);
  // 300 s of tolerance: exactly 300 s either way is in, 301 s is out.
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, kTimestamp + 300));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, kTimestamp - 300));
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, header, kBody, kTimestamp + 301));
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, header, kBody, kTimestamp - 301));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, header, kBody, kTimestamp + 3600, 3600));
}

TEST(VerifyWebhookSignature, RejectsATimestampMovedWithoutANewSignature) {
  // A replay dressed up as fresh: the old v1 with a current t.
  const std::string old = WebhookSignature(kSecret, kTimestamp, kBody);
  const std::string moved = "t=" + std::to_string(kTimestamp + 1000) + old.substr(old.find(','));
  EXPECT_FALSE(VerifyWebhookSignature(kSecret, moved, kBody, kTimestamp + 1000));
}

TEST(VerifyWebhookSignature, RejectsMalformedHeaders) {
  const std::string good = WebhookSignature(kSecret, kTimestamp, kBody);
  const std::string v1 = good.substr(good.find("v1="));
  for (const std::string& header :
       {std::string(), std::string("t=1764105772"), v1, "t=abc," + v1, "t=-1764105772," + v1,
        "t=1764105772,t=1764105772," + v1, "t=1764105772," + v1 + "0", "garbage," + good}) {
    EXPECT_FALSE(VerifyWebhookSignature(kSecret, header, kBody, kTimestamp)) << header;
  }
}

TEST(VerifyWebhookSignature, AcceptsAnyOfSeveralSignaturesSoASecretCanBeRotated) {
  const std::string good = WebhookSignature(kSecret, kTimestamp, kBody);
  const std::string old = WebhookSignature("whsec_old", kTimestamp, kBody);
  const std::string both = good + "," + old.substr(old.find("v1="));
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, both, kBody, kTimestamp));
  EXPECT_TRUE(VerifyWebhookSignature("whsec_old", both, kBody, kTimestamp));
}

std::unique_ptr<WebhookSender> Sender(
    std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  auto sender = MakeHttpWebhookSender(timeout);
  EXPECT_TRUE(sender.has_value()) << sender.error().message;
  return sender ? std::move(*sender) : nullptr;
}

WebhookCall CallTo(std::string url) {
  return WebhookCall{std::move(url), std::string(kSecret), std::string(kBody), "delivery-42",
                     kTimestamp};
}

TEST(HttpWebhookSender, PostsTheSignedJsonWithTheDeliveryHeaders) {
  LoopbackHttpReceiver receiver(200);
  auto sender = Sender();
  ASSERT_NE(sender, nullptr);

  const Status posted = sender->Post(CallTo(receiver.Url("/hooks/rapport?clinic=7")));
  ASSERT_TRUE(posted.has_value()) << posted.error().message;

  const auto requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/hooks/rapport?clinic=7");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("x-rapport-delivery"), "delivery-42");
  EXPECT_EQ(request.body, kBody);
  EXPECT_TRUE(VerifyWebhookSignature(kSecret, request.Header("x-rapport-signature"), request.body,
                                     kTimestamp))
      << request.Header("x-rapport-signature");
}

TEST(HttpWebhookSender, AcceptsPlainHttpToLocalhost) {
  LoopbackHttpReceiver receiver(204);
  auto sender = Sender();
  ASSERT_NE(sender, nullptr);
  const Status posted =
      sender->Post(CallTo("http://localhost:" + std::to_string(receiver.port()) + "/hook"));
  ASSERT_TRUE(posted.has_value()) << posted.error().message;
  EXPECT_EQ(receiver.Requests().size(), 1u);
}

TEST(HttpWebhookSender, ServerErrorsTimeoutsAndRateLimitsAreUnavailableSoTheWorkerRetries) {
  auto sender = Sender();
  ASSERT_NE(sender, nullptr);
  for (const int status : {500, 502, 503, 408, 429}) {
    LoopbackHttpReceiver receiver(status);
    const Status posted = sender->Post(CallTo(receiver.Url()));
    ASSERT_FALSE(posted.has_value()) << status;
    EXPECT_EQ(posted.error().code, ErrorCode::kUnavailable) << status;
    EXPECT_EQ(receiver.Requests().size(), 1u) << status;
  }
}

TEST(HttpWebhookSender, OtherClientErrorsAreInvalidArgumentSoTheWorkerGivesUp) {
  auto sender = Sender();
  ASSERT_NE(sender, nullptr);
  for (const int status : {400, 401, 403, 404, 410, 422}) {
    LoopbackHttpReceiver receiver(status);
    const Status posted = sender->Post(CallTo(receiver.Url()));
    ASSERT_FALSE(posted.has_value()) << status;
    EXPECT_EQ(posted.error().code, ErrorCode::kInvalidArgument) << status;
  }
}

TEST(HttpWebhookSender, DoesNotFollowARedirect) {
  LoopbackHttpReceiver elsewhere(200);
  LoopbackHttpReceiver redirecting(307, "Location: " + elsewhere.Url() + "\r\n");
  auto sender = Sender();
  ASSERT_NE(sender, nullptr);

  const Status posted = sender->Post(CallTo(redirecting.Url()));
  ASSERT_FALSE(posted.has_value());
  EXPECT_EQ(posted.error().code, ErrorCode::kInvalidArgument) << posted.error().message;
  ASSERT_EQ(posted.error().fields.size(), 1u);
  EXPECT_EQ(posted.error().fields[0].field, "url");
  EXPECT_EQ(redirecting.Requests().size(), 1u);
  EXPECT_TRUE(elsewhere.Requests().empty()) << "the signed alert went to the redirect target";
}

TEST(HttpWebhookSender, StoppedReceiverIsUnavailable) {
  LoopbackHttpReceiver receiver(200);
  const std::string url = receiver.Url();
  receiver.Stop();
  auto sender = Sender();
  ASSERT_NE(sender, nullptr);

  const Status posted = sender->Post(CallTo(url));
  ASSERT_FALSE(posted.has_value());
  EXPECT_EQ(posted.error().code, ErrorCode::kUnavailable) << posted.error().message;
}

TEST(HttpWebhookSender, ReceiverThatNeverAnswersIsUnavailableOnceTheTimeoutPasses) {
  SilentListener silent;
  auto sender = Sender(std::chrono::milliseconds(300));
  ASSERT_NE(sender, nullptr);

  const Status posted =
      sender->Post(CallTo("http://127.0.0.1:" + std::to_string(silent.port()) + "/hook"));
  ASSERT_FALSE(posted.has_value());
  EXPECT_EQ(posted.error().code, ErrorCode::kUnavailable) << posted.error().message;
  EXPECT_NE(posted.error().message.find("imeout"), std::string::npos) << posted.error().message;
}

// Each of these is refused before a connection is made: the receiver hears nothing.
void ExpectRefusedOn(const WebhookCall& call, const std::string& field,
                     const LoopbackHttpReceiver& receiver) {
  auto sender = Sender();
  ASSERT_NE(sender, nullptr);
  const Status posted = sender->Post(call);
  ASSERT_FALSE(posted.has_value()) << field;
  EXPECT_EQ(posted.error().code, ErrorCode::kInvalidArgument) << field;
  ASSERT_EQ(posted.error().fields.size(), 1u) << posted.error().message;
  EXPECT_EQ(posted.error().fields[0].field, field) << posted.error().message;
  EXPECT_TRUE(receiver.Requests().empty()) << field;
}

TEST(HttpWebhookSender, RefusesPlainHttpBeyondThisMachineAndUrlsThatAreNotHttp) {
  LoopbackHttpReceiver receiver(200);
  for (const char* url : {"http://example.org/hook", "http://10.0.0.1/hook", "ftp://127.0.0.1/hook",
                          "not a url", "https://user:secret@example.org/hook", ""}) {
    ExpectRefusedOn(CallTo(url), "url", receiver);
  }
}

TEST(HttpWebhookSender, RefusesAnUnsignableOrHeaderBreakingCall) {
  LoopbackHttpReceiver receiver(200);
  WebhookCall no_secret = CallTo(receiver.Url());
  no_secret.secret.clear();
  ExpectRefusedOn(no_secret, "secret", receiver);

  WebhookCall injected = CallTo(receiver.Url());
  injected.delivery_id = "delivery-42\r\nX-Injected: 1";
  ExpectRefusedOn(injected, "delivery_id", receiver);

  WebhookCall no_id = CallTo(receiver.Url());
  no_id.delivery_id.clear();
  ExpectRefusedOn(no_id, "delivery_id", receiver);

  WebhookCall latin1 = CallTo(receiver.Url());
  latin1.body = "{\"name\":\"J\xfcrgen\"}";
  ExpectRefusedOn(latin1, "body", receiver);

  WebhookCall before_epoch = CallTo(receiver.Url());
  before_epoch.timestamp_s = -1;
  ExpectRefusedOn(before_epoch, "timestamp_s", receiver);
}

TEST(MakeHttpWebhookSender, RefusesATimeoutThatIsNotPositive) {
  auto sender = MakeHttpWebhookSender(std::chrono::milliseconds(0));
  ASSERT_FALSE(sender.has_value());
  EXPECT_EQ(sender.error().fields.at(0).field, "webhook_timeout");
}

}  // namespace
}  // namespace rapport
