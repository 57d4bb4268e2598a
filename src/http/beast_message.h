#pragma once
// Between Beast's HTTP messages and the server's own (http/message.h): how a request read off a
// connection becomes an HttpRequest, and an HttpResponse the bytes sent back, with the headers
// every answer carries. The server (http/server.cc) and the request fuzz target use these same
// steps.

#include <string>

#include "http/asio.h"
#include "http/message.h"

namespace rapport {

using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

// The headers every response carries, a WebSocket upgrade's included: a Content-Security-Policy
// without inline script or style, never framed; nosniff; no referrer. `secure` (the request came
// over TLS, natively or through a trusted proxy) adds Strict-Transport-Security, which is never
// sent over plain HTTP, where a network in between could strip or forge it (RFC 6797 §8.1).
template <class Fields>
void SetSecurityHeaders(Fields& out, bool secure) {
  out.set("Content-Security-Policy",
          "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; "
          "form-action 'self'");
  out.set("X-Content-Type-Options", "nosniff");
  out.set("Referrer-Policy", "no-referrer");
  out.set("X-Frame-Options", "DENY");  // frame-ancestors, for browsers without CSP level 2
  // Two years, this host and its subdomains.
  if (secure) out.set("Strict-Transport-Security", "max-age=63072000; includeSubDomains");
}

// RFC 9112 §6.1 and §6.3: the only transfer coding a request may use is one "chunked", never
// beside a Content-Length. Anything else is refused rather than guessed at, so that no proxy in
// front of the server can read the body's end differently (request smuggling).
bool AmbiguousFraming(const BeastRequest& request);

// Where a request came from, as the connection knows it.
struct RequestOrigin {
  std::string remote_address;
  std::string base_url;              // how the server's own links begin
  bool tls = false;                  // it came over the server's own TLS
  bool trust_proxy_headers = false;  // believe X-Forwarded-Proto and X-Forwarded-For
};

// The request as the router takes it: the path percent-decoded (one that does not decode matches
// nothing), the query as sent, header names in lower case with repeats joined, the body moved out
// of `in`.
HttpRequest TranslateRequest(BeastRequest& in, const RequestOrigin& origin);

// The answer as sent: the security headers, the request id, and Cache-Control: no-store unless
// the response chose its own caching (static files).
BeastResponse ToBeastResponse(HttpResponse response, const HttpRequest& request, unsigned version);

}  // namespace rapport
