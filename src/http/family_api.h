#pragma once
// The routes of the adults around a child (docs/family.md): the family as the young person, a
// guardian or the care team sees it, each guardian's standing and what they see, consent and
// assent, and safety disclosures. They only translate: access and audit are the service's.

#include "http/router.h"

namespace rapport {

class AuthService;
class FamilyService;

void AddFamilyRoutes(Router& router, AuthService& auth, FamilyService& family);

}  // namespace rapport
