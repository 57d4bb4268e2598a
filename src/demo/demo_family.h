#pragma once
// Internal to service/: the demo clinic's families (service/demo.cc). Leo, 9, has two parents:
// his mother sees what the clinic's policy shares for a child, and a court order limits his
// father to the times of Leo's appointments. Ama, 14, has her father, who sees her plan as the
// policy shares it for an adolescent, but not the goal she keeps private. Each guardian's
// standing and each consent and assent are recorded as the care team would record them.

#include "core/clock.h"
#include "core/result.h"
#include "store/store.h"

namespace rapport {

struct DemoFamilyInput {
  UserId leo_therapist = 0;  // who recorded Leo's family's standing and consents
  UserId ama_therapist = 0;  // and Ama's
  UserId leo = 0;
  GuardianLinkId leo_mother = 0;
  UserId leo_father = 0;  // an account with no link yet
  UserId ama = 0;
  GuardianLinkId ama_father = 0;
  Timestamp now = 0;
};

Status SeedFamilies(WriteTxn& txn, const DemoFamilyInput& in);

}  // namespace rapport
