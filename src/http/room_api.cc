#include "http/room_api.h"

#include "http/route_support.h"
#include "service/room_service.h"

namespace rapport {

Json RoomSessionJson(const RoomSession& session) {
  return {{"appointment_id", session.appointment_id},
          {"episode_id", session.episode_id},
          {"modality", std::string(ToString(session.modality))},
          {"started_at", FormatIso8601(session.started_at)},
          {"ended_at", OptionalTime(session.ended_at)}};
}

Json RoomPassJson(const RoomPass& pass) {
  const Appointment& a = pass.appointment;
  Json guests = Json::array();
  for (const RoomGuestView& g : pass.guests) {
    guests.push_back({{"guardian_id", g.guardian_id},
                      {"name", g.name},
                      {"invited_at", FormatIso8601(g.invited_at)}});
  }
  return {{"appointment",
           {{"id", a.id},
            {"episode_id", a.episode_id},
            {"starts_at", FormatIso8601(a.starts_at)},
            {"duration_minutes", a.duration_minutes},
            {"modality", std::string(ToString(a.modality))},
            {"status", std::string(ToString(a.status))}}},
          {"part", std::string(ToString(pass.part))},
          {"name", pass.name},
          {"client", {{"id", pass.client_id}, {"name", pass.client_name}}},
          {"therapist", {{"id", pass.therapist_id}, {"name", pass.therapist_name}}},
          {"opens_at", FormatIso8601(pass.window.opens_at)},
          {"closes_at", FormatIso8601(pass.window.closes_at)},
          {"open", pass.open},
          {"closed_reason", OptionalText(pass.closed_reason)},
          {"session", pass.session ? RoomSessionJson(*pass.session) : Json(nullptr)},
          {"guests", std::move(guests)},
          {"ice", pass.ice}};
}

Json SessionSummaryJson(const SessionSummary& summary) {
  const Appointment& a = summary.appointment;
  const std::optional<RoomSession>& session = summary.session;
  Json out = {{"appointment_id", a.id},
              {"episode_id", a.episode_id},
              {"modality", std::string(ToString(a.modality))},
              {"started_at", session ? Json(FormatIso8601(session->started_at)) : Json()},
              {"ended_at", session ? OptionalTime(session->ended_at) : Json()},
              {"duration_seconds", session && session->ended_at
                                       ? Json((*session->ended_at - session->started_at) / 1000)
                                       : Json()}};
  const Timestamp since = session ? session->started_at : a.starts_at;
  Json reactions = Json::array();
  for (const SessionReaction& r : summary.reactions) {
    reactions.push_back({{"kind", std::string(ToString(r.kind))},
                         {"at", FormatIso8601(r.at)},
                         {"offset_seconds", std::max<Timestamp>(0, r.at - since) / 1000}});
  }
  out["reactions"] = std::move(reactions);
  if (!summary.signals) {
    out["signals"] = {{"consented", false}};
    for (const char* part : {"movement_synchrony", "talk_share", "turns", "typed"}) {
      out[part] = nullptr;
    }
    return out;
  }
  const SessionSignalsRecord& kept = summary.signals.value();
  const Json& figures = kept.figures;
  out["signals"] = {{"consented", true},
                    {"origin", FormatIso8601(kept.origin)},
                    {"updated_at", FormatIso8601(kept.updated_at)},
                    {"settled_seconds", figures.value("settled_seconds", Json())},
                    {"both_seconds", figures.value("both_seconds", Json())}};
  for (const char* part : {"movement_synchrony", "talk_share", "turns", "typed"}) {
    out[part] = figures.value(part, Json());
  }
  if (out["movement_synchrony"].is_object()) {
    const std::vector<double>& earlier = summary.earlier_strengths;
    Json& movement = out["movement_synchrony"];
    movement["earlier_sessions"] = earlier.size();
    double sum = 0;
    for (const double strength : earlier) sum += strength;
    movement["earlier_mean_strength"] =
        earlier.empty() ? Json() : Json(sum / static_cast<double>(earlier.size()));
  }
  return out;
}

namespace {

// The handlers of AddRoomRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct RoomHandlers {
  RoomService& rooms;

  Reply GetSessionSummary(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, rooms.SummaryOf(actor, id), SessionSummaryJson);
  }

  Reply GetRoom(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, rooms.Look(actor, id), RoomPassJson);
  }

  Reply InviteGuardian(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto guardian = reader.RequiredInt("guardian_id");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201, rooms.InviteGuardian(actor, id, *guardian), RoomPassJson);
  }

  Reply SessionsOfEpisode(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, rooms.SessionsOfEpisode(actor, id),
                   [](const std::vector<RoomSession>& sessions) {
                     Json list = Json::array();
                     for (const RoomSession& s : sessions) {
                       list.push_back(RoomSessionJson(s));
                     }
                     return Json{{"sessions", std::move(list)}};
                   });
  }
};

}  // namespace

void AddRoomRoutes(Router& router, AuthService& auth, RoomService& rooms) {
  using H = RoomHandlers;
  const H h{rooms};
  router.Add("GET", "/api/v1/appointments/{id}/session-summary",
             IdRoute(auth, Bind(h, &H::GetSessionSummary)));
  router.Add("GET", "/api/v1/appointments/{id}/room", IdRoute(auth, Bind(h, &H::GetRoom)));
  router.Add("POST", "/api/v1/appointments/{id}/room/guests",
             IdRoute(auth, Bind(h, &H::InviteGuardian)));
  router.Add("GET", "/api/v1/episodes/{id}/room-sessions",
             IdRoute(auth, Bind(h, &H::SessionsOfEpisode)));
}

}  // namespace rapport
