#include "http/safety_api.h"

#include <fmt/format.h>

#include "http/feedback_api.h"
#include "http/route_support.h"
#include "service/feedback_service.h"
#include "service/safety_service.h"

namespace rapport {

namespace {

Json LineJson(const CrisisLine& l) {
  return {{"name", l.name},         {"description", l.description},
          {"phone", l.phone},       {"tel", l.tel},
          {"sms", l.sms},           {"hours", l.hours},
          {"audience", l.audience}, {"url", l.url}};
}

}  // namespace

Json HelpJson(const CrisisHelp& help) {
  Json lines = Json::array();
  for (const CrisisLine& l : help.lines) lines.push_back(LineJson(l));
  return {{"country", help.set.country},
          {"country_name", help.set.country_name},
          {"emergency_number", help.set.emergency_number},
          {"emergency_label", help.words.emergency},
          {"title", help.words.title},
          {"body", help.words.body},
          {"lines", lines},
          {"after_risk", {{"headline", help.after_risk.headline}, {"body", help.after_risk.body}}},
          {"clinic_name", help.clinic_name},
          {"hours", help.hours},
          {"open_now", help.open_now},
          {"source", help.set.source},
          {"checked", help.set.checked}};
}

namespace {

Json SafetyJson(const SafetyView& v) {
  return {{"settings", SafetySettingsToJson(v.settings)},
          {"hours_in_words", v.hours_in_words},
          {"open_now", v.open_now},
          {"channels",
           {{"webhook_url", v.webhook_url},
            {"has_webhook_secret", v.has_webhook_secret},
            {"mail_from", v.mail_from}}},
          {"mail_relay", v.mail_relay}};
}

Json ShiftJson(const OnCallView& v) {
  return {{"id", v.shift.id},
          {"user_id", v.shift.user_id},
          {"user_name", v.user_name},
          {"starts_at", FormatIso8601(v.shift.starts_at)},
          {"ends_at", FormatIso8601(v.shift.ends_at)}};
}

Json CrisisEntryJson(const CrisisSetView& v) {
  return {{"country", v.set.country},
          {"country_name", v.set.country_name},
          {"own", v.own},
          {"set", CrisisSetToJson(v.set)}};
}

Json DeliveryJson(const AlertDelivery& d) {
  const Notification& n = d.notification;
  return {{"channel", std::string(ToString(n.channel))},
          {"recipient_id", n.recipient_id ? Json(*n.recipient_id) : Json(nullptr)},
          {"recipient_name", d.recipient_name.empty() ? Json(nullptr) : Json(d.recipient_name)},
          {"step", n.step},
          {"state", std::string(ToString(n.state))},
          {"created_at", FormatIso8601(n.created_at)},
          {"delivered_at", OptionalTime(n.delivered_at)},
          {"last_error", n.last_error}};
}

Json AlertDetailJson(const AlertDetail& d) {
  Json deliveries = Json::array();
  for (const AlertDelivery& x : d.deliveries) deliveries.push_back(DeliveryJson(x));
  return {{"alert", AlertJson(d.view)},
          {"deliveries", deliveries},
          {"acknowledged_by_name", OptionalText(d.acknowledged_by_name)},
          {"resolved_by_name", OptionalText(d.resolved_by_name)},
          {"contact", ContactDetailsToJson(d.contact)}};
}

// An ISO 8601 instant from the query, or `fallback` when absent; a field error when malformed.
Or<Timestamp> QueryTime(const HttpRequest& request, std::string_view name, Timestamp fallback) {
  const auto text = request.QueryParam(name);
  if (!text) return fallback;
  auto parsed = ParseIso8601(*text);
  if (!parsed) {
    return ErrorReply(Error::Field(std::string(name), "must be a date and time in ISO 8601"));
  }
  return *parsed;
}

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

Json PreferencesJson(const NotificationPreferences& p) {
  return Json{{"email", p.email},
              {"email_min_severity", std::string(ToString(p.email_min_severity))},
              {"live", p.live}};
}

// One handler per route, named for what it answers. A value holding references: the services
// outlive the router.
struct SafetyHandlers {
  SafetyService& safety;
  FeedbackService& feedback;

  Reply GetAlert(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, feedback.GetAlert(actor, id), AlertDetailJson);
  }

  Reply Help(const HttpRequest&, const Actor& actor) const {
    return Respond(200, safety.Help(actor), HelpJson);
  }

  Reply HelpViaLink(const HttpRequest& request) const {
    return Respond(200, feedback.HelpViaLink(std::string(request.Param("token"))), HelpJson);
  }

  Reply GetSafety(const HttpRequest&, const Actor& actor) const {
    return Respond(200, safety.GetSafety(actor), SafetyJson);
  }

  Reply UpdateSafety(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const Json* settings = reader.Required("settings");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, safety.UpdateSafety(actor, *settings), SafetyJson);
  }

  Reply UpdateChannels(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    ChannelsUpdate update;
    update.webhook_url = reader.OptionalString("webhook_url", 2000).value_or("");
    update.webhook_secret = reader.OptionalString("webhook_secret", 256);
    update.mail_from = reader.OptionalString("mail_from", 320).value_or("");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, safety.UpdateChannels(actor, update), SafetyJson);
  }

  Reply ListOnCall(const HttpRequest& request, const Actor& actor) const {
    const Timestamp now = SystemClock::Instance().Now();
    auto from = QueryTime(request, "from", now - kDayMs);
    if (!from) return std::unexpected(std::move(from.error()));
    auto to = QueryTime(request, "to", *from + 14 * kDayMs);
    if (!to) return std::unexpected(std::move(to.error()));
    return Respond(200, safety.ListOnCall(actor, *from, *to), [](const auto& shifts) {
      Json out = Json::array();
      for (const OnCallView& v : shifts) out.push_back(ShiftJson(v));
      return Json{{"shifts", out}};
    });
  }

  Reply AddOnCall(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto user = reader.RequiredInt("user_id");
    const auto starts = reader.RequiredString("starts_at", 64);
    const auto ends = reader.RequiredString("ends_at", 64);
    std::optional<Timestamp> starts_at, ends_at;
    if (starts) {
      if (auto t = ParseIso8601(*starts))
        starts_at = *t;
      else
        reader.AddError("starts_at", "must be a date and time in ISO 8601");
    }
    if (ends) {
      if (auto t = ParseIso8601(*ends))
        ends_at = *t;
      else
        reader.AddError("ends_at", "must be a date and time in ISO 8601");
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201, safety.AddOnCall(actor, *user, *starts_at, *ends_at), ShiftJson);
  }

  Reply RemoveOnCall(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    if (auto ok = safety.RemoveOnCall(actor, id); !ok) return ErrorReply(ok.error());
    return HttpResponse::NoContent();
  }

  Reply ListCrisisSets(const HttpRequest&, const Actor& actor) const {
    return Respond(200, safety.ListCrisisSets(actor), [](const auto& sets) {
      Json out = Json::array();
      for (const CrisisSetView& v : sets) out.push_back(CrisisEntryJson(v));
      return Json{{"sets", out}};
    });
  }

  Reply PutCrisisSet(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    return Respond(200, safety.PutCrisisSet(actor, std::string(request.Param("country")), *body),
                   CrisisEntryJson);
  }

  Reply ResetCrisisSet(const HttpRequest& request, const Actor& actor) const {
    if (auto ok = safety.ResetCrisisSet(actor, std::string(request.Param("country"))); !ok) {
      return ErrorReply(ok.error());
    }
    return HttpResponse::NoContent();
  }

  Reply MailOutbox(const HttpRequest& request, const Actor& actor) const {
    auto before = QueryInt(request, "before", 0);
    if (!before) return std::unexpected(std::move(before.error()));
    auto limit = QueryInt(request, "limit", 20);
    if (!limit) return std::unexpected(std::move(limit.error()));
    const int clamped = static_cast<int>(std::clamp<std::int64_t>(*limit, -1, 1000));
    return Respond(200, safety.MailOutbox(actor, *before, clamped), [](const MailPage& p) {
      Json mail = Json::array();
      for (const MailView& m : p.mail) {
        mail.push_back({{"id", m.id},
                        {"to", m.to},
                        {"subject", m.subject},
                        {"body", m.body},
                        {"reason", m.reason},
                        {"created_at", FormatIso8601(m.created_at)}});
      }
      return Json{{"mail", mail},
                  {"next_before", p.next_before ? Json(*p.next_before) : Json(nullptr)}};
    });
  }

  Reply Preferences(const HttpRequest&, const Actor& actor) const {
    return Respond(200, safety.Preferences(actor), PreferencesJson);
  }

  // The whole choice every time: a field left out is an error, never a reset.
  Reply UpdatePreferences(const HttpRequest& request, const Actor& actor) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto email = reader.OptionalBool("email");
    const auto live = reader.OptionalBool("live");
    const auto severity_text = reader.OptionalString("email_min_severity", 20);
    if (!email) reader.AddError("email", "is required (true or false)");
    if (!live) reader.AddError("live", "is required (true or false)");
    if (!severity_text) reader.AddError("email_min_severity", "is required");
    Severity severity = Severity::kHigh;
    if (severity_text) {
      if (auto s = ParseSeverity(*severity_text))
        severity = *s;
      else
        reader.AddError("email_min_severity", "must be info, low, medium, high or critical");
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(
        200, safety.UpdatePreferences(actor, email.value_or(true), severity, live.value_or(true)),
        PreferencesJson);
  }
};

// Only on a server started with --test-clock: lets an end-to-end test make time pass.
Reply AdvanceTestClock(OffsetClock& test_clock, Doorbell* doorbell, const HttpRequest& request) {
  auto body = ReadJsonObject(request);
  if (!body) return std::unexpected(std::move(body.error()));
  JsonObjectReader reader(*body);
  const auto minutes = reader.RequiredInt("advance_minutes");
  if (minutes && (*minutes < 1 || *minutes > 7 * 24 * 60)) {
    reader.AddError("advance_minutes", "must be between 1 and 10080");
  }
  if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
  test_clock.Advance(std::chrono::minutes(*minutes));
  if (doorbell != nullptr) doorbell->Ring();
  return HttpResponse::JsonBody(200, {{"now", FormatIso8601(test_clock.Now())}});
}

}  // namespace

void AddSafetyRoutes(Router& router, AuthService& auth, SafetyService& safety,
                     FeedbackService& feedback, OffsetClock* test_clock, Doorbell* doorbell) {
  using H = SafetyHandlers;
  const H h{safety, feedback};
  router.Add("GET", "/api/v1/alerts/{id}", IdRoute(auth, Bind(h, &H::GetAlert)));

  router.Add("GET", "/api/v1/help", Authed(auth, Bind(h, &H::Help)));
  router.Add("GET", "/api/v1/feedback-links/{token}/help", Public(Bind(h, &H::HelpViaLink)));

  router.Add("GET", "/api/v1/clinic/safety", Authed(auth, Bind(h, &H::GetSafety)));
  router.Add("PUT", "/api/v1/clinic/safety", Authed(auth, Bind(h, &H::UpdateSafety)));
  router.Add("PUT", "/api/v1/clinic/channels", Authed(auth, Bind(h, &H::UpdateChannels)));

  router.Add("GET", "/api/v1/on-call", Authed(auth, Bind(h, &H::ListOnCall)));
  router.Add("POST", "/api/v1/on-call", Authed(auth, Bind(h, &H::AddOnCall)));
  router.Add("DELETE", "/api/v1/on-call/{id}", IdRoute(auth, Bind(h, &H::RemoveOnCall)));

  router.Add("GET", "/api/v1/clinic/crisis-sets", Authed(auth, Bind(h, &H::ListCrisisSets)));
  router.Add("PUT", "/api/v1/clinic/crisis-sets/{country}",
             Authed(auth, Bind(h, &H::PutCrisisSet)));
  router.Add("DELETE", "/api/v1/clinic/crisis-sets/{country}",
             Authed(auth, Bind(h, &H::ResetCrisisSet)));

  router.Add("GET", "/api/v1/clinic/outbox", Authed(auth, Bind(h, &H::MailOutbox)));

  router.Add("GET", "/api/v1/me/notifications", Authed(auth, Bind(h, &H::Preferences)));
  router.Add("PUT", "/api/v1/me/notifications", Authed(auth, Bind(h, &H::UpdatePreferences)));

  if (test_clock == nullptr) return;
  router.Add("POST", "/api/v1/test/clock",
             Public([test_clock, doorbell](const HttpRequest& request) {
               return AdvanceTestClock(*test_clock, doorbell, request);
             }));
}

}  // namespace rapport
