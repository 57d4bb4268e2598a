#pragma once
// The demo clinic: "Riverside Counselling (demo)" with an admin, a supervisor,
// three therapists, twelve clients (two children with guardians), and sixteen weeks of episodes
// and appointments ending around `now`, with the feedback those sessions produced:
// PHQ-9, GAD-7 and Rapport Check histories, PSC-17 from the guardians, and the alerts they
// raised, older ones already handled by the therapist; and treatment plans in every state:
// a draft, a proposal awaiting a child and his mother, a plan agreed and then revised
// and agreed again with rankings, ratings, homework, a thought record and reviews, a plan due for
// review, and proposals sent back, declined or withdrawn; and an on-call rota (Daniel Nakamura,
// four weeks from today) so that an unacknowledged risk alert escalates to a person; and for
// finding a therapist (service/demo_matching.h): every therapist's offer, two clients waiting to be
// matched, and eighty-four former clients whose ended episodes make the outcome report.
// Deterministic apart from the password and the anchoring to `now`. Not thread-safe with other
// writers of an empty store (run it alone).

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/result.h"
#include "store/store.h"

namespace rapport {

inline constexpr std::string_view kDemoClinicName = "Riverside Counselling (demo)";

struct DemoAccount {
  std::string email;
  std::string display_name;
  Role role = Role::kClient;
};

struct DemoSummary {
  ClinicId clinic_id = 0;
  std::vector<DemoAccount> accounts;  // the named accounts first, then the rest
  int episodes = 0;
  int appointments = 0;
  int responses = 0;  // questionnaire answers of past sessions
  int alerts = 0;     // alerts those answers raised (older ones already handled)
};

// Seeds the demo clinic; kFailedPrecondition unless the store has no clinic yet. Every account
// gets `password` (hashed once with `cost`).
Result<DemoSummary> SeedDemo(Store& store, Timestamp now, const std::string& password,
                             HashCost cost = HashCost::kInteractive);

}  // namespace rapport
