#include "http/appointment_api.h"

#include "core/json.h"
#include "http/route_support.h"
#include "service/appointment_service.h"

namespace rapport {

namespace {

Json OptionalTime(const std::optional<Timestamp>& t) {
  return t ? Json(FormatIso8601(*t)) : Json(nullptr);
}

Json RequestJson(const AppointmentRequestView& v) {
  const AppointmentRequest& r = v.request;
  return {{"id", r.id},
          {"appointment_id", r.appointment_id},
          {"appointment_starts_at", FormatIso8601(v.appointment.starts_at)},
          {"appointment_status", std::string(ToString(v.appointment.status))},
          {"client_id", v.client_id},
          {"client_name", v.client_name},
          {"therapist_id", v.therapist_id},
          {"kind", std::string(ToString(r.kind))},
          {"note", r.note},
          {"short_notice", r.short_notice},
          {"notice_hours", v.notice_hours},
          {"state", std::string(ToString(r.state))},
          {"requested_by_name", v.requested_by_name},
          {"created_at", FormatIso8601(r.created_at)},
          {"decided_by_name", v.decided_by_name},
          {"decided_at", OptionalTime(r.decided_at)},
          {"reply", r.reply}};
}

Json RequestListJson(const std::vector<AppointmentRequestView>& list) {
  Json out = Json::array();
  for (const auto& v : list) out.push_back(RequestJson(v));
  return out;
}

// The handlers of AddAppointmentRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct AppointmentHandlers {
  AppointmentService& appointments;

  Reply RequestChange(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto kind_text = reader.RequiredString("kind", 16);
    const auto note = reader.OptionalString("note", kMaxRequestNote + 100);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto kind = ParseChangeKind(*kind_text);
    if (!kind) return ErrorReply(kind.error());
    return Respond(201, appointments.RequestChange(actor, id, *kind, note.value_or("")),
                   RequestJson);
  }

  Reply RequestsOfAppointment(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, appointments.RequestsOfAppointment(actor, id), RequestListJson);
  }

  Reply WaitingForCare(const HttpRequest&, const Actor& actor) const {
    return Respond(200, appointments.WaitingForCare(actor), RequestListJson);
  }

  Reply Withdraw(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, appointments.Withdraw(actor, id), RequestJson);
  }

  Reply Decide(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto accept = reader.OptionalBool("accept");
    const auto reply = reader.OptionalString("reply", kMaxRequestNote + 100);
    const auto starts_text = reader.OptionalString("starts_at", 64);
    if (!accept && !reader.HasErrors()) reader.AddError("accept", "is required (true or false)");
    std::optional<Timestamp> starts_at;
    if (starts_text && !starts_text->empty()) {
      auto parsed = ParseIso8601(*starts_text);
      if (parsed) {
        starts_at = *parsed;
      } else {
        reader.AddError("starts_at", "must be an ISO 8601 date-time");
      }
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, appointments.Decide(actor, id, *accept, reply.value_or(""), starts_at),
                   RequestJson);
  }

  Reply ResetCalendarFeed(const HttpRequest&, const Actor& actor) const {
    return Respond(201, appointments.ResetCalendarFeed(actor),
                   [](const CalendarLink& link) -> Json { return {{"path", link.path}}; });
  }

  // A calendar app has no session: the secret in the address is the proof.
  Reply CalendarFeed(const HttpRequest& request) const {
    std::string secret(request.Param("secret"));
    if (secret.size() > 4 && secret.ends_with(".ics")) secret.resize(secret.size() - 4);
    auto feed = appointments.CalendarFeed(secret, request.remote_address);
    if (!feed) return ErrorReply(feed.error());
    HttpResponse response;
    response.status = 200;
    response.content_type = "text/calendar; charset=utf-8";
    response.body = std::move(*feed);
    response.headers.emplace_back("Cache-Control", "no-store");
    return response;
  }
};

}  // namespace

void AddAppointmentRoutes(Router& router, AuthService& auth, AppointmentService& appointments) {
  using H = AppointmentHandlers;
  const H h{appointments};
  router.Add("POST", "/api/v1/appointments/{id}/requests",
             IdRoute(auth, Bind(h, &H::RequestChange)));
  router.Add("GET", "/api/v1/appointments/{id}/requests",
             IdRoute(auth, Bind(h, &H::RequestsOfAppointment)));
  router.Add("GET", "/api/v1/appointment-requests", Authed(auth, Bind(h, &H::WaitingForCare)));
  router.Add("POST", "/api/v1/appointment-requests/{id}/withdraw",
             IdRoute(auth, Bind(h, &H::Withdraw)));
  router.Add("POST", "/api/v1/appointment-requests/{id}/decision",
             IdRoute(auth, Bind(h, &H::Decide)));
  router.Add("POST", "/api/v1/calendar-feed", Authed(auth, Bind(h, &H::ResetCalendarFeed)));
  router.Add("GET", "/api/v1/calendar/{secret}", Public(Bind(h, &H::CalendarFeed)));
}

}  // namespace rapport
