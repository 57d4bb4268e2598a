#pragma once
// The routes of changing therapist (requests, referrals, the handover packet's review and
// consent, the intake coordinator's assignment, the new episode's handover), the choice after a
// low Fit Check, and ruptures with their repair (docs/course.md). They only translate: access
// and audit are the services'.

#include "http/router.h"

namespace rapport {

class AuthService;
class RuptureService;
class SupportService;
class TherapistChangeService;

void AddChangeRoutes(Router& router, AuthService& auth, TherapistChangeService& changes);
void AddRuptureRoutes(Router& router, AuthService& auth, RuptureService& ruptures);
void AddSupportRoutes(Router& router, AuthService& auth, SupportService& support);

}  // namespace rapport
