#pragma once
// What every JSON route shares: the early-exit result type, reading a JSON body, path ids, and
// the wrappers that authenticate a session (and check CSRF on writes) before a handler runs.
// Free functions over plain values; thread-safe. Used by api.cc, feedback_api.cc and fhir.cc.

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/error.h"
#include "core/json.h"
#include "core/result.h"
#include "http/message.h"
#include "http/problem.h"
#include "http/router.h"

namespace rapport {

class AuthService;
struct Actor;

// A handler's early exit: a finished error response (problem+json).
using Reply = std::expected<HttpResponse, HttpResponse>;
template <typename T>
using Or = std::expected<T, HttpResponse>;

inline std::unexpected<HttpResponse> ErrorReply(const Error& error) {
  return std::unexpected(ProblemResponse(error));
}

// JSON values for optional fields: null when absent (or, for text, empty).
Json OptionalTime(const std::optional<Timestamp>& t);  // ISO 8601 UTC
Json OptionalNumber(const std::optional<double>& value);
Json OptionalText(const std::string& text);

bool IsStateChanging(std::string_view method);
bool IsJsonContentType(std::string_view value);

// The body as a JSON object. An empty body counts as {} when `allow_empty` (actions without
// parameters); otherwise 415 for a non-JSON content type and 400 for malformed JSON.
Or<Json> ReadJsonObject(const HttpRequest& request, bool allow_empty = false);

// Path ids are positive integers; anything else names no record (404, not 400, so that probing
// reveals nothing).
Or<std::int64_t> PathId(const HttpRequest& request, std::string_view name = "id");
// A non-negative integer query parameter, `fallback` when absent or empty; a 400 naming it
// otherwise.
Or<std::int64_t> QueryInt(const HttpRequest& request, std::string_view name, std::int64_t fallback);

std::string SessionCookie(std::string_view token, bool secure);
std::string ClearedSessionCookie(bool secure);
std::string DeviceCookie(std::string_view token, bool secure);
std::string UserAgent(const HttpRequest& request);

// `response` as a file the browser saves under `filename` (Content-Disposition: attachment).
HttpResponse AsDownload(HttpResponse response, std::string_view filename);
// A 200 download of `body`, of type `content_type`, saved under `filename`.
HttpResponse Download(std::string content_type, std::string body, std::string_view filename);

using ActorHandler = std::function<Reply(const HttpRequest&, const Actor&)>;

// Wraps a route that needs a signed-in actor: session from the cookie, and on state-changing
// methods the CSRF header, both judged by AuthService. `unauthenticated` turns the 401 into
// another format (FHIR answers with an OperationOutcome); by default problem+json.
Handler Authed(AuthService& auth, ActorHandler handler,
               std::function<HttpResponse(const Error&)> on_error = nullptr);

Handler Public(std::function<Reply(const HttpRequest&)> handler);

using IdHandler = std::function<Reply(const HttpRequest&, const Actor&, std::int64_t id)>;

// Authed, for a route whose path names a record by its id ("{id}"): the id is parsed first
// (PathId: anything but a positive integer is 404).
Handler IdRoute(AuthService& auth, IdHandler handler);

// A route's handler that is a member function of a handlers object, for the wrappers above:
// `Authed(auth, Bind(handlers, &Handlers::Method))`. The object is copied into the route, so it
// holds references to services that outlive the router.
template <typename Handlers, typename Method>
auto Bind(const Handlers& handlers, Method method) {
  return [handlers, method](const auto&... args) -> decltype(auto) {
    return (handlers.*method)(args...);
  };
}

// A service result as the answer: `to_json(value)` with `status`, or the error as problem+json.
template <typename T, typename ToJson>
Reply Respond(unsigned status, const Result<T>& result, ToJson to_json) {
  if (!result) return ErrorReply(result.error());
  return HttpResponse::JsonBody(status, to_json(*result));
}

}  // namespace rapport
