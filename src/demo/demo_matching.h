#pragma once
// Internal to the demo clinic: finding a therapist. Every therapist's offer (two licences
// verified by the admin, one waiting for it; one identity attribute kept private), two clients
// waiting to be matched (River Jones, who has not yet said what she is looking for, and Kai
// Brennan, who has), and the ended episodes of former clients (closed accounts) that make the
// clinic's outcome report. Deterministic apart from the anchoring to `now`.

#include <span>
#include <string>

#include "demo/demo.h"
#include "domain/catalog.h"
#include "service/actor.h"
#include "store/store.h"

namespace rapport {

inline constexpr std::string_view kDemoWaitingClient = "river.jones@demo.rapport";
inline constexpr std::string_view kDemoMatchedClient = "kai.brennan@demo.rapport";
// Former clients per therapist, half with low mood and half with anxiety: fourteen ended episodes
// in each domain, twelve of them measured, above the default minimum of ten, so that the outcome
// report shows each therapist's figures.
inline constexpr int kDemoFormerClientsPerTherapist = 28;

struct DemoMatchingInput {
  ClinicId clinic_id = 0;
  UserId admin_id = 0;
  std::span<const UserId> therapists;  // in the demo's order
  std::string password_hash;           // for the waiting clients, who sign in
  Timestamp now = 0;
};

Status SeedMatching(WriteTxn& txn, const Actor& system, const DemoMatchingInput& input,
                    const InstrumentCatalog& catalog, DemoSummary& summary);

}  // namespace rapport
