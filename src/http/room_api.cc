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

void AddRoomRoutes(Router& router, AuthService& auth, RoomService& rooms) {
  router.Add("GET", "/api/v1/appointments/{id}/room",
             IdRoute(auth, [&rooms](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, rooms.Look(actor, id), RoomPassJson);
             }));
  router.Add(
      "POST", "/api/v1/appointments/{id}/room/guests",
      IdRoute(auth,
              [&rooms](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request);
                if (!body) return std::unexpected(std::move(body.error()));
                JsonObjectReader reader(*body);
                const auto guardian = reader.RequiredInt("guardian_id");
                if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                return Respond(201, rooms.InviteGuardian(actor, id, *guardian), RoomPassJson);
              }));
  router.Add("GET", "/api/v1/episodes/{id}/room-sessions",
             IdRoute(auth, [&rooms](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, rooms.SessionsOfEpisode(actor, id),
                              [](const std::vector<RoomSession>& sessions) {
                                Json list = Json::array();
                                for (const RoomSession& s : sessions) {
                                  list.push_back(RoomSessionJson(s));
                                }
                                return Json{{"sessions", std::move(list)}};
                              });
             }));
}

}  // namespace rapport
