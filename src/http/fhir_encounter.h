#pragma once
// FHIR R4 Encounter for the sessions held in rooms (video, phone and typed appointments):
// GET /fhir/Encounter?subject=Patient/{id} (a searchset Bundle) and GET /fhir/Encounter/{id},
// where the id is the appointment's. Class VR (virtual) from v3 ActCode; status in-progress
// until the therapist ends the session, then finished; the period is the session's start and
// end; the participant is the therapist. Access and audit are RoomService's.
//
// A session's rapport-signal figures become Observations (category "rapport-signals", codes of
// kRapportSignalSystem) tied to its Encounter: movement synchrony (r, with the peak lag in seconds
// and the leader as components), the client's share of the talk (%, with the therapist's as a
// component) and, for typed sessions, linguistic style matching. They are listed by
// GET /fhir/Observation with the questionnaire scores.

#include <string_view>
#include <vector>

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class RoomService;
struct HeldSession;
struct HeldSignals;

void AddFhirEncounterRoutes(Router& router, AuthService& auth, RoomService& rooms);
// The CapabilityStatement's entry for Encounter.
Json FhirEncounterCapability();
Json EncounterJson(const HeldSession& held);

inline constexpr std::string_view kRapportSignalSystem =
    "https://rapport.example/fhir/CodeSystem/session-signal";
// The Observations of one session's figures (none for a figure that was not measured).
std::vector<Json> SignalObservationsJson(const HeldSignals& session);

}  // namespace rapport
