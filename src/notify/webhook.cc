#include "notify/webhook.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "core/json.h"
#include "core/text.h"
#include "notify/curl_easy.h"

namespace rapport {
namespace {

bool IsDigits(std::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Status CheckCall(const WebhookCall& call) {
  auto url = ParseUrl(call.url);
  if (!url) return Fail(Error::Field("url", url.error().message));
  const bool allowed =
      url->scheme == "https" || (url->scheme == "http" && IsLoopbackHost(url->host));
  if (!allowed) {
    return Fail(Error::Field("url", "must start with https:// (http:// only to this machine)"));
  }
  if (url->host.empty()) return Fail(Error::Field("url", "must name the receiver"));
  if (url->has_user_info) {
    return Fail(Error::Field(
        "url", "must not hold a user name or password: the signature is the credential"));
  }
  if (call.secret.empty()) return Fail(Error::Field("secret", "is required"));
  if (!IsCleanUtf8(call.body)) return Fail(Error::Field("body", "must be valid UTF-8 text"));
  const bool id_ok = !call.delivery_id.empty() && call.delivery_id.size() <= 200 &&
                     std::all_of(call.delivery_id.begin(), call.delivery_id.end(),
                                 [](char c) { return c > 0x20 && c < 0x7f; });
  if (!id_ok) {
    return Fail(Error::Field("delivery_id", "must be 1 to 200 visible ASCII characters"));
  }
  if (call.timestamp_s < 0) return Fail(Error::Field("timestamp_s", "must not be negative"));
  return Ok();
}

std::size_t OnCurlDiscard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

class HttpWebhookSender final : public WebhookSender {
 public:
  explicit HttpWebhookSender(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  Status Post(const WebhookCall& call) override {
    RAPPORT_RETURN_IF_ERROR(CheckCall(call));
    RAPPORT_ASSIGN_OR_RETURN(const UrlParts url, ParseUrl(call.url));
    RAPPORT_ASSIGN_OR_RETURN(CurlEasy easy, NewCurlEasy());
    CURL* h = easy.get();
    CurlList headers;
    RAPPORT_RETURN_IF_ERROR(CurlListAppend(headers, "Content-Type: application/json"));
    RAPPORT_RETURN_IF_ERROR(CurlListAppend(
        headers,
        "X-Rapport-Signature: " + WebhookSignature(call.secret, call.timestamp_s, call.body)));
    RAPPORT_RETURN_IF_ERROR(CurlListAppend(headers, "X-Rapport-Delivery: " + call.delivery_id));
    RAPPORT_RETURN_IF_ERROR(CurlListAppend(headers, "User-Agent: Rapport"));
    // No "Expect: 100-continue": a receiver that never answers it would cost a second per call.
    RAPPORT_RETURN_IF_ERROR(CurlListAppend(headers, "Expect:"));
    std::array<char, CURL_ERROR_SIZE> detail{};
    const long timeout_ms = static_cast<long>(timeout_.count());

    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_URL, call.url.c_str()));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_PROTOCOLS_STR, "http,https"));
    // A redirect would carry the signed alert to an address the clinic never configured.
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_FOLLOWLOCATION, 0L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_NOSIGNAL, 1L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_TIMEOUT_MS, timeout_ms));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_SSL_VERIFYPEER, 1L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_SSL_VERIFYHOST, 2L));
    RAPPORT_RETURN_IF_ERROR(
        CurlSet(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2)));
    if (IsLoopbackHost(url.host)) {
      // A proxy from the environment could never reach this machine's own receiver.
      RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_PROXY, ""));
    }
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_HTTPHEADER, headers.get()));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_POST, 1L));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_POSTFIELDS, call.body.data()));
    RAPPORT_RETURN_IF_ERROR(
        CurlSet(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(call.body.size())));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_WRITEFUNCTION, &OnCurlDiscard));
    RAPPORT_RETURN_IF_ERROR(CurlSet(h, CURLOPT_ERRORBUFFER, detail.data()));

    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
      std::string message =
          fmt::format("the webhook receiver could not be reached ({}", curl_easy_strerror(rc));
      if (detail[0] != '\0') message += std::string(": ") + detail.data();
      return Fail(Error::Unavailable(message + ")"));
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status <= 299) return Ok();
    if (status >= 300 && status <= 399) {
      return Fail(Error::Field(
          "url", fmt::format("the receiver answered {} (a redirect), which is not followed: "
                             "give the receiver's own address",
                             status)));
    }
    if (status == 408 || status == 429 || (status >= 500 && status <= 599)) {
      return Fail(Error::Unavailable(
          fmt::format("the webhook receiver answered {}: try again later", status)));
    }
    if (status >= 400 && status <= 499) {
      return Fail(Error::InvalidArgument(
          fmt::format("the webhook receiver refused the call with {}", status)));
    }
    return Fail(Error::Unavailable(fmt::format("the webhook receiver answered {}", status)));
  }

 private:
  const std::chrono::milliseconds timeout_;
};

}  // namespace

std::string WebhookSignature(std::string_view secret, std::int64_t timestamp_s,
                             std::string_view body) {
  const std::string t = std::to_string(timestamp_s);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, t + "." + std::string(body));
}

bool VerifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            std::int64_t now_s, std::int64_t tolerance_s) {
  if (secret.empty() || tolerance_s < 0) return false;
  std::optional<std::string_view> t_text;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view item = Trim(header.substr(0, comma), " ");
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (t_text || !IsDigits(value)) return false;
      t_text = value;
    } else if (key == "v1") {
      signatures.push_back(value);
    }
  }
  if (!t_text || signatures.empty()) return false;
  std::int64_t t = 0;
  std::from_chars(t_text->data(), t_text->data() + t_text->size(), t);
  if (t < now_s - tolerance_s || t > now_s + tolerance_s) return false;
  // Signed over the timestamp as it was sent, so the receiver needs no canonical form.
  const std::string expected =
      HmacSha256Hex(secret, std::string(*t_text) + "." + std::string(body));
  bool match = false;
  for (const std::string_view signature : signatures) {
    match = ConstantTimeEquals(expected, signature) || match;
  }
  return match;
}

Result<std::unique_ptr<WebhookSender>> MakeHttpWebhookSender(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) {
    return Fail(Error::Field("webhook_timeout", "must be more than zero"));
  }
  RAPPORT_RETURN_IF_ERROR(InitCurl());
  return std::unique_ptr<WebhookSender>(std::make_unique<HttpWebhookSender>(timeout));
}

}  // namespace rapport
