#pragma once
// HttpRequest / HttpResponse: the plain values handlers see, free of Beast, so that routes,
// problem+json and static files compile (and are unit-tested) without the heavy headers.
// Plain value types; not synchronised.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/result.h"

namespace rapport {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // percent-decoded path without the query string
  std::string query;   // raw query string without '?'
  std::map<std::string, std::string, std::less<>> headers;  // names lower-cased
  std::string body;
  std::string remote_address;  // peer IP address
  bool secure = false;         // came over TLS (directly or via a trusted proxy)
  // How the server's own absolute links begin ("https://rapport.clinic.example"): the configured
  // public address, else the address it listens on; never taken from the request's Host header.
  std::string base_url;
  std::string request_id;
  // Filled by the router: {"id": "42"} for "/clients/{id}".
  std::map<std::string, std::string, std::less<>> path_params;

  // The header's value, or empty.
  std::string_view Header(std::string_view lower_name) const;
  // The cookie's value from the Cookie header, or nullopt.
  std::optional<std::string> Cookie(std::string_view name) const;
  // The decoded query parameter, or nullopt.
  std::optional<std::string> QueryParam(std::string_view name) const;
  // The path parameter's value (the router guarantees it exists for the matched pattern).
  std::string_view Param(std::string_view name) const;
};

struct HttpResponse {
  unsigned status = 200;
  std::string content_type;  // empty: no body
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Set-Cookie, ...)
  // Set by the server when the response was produced by an /api route: adds no-store.
  bool no_store = false;

  static HttpResponse JsonBody(unsigned status, const Json& body);
  static HttpResponse NoContent();
};

// Decodes %XX and (when `plus_is_space`) '+'; nullopt on a malformed escape or a NUL byte.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace rapport
