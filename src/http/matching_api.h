#pragma once
// The routes of finding a therapist (docs/matching.md, "The API"): therapists' offers (one or
// all of the clinic's) and the
// licence check, a client's preferences, matches and first appointment, the first step, and the
// clinic's outcome report (JSON or CSV). Each route calls one MatchingService method and
// translates; what a reader may see of an offer is decided here only in its form (a client gets
// the client's view), the access itself by the service.

#include <string>

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class MatchingService;
struct MatchesView;
struct OutcomeReportView;
struct Actor;

void AddMatchingRoutes(Router& router, AuthService& auth, MatchingService& matching);

// The matches as `actor` may see them: offers in the client's view for a client, and the
// outcome term only for staff of a clinic that weighs outcomes.
Json MatchesJson(const MatchesView& view, const Actor& actor);
Json OutcomeReportJson(const OutcomeReportView& view);
// One line per row; a figure withheld below the minimum leaves its cells empty.
std::string OutcomeReportCsv(const OutcomeReportView& view);

}  // namespace rapport
