#pragma once
// FHIR R4 Practitioner and PractitionerRole for the clinic's therapists, from their offers
// (domain/matching.h): GET /fhir/Practitioner (a searchset of the clinic's active therapists),
// GET /fhir/Practitioner/{id}, GET /fhir/PractitionerRole?practitioner=Practitioner/{id} and
// GET /fhir/PractitionerRole/{id} (one role per therapist, with the therapist's id).
//
// Practitioner: name, the qualification (the credentials as text; the licence number as an
// identifier of the jurisdiction, with the date an admin verified it as an extension, both only
// for staff), the languages as communication (BCP 47). PractitionerRole: active while accepting
// new clients, the focus areas and approaches as specialties (code systems kRapportFocusSystem
// and kRapportApproachSystem), the weekly times as availableTime, the modalities as an
// extension. Identity attributes are not part of either: they are for the client's choice in
// Rapport, shown only where the therapist chose, and not for exchange. Access and audit are
// MatchingService's.

#include <string_view>
#include <vector>

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class MatchingService;
struct TherapistOffer;

inline constexpr std::string_view kRapportFocusSystem =
    "https://rapport.example/fhir/CodeSystem/focus-area";
inline constexpr std::string_view kRapportApproachSystem =
    "https://rapport.example/fhir/CodeSystem/approach";
inline constexpr std::string_view kRapportModalityExtension =
    "https://rapport.example/fhir/StructureDefinition/session-modality";
inline constexpr std::string_view kRapportLicenceVerifiedExtension =
    "https://rapport.example/fhir/StructureDefinition/licence-verified";

void AddFhirPractitionerRoutes(Router& router, AuthService& auth, MatchingService& matching);
// The CapabilityStatement's entries for Practitioner and PractitionerRole.
std::vector<Json> FhirPractitionerCapabilities();
// `with_licence`: the licence identifier and its verification (staff only).
Json PractitionerJson(const TherapistOffer& offer, bool with_licence);
Json PractitionerRoleJson(const TherapistOffer& offer);

}  // namespace rapport
