#pragma once
// The routes by which a risk answer reaches a person and a person in crisis finds help: the
// alert with who was told (GET /api/v1/alerts/{id}), "Get help now" (/api/v1/help and per
// feedback link), the clinic's safety settings, channels, on-call rota, crisis lines and mail
// outbox (admin), each clinician's notification preferences, and, only when the server runs on a
// test clock, POST /api/v1/test/clock. Each route calls one service method and translates.

#include "core/clock.h"
#include "core/doorbell.h"
#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class FeedbackService;
class SafetyService;
struct CrisisHelp;

// "Get help now" as the API shows it; also a risk submission's "crisis".
Json HelpJson(const CrisisHelp& help);

// `test_clock` and `doorbell` may be null (no test clock route).
void AddSafetyRoutes(Router& router, AuthService& auth, SafetyService& safety,
                     FeedbackService& feedback, OffsetClock* test_clock, Doorbell* doorbell);

}  // namespace rapport
