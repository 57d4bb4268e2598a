#include "http/fhir_practitioner.h"

#include <fmt/format.h>

#include <array>

#include "http/fhir.h"
#include "service/matching_service.h"

namespace rapport {

namespace {

constexpr std::array<std::string_view, 7> kFhirDays = {"mon", "tue", "wed", "thu",
                                                       "fri", "sat", "sun"};

std::string ClockTime(int minutes) {
  // FHIR's time has no 24:00; the end of the day is the last second of it.
  if (minutes >= 24 * 60) return "23:59:59";
  return fmt::format("{:02}:{:02}:00", minutes / 60, minutes % 60);
}

bool WithLicence(const Actor& actor) {
  return actor.role != Role::kClient && actor.role != Role::kGuardian;
}

// "Practitioner/3" or "3".
std::optional<UserId> PractitionerParam(const HttpRequest& request) {
  std::optional<std::string> text = request.QueryParam("practitioner");
  if (!text) return std::nullopt;
  return FhirReferenceId(*text, "Practitioner").value_or(0);
}

}  // namespace

Json PractitionerJson(const TherapistOffer& offer, bool with_licence) {
  Json practitioner = {{"resourceType", "Practitioner"},
                       {"id", std::to_string(offer.therapist_id)},
                       {"active", true},
                       {"name", Json::array({{{"text", offer.display_name}}})}};
  Json qualification = {{"code", {{"text", offer.credentials}}}};
  if (with_licence && !offer.licence_number.empty()) {
    qualification["identifier"] = Json::array(
        {{{"system", fmt::format("https://rapport.example/fhir/licence/{}", offer.jurisdiction)},
          {"value", offer.licence_number}}});
    qualification["extension"] = Json::array(
        {{{"url", kRapportLicenceVerifiedExtension},
          {"valueDateTime", offer.licence_verified_at ? FormatIso8601(*offer.licence_verified_at)
                                                      : std::string()}}});
    if (!offer.licence_verified_at) qualification.erase("extension");
  }
  if (!offer.credentials.empty() || qualification.contains("identifier")) {
    practitioner["qualification"] = Json::array({std::move(qualification)});
  }
  Json communication = Json::array();
  for (const std::string& code : offer.languages) {
    communication.push_back(
        {{"coding", Json::array({{{"system", "urn:ietf:bcp:47"}, {"code", code}}})},
         {"text", LanguageName(code)}});
  }
  if (!communication.empty()) practitioner["communication"] = std::move(communication);
  return practitioner;
}

Json PractitionerRoleJson(const TherapistOffer& offer) {
  Json role = {{"resourceType", "PractitionerRole"},
               {"id", std::to_string(offer.therapist_id)},
               {"active", offer.accepting_new_clients},
               {"practitioner",
                {{"reference", fmt::format("Practitioner/{}", offer.therapist_id)},
                 {"display", offer.display_name}}},
               {"code", Json::array({{{"text", "Psychotherapist"}}})}};
  Json specialties = Json::array();
  for (const std::string& id : offer.focus_areas) {
    specialties.push_back({{"coding", Json::array({{{"system", kRapportFocusSystem},
                                                    {"code", id},
                                                    {"display", TermName(FocusAreas(), id)}}})}});
  }
  for (const std::string& id : offer.approaches) {
    specialties.push_back({{"coding", Json::array({{{"system", kRapportApproachSystem},
                                                    {"code", id},
                                                    {"display", TermName(Approaches(), id)}}})}});
  }
  if (!specialties.empty()) role["specialty"] = std::move(specialties);
  Json times = Json::array();
  for (const WeeklySlot& slot : offer.availability) {
    times.push_back({{"daysOfWeek", Json::array({kFhirDays.at(slot.day)})},
                     {"availableStartTime", ClockTime(slot.start_minute)},
                     {"availableEndTime", ClockTime(slot.end_minute)}});
  }
  if (!times.empty()) role["availableTime"] = std::move(times);
  Json modalities = Json::array();
  for (const Modality m : offer.modalities) {
    modalities.push_back({{"url", kRapportModalityExtension}, {"valueCode", ToString(m)}});
  }
  if (!modalities.empty()) role["extension"] = std::move(modalities);
  return role;
}

std::vector<Json> FhirPractitionerCapabilities() {
  const Json interactions = Json::array({{{"code", "read"}}, {{"code", "search-type"}}});
  return {{{"type", "Practitioner"}, {"interaction", interactions}},
          {{"type", "PractitionerRole"},
           {"interaction", interactions},
           {"searchParam", Json::array({{{"name", "practitioner"}, {"type", "reference"}}})}}};
}

namespace {

// The handlers of AddFhirPractitionerRoutes, one per route, named for the interaction it
// answers. A value holding references: the services outlive the router.
struct FhirPractitionerHandlers {
  MatchingService& matching;

  Reply SearchPractitioners(const HttpRequest& request, const Actor& actor) const {
    auto offers = matching.Offers(actor);
    if (!offers) return std::unexpected(FhirOperationOutcome(offers.error()));
    std::vector<Json> resources;
    for (const TherapistOffer& o : *offers) {
      resources.push_back(PractitionerJson(o, WithLicence(actor)));
    }
    return FhirSearchReply(request, "Practitioner", std::move(resources));
  }

  Reply ReadPractitioner(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) {
      return std::unexpected(FhirOperationOutcome(Error::NotFound("no such Practitioner")));
    }
    auto offer = matching.Offer(actor, *id);
    if (!offer) return std::unexpected(FhirOperationOutcome(offer.error()));
    return FhirResponse(200, PractitionerJson(*offer, WithLicence(actor)));
  }

  Reply SearchPractitionerRoles(const HttpRequest& request, const Actor& actor) const {
    const std::optional<UserId> practitioner = PractitionerParam(request);
    if (practitioner && *practitioner == 0) {
      return std::unexpected(FhirOperationOutcome(
          Error::Field("practitioner", "must be Practitioner/{id} or the id")));
    }
    std::vector<Json> resources;
    if (practitioner) {
      auto offer = matching.Offer(actor, *practitioner);
      if (!offer) return std::unexpected(FhirOperationOutcome(offer.error()));
      resources.push_back(PractitionerRoleJson(*offer));
    } else {
      auto offers = matching.Offers(actor);
      if (!offers) return std::unexpected(FhirOperationOutcome(offers.error()));
      for (const TherapistOffer& o : *offers) {
        resources.push_back(PractitionerRoleJson(o));
      }
    }
    return FhirSearchReply(request, "PractitionerRole", std::move(resources));
  }

  Reply ReadPractitionerRole(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) {
      return std::unexpected(FhirOperationOutcome(Error::NotFound("no such PractitionerRole")));
    }
    auto offer = matching.Offer(actor, *id);
    if (!offer) return std::unexpected(FhirOperationOutcome(offer.error()));
    return FhirResponse(200, PractitionerRoleJson(*offer));
  }
};

}  // namespace

void AddFhirPractitionerRoutes(Router& router, AuthService& auth, MatchingService& matching) {
  using H = FhirPractitionerHandlers;
  const H h{matching};
  router.Add("GET", "/fhir/Practitioner", FhirAuthedRoute(auth, Bind(h, &H::SearchPractitioners)));
  router.Add("GET", "/fhir/Practitioner/{id}",
             FhirAuthedRoute(auth, Bind(h, &H::ReadPractitioner)));
  router.Add("GET", "/fhir/PractitionerRole",
             FhirAuthedRoute(auth, Bind(h, &H::SearchPractitionerRoles)));
  router.Add("GET", "/fhir/PractitionerRole/{id}",
             FhirAuthedRoute(auth, Bind(h, &H::ReadPractitionerRole)));
}

}  // namespace rapport
