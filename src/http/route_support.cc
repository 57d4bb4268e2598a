#include "http/route_support.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>
#include <string>
#include <utility>

#include "http/api.h"
#include "service/actor.h"
#include "service/auth_service.h"

namespace rapport {

Json OptionalTime(const std::optional<Timestamp>& t) {
  return t ? Json(FormatIso8601(*t)) : Json(nullptr);
}

Json OptionalNumber(const std::optional<double>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json OptionalText(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

// --- Request plumbing --------------------------------------------------------------------------

bool IsStateChanging(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

bool IsJsonContentType(std::string_view value) {
  const std::size_t semi = value.find(';');
  std::string_view type = value.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type.size() != 16) return false;
  for (std::size_t i = 0; i < type.size(); ++i) {
    const char c = static_cast<char>(type[i] >= 'A' && type[i] <= 'Z' ? type[i] + 32 : type[i]);
    if (c != "application/json"[i]) return false;
  }
  return true;
}

// The body as a JSON object. An empty body counts as {} when `allow_empty` (actions without
// parameters); otherwise 415 for a non-JSON content type and 400 for malformed JSON.
Or<Json> ReadJsonObject(const HttpRequest& request, bool allow_empty) {
  if (request.body.empty() && allow_empty) return Json::object();
  if (!IsJsonContentType(request.Header("content-type"))) {
    return std::unexpected(ProblemResponse(415, "Send the request body as application/json."));
  }
  auto parsed = ParseJson(request.body);
  if (!parsed) return ErrorReply(parsed.error());
  if (!parsed->is_object()) {
    return ErrorReply(Error::InvalidArgument("The request body must be a JSON object.",
                                             {FieldError{"", "must be a JSON object"}}));
  }
  return std::move(*parsed);
}

// Path ids are positive integers; anything else names no record (404, not 400, so that probing
// reveals nothing).
Or<std::int64_t> PathId(const HttpRequest& request, std::string_view name) {
  std::string_view text = request.Param(name);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    return ErrorReply(Error::NotFound("no such record"));
  }
  return value;
}

Or<std::int64_t> QueryInt(const HttpRequest& request, std::string_view name,
                          std::int64_t fallback) {
  std::optional<std::string> text = request.QueryParam(name);
  if (!text || text->empty()) return fallback;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0) {
    return ErrorReply(Error::Field(std::string(name), "must be a non-negative integer"));
  }
  return value;
}

std::string SessionCookie(std::string_view token, bool secure) {
  std::string cookie = std::string(kSessionCookie) + "=" + std::string(token) +
                       "; HttpOnly; SameSite=Strict; Path=/";
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string DeviceCookie(std::string_view token, bool secure) {
  // Half a year: long enough to be remembered between appointments.
  std::string cookie = std::string(kDeviceCookie) + "=" + std::string(token) +
                       "; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age=15552000";
  if (secure) cookie += "; Secure";
  return cookie;
}

std::string ClearedSessionCookie(bool secure) {
  return SessionCookie("", secure) + "; Max-Age=0";
}

std::string UserAgent(const HttpRequest& request) {
  return std::string(request.Header("user-agent").substr(0, 200));
}

HttpResponse AsDownload(HttpResponse response, std::string_view filename) {
  response.headers.emplace_back("Content-Disposition",
                                fmt::format("attachment; filename=\"{}\"", filename));
  return response;
}

HttpResponse Download(std::string content_type, std::string body, std::string_view filename) {
  HttpResponse response;
  response.status = 200;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return AsDownload(std::move(response), filename);
}

// Wraps a route that needs a signed-in actor: session from the cookie, and on state-changing
// methods the CSRF header, both judged by AuthService.
Handler Authed(AuthService& auth, ActorHandler handler,
               std::function<HttpResponse(const Error&)> on_error) {
  if (!on_error) on_error = [](const Error& error) { return ProblemResponse(error); };
  return [&auth, handler = std::move(handler),
          on_error = std::move(on_error)](const HttpRequest& request) -> HttpResponse {
    std::optional<std::string> token = request.Cookie(kSessionCookie);
    if (!token || token->empty()) {
      return on_error(Error::Unauthenticated("Sign in to continue."));
    }
    auto actor = auth.Authenticate(*token, request.remote_address);
    if (!actor) {
      HttpResponse response = on_error(actor.error());
      if (actor.error().code == ErrorCode::kUnauthenticated) {
        response.headers.emplace_back("Set-Cookie", ClearedSessionCookie(request.secure));
      }
      return response;
    }
    if (IsStateChanging(request.method)) {
      if (auto ok = auth.CheckCsrf(*actor, request.Header(kCsrfHeader)); !ok) {
        return on_error(ok.error());
      }
    }
    Reply reply = handler(request, *actor);
    return reply ? std::move(*reply) : std::move(reply.error());
  };
}

Handler Public(std::function<Reply(const HttpRequest&)> handler) {
  return [handler = std::move(handler)](const HttpRequest& request) -> HttpResponse {
    Reply reply = handler(request);
    return reply ? std::move(*reply) : std::move(reply.error());
  };
}

Handler IdRoute(AuthService& auth, IdHandler handler) {
  return Authed(
      auth,
      [handler = std::move(handler)](const HttpRequest& request, const Actor& actor) -> Reply {
        auto id = PathId(request);
        if (!id) return std::unexpected(std::move(id.error()));
        return handler(request, actor, *id);
      });
}

}  // namespace rapport
