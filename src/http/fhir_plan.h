#pragma once
// The treatment plan as read-only FHIR R4 under /fhir:
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

#include <map>
#include <string>

#include "core/json.h"
#include "domain/plan.h"
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

// What a CarePlan says besides its version: whose plan it is and how its episode stands.
struct CarePlanFacts {
  EpisodeId episode_id = 0;
  bool episode_ended = false;
  bool newest = false;  // the episode's newest version (drafts included)
  UserId client_id = 0;
  std::string client_name;
  UserId therapist_id = 0;
  std::string therapist_name;
  std::map<std::string, bool> homework_done;  // homework key -> ticked
};
// One version of the plan as a CarePlan, id "{episode}-{number}", as GET /fhir/CarePlan/{id}
// gives it; for other mappings that gather CarePlans (the client's record).
Json FhirCarePlanJson(const CarePlanFacts& facts, const PlanVersion& version,
                      const PlanContent& content);

}  // namespace rapport
