#pragma once
// The bytes of an e-mail: RFC 5322 headers (non-ASCII words as RFC 2047 encoded-words) and a
// quoted-printable UTF-8 body (RFC 2045), so the message passes any SMTP server whatever its
// line lengths or characters. Pure functions of their arguments (the caller passes the Date),
// thread-safe. The SMTP sender is the only production caller; they are public for the tests.

#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "notify/mail.h"

namespace rapport {

// "Name <local@domain>" or "local@domain". The display name may be "quoted" and may be any
// UTF-8; the address must be plain ASCII (no SMTPUTF8). Errors name `field`.
struct Mailbox {
  std::string display_name;
  std::string address;
};
Result<Mailbox> ParseMailbox(std::string_view text, std::string_view field);

// What goes to the server: the envelope addresses and the message, CRLF line ends throughout,
// ending in CRLF. Every part of `message` is checked and an error names its field.
struct RenderedMail {
  std::string envelope_from;
  std::string envelope_to;
  std::string data;
};
Result<RenderedMail> RenderMail(const MailMessage& message, Timestamp date);

// RFC 5322 date-time in UTC: "Tue, 25 Nov 2025 21:22:52 +0000".
std::string FormatMailDate(Timestamp t);

// `text` as quoted-printable lines of at most 76 characters, each ending in CRLF. Any of CRLF,
// LF or CR ends a line; a final line break adds no empty line.
std::string EncodeQuotedPrintable(std::string_view text);

// A header value that starts after `used` characters of its first line ("Subject: " is 9):
// unchanged when it is printable ASCII that fits, else RFC 2047 "B" encoded-words of whole
// UTF-8 characters, folded so that no line exceeds 76 characters. `text` must be clean UTF-8.
std::string EncodeHeaderText(std::string_view text, std::size_t used);

}  // namespace rapport
