#include "notify/mail.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/clock.h"
#include "notify/curl_easy.h"
#include "notify/mail_format.h"

namespace rapport {
namespace {

// What the server last said, and to which command. Only command verbs are kept: the lines
// after "AUTH LOGIN" carry the user name and password, so they are never recorded.
struct SmtpTranscript {
  std::string command;  // "RCPT", "DATA", ...; empty before the first command
  int code = 0;         // the last reply's code, 0 before the greeting
  std::string reply;    // that reply line, printable ASCII only, shortened
  bool quitting = false;
};

std::string CommandVerb(std::string_view line) {
  static constexpr std::array<std::string_view, 10> kVerbs = {
      "EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT"};
  const std::string_view word = line.substr(0, line.find_first_of(" \r\n"));
  for (const std::string_view verb : kVerbs) {
    if (word.size() == verb.size() && std::equal(word.begin(), word.end(), verb.begin(),
                                                 [](char a, char b) { return (a & ~0x20) == b; })) {
      return std::string(verb);
    }
  }
  return {};
}

int OnCurlDebug(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
  auto* transcript = static_cast<SmtpTranscript*>(user);
  const std::string_view text(data, size);
  if (type == CURLINFO_HEADER_OUT) {
    std::string verb = CommandVerb(text);
    // After a failure libcurl says QUIT; the reply to that must not hide the failing one.
    if (verb == "QUIT") transcript->quitting = true;
    if (!verb.empty() && !transcript->quitting) transcript->command = std::move(verb);
  } else if (type == CURLINFO_HEADER_IN && !transcript->quitting) {
    // Each call carries one reply line, "250-..." inside a multi-line reply and "250 ..." last.
    if (text.size() < 3 ||
        !std::all_of(text.begin(), text.begin() + 3, [](char c) { return c >= '0' && c <= '9'; })) {
      return 0;
    }
    transcript->code = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
    transcript->reply.clear();
    for (const char c : text.substr(0, 160)) {
      if (c >= 0x20 && c < 0x7f) transcript->reply += c;
    }
  }
  return 0;
}

struct UploadCursor {
  std::string_view rest;
};

std::size_t OnCurlRead(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* cursor = static_cast<UploadCursor*>(user);
  const std::size_t n = std::min(size * count, cursor->rest.size());
  std::memcpy(buffer, cursor->rest.data(), n);
  cursor->rest.remove_prefix(n);
  return n;
}

// RFC 5321 section 4.2.1: 4yz is transient (try again), 5yz permanent. Which permanent refusals
// the worker may give up on depends on what was refused: a recipient or the content, yes; the
// clinic's own settings (sign-in, sender, TLS), no: those need an administrator.
Error ClassifyFailure(CURLcode rc, const SmtpTranscript& t, const char* detail) {
  if (rc == CURLE_USE_SSL_FAILED) {
    return Error::FailedPrecondition(
        "the mail server offers no TLS (STARTTLS), and these settings require it (TLS is "
        "required whenever a password is set): nothing was sent");
  }
  if (rc == CURLE_LOGIN_DENIED) {
    return Error::FailedPrecondition("the mail server refused the user name or password");
  }
  const std::string said = t.reply.empty() ? std::to_string(t.code) : t.reply;
  if (t.code >= 500 && t.code <= 599) {
    if (t.command == "RCPT") {
      return Error::Field("to", "the mail server refused this recipient: " + said);
    }
    // 552 to MAIL is the SIZE extension's "too large" (RFC 1870), not a refused sender.
    if (t.command == "DATA" || (t.command == "MAIL" && t.code == 552)) {
      return Error::InvalidArgument("the mail server refused the message: " + said);
    }
    if (t.command == "MAIL" || t.command == "AUTH") {
      return Error::FailedPrecondition("the mail server refused the sender or sign-in: " + said);
    }
  }
  if (t.code >= 400 && t.code <= 499) {
    return Error::Unavailable("the mail server asked to try again later: " + said);
  }
  std::string message =
      std::string("the mail server could not be reached (") + curl_easy_strerror(rc);
  if (detail != nullptr && *detail != '\0') message += std::string(": ") + detail;
  return Error::Unavailable(message + ")");
}

class SmtpSender final : public MailSender {
 public:
  explicit SmtpSender(SmtpOptions options) : options_(std::move(options)) {}

  Status Send(const MailMessage& message) override {
    RAPPORT_ASSIGN_OR_RETURN(const RenderedMail mail,
                             RenderMail(message, SystemClock::Instance().Now()));
    RAPPORT_ASSIGN_OR_RETURN(CurlEasy easy, NewCurlEasy());
    CURL* h = easy.get();
    CurlList recipients;
    RAPPORT_RETURN_IF_ERROR(CurlListAppend(recipients, "<" + mail.envelope_to + ">"));
    const std::string envelope_from = "<" + mail.envelope_from + ">";
    UploadCursor cursor{mail.data};
    SmtpTranscript transcript;
    std::array<char, CURL_ERROR_SIZE> detail{};
    const bool tls_required = SmtpTlsRequired(options_);
    const long timeout_ms = static_cast<long>(options_.timeout.count());

    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_URL, options_.url.c_str()));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps"));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_NOSIGNAL, 1L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_TIMEOUT_MS, timeout_ms));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms));
    // STARTTLS whenever offered; demanded when required, so a password never goes in clear.
    RAPPORT_RETURN_IF_ERROR(CurlSet(
        h, CURLOPT_USE_SSL, static_cast<long>(tls_required ? CURLUSESSL_ALL : CURLUSESSL_TRY)));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_SSL_VERIFYPEER, 1L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_SSL_VERIFYHOST, 2L));
    RAPPORT_RETURN_IF_ERROR(
        CurlSet(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)));
    if (!options_.ca_file.empty()) {
      RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_CAINFO, options_.ca_file.c_str()));
    }
    if (!options_.username.empty()) {
      RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_USERNAME, options_.username.c_str()));
      RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_PASSWORD, options_.password.c_str()));
    }
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_MAIL_FROM, envelope_from.c_str()));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_MAIL_RCPT, recipients.get()));
    // libcurl dot-stuffs the upload (a line "." arrives as "."); the body never starts a line
    // with a dot anyway (see EncodeQuotedPrintable).
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_UPLOAD, 1L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_READFUNCTION, &OnCurlRead));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_READDATA, &cursor));
    RAPPORT_RETURN_IF_ERROR(
        CurlSet(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(mail.data.size())));
    // Verbose only feeds OnCurlDebug, which learns the failing command; nothing is printed.
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_DEBUGFUNCTION, &OnCurlDebug));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_DEBUGDATA, &transcript));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_VERBOSE, 1L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_ERRORBUFFER, detail.data()));

    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) return Ok();
    return Fail(ClassifyFailure(rc, transcript, detail.data()));
  }

 private:
  const SmtpOptions options_;
};

}  // namespace

bool SmtpTlsRequired(const SmtpOptions& options) {
  if (options.require_tls || !options.username.empty()) return true;
  auto url = ParseUrl(options.url);
  if (!url) return true;
  std::string host = url->host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
  return !loopback;
}

Result<std::unique_ptr<MailSender>> MakeSmtpSender(const SmtpOptions& options) {
  auto url = ParseUrl(options.url);
  if (!url) return Fail(Error::Field("smtp_url", url.error().message));
  if (url->scheme != "smtp" && url->scheme != "smtps") {
    return Fail(Error::Field("smtp_url", "must start with smtp:// (STARTTLS) or smtps://"));
  }
  if (url->host.empty()) return Fail(Error::Field("smtp_url", "must name the mail server"));
  if (url->port.empty()) {
    return Fail(Error::Field("smtp_url", "must give the port, as in smtp://mail.example.org:587"));
  }
  if (url->has_user_info) {
    return Fail(
        Error::Field("smtp_url", "must not hold a user name or password: set them separately"));
  }
  if (url->path != "/" || url->has_query || url->has_fragment) {
    return Fail(Error::Field("smtp_url", "must be only smtp://host:port or smtps://host:port"));
  }
  if (options.username.empty() && !options.password.empty()) {
    return Fail(Error::Field("smtp_username", "is required when a password is set"));
  }
  if (options.timeout.count() <= 0) {
    return Fail(Error::Field("smtp_timeout", "must be more than zero"));
  }
  if (!options.ca_file.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.ca_file, ec)) {
      return Fail(Error::Field("smtp_ca_file", "is not a readable file"));
    }
  }
  RAPPORT_RETURN_IF_ERROR(InitCurl());
  return std::unique_ptr<MailSender>(std::make_unique<SmtpSender>(options));
}

}  // namespace rapport
