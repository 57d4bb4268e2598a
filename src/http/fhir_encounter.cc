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

namespace {

Json SignalCode(std::string_view code, std::string_view display) {
  return {{"coding",
           Json::array({{{"system", kRapportSignalSystem}, {"code", code}, {"display", display}}})},
          {"text", display}};
}

Json Quantity(double value, std::string_view unit, std::string_view ucum) {
  return {
      {"value", value}, {"unit", unit}, {"system", "http://unitsofmeasure.org"}, {"code", ucum}};
}

// A number of the figures' JSON at `part`.`field`; nullopt when absent or null.
std::optional<double> FigureOf(const Json& figures, const char* part, const char* field) {
  const auto p = figures.find(part);
  if (p == figures.end() || !p->is_object()) return std::nullopt;
  const auto f = p->find(field);
  if (f == p->end() || !f->is_number()) return std::nullopt;
  return f->get<double>();
}

}  // namespace

std::vector<Json> SignalObservationsJson(const HeldSignals& session) {
  const RoomSession& s = session.held.session;
  const Json& figures = session.signals.figures;
  const std::string id = std::to_string(s.appointment_id);
  auto observation = [&](std::string_view code, std::string_view display) {
    Json period = {{"start", FormatIso8601(session.signals.origin)},
                   {"end", FormatIso8601(session.signals.updated_at)}};
    return Json{{"resourceType", "Observation"},
                {"id", "signals-" + id + "-" + std::string(code)},
                {"status", s.ended_at ? "final" : "preliminary"},
                {"category", Json::array({SignalCode("rapport-signals", "Rapport signals")})},
                {"code", SignalCode(code, display)},
                {"subject", {{"reference", "Patient/" + std::to_string(session.held.client_id)}}},
                {"encounter", {{"reference", "Encounter/" + id}}},
                {"effectivePeriod", std::move(period)},
                {"performer",
                 Json::array({{{"reference",
                                "Practitioner/" + std::to_string(session.held.therapist_id)}}})}};
  };
  std::vector<Json> out;
  if (const auto strength = FigureOf(figures, "movement_synchrony", "strength")) {
    Json o = observation("movement-synchrony", "Movement synchrony");
    o["valueQuantity"] = Quantity(*strength, "r", "1");
    Json components = Json::array();
    if (const auto lag = FigureOf(figures, "movement_synchrony", "peak_lag_seconds")) {
      components.push_back(
          {{"code", SignalCode("peak-lag", "Peak lag (positive: the client follows)")},
           {"valueQuantity", Quantity(*lag, "s", "s")}});
    }
    const Json& leader = figures["movement_synchrony"].value("leader", Json());
    if (leader.is_string()) {
      components.push_back(
          {{"code", SignalCode("leader", "Who leads the movement")}, {"valueString", leader}});
    }
    if (!components.empty()) o["component"] = std::move(components);
    out.push_back(std::move(o));
  }
  if (const auto client = FigureOf(figures, "talk_share", "client")) {
    Json o = observation("talk-share", "Client's share of the talk");
    o["valueQuantity"] = Quantity(100 * *client, "%", "%");
    if (const auto therapist = FigureOf(figures, "talk_share", "therapist")) {
      o["component"] = Json::array(
          {{{"code", SignalCode("talk-share-therapist", "Therapist's share of the talk")},
            {"valueQuantity", Quantity(100 * *therapist, "%", "%")}}});
    }
    out.push_back(std::move(o));
  }
  if (const auto lsm = FigureOf(figures, "typed", "style_matching")) {
    Json o = observation("style-matching", "Linguistic style matching");
    o["valueQuantity"] = Quantity(*lsm, "score", "1");
    out.push_back(std::move(o));
  }
  return out;
}

Json FhirEncounterCapability() {
  return {{"type", "Encounter"},
          {"interaction", Json::array({{{"code", "read"}}, {{"code", "search-type"}}})},
          {"searchParam", Json::array({{{"name", "subject"}, {"type", "reference"}}})}};
}

namespace {

// The handlers of AddFhirEncounterRoutes, one per route, named for the interaction it answers. A
// value holding references: the services outlive the router.
struct FhirEncounterHandlers {
  RoomService& rooms;

  Reply SearchEncounters(const HttpRequest& request, const Actor& actor) const {
    auto subject = FhirSubjectParam(request);
    if (!subject) return std::unexpected(std::move(subject.error()));
    auto sessions = rooms.SessionsOfClient(actor, *subject);
    if (!sessions) return std::unexpected(FhirOperationOutcome(sessions.error()));
    std::vector<Json> resources;
    for (const HeldSession& held : *sessions) resources.push_back(EncounterJson(held));
    return FhirSearchReply(request, "Encounter", std::move(resources));
  }

  Reply ReadEncounter(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(FhirOperationOutcome(Error::NotFound("no such Encounter")));
    auto held = rooms.HeldSessionOf(actor, *id);
    if (!held) return std::unexpected(FhirOperationOutcome(held.error()));
    return FhirResponse(200, EncounterJson(*held));
  }
};

}  // namespace

void AddFhirEncounterRoutes(Router& router, AuthService& auth, RoomService& rooms) {
  using H = FhirEncounterHandlers;
  const H h{rooms};
  router.Add("GET", "/fhir/Encounter", FhirAuthedRoute(auth, Bind(h, &H::SearchEncounters)));
  router.Add("GET", "/fhir/Encounter/{id}", FhirAuthedRoute(auth, Bind(h, &H::ReadEncounter)));
}

}  // namespace rapport
