#include "notify/mail_format.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/json.h"
#include "notify/mail_test_support.h"

namespace rapport {
namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

MailMessage Message() {
  MailMessage m;
  m.from = "Rapport <no-reply@clinic.example>";
  m.to = "anna.berg@clinic.example";
  m.subject = "A client's answer needs your attention";
  m.text = "Hello Anna,\nplease look today.\n";
  m.message_id = "<delivery-42.abc@rapport>";
  return m;
}

TEST(MailDate, FormatsUtcAsRfc5322) {
  // 1764105772 s after the epoch is 2025-11-25 21:22:52 UTC, a Tuesday (python3 -c "import
  // email.utils; print(email.utils.formatdate(1764105772))"); the milliseconds are dropped.
  EXPECT_EQ(FormatMailDate(1'764'105'772'123), "Tue, 25 Nov 2025 21:22:52 +0000");
  // A leap day: 951782400 s is 2000-02-29 00:00:00 UTC, a Tuesday.
  EXPECT_EQ(FormatMailDate(951'782'400'000), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(RenderMail, WritesTheHeadersAReaderNeedsThenTheBody) {
  auto mail = RenderMail(Message(), 1'764'105'772'000);
  ASSERT_TRUE(mail.has_value()) << mail.error().message;
  EXPECT_EQ(mail->envelope_from, "no-reply@clinic.example");
  EXPECT_EQ(mail->envelope_to, "anna.berg@clinic.example");
  EXPECT_EQ(mail->data,
            "Date: Tue, 25 Nov 2025 21:22:52 +0000\r\n"
            "From: Rapport <no-reply@clinic.example>\r\n"
            "To: anna.berg@clinic.example\r\n"
            "Subject: A client's answer needs your attention\r\n"
            "Message-ID: <delivery-42.abc@rapport>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n"
            "Auto-Submitted: auto-generated\r\n"
            "\r\n"
            "Hello Anna,\r\n"
            "please look today.\r\n");
}

TEST(RenderMail, QuotesADisplayNameWithPunctuationAndEncodesANonAsciiOne) {
  MailMessage m = Message();
  m.from = "\"Praxis Berg, Team\" <team@clinic.example>";
  m.to = "Jürgen Weiß <j.weiss@clinic.example>";
  auto mail = RenderMail(m, 0);
  ASSERT_TRUE(mail.has_value()) << mail.error().message;
  EXPECT_NE(mail->data.find("\r\nFrom: \"Praxis Berg, Team\" <team@clinic.example>\r\n"),
            std::string::npos);
  // "Jürgen Weiß" in UTF-8 is 4A C3 BC 72 67 65 6E 20 57 65 69 C3 9F, whose base64 is
  // SsO8cmdlbiBXZWnDnw== (python3 -c "import base64; print(base64.b64encode('Jürgen
  // Weiß'.encode()))").
  EXPECT_NE(
      mail->data.find("\r\nTo: =?UTF-8?B?SsO8cmdlbiBXZWnDnw==?= <j.weiss@clinic.example>\r\n"),
      std::string::npos)
      << mail->data;
  EXPECT_EQ(mail->envelope_to, "j.weiss@clinic.example");
}

TEST(RenderMail, RefusesHeaderInjectionInEveryAddress) {
  for (const char* field : {"from", "to"}) {
    MailMessage m = Message();
    (std::string(field) == "from" ? m.from : m.to) =
        "anna.berg@clinic.example\r\nBcc: someone@elsewhere.example";
    auto mail = RenderMail(m, 0);
    ASSERT_FALSE(mail.has_value()) << field;
    ASSERT_EQ(mail.error().fields.size(), 1u);
    EXPECT_EQ(mail.error().fields[0].field, field);
  }
}

TEST(RenderMail, RefusesASubjectOfMoreThanOneLine) {
  MailMessage m = Message();
  m.subject = "Hello\r\nBcc: someone@elsewhere.example";
  auto mail = RenderMail(m, 0);
  ASSERT_FALSE(mail.has_value());
  EXPECT_EQ(mail.error().fields.at(0).field, "subject");
}

TEST(RenderMail, RefusesTextThatIsNotUtf8) {
  MailMessage m = Message();
  m.text = "Gr\xfc\xdf";  // Latin-1, not UTF-8
  auto mail = RenderMail(m, 0);
  ASSERT_FALSE(mail.has_value());
  EXPECT_EQ(mail.error().fields.at(0).field, "text");
}

TEST(RenderMail, RefusesAMessageIdAReceiverCouldNotUseToDropRepeats) {
  for (const char* id : {"", "delivery-42@rapport", "<delivery-42>", "<a b@rapport>",
                         "<a@b@rapport>", "<@rapport>", "<x@rapport>\r\nBcc: a@b.example"}) {
    MailMessage m = Message();
    m.message_id = id;
    auto mail = RenderMail(m, 0);
    ASSERT_FALSE(mail.has_value()) << id;
    EXPECT_EQ(mail.error().fields.at(0).field, "message_id") << id;
  }
}

TEST(ParseMailbox, AcceptsABareAddressAndANamedOne) {
  auto bare = ParseMailbox(" anna.berg@clinic.example ", "to");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->address, "anna.berg@clinic.example");
  EXPECT_EQ(bare->display_name, "");
  auto named = ParseMailbox("\"Berg, Anna \\\"Dr.\\\"\" <anna.berg@clinic.example>", "to");
  ASSERT_TRUE(named.has_value());
  EXPECT_EQ(named->address, "anna.berg@clinic.example");
  EXPECT_EQ(named->display_name, "Berg, Anna \"Dr.\"");
}

TEST(ParseMailbox, RefusesAnythingButExactlyOneAddress) {
  for (const char* text : {"", "anna", "anna@", "@clinic.example", "a@b.example, c@d.example",
                           "a@b.example c@d.example", "<a@b.example> <c@d.example>",
                           "Anna <a@b.example", "anna..berg@clinic.example", "anna@-clinic.example",
                           "jürgen@clinic.example", "a@b.example>"}) {
    auto mailbox = ParseMailbox(text, "to");
    ASSERT_FALSE(mailbox.has_value()) << text;
    EXPECT_EQ(mailbox.error().fields.at(0).field, "to") << text;
  }
}

TEST(QuotedPrintable, EncodesNonAsciiAsItsUtf8Octets) {
  // "Grüße": ü is C3 BC and ß is C3 9F in UTF-8.
  EXPECT_EQ(EncodeQuotedPrintable("Grüße"), "Gr=C3=BC=C3=9Fe\r\n");
}

TEST(QuotedPrintable, EncodesEqualsSignsAndWhitespaceAtTheEndOfALine) {
  EXPECT_EQ(EncodeQuotedPrintable("a = b \nc\t"), "a =3D b=20\r\nc=09\r\n");
}

TEST(QuotedPrintable, NormalisesEveryLineBreakToCrlfWithoutAddingAnEmptyLine) {
  EXPECT_EQ(EncodeQuotedPrintable("a\nb\r\nc\rd\n\ne\n"), "a\r\nb\r\nc\r\nd\r\n\r\ne\r\n");
  EXPECT_EQ(EncodeQuotedPrintable(""), "");
}

TEST(QuotedPrintable, WrapsALongLineWithSoftBreaksOfAtMost76Characters) {
  const std::string text(200, 'a');
  const std::string encoded = EncodeQuotedPrintable(text);
  // 200 characters: 75 + "=", 75 + "=", then the last 50.
  EXPECT_EQ(Lines(encoded),
            (std::vector<std::string>{std::string(75, 'a') + "=", std::string(75, 'a') + "=",
                                      std::string(50, 'a')}));
}

TEST(QuotedPrintable, NeverSplitsAnEncodedOctet) {
  // 74 plain characters leave room for 1 more before the soft break, so "=C3" moves whole to
  // the next line.
  const std::string encoded = EncodeQuotedPrintable(std::string(74, 'a') + "ü");
  EXPECT_EQ(Lines(encoded), (std::vector<std::string>{std::string(74, 'a') + "=", "=C3=BC"}));
}

TEST(QuotedPrintable, NeverStartsALineWithADot) {
  EXPECT_EQ(EncodeQuotedPrintable(".\n..x"), "=2E\r\n=2E.x\r\n");
  // A dot that would open the line after a soft break is encoded too.
  const std::string encoded = EncodeQuotedPrintable(std::string(75, 'a') + ".b");
  EXPECT_EQ(Lines(encoded), (std::vector<std::string>{std::string(75, 'a') + "=", "=2Eb"}));
}

TEST(QuotedPrintable, EncodesTheFirstLetterOfFromAtTheStartOfALine) {
  EXPECT_EQ(EncodeQuotedPrintable("From here\nnot From"), "=46rom here\r\nnot From\r\n");
}

TEST(HeaderText, KeepsAShortAsciiSubjectAsItIs) {
  EXPECT_EQ(EncodeHeaderText("Please look today", 9), "Please look today");
}

TEST(HeaderText, EncodesTextThatLooksLikeAnEncodedWord) {
  EXPECT_TRUE(EncodeHeaderText("=?UTF-8?B?eA==?=", 9).starts_with("=?UTF-8?B?"));
}

TEST(HeaderText, EncodesNonAsciiInWordsOfWholeCharactersOnLinesOfAtMost76) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Grüße ";  // 40 * 8 bytes, two-byte characters inside
  const std::string encoded = EncodeHeaderText(text, 9);
  const std::vector<std::string> lines = Lines(encoded);
  ASSERT_GT(lines.size(), 1u);
  EXPECT_LE(9 + lines[0].size(), 76u);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string word = i == 0 ? lines[i] : lines[i].substr(1);
    ASSERT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?=")) << word;
    EXPECT_LE(lines[i].size() + (i == 0 ? 9 : 0), 76u);
    // Each word alone is valid UTF-8: no character is cut in two (RFC 2047 section 5).
    EXPECT_TRUE(IsCleanUtf8(testing::DecodeBase64(word.substr(10, word.size() - 12)))) << word;
  }
  EXPECT_EQ(testing::DecodeHeader(encoded), text);
}

}  // namespace
}  // namespace rapport
