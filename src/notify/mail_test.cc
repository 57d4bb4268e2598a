// The SMTP sender against a real server: tests/support/smtp_sink.py on a free loopback port,
// which keeps every message it accepts as a file for the test to read back.

#include "notify/mail.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "notify/loopback_test_support.h"
#include "notify/mail_test_support.h"
#include "notify/smtp_sink.h"

namespace rapport {
namespace {

using testing::Crlf;
using testing::DecodeHeader;
using testing::DecodeQuotedPrintable;
using testing::Parse;
using testing::ParsedMail;
using testing::ReceivedMail;
using testing::SilentListener;
using testing::SmtpSink;
using testing::SmtpSinkOptions;

MailMessage Alert() {
  MailMessage m;
  m.from = "Rapport <no-reply@clinic.example>";
  m.to = "Anna Berg <anna.berg@clinic.example>";
  m.subject = "Please look today: a client’s answer needs your attention";
  m.text =
      "Hello Anna,\n\n"
      "A client answered question 9 of the PHQ-9 with \"more than half the days\".\n"
      "Please look at their feedback in Rapport today.\n"
      ".\n"
      "..a line that starts with two dots\n"
      "From here on, a line that mbox would mangle.\n"
      "Grüße, und = ist ein Gleichheitszeichen\n" +
      std::string(200, 'x') + "\n";
  m.message_id = "<delivery-42.abc@rapport>";
  return m;
}

std::unique_ptr<SmtpSink> StartSink(const SmtpSinkOptions& options = {}) {
  auto sink = SmtpSink::Start(options);
  EXPECT_TRUE(sink.has_value()) << sink.error().message;
  return sink ? std::move(*sink) : nullptr;
}

std::unique_ptr<MailSender> Sender(SmtpOptions options) {
  auto sender = MakeSmtpSender(options);
  EXPECT_TRUE(sender.has_value()) << sender.error().message;
  return sender ? std::move(*sender) : nullptr;
}

SmtpOptions PlainOptions(const SmtpSink& sink) {
  SmtpOptions options;
  options.url = sink.Url();
  options.timeout = std::chrono::seconds(20);
  return options;
}

TEST(SmtpSender, DeliversTheHeadersBodyRecipientAndMessageIdToARealServer) {
  auto sink = StartSink();
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);

  const MailMessage alert = Alert();
  const Status sent = sender->Send(alert);
  ASSERT_TRUE(sent.has_value()) << sent.error().message;

  const std::vector<ReceivedMail> received = sink->Messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].mail_from, "no-reply@clinic.example");
  EXPECT_EQ(received[0].rcpt_tos, std::vector<std::string>{"anna.berg@clinic.example"});
  EXPECT_FALSE(received[0].tls);
  EXPECT_EQ(received[0].auth_login, "");

  const ParsedMail mail = Parse(received[0].data);
  EXPECT_EQ(mail.headers.at("From"), "Rapport <no-reply@clinic.example>");
  EXPECT_EQ(mail.headers.at("To"), "Anna Berg <anna.berg@clinic.example>");
  EXPECT_EQ(DecodeHeader(mail.headers.at("Subject")), alert.subject);
  EXPECT_TRUE(mail.headers.at("Subject").starts_with("=?UTF-8?B?"));
  EXPECT_EQ(mail.headers.at("Message-ID"), "<delivery-42.abc@rapport>");
  EXPECT_EQ(mail.headers.at("MIME-Version"), "1.0");
  EXPECT_EQ(mail.headers.at("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(mail.headers.at("Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_TRUE(mail.headers.at("Date").ends_with(" +0000")) << mail.headers.at("Date");
  // The lone "." and the ".." line came through, so nothing ended the message early.
  EXPECT_EQ(DecodeQuotedPrintable(mail.body), Crlf(alert.text));
}

TEST(SmtpSender, KeepsEveryLineWithinTheSmtpLimit) {
  auto sink = StartSink();
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);
  MailMessage alert = Alert();
  alert.text = std::string(5000, 'a') + "\n" + std::string(3000, '.');
  ASSERT_TRUE(sender->Send(alert).has_value());

  const auto received = sink->Messages();
  ASSERT_EQ(received.size(), 1u);
  const std::string& data = received[0].data;
  for (std::size_t start = 0; start < data.size();) {
    const std::size_t end = data.find("\r\n", start);
    ASSERT_NE(end, std::string::npos) << "the message ends without CRLF";
    EXPECT_LE(end - start, 78u) << data.substr(start, 80);
    start = end + 2;
  }
  EXPECT_EQ(DecodeQuotedPrintable(Parse(data).body), Crlf(alert.text) + "\r\n");
}

TEST(SmtpSender, RecipientRefusedFor4xxIsUnavailableSoTheWorkerRetries) {
  SmtpSinkOptions sink_options;
  sink_options.rcpt_4xx = {"anna.berg@clinic.example"};
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable) << sent.error().message;
  EXPECT_NE(sent.error().message.find("450"), std::string::npos) << sent.error().message;
  EXPECT_TRUE(sink->Messages().empty());
}

TEST(SmtpSender, RecipientRefusedFor5xxIsInvalidArgumentOnToSoTheWorkerGivesUp) {
  SmtpSinkOptions sink_options;
  sink_options.rcpt_5xx = {"anna.berg@clinic.example"};
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument) << sent.error().message;
  ASSERT_EQ(sent.error().fields.size(), 1u);
  EXPECT_EQ(sent.error().fields[0].field, "to");
  EXPECT_NE(sent.error().message.find("550"), std::string::npos) << sent.error().message;
  EXPECT_TRUE(sink->Messages().empty());
}

TEST(SmtpSender, MessageTooLargeForTheServerIsInvalidArgumentSoTheWorkerGivesUp) {
  SmtpSinkOptions sink_options;
  sink_options.max_size = 2000;
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);
  MailMessage alert = Alert();
  alert.text = std::string(3000, 'x');

  const Status sent = sender->Send(alert);
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument) << sent.error().message;
  EXPECT_NE(sent.error().message.find("552"), std::string::npos) << sent.error().message;
  EXPECT_TRUE(sink->Messages().empty());
}

TEST(SmtpSender, SignInDemandedButNotConfiguredIsAFailedPrecondition) {
  SmtpSinkOptions sink_options;
  sink_options.auth = "rapport:the right one";
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kFailedPrecondition) << sent.error().message;
  EXPECT_NE(sent.error().message.find("530"), std::string::npos) << sent.error().message;
}

TEST(SmtpSender, StoppedServerIsUnavailable) {
  auto sink = StartSink();
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);
  sink->Stop();

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable) << sent.error().message;
}

TEST(SmtpSender, ServerThatNeverAnswersIsUnavailableOnceTheTimeoutPasses) {
  SilentListener silent;
  SmtpOptions options;
  options.url = "smtp://127.0.0.1:" + std::to_string(silent.port());
  options.timeout = std::chrono::milliseconds(300);
  auto sender = Sender(options);
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable) << sent.error().message;
  EXPECT_NE(sent.error().message.find("imeout"), std::string::npos) << sent.error().message;
}

constexpr const char* kSmtpPassword = "s3cret horse";

TEST(SmtpSender, RefusesToSendAPasswordToAServerWithoutTls) {
  // The sink offers AUTH in clear; the sender must be the one that refuses.
  SmtpSinkOptions sink_options;
  sink_options.auth = std::string("rapport:") + kSmtpPassword;
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  SmtpOptions options = PlainOptions(*sink);
  options.username = "rapport";
  options.password = kSmtpPassword;
  auto sender = Sender(options);
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kFailedPrecondition) << sent.error().message;
  EXPECT_EQ(sent.error().message.find(kSmtpPassword), std::string::npos);
  EXPECT_TRUE(sink->AuthAttempts().empty()) << "the password was offered in clear";
  EXPECT_TRUE(sink->Messages().empty());
}

TEST(SmtpSender, RequireTlsRefusesAServerWithoutTlsEvenWithoutAPassword) {
  auto sink = StartSink();
  ASSERT_NE(sink, nullptr);
  SmtpOptions options = PlainOptions(*sink);
  options.require_tls = true;
  auto sender = Sender(options);
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kFailedPrecondition) << sent.error().message;
  EXPECT_TRUE(sink->Messages().empty());
}

TEST(SmtpSender, SignsInOverStarttlsAndDelivers) {
  SmtpSinkOptions sink_options;
  sink_options.auth = std::string("rapport:") + kSmtpPassword;
  sink_options.starttls = true;
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  SmtpOptions options = PlainOptions(*sink);
  options.username = "rapport";
  options.password = kSmtpPassword;
  options.ca_file = sink->CertFile();
  auto sender = Sender(options);
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  const auto received = sink->Messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0].tls);
  EXPECT_EQ(received[0].auth_login, "rapport");
  for (const Json& attempt : sink->AuthAttempts()) EXPECT_TRUE(attempt.value("tls", false));
}

TEST(SmtpSender, WrongPasswordIsAFailedPreconditionThatDoesNotRepeatThePassword) {
  SmtpSinkOptions sink_options;
  sink_options.auth = "rapport:the right one";
  sink_options.starttls = true;
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  SmtpOptions options = PlainOptions(*sink);
  options.username = "rapport";
  options.password = kSmtpPassword;
  options.ca_file = sink->CertFile();
  auto sender = Sender(options);
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kFailedPrecondition) << sent.error().message;
  EXPECT_EQ(sent.error().message.find(kSmtpPassword), std::string::npos);
  EXPECT_TRUE(sink->Messages().empty());
}

TEST(SmtpSender, UntrustedCertificateIsRefusedRatherThanFallingBackToClearText) {
  // No ca_file and no require_tls: STARTTLS is offered, so it is used, and a certificate that
  // does not verify ends the attempt instead of the message going out in clear.
  SmtpSinkOptions sink_options;
  sink_options.starttls = true;
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kUnavailable) << sent.error().message;
  EXPECT_TRUE(sink->Messages().empty());
}

TEST(SmtpSender, UsesStarttlsWhenOfferedWithoutBeingAsked) {
  SmtpSinkOptions sink_options;
  sink_options.starttls = true;
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  SmtpOptions options = PlainOptions(*sink);
  options.ca_file = sink->CertFile();
  auto sender = Sender(options);
  ASSERT_NE(sender, nullptr);

  ASSERT_TRUE(sender->Send(Alert()).has_value());
  const auto received = sink->Messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0].tls);
}

TEST(SmtpSender, DeliversOverImplicitTls) {
  SmtpSinkOptions sink_options;
  sink_options.smtps = true;
  auto sink = StartSink(sink_options);
  ASSERT_NE(sink, nullptr);
  SmtpOptions options = PlainOptions(*sink);
  ASSERT_TRUE(options.url.starts_with("smtps://"));
  options.ca_file = sink->CertFile();
  options.require_tls = true;
  auto sender = Sender(options);
  ASSERT_NE(sender, nullptr);

  const Status sent = sender->Send(Alert());
  ASSERT_TRUE(sent.has_value()) << sent.error().message;
  const auto received = sink->Messages();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_TRUE(received[0].tls);
}

TEST(SmtpSender, MalformedMessageIsRefusedBeforeAnyConnection) {
  auto sink = StartSink();
  ASSERT_NE(sink, nullptr);
  auto sender = Sender(PlainOptions(*sink));
  ASSERT_NE(sender, nullptr);
  MailMessage injected = Alert();
  injected.to = "anna.berg@clinic.example\r\nBcc: someone@elsewhere.example";

  const Status sent = sender->Send(injected);
  ASSERT_FALSE(sent.has_value());
  EXPECT_EQ(sent.error().code, ErrorCode::kInvalidArgument);
  ASSERT_EQ(sent.error().fields.size(), 1u);
  EXPECT_EQ(sent.error().fields[0].field, "to");
  EXPECT_TRUE(sink->Messages().empty());
}

SmtpOptions At(std::string url) {
  SmtpOptions options;
  options.url = std::move(url);
  return options;
}

Error SenderError(const SmtpOptions& options) {
  auto sender = MakeSmtpSender(options);
  EXPECT_FALSE(sender.has_value());
  return sender ? Error{} : sender.error();
}

std::string FieldOf(const Error& error) {
  return error.fields.size() == 1 ? error.fields[0].field : "";
}

TEST(MakeSmtpSender, AcceptsSmtpAndSmtpsWithHostAndPort) {
  EXPECT_TRUE(MakeSmtpSender(At("smtp://mail.clinic.example:587")).has_value());
  EXPECT_TRUE(MakeSmtpSender(At("smtps://mail.clinic.example:465")).has_value());
  EXPECT_TRUE(MakeSmtpSender(At("smtp://[::1]:2525")).has_value());
}

TEST(MakeSmtpSender, RefusesAUrlThatIsNotSmtpHostAndPort) {
  for (const char* url :
       {"", "mail.clinic.example:587", "http://mail.clinic.example:587",
        "smtp://mail.clinic.example", "smtp://:587", "smtp://mail.clinic.example:587/path",
        "smtp://mail.clinic.example:587?x=1", "smtp://mail.clinic.example:99999"}) {
    const Error error = SenderError(At(url));
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(FieldOf(error), "smtp_url") << url;
  }
}

TEST(MakeSmtpSender, RefusesCredentialsInTheUrlWithoutRepeatingThem) {
  const Error error = SenderError(At("smtp://rapport:hunter2@mail.clinic.example:587"));
  EXPECT_EQ(FieldOf(error), "smtp_url");
  EXPECT_EQ(error.message.find("hunter2"), std::string::npos);
}

TEST(MakeSmtpSender, RefusesAPasswordWithoutAUserName) {
  SmtpOptions options = At("smtp://mail.clinic.example:587");
  options.password = "x";
  EXPECT_EQ(FieldOf(SenderError(options)), "smtp_username");
}

TEST(MakeSmtpSender, RefusesATimeoutThatIsNotPositive) {
  SmtpOptions options = At("smtp://mail.clinic.example:587");
  options.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(FieldOf(SenderError(options)), "smtp_timeout");
}

TEST(MakeSmtpSender, RefusesACertificateFileThatDoesNotExist) {
  SmtpOptions options = At("smtp://mail.clinic.example:587");
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(FieldOf(SenderError(options)), "smtp_ca_file");
}

TEST(SmtpTlsRequired, DemandsTlsForEveryRelayThatIsNotOnThisMachine) {
  EXPECT_TRUE(SmtpTlsRequired(At("smtp://mail.clinic.example:587")));
  EXPECT_TRUE(SmtpTlsRequired(At("smtp://10.0.0.25:25")));
  EXPECT_TRUE(SmtpTlsRequired(At("smtp://[2001:db8::25]:25")));
  EXPECT_TRUE(SmtpTlsRequired(At("smtp://128.0.0.1:25")));
}

TEST(SmtpTlsRequired, LetsTheMachinesOwnRelayGoWithoutTlsUnlessAskedOrSigningIn) {
  EXPECT_FALSE(SmtpTlsRequired(At("smtp://127.0.0.1:25")));
  EXPECT_FALSE(SmtpTlsRequired(At("smtp://LocalHost:25")));
  EXPECT_FALSE(SmtpTlsRequired(At("smtp://[::1]:25")));
  SmtpOptions asked = At("smtp://127.0.0.1:25");
  asked.require_tls = true;
  EXPECT_TRUE(SmtpTlsRequired(asked));
  SmtpOptions signing_in = At("smtp://127.0.0.1:25");
  signing_in.username = "rapport";
  EXPECT_TRUE(SmtpTlsRequired(signing_in));
}

}  // namespace
}  // namespace rapport
