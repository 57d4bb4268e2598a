#pragma once
// FHIR R4 (read-only JSON, application/fhir+json) under /fhir: the CapabilityStatement, each
// questionnaire as a Questionnaire, a client as a Patient, and a client's responses and total
// scores as searchset Bundles of QuestionnaireResponse and Observation. Access is the API's:
// every read goes through ClinicService / FeedbackService with the signed-in actor, which decide
// and audit it. Errors are OperationOutcome resources.
//
// Scores with no LOINC code use the code system kRapportScoreSystem, code "<CODE>/total"
// (for example "RAPPORT-CHECK/total"). Questionnaire canonical URLs are
// kRapportQuestionnaireBase + code.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "domain/people.h"
#include "http/route_support.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class ClinicService;
class FeedbackService;
class InstrumentCatalog;
class MatchingService;
class PlanService;
class RoomService;
struct FeedbackResponse;
struct Instrument;

inline constexpr std::string_view kFhirContentType = "application/fhir+json";
inline constexpr std::string_view kRapportScoreSystem =
    "https://rapport.example/fhir/CodeSystem/instrument-score";
inline constexpr std::string_view kRapportQuestionnaireBase =
    "https://rapport.example/fhir/Questionnaire/";

// Borrowed; all must outlive the router. With `plan`, the treatment plan's resources
// (fhir_plan.h) are served and listed in the CapabilityStatement too; with `rooms`, the sessions
// held in rooms as Encounters (fhir_encounter.h); with `matching`, therapists as Practitioner and
// PractitionerRole (fhir_practitioner.h).
void AddFhirRoutes(Router& router, AuthService& auth, ClinicService& clinic,
                   FeedbackService& feedback, const InstrumentCatalog& catalog,
                   PlanService* plan = nullptr, RoomService* rooms = nullptr,
                   MatchingService* matching = nullptr);

// Shared by the FHIR mappings (fhir.cc, fhir_plan.cc).
HttpResponse FhirResponse(unsigned status, const Json& resource);
// An error as an OperationOutcome with the status ProblemResponse would give it.
HttpResponse FhirOperationOutcome(const Error& error);
// A searchset Bundle of one page of `resources` (each with a string "id"), with absolute
// fullUrls, the total and links to the next and previous pages: `_count` (1 to 1000, 100 unless
// asked) results from `_offset`. A bad `_count` or `_offset` is a 400 OperationOutcome.
Reply FhirSearchReply(const HttpRequest& request, std::string_view type,
                      std::vector<Json> resources);
// The id of a reference search parameter's value: "Patient/42" or "42" for type "Patient";
// nullopt for anything else.
std::optional<std::int64_t> FhirReferenceId(std::string_view reference, std::string_view type);
// The `subject` (or `patient`) search parameter: "Patient/42" or "42".
Or<UserId> FhirSubjectParam(const HttpRequest& request);
// Authed(), answering authentication failures with an OperationOutcome.
Handler FhirAuthedRoute(AuthService& auth, ActorHandler handler);
// Where the server's absolute FHIR URLs begin (the configured public address + "/fhir"), for
// Bundle.fullUrl.
std::string FhirBaseUrl(const HttpRequest& request);

// The resources /fhir serves, for other mappings that gather them (the client's record,
// http/record_api.h): a client as a Patient; one answer as a QuestionnaireResponse of `patient`
// (its items read with `instrument`; none when it is unknown); and a scored answer's total as a
// survey Observation, id "score-{response id}", derived from that QuestionnaireResponse (callers
// pass scored answers only).
Json FhirPatientJson(const User& user, const ClientProfile& profile);
Json FhirQuestionnaireResponseJson(const FeedbackResponse& response, UserId patient,
                                   const Instrument* instrument);
Json FhirScoreObservationJson(const FeedbackResponse& response, const Instrument* instrument,
                              UserId patient);

}  // namespace rapport
