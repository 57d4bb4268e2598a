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

#include <string_view>

#include "http/router.h"

namespace rapport {

class AuthService;
class ClinicService;
class FeedbackService;
class InstrumentCatalog;

inline constexpr std::string_view kFhirContentType = "application/fhir+json";
inline constexpr std::string_view kRapportScoreSystem =
    "https://rapport.example/fhir/CodeSystem/instrument-score";
inline constexpr std::string_view kRapportQuestionnaireBase =
    "https://rapport.example/fhir/Questionnaire/";

// Borrowed; all must outlive the router.
void AddFhirRoutes(Router& router, AuthService& auth, ClinicService& clinic,
                   FeedbackService& feedback, const InstrumentCatalog& catalog);

}  // namespace rapport
