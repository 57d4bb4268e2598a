#pragma once
// The formal-feedback routes under /api/v1: questionnaires, submissions, progress,
// alerts, the caseload dashboard, CSV export and password-less feedback links. Each route
// translates one FeedbackService call; the service decides access and audits. JSON shapes that
// FHIR and the API share (alerts) are built here. Documented in docs/openapi.yaml.

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class FeedbackService;
class InstrumentCatalog;
struct AlertView;

// Borrowed; all must outlive the router.
void AddFeedbackRoutes(Router& router, AuthService& auth, FeedbackService& feedback,
                       const InstrumentCatalog& catalog);

Json AlertJson(const AlertView& view);

}  // namespace rapport
