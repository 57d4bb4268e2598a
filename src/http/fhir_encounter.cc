#include "http/fhir_encounter.h"

#include "http/fhir.h"
#include "service/room_service.h"

namespace rapport {

Json EncounterJson(const HeldSession& held) {
  const RoomSession& s = held.session;
  const char* kind = s.modality == Modality::kPhone  ? "Phone session"
                     : s.modality == Modality::kText ? "Typed session"
                                                     : "Video session";
  Json period = {{"start", FormatIso8601(s.started_at)}};
  if (s.ended_at) period["end"] = FormatIso8601(*s.ended_at);
  return {{"resourceType", "Encounter"},
          {"id", std::to_string(s.appointment_id)},
          {"status", s.ended_at ? "finished" : "in-progress"},
          {"class",
           {{"system", "http://terminology.hl7.org/CodeSystem/v3-ActCode"},
            {"code", "VR"},
            {"display", "virtual"}}},
          {"type", Json::array({{{"text", kind}}})},
          {"subject", {{"reference", "Patient/" + std::to_string(held.client_id)}}},
          {"participant",
           Json::array({{{"individual",
                          {{"reference", "Practitioner/" + std::to_string(held.therapist_id)}}}}})},
          {"period", std::move(period)}};
}

Json FhirEncounterCapability() {
  return {{"type", "Encounter"},
          {"interaction", Json::array({{{"code", "read"}}, {{"code", "search-type"}}})},
          {"searchParam", Json::array({{{"name", "subject"}, {"type", "reference"}}})}};
}

void AddFhirEncounterRoutes(Router& router, AuthService& auth, RoomService& rooms) {
  router.Add(
      "GET", "/fhir/Encounter",
      FhirAuthedRoute(auth, [&rooms](const HttpRequest& request, const Actor& actor) -> Reply {
        auto subject = FhirSubjectParam(request);
        if (!subject) return std::unexpected(std::move(subject.error()));
        auto sessions = rooms.SessionsOfClient(actor, *subject);
        if (!sessions) return std::unexpected(FhirOperationOutcome(sessions.error()));
        std::vector<Json> resources;
        for (const HeldSession& held : *sessions) resources.push_back(EncounterJson(held));
        return FhirSearchReply(request, "Encounter", std::move(resources));
      }));
  router.Add(
      "GET", "/fhir/Encounter/{id}",
      FhirAuthedRoute(auth, [&rooms](const HttpRequest& request, const Actor& actor) -> Reply {
        auto id = PathId(request);
        if (!id) return std::unexpected(FhirOperationOutcome(Error::NotFound("no such Encounter")));
        auto held = rooms.HeldSessionOf(actor, *id);
        if (!held) return std::unexpected(FhirOperationOutcome(held.error()));
        return FhirResponse(200, EncounterJson(*held));
      }));
}

}  // namespace rapport
