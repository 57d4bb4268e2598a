#pragma once
// The treatment plan (issue 4) as read-only FHIR R4 under /fhir:
//  - CarePlan, one per version of each episode's plan, id "{episode}-{number}"; `replaces` links
//    a version to the one before; status draft (draft, proposed, changes requested), active
//    (agreed; completed once the episode has ended) or revoked (superseded, declined,
//    withdrawn); `addresses` the problems, `goal` the goals, `activity` the interventions and
//    homework;
//  - Goal and Condition for the goals and problems of the current version (the agreed one, else
//    the newest), ids "{episode}-{key}";
//  - Provenance, one per signature, id "{episode}-{number}-{role}", with the signature over the
//    content hash.
// Access is the API's: every read goes through ClinicService / PlanService with the signed-in
// actor, which decide and audit it (a guardian sees only what the plan shares with them).

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class ClinicService;
class PlanService;
class InstrumentCatalog;

// Code systems of our own, for what has no standard code.
inline constexpr std::string_view kRapportGasSystem =
    "https://rapport.example/fhir/CodeSystem/goal-attainment-scaling";

// Borrowed; all must outlive the router.
void AddFhirPlanRoutes(Router& router, AuthService& auth, ClinicService& clinic, PlanService& plan,
                       const InstrumentCatalog& catalog);

// The CapabilityStatement.rest.resource entries for the plan's resources.
Json FhirPlanCapabilities();

}  // namespace rapport
