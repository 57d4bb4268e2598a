#include "service/actor.h"

#include <utility>

namespace rapport {

Actor Actor::System(std::string source) {
  Actor actor;
  actor.role = Role::kAdmin;
  actor.source = std::move(source);
  actor.system = true;
  return actor;
}

std::string Actor::AuditRole() const {
  return system ? "system" : std::string(ToString(role));
}

}  // namespace rapport
