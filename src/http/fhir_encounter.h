#pragma once
// FHIR R4 Encounter for the sessions held in rooms (video, phone and typed appointments):
// GET /fhir/Encounter?subject=Patient/{id} (a searchset Bundle) and GET /fhir/Encounter/{id},
// where the id is the appointment's. Class VR (virtual) from v3 ActCode; status in-progress
// until the therapist ends the session, then finished; the period is the session's start and
// end; the participant is the therapist. Access and audit are RoomService's.

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class RoomService;
struct HeldSession;

void AddFhirEncounterRoutes(Router& router, AuthService& auth, RoomService& rooms);
// The CapabilityStatement's entry for Encounter.
Json FhirEncounterCapability();
Json EncounterJson(const HeldSession& held);

}  // namespace rapport
