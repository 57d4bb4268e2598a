#pragma once
// The treatment-plan routes under /api/v1/episodes/{id}/plan: versions and how client
// and therapist agree on them, the problem list, rankings, goal ratings, homework ticks, thought
// records and reviews. Each route parses and type-checks its body, calls one PlanService method
// and translates the Result; PlanService decides access and audits. The JSON shapes (Version,
// Overview, ...) are documented in docs/openapi.yaml and shared with the FHIR mapping.

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class PlanService;
struct PlanVersionView;
struct PlanOverview;

// Borrowed; both must outlive the router.
void AddPlanRoutes(Router& router, AuthService& auth, PlanService& plan);

// The API's "Version" and "Overview" objects.
Json PlanVersionJson(const PlanVersionView& view);
Json PlanOverviewJson(const PlanOverview& overview);

}  // namespace rapport
