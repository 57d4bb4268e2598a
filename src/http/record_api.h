#pragma once
// The client's own record (docs/course.md), for the client to download at any time:
//  - GET /api/v1/clients/{id}/record.pdf: a readable PDF (core/pdf.h), attachment
//    "rapport-record.pdf";
//  - GET /api/v1/clients/{id}/record: the same record as a FHIR R4 Bundle of type "collection"
//    (application/fhir+json): the Patient, a QuestionnaireResponse and an Observation of each
//    scored answer, a CarePlan of each plan version, a Communication of each message, and a
//    Composition of each discharge summary and of each handover packet the client shared.
// Each route calls RecordService::RecordOf, which decides access (the client themself only) and
// audits; errors are problem+json.

#include <string>
#include <string_view>

#include "core/json.h"
#include "http/router.h"

namespace rapport {

class AuthService;
class InstrumentCatalog;
class RecordService;
struct ClientRecord;

void AddRecordRoutes(Router& router, AuthService& auth, RecordService& records);

// The PDF file's bytes. Dates are shown in the record's (the clinic's) time zone.
std::string ClientRecordPdf(const ClientRecord& record, const InstrumentCatalog& catalog);

// The Bundle, each entry's fullUrl under `fhir_base` ("https://clinic.example/fhir").
Json ClientRecordBundle(const ClientRecord& record, const InstrumentCatalog& catalog,
                        std::string_view fhir_base);

}  // namespace rapport
