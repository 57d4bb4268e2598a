#include "http/api.h"

#include <algorithm>
#include <charconv>
#include <expected>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.h"
#include "core/json.h"
#include "http/appointment_api.h"
#include "http/change_api.h"
#include "http/course_api.h"
#include "http/family_api.h"
#include "http/feedback_api.h"
#include "http/fhir.h"
#include "http/matching_api.h"
#include "http/messaging_api.h"
#include "http/plan_api.h"
#include "http/problem.h"
#include "http/record_api.h"
#include "http/room_api.h"
#include "http/route_support.h"
#include "http/safety_api.h"
#include "service/actor.h"
#include "service/audit_service.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "store/store.h"

namespace rapport {

namespace {

// --- JSON shapes -------------------------------------------------------------------------------

Json UserJson(const User& user) {
  return {{"id", user.id},
          {"role", std::string(ToString(user.role))},
          {"email", user.email},
          {"email_confirmed", user.email_confirmed},
          {"display_name", user.display_name},
          {"clinic_id", user.clinic_id},
          {"active", user.active},
          {"created_at", FormatIso8601(user.created_at)}};
}

Json EpisodeJson(const EpisodeView& episode) {
  return {{"id", episode.id},
          {"client_id", episode.client_id},
          {"therapist_id", episode.therapist_id},
          {"therapist_name", episode.therapist_name},
          {"status", std::string(ToString(episode.status))},
          {"started_at", FormatIso8601(episode.started_at)},
          {"ended_at", OptionalTime(episode.ended_at)}};
}

Json ClientJson(const User& user, const ClientProfile& profile, bool minor) {
  return {{"id", user.id},
          {"email", user.email},
          {"email_confirmed", user.email_confirmed},
          {"display_name", user.display_name},
          {"preferred_name", profile.preferred_name},
          {"date_of_birth",
           profile.date_of_birth.empty() ? Json(nullptr) : Json(profile.date_of_birth)},
          {"is_minor", minor},
          {"country", profile.country.empty() ? Json(nullptr) : Json(profile.country)},
          {"active", user.active},
          {"created_at", FormatIso8601(user.created_at)}};
}

Json GuardianLinkJson(const GuardianLinkView& link) {
  return {{"id", link.id},
          {"child_id", link.child_id},
          {"child_name", link.child_name},
          {"guardian_id", link.guardian_id == 0 ? Json(nullptr) : Json(link.guardian_id)},
          {"display_name", link.display_name},
          {"email", link.email.empty() ? Json(nullptr) : Json(link.email)},
          {"status", std::string(ToString(link.state))},
          {"exception_reason",
           link.exception_reason.empty() ? Json(nullptr) : Json(link.exception_reason)},
          {"requested_by_name", link.requested_by_name},
          {"requested_at", FormatIso8601(link.requested_at)},
          {"accepted_at", OptionalTime(link.accepted_at)},
          {"consent_recorded_by_name", link.consent_recorded_by_name},
          {"consent_recorded_at", OptionalTime(link.consent_recorded_at)},
          {"consent_note", link.consent_note}};
}

Json ClientDetailJson(const ClientDetail& detail) {
  Json out = ClientJson(detail.user, detail.profile, detail.minor);
  out["clinical"] = detail.clinical;
  Json episodes = Json::array();
  for (const EpisodeView& episode : detail.episodes) episodes.push_back(EpisodeJson(episode));
  out["episodes"] = std::move(episodes);
  Json guardians = Json::array();
  for (const GuardianLinkView& link : detail.guardians) guardians.push_back(GuardianLinkJson(link));
  out["guardians"] = std::move(guardians);
  return out;
}

Json AppointmentJson(const AppointmentView& view) {
  const Appointment& a = view.appointment;
  return {{"id", a.id},
          {"episode_id", a.episode_id},
          {"starts_at", FormatIso8601(a.starts_at)},
          {"duration_minutes", a.duration_minutes},
          {"modality", std::string(ToString(a.modality))},
          {"status", std::string(ToString(a.status))},
          {"client_id", view.client_id},
          {"client_name", view.client_name},
          {"therapist_id", view.therapist_id},
          {"therapist_name", view.therapist_name}};
}

Json InvitationJson(const InvitationLink& link) {
  // A path rather than an absolute URL: the browser resolves it against the origin it already
  // trusts, so a forged Host header cannot turn an invitation into a link elsewhere.
  // By e-mail the answer says only that it went: the token is for the person, not the staff.
  Json out = {{"delivery", std::string(ToString(link.delivery))},
              {"expires_at", FormatIso8601(link.expires_at)}};
  if (!link.path.empty()) out["url"] = link.path;
  return out;
}

Json AuditJson(const AuditRow& entry) {
  return {{"seq", entry.seq},
          {"at", FormatIso8601(entry.at)},
          {"actor_id", entry.actor_id},
          {"actor_name", entry.actor_name},
          {"actor_role", entry.actor_role},
          {"action", entry.action},
          {"record_type", entry.record_type},
          {"record_id", entry.record_id},
          {"record_words", entry.record_words},
          {"client_id", entry.client_id == 0 ? Json(nullptr) : Json(entry.client_id)},
          {"client_name", entry.client_name},
          {"source", entry.source},
          {"detail", entry.detail},
          {"hash", entry.hash}};
}

Json ClinicSettingsJson(const ClinicSettings& settings) {
  return {{"share_with_guardians", settings.share_with_guardians},
          {"allow_link_feedback", settings.allow_link_feedback},
          {"plan_review_sessions", settings.plan_review_sessions},
          {"plan_review_days", settings.plan_review_days},
          {"age_of_majority", settings.age_of_majority},
          {"cancel_notice_hours", settings.cancel_notice_hours},
          {"outcome_informed_matching", settings.outcome_informed_matching},
          {"clients_may_read_notes", settings.clients_may_read_notes},
          {"min_outcome_episodes", settings.min_outcome_episodes},
          {"fit_check_after_hours", settings.fit_check_after_hours},
          {"repair_within_hours", settings.repair_within_hours},
          {"no_contact_after_days", settings.no_contact_after_days},
          {"adolescent_from_age", settings.adolescent_from_age},
          {"minor_consent_age", settings.minor_consent_age},
          {"guardian_policy", GuardianPolicyToJson(settings.guardian_policy)}};
}

Json ClinicJson(const Clinic& clinic) {
  return {
      {"id", clinic.id}, {"name", clinic.name}, {"settings", ClinicSettingsJson(clinic.settings)}};
}

HttpResponse LoginResponse(const LoginResult& login, const HttpRequest& request) {
  HttpResponse response = HttpResponse::JsonBody(
      200, {{"user", UserJson(login.user)}, {"csrf_token", login.csrf_token}});
  response.headers.emplace_back("Set-Cookie", SessionCookie(login.session_token, request.secure));
  if (!login.device_token.empty()) {
    response.headers.emplace_back("Set-Cookie", DeviceCookie(login.device_token, request.secure));
  }
  return response;
}

// Parses an ISO 8601 field into `out`, recording a field error on failure.
std::optional<Timestamp> TimeField(JsonObjectReader& reader, std::string_view key, bool required) {
  auto text = required ? reader.RequiredString(key, 64) : reader.OptionalString(key, 64);
  if (!text) return std::nullopt;
  auto t = ParseIso8601(*text);
  if (!t) {
    reader.AddError(key, "must be an ISO 8601 date-time such as 2026-11-25T14:00:00Z");
    return std::nullopt;
  }
  return *t;
}

template <typename T, typename Parse>
std::optional<T> EnumField(JsonObjectReader& reader, std::string_view key, bool required,
                           Parse parse, std::string_view allowed) {
  auto text = required ? reader.RequiredString(key, 64) : reader.OptionalString(key, 64);
  if (!text) return std::nullopt;
  auto value = parse(*text);
  if (!value) {
    reader.AddError(key, "must be one of " + std::string(allowed));
    return std::nullopt;
  }
  return *value;
}

std::optional<int> SmallIntField(JsonObjectReader& reader, std::string_view key, bool required) {
  auto value = required ? reader.RequiredInt(key) : reader.OptionalInt(key);
  if (!value) return std::nullopt;
  if (*value < 0 || *value > 100'000) {
    reader.AddError(key, "is out of range");
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

std::optional<std::int64_t> IdField(JsonObjectReader& reader, std::string_view key, bool required) {
  auto value = required ? reader.RequiredInt(key) : reader.OptionalInt(key);
  if (!value) return std::nullopt;
  if (*value <= 0) {
    reader.AddError(key, "must be a positive id");
    return std::nullopt;
  }
  return *value;
}

constexpr std::string_view kModalities = "in-person, video, phone, text";

// An optional ISO 8601 query parameter.
Or<std::optional<Timestamp>> QueryTime(const HttpRequest& request, std::string_view name) {
  std::optional<std::string> text = request.QueryParam(name);
  if (!text || text->empty()) return std::optional<Timestamp>();
  auto t = ParseIso8601(*text);
  if (!t)
    return ErrorReply(Error::Field(std::string(name), "must be an ISO 8601 date or date-time"));
  return std::optional<Timestamp>(*t);
}

// The audit search in the query: client, person (ids), action, from and to (ISO 8601 dates or
// times; a date as `to` includes that whole day).
Or<AuditSearch> QueryAuditSearch(const HttpRequest& request) {
  AuditSearch search;
  auto client = QueryInt(request, "client", 0);
  if (!client) return std::unexpected(std::move(client.error()));
  auto person = QueryInt(request, "person", 0);
  if (!person) return std::unexpected(std::move(person.error()));
  search.client_id = *client;
  search.person_id = *person;
  search.action = request.QueryParam("action").value_or("");
  if (search.action.size() > 64) return ErrorReply(Error::Field("action", "is too long"));
  auto from = QueryTime(request, "from");
  if (!from) return std::unexpected(std::move(from.error()));
  auto to = QueryTime(request, "to");
  if (!to) return std::unexpected(std::move(to.error()));
  search.from = from->value_or(0);
  search.to = to->value_or(0);
  const std::string to_text = request.QueryParam("to").value_or("");
  if (*to && to_text.size() == 10) search.to += 24 * 60 * 60 * 1000;  // through that whole day
  return search;
}

// --- Routes ------------------------------------------------------------------------------------

// The handlers of AddHealthRoutes, one per route, named for what it answers. A value holding a
// pointer: the store outlives the router.
struct HealthHandlers {
  // Null when the server runs without a store: never ready.
  Store* store;

  HttpResponse Alive(const HttpRequest&) const {
    return HttpResponse::JsonBody(200, {{"status", "ok"}});
  }

  HttpResponse Ready(const HttpRequest&) const {
    if (store == nullptr || !store->Ping() || !store->CheckWritable()) {
      return HttpResponse::JsonBody(503, {{"status", "unavailable"}});
    }
    return HttpResponse::JsonBody(200, {{"status", "ready"}});
  }
};

void AddHealthRoutes(Router& router, Store* store) {
  using H = HealthHandlers;
  const H h{store};
  router.Add("GET", "/healthz", Bind(h, &H::Alive), /*blocking=*/false);
  router.Add("GET", "/readyz", Bind(h, &H::Ready));
}

// The handlers of AddAuthRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct AuthHandlers {
  AuthService& auth;
  // Told of each session signed out, so that its live connections close.
  std::function<void(SessionId)> session_ended;

  void Ended(SessionId id) const {
    if (session_ended) session_ended(id);
  }

  Reply Login(const HttpRequest& request) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto email = reader.RequiredString("email", 320);
    auto password = reader.RequiredString("password", 1024);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto login = auth.Login(*email, *password, request.remote_address, UserAgent(request),
                            request.Cookie(kDeviceCookie).value_or(std::string()));
    if (!login) return ErrorReply(login.error());
    return LoginResponse(*login, request);
  }

  // Answers the same whether or not the address has an account.
  Reply RequestPasswordReset(const HttpRequest& request) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto email = reader.RequiredString("email", 320);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    if (auto ok = auth.RequestPasswordReset(*email, request.remote_address); !ok) {
      return ErrorReply(ok.error());
    }
    return HttpResponse::JsonBody(202,
                                  {{"message",
                                    "If this address belongs to an account, a link to choose a new "
                                    "password is on its way. It works for one hour."}});
  }

  Reply ChangePassword(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto current = reader.RequiredString("current_password", 1024);
    auto next = reader.RequiredString("new_password", 1024);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    if (auto ok = auth.ChangePassword(actor, *current, *next); !ok) {
      return ErrorReply(ok.error());
    }
    return HttpResponse::JsonBody(200, {{"message",
                                         "Your password has been changed, and every other session "
                                         "of your account has been signed out."}});
  }

  Reply Unlock(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    if (auto ok = auth.ClearSignInFailures(actor, *id); !ok) {
      return ErrorReply(ok.error());
    }
    return HttpResponse::NoContent();
  }

  Reply Logout(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    if (auto ok = auth.Logout(actor); !ok) return ErrorReply(ok.error());
    Ended(actor.session_id);
    HttpResponse response = HttpResponse::NoContent();
    response.headers.emplace_back("Set-Cookie", ClearedSessionCookie(request.secure));
    return response;
  }

  Reply Me(const HttpRequest&, const Actor& actor) const {
    auto user = auth.CurrentUser(actor);
    if (!user) return ErrorReply(user.error());
    return HttpResponse::JsonBody(200,
                                  {{"user", UserJson(*user)}, {"csrf_token", actor.csrf_token}});
  }

  Reply ListSessions(const HttpRequest&, const Actor& actor) const {
    auto sessions = auth.ListSessions(actor);
    if (!sessions) return ErrorReply(sessions.error());
    Json out = Json::array();
    for (const SessionInfo& s : *sessions) {
      out.push_back({{"id", s.id},
                     {"created_at", FormatIso8601(s.created_at)},
                     {"last_seen_at", FormatIso8601(s.last_seen_at)},
                     {"source", s.source},
                     {"user_agent", s.user_agent},
                     {"current", s.current}});
    }
    return HttpResponse::JsonBody(200, out);
  }

  Reply EndSession(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    if (auto ok = auth.EndSession(actor, *id); !ok) return ErrorReply(ok.error());
    Ended(*id);
    HttpResponse response = HttpResponse::NoContent();
    if (*id == actor.session_id) {
      response.headers.emplace_back("Set-Cookie", ClearedSessionCookie(request.secure));
    }
    return response;
  }

  Reply PeekInvitation(const HttpRequest& request) const {
    auto info = auth.PeekInvitation(request.Param("token"));
    if (!info) return ErrorReply(info.error());
    return HttpResponse::JsonBody(200, {{"email", info->email},
                                        {"display_name", info->display_name},
                                        {"role", std::string(ToString(info->role))},
                                        {"clinic_name", info->clinic_name},
                                        {"purpose", info->purpose},
                                        {"expires_at", FormatIso8601(info->expires_at)}});
  }

  // No CSRF token exists yet for someone accepting an invitation; the single-use token in the
  // path is the proof, and SameSite=Strict keeps other sites' cookies out of it.
  Reply AcceptInvitation(const HttpRequest& request) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto password = reader.RequiredString("password", 1024);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto login = auth.AcceptInvitation(request.Param("token"), *password, request.remote_address,
                                       UserAgent(request));
    if (!login) return ErrorReply(login.error());
    return LoginResponse(*login, request);
  }
};

void AddAuthRoutes(Router& router, AuthService& auth,
                   std::function<void(SessionId)> session_ended) {
  using H = AuthHandlers;
  const H h{auth, std::move(session_ended)};
  router.Add("POST", "/api/v1/auth/login", Public(Bind(h, &H::Login)));
  router.Add("POST", "/api/v1/auth/password-reset", Public(Bind(h, &H::RequestPasswordReset)));
  router.Add("POST", "/api/v1/me/password", Authed(auth, Bind(h, &H::ChangePassword)));
  router.Add("POST", "/api/v1/users/{id}/unlock", Authed(auth, Bind(h, &H::Unlock)));
  router.Add("POST", "/api/v1/auth/logout", Authed(auth, Bind(h, &H::Logout)));
  router.Add("GET", "/api/v1/me", Authed(auth, Bind(h, &H::Me)));
  router.Add("GET", "/api/v1/auth/sessions", Authed(auth, Bind(h, &H::ListSessions)));
  router.Add("DELETE", "/api/v1/auth/sessions/{id}", Authed(auth, Bind(h, &H::EndSession)));
  router.Add("GET", "/api/v1/invitations/{token}", Public(Bind(h, &H::PeekInvitation)));
  router.Add("POST", "/api/v1/invitations/{token}/accept", Public(Bind(h, &H::AcceptInvitation)));
}

// The handlers of AddClientRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct ClientHandlers {
  AuthService& auth;
  ClinicService& clinic;

  Reply ListClients(const HttpRequest&, const Actor& actor) const {
    auto clients = clinic.ListClients(actor);
    if (!clients) return ErrorReply(clients.error());
    Json out = Json::array();
    for (const ClientSummary& c : *clients) {
      out.push_back(ClientJson(c.user, c.profile, c.minor));
    }
    return HttpResponse::JsonBody(200, out);
  }

  Reply AddClient(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    NewClientInput input;
    auto name = reader.RequiredString("display_name", 200);
    auto email = reader.RequiredString("email", 320);
    auto dob = reader.OptionalString("date_of_birth", 10);
    auto preferred = reader.OptionalString("preferred_name", 200);
    auto therapist = IdField(reader, "therapist_id", false);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    input.display_name = *name;
    input.email = *email;
    input.date_of_birth = dob.value_or("");
    input.preferred_name = preferred.value_or("");
    input.therapist_id = therapist.value_or(0);
    auto created = clinic.CreateClient(actor, input);
    if (!created) return ErrorReply(created.error());
    return HttpResponse::JsonBody(201, ClientDetailJson(*created));
  }

  Reply UpdateClient(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto country = reader.RequiredString("country", 2);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, clinic.SetClientCountry(actor, id, *country), ClientDetailJson);
  }

  Reply GetContact(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, clinic.GetContact(actor, id), ContactDetailsToJson);
  }

  Reply PutContact(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto details = ParseContactDetails(*body);
    if (!details) return ErrorReply(details.error());
    return Respond(200, clinic.UpdateContact(actor, id, std::move(*details)), ContactDetailsToJson);
  }

  Reply GetClient(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto detail = clinic.GetClient(actor, *id);
    if (!detail) return ErrorReply(detail.error());
    return HttpResponse::JsonBody(200, ClientDetailJson(*detail));
  }

  // Inviting someone, or sending their invitation again: a client by their care team, staff by
  // the admin (AuthService::CreateInvitation says who may).
  Reply Invite(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto delivery_text = reader.OptionalString("delivery", 20);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto delivery = ParseLinkDelivery(delivery_text.value_or("email"));
    if (!delivery) return ErrorReply(delivery.error());
    auto link = auth.CreateInvitation(actor, *id, *delivery);
    if (!link) return ErrorReply(link.error());
    return HttpResponse::JsonBody(201, InvitationJson(*link));
  }

  Reply GetInvitation(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, auth.GetInvitationStatus(actor, id), [](const InvitationStatus& s) -> Json {
      const auto time = [](Timestamp t) { return t == 0 ? Json(nullptr) : Json(FormatIso8601(t)); };
      return {{"user_id", s.user_id},
              {"state", std::string(ToString(s.state))},
              {"sent_at", time(s.sent_at)},
              {"expires_at", time(s.expires_at)},
              {"accepted_at", time(s.accepted_at.value_or(0))},
              {"delivery", s.delivery},
              {"can_sign_in", s.can_sign_in}};
    });
  }

  Reply AddGuardian(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto name = reader.RequiredString("display_name", 200);
    auto email = reader.RequiredString("email", 320);
    auto delivery_text = reader.OptionalString("delivery", 20);
    auto exception_reason = reader.OptionalString("exception_reason", 500);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto delivery = ParseLinkDelivery(delivery_text.value_or("email"));
    if (!delivery) return ErrorReply(delivery.error());
    auto added = clinic.AddGuardian(
        actor, *id, NewGuardianInput{*name, *email, *delivery, exception_reason.value_or("")});
    if (!added) return ErrorReply(added.error());
    Json out = {
        {"link", GuardianLinkJson(added->link)},
        {"invitation", added->invitation ? InvitationJson(*added->invitation) : Json(nullptr)}};
    return HttpResponse::JsonBody(201, out);
  }

  Reply MyGuardianLinks(const HttpRequest&, const Actor& actor) const {
    auto links = clinic.ListOwnGuardianLinks(actor);
    if (!links) return ErrorReply(links.error());
    Json out = Json::array();
    for (const GuardianLinkView& link : *links) out.push_back(GuardianLinkJson(link));
    return HttpResponse::JsonBody(200, {{"links", std::move(out)}});
  }

  Reply AcceptGuardianLink(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto link = clinic.AcceptGuardianLink(actor, *id);
    if (!link) return ErrorReply(link.error());
    return HttpResponse::JsonBody(200, GuardianLinkJson(*link));
  }

  Reply RecordGuardianConsent(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto note = reader.RequiredString("note", 500);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto link = clinic.RecordGuardianConsent(actor, *id, *note);
    if (!link) return ErrorReply(link.error());
    return HttpResponse::JsonBody(200, GuardianLinkJson(*link));
  }

  Reply EndGuardianLink(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    if (auto ok = clinic.RemoveGuardianLink(actor, *id); !ok) {
      return ErrorReply(ok.error());
    }
    return HttpResponse::NoContent();
  }
};

void AddClientRoutes(Router& router, AuthService& auth, ClinicService& clinic) {
  using H = ClientHandlers;
  const H h{auth, clinic};
  router.Add("GET", "/api/v1/clients", Authed(auth, Bind(h, &H::ListClients)));
  router.Add("POST", "/api/v1/clients", Authed(auth, Bind(h, &H::AddClient)));
  router.Add("PATCH", "/api/v1/clients/{id}", IdRoute(auth, Bind(h, &H::UpdateClient)));
  router.Add("GET", "/api/v1/clients/{id}/contact", IdRoute(auth, Bind(h, &H::GetContact)));
  router.Add("PUT", "/api/v1/clients/{id}/contact", IdRoute(auth, Bind(h, &H::PutContact)));
  router.Add("GET", "/api/v1/clients/{id}", Authed(auth, Bind(h, &H::GetClient)));
  router.Add("POST", "/api/v1/clients/{id}/invitations", Authed(auth, Bind(h, &H::Invite)));
  router.Add("POST", "/api/v1/users/{id}/invitations", Authed(auth, Bind(h, &H::Invite)));
  router.Add("GET", "/api/v1/users/{id}/invitation", IdRoute(auth, Bind(h, &H::GetInvitation)));
  router.Add("POST", "/api/v1/clients/{id}/guardians", Authed(auth, Bind(h, &H::AddGuardian)));
  router.Add("GET", "/api/v1/me/guardian-links", Authed(auth, Bind(h, &H::MyGuardianLinks)));
  router.Add("POST", "/api/v1/guardian-links/{id}/accept",
             Authed(auth, Bind(h, &H::AcceptGuardianLink)));
  router.Add("POST", "/api/v1/guardian-links/{id}/consent",
             Authed(auth, Bind(h, &H::RecordGuardianConsent)));
  router.Add("DELETE", "/api/v1/guardian-links/{id}", Authed(auth, Bind(h, &H::EndGuardianLink)));
}

// The handlers of AddEpisodeRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct EpisodeHandlers {
  ClinicService& clinic;

  Reply OpenEpisode(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto client = IdField(reader, "client_id", true);
    auto therapist = IdField(reader, "therapist_id", false);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto episode = clinic.CreateEpisode(actor, *client, therapist.value_or(0));
    if (!episode) return ErrorReply(episode.error());
    return HttpResponse::JsonBody(201, EpisodeJson(*episode));
  }

  Reply GetEpisode(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto episode = clinic.GetEpisode(actor, *id);
    if (!episode) return ErrorReply(episode.error());
    auto appointments = clinic.ListAppointments(actor, *id);
    if (!appointments) return ErrorReply(appointments.error());
    Json out = EpisodeJson(*episode);
    Json list = Json::array();
    for (const AppointmentView& a : *appointments) list.push_back(AppointmentJson(a));
    out["appointments"] = std::move(list);
    return HttpResponse::JsonBody(200, out);
  }

  Reply UpdateEpisode(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto status = EnumField<EpisodeStatus>(reader, "status", true, ParseEpisodeStatus,
                                           "intake, active, ended");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto episode = clinic.SetEpisodeStatus(actor, *id, *status);
    if (!episode) return ErrorReply(episode.error());
    return HttpResponse::JsonBody(200, EpisodeJson(*episode));
  }

  Reply ListAppointments(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto appointments = clinic.ListAppointments(actor, *id);
    if (!appointments) return ErrorReply(appointments.error());
    Json list = Json::array();
    for (const AppointmentView& a : *appointments) list.push_back(AppointmentJson(a));
    return HttpResponse::JsonBody(200, list);
  }

  Reply AddAppointment(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto starts_at = TimeField(reader, "starts_at", true);
    auto duration = SmallIntField(reader, "duration_minutes", true);
    auto modality = EnumField<Modality>(reader, "modality", true, ParseModality, kModalities);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto created =
        clinic.CreateAppointment(actor, *id, NewAppointmentInput{*starts_at, *duration, *modality});
    if (!created) return ErrorReply(created.error());
    return HttpResponse::JsonBody(201, AppointmentJson(*created));
  }

  Reply UpdateAppointment(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    AppointmentChange change;
    change.status = EnumField<AppointmentStatus>(reader, "status", false, ParseAppointmentStatus,
                                                 "scheduled, completed, cancelled, no-show");
    change.starts_at = TimeField(reader, "starts_at", false);
    change.duration_minutes = SmallIntField(reader, "duration_minutes", false);
    change.modality = EnumField<Modality>(reader, "modality", false, ParseModality, kModalities);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto updated = clinic.UpdateAppointment(actor, *id, change);
    if (!updated) return ErrorReply(updated.error());
    return HttpResponse::JsonBody(200, AppointmentJson(*updated));
  }

  Reply MyAppointments(const HttpRequest& request, const Actor& actor) const {
    auto limit = QueryInt(request, "limit", 50);
    if (!limit) return std::unexpected(std::move(limit.error()));
    auto from = QueryTime(request, "from");
    if (!from) return std::unexpected(std::move(from.error()));
    auto to = QueryTime(request, "to");
    if (!to) return std::unexpected(std::move(to.error()));
    auto list = clinic.ListUpcomingAppointments(
        actor, static_cast<int>(std::clamp<std::int64_t>(*limit, 1, 200)));
    if (!list) return ErrorReply(list.error());
    Json out = Json::array();
    for (const AppointmentView& a : *list) {
      const Timestamp t = a.appointment.starts_at;
      if ((*from && t < **from) || (*to && t >= **to)) continue;
      out.push_back(AppointmentJson(a));
    }
    return HttpResponse::JsonBody(200, out);
  }
};

void AddEpisodeRoutes(Router& router, AuthService& auth, ClinicService& clinic) {
  using H = EpisodeHandlers;
  const H h{clinic};
  router.Add("POST", "/api/v1/episodes", Authed(auth, Bind(h, &H::OpenEpisode)));
  router.Add("GET", "/api/v1/episodes/{id}", Authed(auth, Bind(h, &H::GetEpisode)));
  router.Add("PATCH", "/api/v1/episodes/{id}", Authed(auth, Bind(h, &H::UpdateEpisode)));
  router.Add("GET", "/api/v1/episodes/{id}/appointments",
             Authed(auth, Bind(h, &H::ListAppointments)));
  router.Add("POST", "/api/v1/episodes/{id}/appointments",
             Authed(auth, Bind(h, &H::AddAppointment)));
  router.Add("PATCH", "/api/v1/appointments/{id}", Authed(auth, Bind(h, &H::UpdateAppointment)));
  router.Add("GET", "/api/v1/appointments", Authed(auth, Bind(h, &H::MyAppointments)));
}

// The handlers of AddAdminRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct AdminHandlers {
  ClinicService& clinic;
  AuditService& audit;

  Reply ListTherapists(const HttpRequest&, const Actor& actor) const {
    auto list = clinic.ListTherapists(actor);
    if (!list) return ErrorReply(list.error());
    Json out = Json::array();
    for (const TherapistSummary& t : *list) {
      out.push_back({{"id", t.id},
                     {"display_name", t.display_name},
                     {"credentials", t.credentials},
                     {"accepting_new_clients", t.accepting_new_clients}});
    }
    return HttpResponse::JsonBody(200, out);
  }

  Reply DeactivateUser(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    if (auto ok = clinic.DeactivateUser(actor, *id); !ok) return ErrorReply(ok.error());
    return HttpResponse::NoContent();
  }

  Reply ListUsers(const HttpRequest&, const Actor& actor) const {
    auto list = clinic.ListUsers(actor);
    if (!list) return ErrorReply(list.error());
    Json out = Json::array();
    for (const User& u : *list) out.push_back(UserJson(u));
    return HttpResponse::JsonBody(200, out);
  }

  Reply AddUser(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto email = reader.RequiredString("email", 320);
    auto name = reader.RequiredString("display_name", 200);
    auto role = EnumField<Role>(reader, "role", true, ParseRole,
                                "admin, supervisor, therapist, client, guardian");
    auto password = reader.OptionalString("password", 1024);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    NewUserInput input;
    input.email = *email;
    input.display_name = *name;
    input.role = *role;
    input.password = password.value_or("");
    auto created = clinic.CreateUser(actor, input);
    if (!created) return ErrorReply(created.error());
    Json out = UserJson(created->user);
    out["invitation"] = created->invitation ? InvitationJson(*created->invitation) : Json(nullptr);
    return HttpResponse::JsonBody(201, out);
  }

  Reply GetClinic(const HttpRequest&, const Actor& actor) const {
    auto found = clinic.GetClinic(actor);
    if (!found) return ErrorReply(found.error());
    return HttpResponse::JsonBody(200, ClinicJson(*found));
  }

  Reply GetSettings(const HttpRequest&, const Actor& actor) const {
    auto found = clinic.GetClinic(actor);
    if (!found) return ErrorReply(found.error());
    return HttpResponse::JsonBody(200, ClinicSettingsJson(found->settings));
  }

  // Any subset of the settings; those left out keep their values. ClinicService decides who
  // may change them (admins).
  Reply UpdateSettings(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    ClinicSettingsChange change;
    change.share_with_guardians = reader.OptionalBool("share_with_guardians");
    change.allow_link_feedback = reader.OptionalBool("allow_link_feedback");
    const auto bounded = [&reader](std::string_view key, int low, int high) -> std::optional<int> {
      auto value = reader.OptionalInt(key);
      if (!value) return std::nullopt;
      if (*value < low || *value > high) {
        reader.AddError(key, "must be a whole number from " + std::to_string(low) + " to " +
                                 std::to_string(high));
        return std::nullopt;
      }
      return static_cast<int>(*value);
    };
    change.plan_review_sessions = bounded("plan_review_sessions", 1, 52);
    change.plan_review_days = bounded("plan_review_days", 1, 730);
    change.age_of_majority = bounded("age_of_majority", 14, 21);
    change.cancel_notice_hours = bounded("cancel_notice_hours", 0, 168);
    change.outcome_informed_matching = reader.OptionalBool("outcome_informed_matching");
    change.clients_may_read_notes = reader.OptionalBool("clients_may_read_notes");
    change.min_outcome_episodes = bounded("min_outcome_episodes", 3, 200);
    change.fit_check_after_hours = bounded("fit_check_after_hours", 1, 336);
    change.repair_within_hours = bounded("repair_within_hours", 24, 720);
    change.no_contact_after_days = bounded("no_contact_after_days", 14, 365);
    change.adolescent_from_age = bounded("adolescent_from_age", 8, 21);
    change.minor_consent_age = bounded("minor_consent_age", 8, 21);
    if (const Json* policy = reader.Optional("guardian_policy")) {
      if (auto parsed = GuardianPolicyFromJson(*policy, "guardian_policy")) {
        change.guardian_policy = *parsed;
      } else {
        for (const FieldError& f : parsed.error().fields) {
          reader.AddError(f.field, f.message);
        }
      }
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto updated = clinic.ChangeClinicSettings(actor, change);
    if (!updated) return ErrorReply(updated.error());
    return HttpResponse::JsonBody(200, ClinicSettingsJson(updated->settings));
  }

  Reply SearchAudit(const HttpRequest& request, const Actor& actor) const {
    auto before = QueryInt(request, "before", 0);
    if (!before) return std::unexpected(std::move(before.error()));
    auto limit = QueryInt(request, "limit", 50);
    if (!limit) return std::unexpected(std::move(limit.error()));
    auto search = QueryAuditSearch(request);
    if (!search) return std::unexpected(std::move(search.error()));
    auto page = audit.Browse(actor, *before, static_cast<int>(std::min<std::int64_t>(*limit, 1000)),
                             *search);
    if (!page) return ErrorReply(page.error());
    Json entries = Json::array();
    for (const AuditRow& e : page->entries) entries.push_back(AuditJson(e));
    return HttpResponse::JsonBody(
        200, {{"entries", std::move(entries)},
              {"next_before",
               page->next_before_seq == 0 ? Json(nullptr) : Json(page->next_before_seq)}});
  }

  Reply ExportAudit(const HttpRequest& request, const Actor& actor) const {
    auto search = QueryAuditSearch(request);
    if (!search) return std::unexpected(std::move(search.error()));
    auto csv = audit.ExportCsv(actor, *search);
    if (!csv) return ErrorReply(csv.error());
    return Download("text/csv; charset=utf-8", std::move(*csv), "audit-log.csv");
  }

  Reply ListReaders(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto readers = audit.ReadersOfClient(actor, *id);
    if (!readers) return ErrorReply(readers.error());
    Json list = Json::array();
    for (const RecordReader& r : *readers) {
      list.push_back({{"user_id", r.user_id},
                      {"name", r.name},
                      {"role", r.role},
                      {"reads", r.reads},
                      {"first_at", FormatIso8601(r.first_at)},
                      {"last_at", FormatIso8601(r.last_at)}});
    }
    return HttpResponse::JsonBody(200, {{"readers", std::move(list)}});
  }
};

void AddAdminRoutes(Router& router, AuthService& auth, ClinicService& clinic, AuditService& audit) {
  using H = AdminHandlers;
  const H h{clinic, audit};
  router.Add("GET", "/api/v1/therapists", Authed(auth, Bind(h, &H::ListTherapists)));
  router.Add("POST", "/api/v1/users/{id}/deactivate", Authed(auth, Bind(h, &H::DeactivateUser)));
  router.Add("GET", "/api/v1/users", Authed(auth, Bind(h, &H::ListUsers)));
  router.Add("POST", "/api/v1/users", Authed(auth, Bind(h, &H::AddUser)));
  router.Add("GET", "/api/v1/clinic", Authed(auth, Bind(h, &H::GetClinic)));
  router.Add("GET", "/api/v1/clinic/settings", Authed(auth, Bind(h, &H::GetSettings)));
  router.Add("PUT", "/api/v1/clinic/settings", Authed(auth, Bind(h, &H::UpdateSettings)));
  router.Add("GET", "/api/v1/audit", Authed(auth, Bind(h, &H::SearchAudit)));
  router.Add("GET", "/api/v1/audit/export", Authed(auth, Bind(h, &H::ExportAudit)));
  router.Add("GET", "/api/v1/clients/{id}/readers", Authed(auth, Bind(h, &H::ListReaders)));
}

}  // namespace

Router BuildRouter(const ApiServices& services) {
  Router router;
  AddHealthRoutes(router, services.store);
  if (services.auth != nullptr) {
    AddAuthRoutes(router, *services.auth, services.session_ended);
    if (services.clinic != nullptr) {
      AddClientRoutes(router, *services.auth, *services.clinic);
      AddEpisodeRoutes(router, *services.auth, *services.clinic);
      if (services.audit != nullptr) {
        AddAdminRoutes(router, *services.auth, *services.clinic, *services.audit);
      }
      if (services.feedback != nullptr && services.catalog != nullptr) {
        AddFeedbackRoutes(router, *services.auth, *services.feedback, *services.catalog);
        AddFhirRoutes(router, *services.auth, *services.clinic, *services.feedback,
                      *services.catalog, services.plan, services.rooms, services.matching);
      }
      if (services.plan != nullptr) AddPlanRoutes(router, *services.auth, *services.plan);
      if (services.safety != nullptr && services.feedback != nullptr) {
        AddSafetyRoutes(router, *services.auth, *services.safety, *services.feedback,
                        services.test_clock, services.doorbell);
      }
    }
    if (services.appointments != nullptr) {
      AddAppointmentRoutes(router, *services.auth, *services.appointments);
    }
    if (services.rooms != nullptr) AddRoomRoutes(router, *services.auth, *services.rooms);
    if (services.messaging != nullptr) {
      AddMessagingRoutes(router, *services.auth, *services.messaging);
    }
    if (services.course != nullptr) AddCourseRoutes(router, *services.auth, *services.course);
    if (services.notes != nullptr) AddNotesRoutes(router, *services.auth, *services.notes);
    if (services.changes != nullptr) {
      AddChangeRoutes(router, *services.auth, *services.changes);
    }
    if (services.ruptures != nullptr) {
      AddRuptureRoutes(router, *services.auth, *services.ruptures);
    }
    if (services.support != nullptr) {
      AddSupportRoutes(router, *services.auth, *services.support);
    }
    if (services.records != nullptr) {
      AddRecordRoutes(router, *services.auth, *services.records);
    }
    if (services.family != nullptr) {
      AddFamilyRoutes(router, *services.auth, *services.family);
    }
    if (services.matching != nullptr) {
      AddMatchingRoutes(router, *services.auth, *services.matching);
    }
  }
  return router;
}

}  // namespace rapport
