#pragma once
// Signed webhooks: a JSON body POSTed to a clinic's receiver with an HMAC-SHA-256 signature
// over the timestamp and the body, so the receiver can tell the call came from Rapport, unchanged
// and recently. WebhookSender is the seam the delivery worker calls (tested with a fake);
// MakeHttpWebhookSender gives the real one over libcurl.
//
// Every implementation is thread-safe: Post may be called from several threads at once, each
// call opens its own connection, follows no redirect and blocks for at most the timeout.
// Receivers verify with VerifyWebhookSignature (or the same few lines in their own language).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace rapport {

struct WebhookCall {
  std::string url;           // https://... (http:// only for loopback hosts, for tests)
  std::string secret;        // the clinic's shared secret
  std::string body;          // JSON text
  std::string delivery_id;   // same on every retry, so the receiver can drop a repeat
  std::int64_t timestamp_s;  // Unix seconds, signed with the body
};

// "t=<timestamp_s>,v1=<hex HMAC-SHA256(secret, "<timestamp_s>.<body>")>". Sent as header
// X-Rapport-Signature, with X-Rapport-Delivery: delivery_id and Content-Type: application/json.
std::string WebhookSignature(std::string_view secret, std::int64_t timestamp_s,
                             std::string_view body);

// True when `header` carries a timestamp no further than `tolerance_s` from `now_s` (either
// way) and a v1 signature of that timestamp and `body` under `secret`. Several v1 entries are
// allowed (any one may match, so a secret can be rotated); unknown keys are ignored. Compares in
// constant time; false for anything malformed.
bool VerifyWebhookSignature(std::string_view secret, std::string_view header, std::string_view body,
                            std::int64_t now_s, std::int64_t tolerance_s = 300);

class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  // Ok on a 2xx answer. Errors:
  //  kUnavailable      retry: no connection, timeout, TLS failure, or 5xx, 408 or 429.
  //  kInvalidArgument  do not retry: the call itself is wrong (field "url", "secret", "body",
  //                    "delivery_id" or "timestamp_s"), the receiver answered another 4xx, or
  //                    a redirect (field "url": a webhook must point at its receiver).
  virtual Status Post(const WebhookCall& call) = 0;
};

// Fails only on a timeout that is not positive (field "webhook_timeout") or when libcurl cannot
// start.
Result<std::unique_ptr<WebhookSender>> MakeHttpWebhookSender(
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace rapport
