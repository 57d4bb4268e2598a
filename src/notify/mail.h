#pragma once
// E-mail to a clinic's people through the clinic's own SMTP server (submission with STARTTLS, or
// implicit TLS). MailSender is the seam the delivery worker calls, so its retry and give-up rules
// can be tested with a fake; MakeSmtpSender gives the real one over libcurl.
//
// Every implementation is thread-safe: Send may be called from several threads at once, each
// call opens its own connection and blocks for at most the configured timeout (plus DNS).
// The password never appears in an error message or a log line.

#include <chrono>
#include <memory>
#include <string>

#include "core/result.h"

namespace rapport {

struct MailMessage {
  std::string from;        // "Rapport <no-reply@clinic.example>" or "no-reply@clinic.example"
  std::string to;          // one address, same two forms
  std::string subject;     // UTF-8; encoded as RFC 2047 words when not plain ASCII
  std::string text;        // plain text body, UTF-8; sent quoted-printable, so any line length
  std::string message_id;  // "<delivery-42.abc@rapport>": the same on every retry, so a receiver
                           // can drop a repeat
};

class MailSender {
 public:
  virtual ~MailSender() = default;
  // Ok once the server has accepted the message for delivery. Errors:
  //  kUnavailable        retry later: no connection, timeout, TLS handshake or certificate
  //                      failure, or any 4xx reply (the server itself says "try again").
  //  kInvalidArgument    do not retry: the message is malformed (field names the part: "from",
  //                      "to", "subject", "text", "message_id"), the server refused the
  //                      recipient with a 5xx (field "to"), or it refused the content with a 5xx.
  //  kFailedPrecondition do not retry until an administrator changes the settings: TLS is
  //                      required (or a password is set) and the server offers none; the
  //                      server refused the user name or password, demands sign-in, or refused
  //                      the sender address with a 5xx.
  virtual Status Send(const MailMessage& message) = 0;
};

struct SmtpOptions {
  std::string url;  // "smtp://host:port" (STARTTLS when offered) or "smtps://host:port"
  std::string username, password;  // optional; when set, TLS is required (never a password in
                                   // clear)
  bool require_tls = false;        // refuse to send without TLS
  std::string ca_file;  // optional PEM file of certificates to trust instead of the system's
                        // (a clinic's private CA); verification itself is never switched off
  std::chrono::milliseconds timeout{20'000};  // for the whole conversation, connecting included
};

// Whether a message may go only over TLS: when `require_tls` asks for it, when a password is set
// (never a password in clear), and whenever the relay is not on this machine (invitation and
// password-reset links must not cross a network in clear). A relay on loopback (localhost,
// 127.0.0.0/8, ::1), such as the machine's own mail transfer agent, may go without. The URL is
// assumed valid (MakeSmtpSender checks it first).
bool SmtpTlsRequired(const SmtpOptions& options);

// Validates the options: the URL (scheme smtp or smtps, a host, an explicit port, nothing else)
// with field "smtp_url", a password without a user name ("smtp_username"), a timeout that is
// not positive ("smtp_timeout"). Nothing is sent and no connection is made here.
Result<std::unique_ptr<MailSender>> MakeSmtpSender(const SmtpOptions& options);

}  // namespace rapport
