#pragma once
// Actor: who is asking, as established by AuthService::Authenticate (or Actor::System() for the
// command line). Every service call takes one; access and audit are decided from it alone.
// A plain value type, copyable and thread-compatible.

#include <string>

#include "domain/people.h"
#include "store/store.h"

namespace rapport {

struct Actor {
  UserId user_id = 0;
  ClinicId clinic_id = 0;
  Role role = Role::kClient;
  SessionId session_id = 0;  // 0 for the system actor
  std::string source;        // client IP address, or "cli"
  std::string csrf_token;    // the session's CSRF token; empty for the system actor
  bool system = false;       // the operator at the command line: may act in any clinic

  // The operator running `rapport user add` and friends. Audited with role "system".
  static Actor System(std::string source = "cli");

  // What the audit trail records as the actor's role ("therapist", ..., "system").
  std::string AuditRole() const;
};

}  // namespace rapport
