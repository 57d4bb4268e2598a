#include "http/fhir.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/json.h"
#include "http/fhir_encounter.h"
#include "http/fhir_plan.h"
#include "http/fhir_practitioner.h"
#include "http/route_support.h"
#include "service/actor.h"
#include "service/auth_service.h"
#include "service/clinic_service.h"
#include "service/feedback_service.h"
#include "service/room_service.h"

namespace rapport {

namespace {

constexpr std::string_view kLoinc = "http://loinc.org";
constexpr std::string_view kFhirVersion = "4.0.1";

HttpResponse FhirBody(unsigned status, const Json& resource) {
  HttpResponse response = HttpResponse::JsonBody(status, resource);
  response.content_type = std::string(kFhirContentType);
  return response;
}

std::string_view IssueCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid";
    case ErrorCode::kNotFound: return "not-found";
    case ErrorCode::kUnauthenticated: return "login";
    case ErrorCode::kPermissionDenied: return "forbidden";
    case ErrorCode::kResourceExhausted: return "throttled";
    default: return "exception";
  }
}

HttpResponse OperationOutcome(const Error& error) {
  const unsigned status = HttpStatusFor(error.code);
  // As with problem+json, a server fault's own message may name tables or files.
  const std::string diagnostics =
      status >= 500 ? "The server could not complete the request." : error.message;
  Json issues = Json::array();
  if (error.fields.empty()) {
    issues.push_back({{"severity", "error"},
                      {"code", std::string(IssueCode(error.code))},
                      {"diagnostics", diagnostics}});
  }
  for (const FieldError& f : error.fields) {
    issues.push_back({{"severity", "error"},
                      {"code", std::string(IssueCode(error.code))},
                      {"diagnostics", f.message},
                      {"expression", Json::array({f.field})}});
  }
  return FhirBody(status, {{"resourceType", "OperationOutcome"}, {"issue", std::move(issues)}});
}

std::unexpected<HttpResponse> Outcome(const Error& error) {
  return std::unexpected(OperationOutcome(error));
}

// Absolute URLs for Bundle.fullUrl and links: the server's configured public address, never
// the request's Host header, which a caller could set to anything.
std::string BaseUrl(const HttpRequest& request) {
  return request.base_url + "/fhir";
}

// FHIR ids allow [A-Za-z0-9-.]{1,64}; questionnaire codes are checked against it.
bool IsFhirId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A computable name: starts with a capital, then letters, digits and underscores.
std::string ComputableName(std::string_view code) {
  std::string name;
  for (char c : code) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) name += c;
  }
  if (name.empty() || !(name[0] >= 'A' && name[0] <= 'Z')) name = "Q" + name;
  return name;
}

bool IsWhole(double v) {
  return std::floor(v) == v && std::abs(v) < 1e9;
}

std::string ValueCode(double v) {
  return IsWhole(v) ? std::to_string(static_cast<std::int64_t>(v)) : fmt::format("{}", v);
}

Json OptionCoding(const ResponseOption& option) {
  if (!option.loinc.empty()) {
    return {{"system", kLoinc}, {"code", option.loinc}, {"display", option.label}};
  }
  return {{"code", ValueCode(option.value)}, {"display", option.label}};
}

Json QuestionnaireJson(const Instrument& instrument) {
  Json items = Json::array();
  for (const Item& item : instrument.items) {
    Json out = {{"linkId", item.id}, {"text", item.text}, {"required", item.required}};
    if (!item.loinc.empty()) {
      out["code"] = Json::array({{{"system", kLoinc}, {"code", item.loinc}}});
    }
    switch (item.type) {
      case ItemType::kChoice: {
        out["type"] = "choice";
        Json options = Json::array();
        for (const ResponseOption& o : item.options) {
          options.push_back(
              {{"extension",
                Json::array({{{"url", "http://hl7.org/fhir/StructureDefinition/ordinalValue"},
                              {"valueDecimal", o.value}}})},
               {"valueCoding", OptionCoding(o)}});
        }
        out["answerOption"] = std::move(options);
        break;
      }
      case ItemType::kSlider: {
        // An integer answer bounded by the min/max extensions, shown as a slider.
        out["type"] = IsWhole(item.step) && IsWhole(item.min) ? "integer" : "decimal";
        const bool integer = out["type"] == "integer";
        auto bound = [&](std::string_view url, double v) -> Json {
          Json e = {{"url", url}};
          if (integer) {
            e["valueInteger"] = static_cast<std::int64_t>(v);
          } else {
            e["valueDecimal"] = v;
          }
          return e;
        };
        Json slider_step = {
            {"url", "http://hl7.org/fhir/StructureDefinition/questionnaire-sliderStepValue"},
            {"valueInteger", static_cast<std::int64_t>(std::max(1.0, item.step))}};
        out["extension"] = Json::array(
            {bound("http://hl7.org/fhir/StructureDefinition/minValue", item.min),
             bound("http://hl7.org/fhir/StructureDefinition/maxValue", item.max),
             {{"url", "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"},
              {"valueCodeableConcept",
               {{"coding",
                 Json::array({{{"system", "http://hl7.org/fhir/questionnaire-item-control"},
                               {"code", "slider"}}})}}}}});
        if (integer) out["extension"].push_back(std::move(slider_step));
        break;
      }
      case ItemType::kText:
        out["type"] = "text";
        out["maxLength"] = static_cast<std::int64_t>(item.max_length);
        break;
    }
    items.push_back(std::move(out));
  }
  Json q = {{"resourceType", "Questionnaire"},
            {"id", instrument.code},
            {"url", std::string(kRapportQuestionnaireBase) + instrument.code},
            {"version", instrument.version},
            {"name", ComputableName(instrument.code)},
            {"title", instrument.title},
            // Not yet validated questionnaires are still in use, so "active" either way; the
            // description says which.
            {"status", "active"},
            {"subjectType", Json::array({"Patient"})},
            {"description", instrument.validated ? "Validated. " + instrument.source
                                                 : "Not yet validated. " + instrument.source},
            {"item", std::move(items)}};
  if (!instrument.language.empty()) q["language"] = instrument.language;
  if (!instrument.licence.empty()) q["copyright"] = instrument.licence;
  if (!instrument.loinc_panel.empty()) {
    q["code"] = Json::array({{{"system", kLoinc}, {"code", instrument.loinc_panel}}});
  }
  return q;
}

Json PatientJson(const User& user, const ClientProfile& profile) {
  Json name = {{"text", user.display_name}};
  if (!profile.preferred_name.empty()) name["given"] = Json::array({profile.preferred_name});
  Json p = {{"resourceType", "Patient"},
            {"id", std::to_string(user.id)},
            {"active", user.active},
            {"name", Json::array({name})}};
  if (!user.email.empty()) {
    p["telecom"] = Json::array({{{"system", "email"}, {"value", user.email}}});
  }
  if (!profile.date_of_birth.empty()) p["birthDate"] = profile.date_of_birth;
  return p;
}

std::string PatientRef(UserId id) {
  return fmt::format("Patient/{}", id);
}

Json AnswerJson(const Item& item, const Json& value) {
  if (value.is_string()) return {{"valueString", value.get<std::string>()}};
  if (!value.is_number()) return nullptr;
  const double v = value.get<double>();
  if (item.type == ItemType::kChoice) {
    for (const ResponseOption& o : item.options) {
      if (o.value == v) return {{"valueCoding", OptionCoding(o)}};
    }
    return nullptr;
  }
  if (IsWhole(v) && IsWhole(item.step)) return {{"valueInteger", static_cast<std::int64_t>(v)}};
  return {{"valueDecimal", v}};
}

Json QuestionnaireResponseJson(const FeedbackResponse& response, UserId patient,
                               const Instrument* instrument) {
  auto parsed = ParseJson(response.answers_json);
  const Json answers = parsed && parsed->is_object() ? *parsed : Json::object();
  Json items = Json::array();
  if (instrument != nullptr) {
    for (const Item& item : instrument->items) {
      if (!answers.contains(item.id)) continue;
      Json answer = AnswerJson(item, answers[item.id]);
      if (answer.is_null()) continue;  // unanswered items are left out, as FHIR expects
      items.push_back(
          {{"linkId", item.id}, {"text", item.text}, {"answer", Json::array({answer})}});
    }
  }
  Json qr = {{"resourceType", "QuestionnaireResponse"},
             {"id", std::to_string(response.id)},
             {"questionnaire", fmt::format("{}{}|{}", kRapportQuestionnaireBase,
                                           response.instrument, response.instrument_version)},
             {"status", "completed"},
             {"subject", {{"reference", PatientRef(patient)}}},
             {"authored", FormatIso8601(response.submitted_at)}};
  if (!items.empty()) qr["item"] = std::move(items);
  return qr;
}

struct ScoreCode {
  std::string system, code, display;
};

ScoreCode TotalCode(const Instrument* instrument, const std::string& code,
                    const std::string& title) {
  if (instrument != nullptr && !instrument->loinc_total.empty()) {
    return {std::string(kLoinc), instrument->loinc_total, title + " total score"};
  }
  return {std::string(kRapportScoreSystem), code + "/total", title + " total score"};
}

Json ObservationJson(const ProgressPoint& point, const std::string& code_text,
                     const ScoreCode& code, UserId patient) {
  Json o = {
      {"resourceType", "Observation"},
      {"id", fmt::format("score-{}", point.response_id)},
      {"status", "final"},
      {"category",
       Json::array({{{"coding",
                      Json::array({{{"system",
                                     "http://terminology.hl7.org/CodeSystem/observation-category"},
                                    {"code", "survey"},
                                    {"display", "Survey"}}})}}})},
      {"code",
       {{"coding",
         Json::array({{{"system", code.system}, {"code", code.code}, {"display", code.display}}})},
        {"text", code_text}}},
      {"subject", {{"reference", PatientRef(patient)}}},
      {"effectiveDateTime", FormatIso8601(point.submitted_at)},
      {"derivedFrom",
       Json::array({{{"reference", fmt::format("QuestionnaireResponse/{}", point.response_id)}}})}};
  const double total = point.total.value_or(0);  // callers pass scored points only
  if (IsWhole(total)) {
    o["valueInteger"] = static_cast<std::int64_t>(total);
  } else {
    // A prorated total may be fractional.
    o["valueQuantity"] = {{"value", total},
                          {"unit", "score"},
                          {"system", "http://unitsofmeasure.org"},
                          {"code", "{score}"}};
  }
  if (!point.band.empty()) {
    o["interpretation"] = Json::array({{{"text", point.band}}});
  }
  return o;
}

// How much of a search one answer holds: `_count` results (kDefaultPage unless asked, at most
// kMaxPage) from `_offset` on, in the search's own stable order.
constexpr std::size_t kDefaultPage = 100;
constexpr std::size_t kMaxPage = 1000;

struct Page {
  std::size_t count = kDefaultPage;
  std::size_t offset = 0;
};

Or<Page> PageParams(const HttpRequest& request) {
  Page page;
  const auto number = [&](std::string_view name, std::size_t low,
                          std::size_t high) -> Or<std::optional<std::size_t>> {
    const std::optional<std::string> text = request.QueryParam(name);
    if (!text) return std::optional<std::size_t>();
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || value < low || value > high) {
      return Outcome(Error::Field(std::string(name),
                                  fmt::format("must be a whole number from {} to {}", low, high)));
    }
    return std::optional<std::size_t>(value);
  };
  auto count = number("_count", 1, kMaxPage);
  if (!count) return std::unexpected(std::move(count.error()));
  auto offset = number("_offset", 0, std::numeric_limits<std::int32_t>::max());
  if (!offset) return std::unexpected(std::move(offset.error()));
  if (*count) page.count = **count;
  if (*offset) page.offset = **offset;
  return page;
}

// The search's own URL with the page given, keeping every other parameter as sent.
std::string PageUrl(const HttpRequest& request, const std::string& base, std::string_view type,
                    std::size_t count, std::size_t offset) {
  std::string query;
  std::string_view rest = request.query;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty() || part.starts_with("_count=") || part.starts_with("_offset=")) continue;
    query += part;
    query += '&';
  }
  return fmt::format("{}/{}?{}_count={}&_offset={}", base, type, query, count, offset);
}

// A searchset Bundle of one page of `resources`, with its total and the links to the pages
// around it.
Reply SearchReply(const HttpRequest& request, std::string_view type, std::vector<Json> resources) {
  auto page = PageParams(request);
  if (!page) return std::unexpected(std::move(page.error()));
  const std::string base = BaseUrl(request);
  const std::size_t total = resources.size();
  const std::size_t begin = std::min(page->offset, total);
  const std::size_t end = std::min(total, begin + page->count);
  Json entries = Json::array();
  for (std::size_t i = begin; i < end; ++i) {
    Json& r = resources[i];
    const std::string url = fmt::format("{}/{}/{}", base, type, r["id"].get<std::string>());
    entries.push_back(
        {{"fullUrl", url}, {"resource", std::move(r)}, {"search", {{"mode", "match"}}}});
  }
  Json links = Json::array(
      {{{"relation", "self"}, {"url", PageUrl(request, base, type, page->count, page->offset)}},
       {{"relation", "first"}, {"url", PageUrl(request, base, type, page->count, 0)}}});
  if (page->offset > 0) {
    const std::size_t previous = page->offset > page->count ? page->offset - page->count : 0;
    links.push_back(
        {{"relation", "previous"}, {"url", PageUrl(request, base, type, page->count, previous)}});
  }
  if (end < total) {
    links.push_back(
        {{"relation", "next"}, {"url", PageUrl(request, base, type, page->count, end)}});
  }
  Json bundle = {{"resourceType", "Bundle"},
                 {"type", "searchset"},
                 {"total", total},
                 {"link", std::move(links)}};
  if (!entries.empty()) bundle["entry"] = std::move(entries);
  return FhirBody(200, bundle);
}

// "Patient/42" (or "42") -> 42; anything else is a bad search parameter.
Or<UserId> SubjectParam(const HttpRequest& request) {
  std::optional<std::string> subject = request.QueryParam("subject");
  if (!subject) subject = request.QueryParam("patient");
  if (!subject || subject->empty()) {
    return Outcome(Error::Field("subject", "is required, as Patient/{id}"));
  }
  const std::optional<std::int64_t> id = FhirReferenceId(*subject, "Patient");
  if (!id) return Outcome(Error::Field("subject", "must be Patient/{id}"));
  return *id;
}

using FhirHandler = std::function<Reply(const HttpRequest&, const Actor&)>;

Handler FhirAuthed(AuthService& auth, FhirHandler handler) {
  return Authed(auth, std::move(handler), [](const Error& e) { return OperationOutcome(e); });
}

}  // namespace

HttpResponse FhirResponse(unsigned status, const Json& resource) {
  return FhirBody(status, resource);
}

std::string FhirBaseUrl(const HttpRequest& request) {
  return BaseUrl(request);
}

Json FhirPatientJson(const User& user, const ClientProfile& profile) {
  return PatientJson(user, profile);
}

Json FhirQuestionnaireResponseJson(const FeedbackResponse& response, UserId patient,
                                   const Instrument* instrument) {
  return QuestionnaireResponseJson(response, patient, instrument);
}

Json FhirScoreObservationJson(const FeedbackResponse& response, const Instrument* instrument,
                              UserId patient) {
  ProgressPoint point;
  point.response_id = response.id;
  point.session_number = response.session_number;
  point.submitted_at = response.submitted_at;
  point.appointment_id = response.appointment_id;
  point.respondent = response.respondent;
  point.total = response.total;
  point.band = response.band;
  const std::string title = instrument != nullptr ? instrument->title : response.instrument;
  return ObservationJson(point, title, TotalCode(instrument, response.instrument, title), patient);
}

HttpResponse FhirOperationOutcome(const Error& error) {
  return OperationOutcome(error);
}

Reply FhirSearchReply(const HttpRequest& request, std::string_view type,
                      std::vector<Json> resources) {
  return SearchReply(request, type, std::move(resources));
}

std::optional<std::int64_t> FhirReferenceId(std::string_view reference, std::string_view type) {
  if (reference.starts_with(type) && reference.substr(type.size()).starts_with('/')) {
    reference.remove_prefix(type.size() + 1);
  }
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(reference.data(), reference.data() + reference.size(), id);
  if (ec != std::errc() || end != reference.data() + reference.size() || id <= 0) {
    return std::nullopt;
  }
  return id;
}

Or<UserId> FhirSubjectParam(const HttpRequest& request) {
  return SubjectParam(request);
}

Handler FhirAuthedRoute(AuthService& auth, ActorHandler handler) {
  return FhirAuthed(auth, std::move(handler));
}

namespace {

// The handlers of AddFhirRoutes, one per route, named for the interaction it answers. A value
// holding references: the services outlive the router.
struct FhirHandlers {
  ClinicService& clinic;
  FeedbackService& feedback;
  const InstrumentCatalog& catalog;
  // Null when the server runs without rooms: no session signals among the Observations.
  RoomService* rooms;
  // Which optional resources the capability statement lists.
  bool with_plans;
  bool with_rooms;
  bool with_practitioners;

  HttpResponse Metadata(const HttpRequest&) const {
    auto read = Json::array({{{"code", "read"}}});
    auto search = Json::array({{{"code", "search-type"}}});
    Json subject = {{"name", "subject"}, {"type", "reference"}};
    Json code = {{"name", "code"}, {"type", "token"}};
    Json statement = {
        {"resourceType", "CapabilityStatement"},
        {"status", "active"},
        {"date", "2026-11-25"},
        {"kind", "instance"},
        {"software", {{"name", "Rapport"}}},
        {"implementation", {{"description", "Rapport formal client feedback (read-only)"}}},
        {"fhirVersion", kFhirVersion},
        {"format", Json::array({"json"})},
        {"rest",
         Json::array(
             {{{"mode", "server"},
               {"resource", Json::array({{{"type", "Questionnaire"}, {"interaction", read}},
                                         {{"type", "Patient"}, {"interaction", read}},
                                         {{"type", "QuestionnaireResponse"},
                                          {"interaction", search},
                                          {"searchParam", Json::array({subject})}},
                                         {{"type", "Observation"},
                                          {"interaction", search},
                                          {"searchParam", Json::array({subject, code})}}})}}})}};
    if (with_plans) {
      Json& resources = statement["rest"][0]["resource"];
      for (Json& r : FhirPlanCapabilities()) resources.push_back(std::move(r));
      statement["implementation"]["description"] =
          "Rapport formal client feedback and treatment plans (read-only)";
    }
    if (with_rooms) statement["rest"][0]["resource"].push_back(FhirEncounterCapability());
    if (with_practitioners) {
      for (Json& r : FhirPractitionerCapabilities()) {
        statement["rest"][0]["resource"].push_back(std::move(r));
      }
    }
    return FhirBody(200, statement);
  }

  // Every questionnaire this server knows, or those whose `url` or `name` (its start, any case)
  // match, by code.
  Reply SearchQuestionnaires(const HttpRequest& request, const Actor&) const {
    const std::optional<std::string> url = request.QueryParam("url");
    std::optional<std::string> name = request.QueryParam("name");
    const auto lower = [](std::string text) {
      std::transform(text.begin(), text.end(), text.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      return text;
    };
    if (name) name = lower(*name);
    std::vector<const Instrument*> found;
    for (const CatalogEntry& entry : catalog.entries()) {
      const Instrument& i = entry.instrument;
      if (!IsFhirId(i.code)) continue;
      if (url && *url != std::string(kRapportQuestionnaireBase) + i.code) continue;
      if (name && !lower(ComputableName(i.code)).starts_with(*name)) continue;
      found.push_back(&i);
    }
    std::sort(found.begin(), found.end(),
              [](const Instrument* a, const Instrument* b) { return a->code < b->code; });
    std::vector<Json> resources;
    for (const Instrument* i : found) resources.push_back(QuestionnaireJson(*i));
    return SearchReply(request, "Questionnaire", std::move(resources));
  }

  Reply ReadQuestionnaire(const HttpRequest& request, const Actor&) const {
    const Instrument* instrument = catalog.Find(request.Param("code"));
    if (instrument == nullptr || !IsFhirId(instrument->code)) {
      return Outcome(Error::NotFound("no such Questionnaire"));
    }
    return FhirBody(200, QuestionnaireJson(*instrument));
  }

  Reply ReadPatient(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return Outcome(Error::NotFound("no such Patient"));
    auto client = clinic.GetClient(actor, *id);
    if (!client) return Outcome(client.error());
    return FhirBody(200, PatientJson(client->user, client->profile));
  }

  Reply SearchQuestionnaireResponses(const HttpRequest& request, const Actor& actor) const {
    auto subject = SubjectParam(request);
    if (!subject) return std::unexpected(std::move(subject.error()));
    auto responses = feedback.ResponsesOfClient(actor, *subject);
    if (!responses) return Outcome(responses.error());
    std::vector<Json> resources;
    for (const FeedbackResponse& r : *responses) {
      resources.push_back(QuestionnaireResponseJson(r, *subject, catalog.Find(r.instrument)));
    }
    return SearchReply(request, "QuestionnaireResponse", std::move(resources));
  }

  Reply SearchObservations(const HttpRequest& request, const Actor& actor) const {
    auto subject = SubjectParam(request);
    if (!subject) return std::unexpected(std::move(subject.error()));
    // code=system|code, or a bare code matching any system.
    std::optional<std::string> want_system, want_code;
    if (auto code = request.QueryParam("code"); code && !code->empty()) {
      const std::size_t bar = code->find('|');
      if (bar == std::string::npos) {
        want_code = *code;
      } else {
        if (bar > 0) want_system = code->substr(0, bar);
        want_code = code->substr(bar + 1);
      }
    }
    auto episodes = feedback.ProgressOfClient(actor, *subject);
    if (!episodes) return Outcome(episodes.error());
    std::vector<Json> resources;
    for (const EpisodeProgress& e : *episodes) {
      for (const QuestionnaireProgress& q : e.questionnaires) {
        const ScoreCode code =
            TotalCode(catalog.Find(q.definition.code), q.definition.code, q.definition.title);
        if (want_system && *want_system != code.system) continue;
        if (want_code && *want_code != code.code) continue;
        for (const ProgressPoint& p : q.points) {
          if (!p.total) continue;
          resources.push_back(ObservationJson(p, q.definition.title, code, *subject));
        }
      }
    }
    if (rooms != nullptr && (!want_system || *want_system == kRapportSignalSystem)) {
      auto sessions = rooms->SignalsOfClient(actor, *subject);
      if (!sessions) return Outcome(sessions.error());
      for (const HeldSignals& session : *sessions) {
        for (Json& o : SignalObservationsJson(session)) {
          if (want_code && o["code"]["coding"][0]["code"] != *want_code) continue;
          resources.push_back(std::move(o));
        }
      }
    }
    return SearchReply(request, "Observation", std::move(resources));
  }
};

}  // namespace

void AddFhirRoutes(Router& router, AuthService& auth, ClinicService& clinic,
                   FeedbackService& feedback, const InstrumentCatalog& catalog, PlanService* plan,
                   RoomService* rooms, MatchingService* matching) {
  if (plan != nullptr) AddFhirPlanRoutes(router, auth, clinic, *plan, catalog);
  if (rooms != nullptr) AddFhirEncounterRoutes(router, auth, *rooms);
  if (matching != nullptr) AddFhirPractitionerRoutes(router, auth, *matching);
  using H = FhirHandlers;
  const H h{clinic,
            feedback,
            catalog,
            rooms,
            /*with_plans=*/plan != nullptr,
            /*with_rooms=*/rooms != nullptr,
            /*with_practitioners=*/matching != nullptr};
  // What this server can do; public, as FHIR clients read it before signing in.
  router.Add("GET", "/fhir/metadata", Bind(h, &H::Metadata));
  router.Add("GET", "/fhir/Questionnaire", FhirAuthed(auth, Bind(h, &H::SearchQuestionnaires)));
  router.Add("GET", "/fhir/Questionnaire/{code}", FhirAuthed(auth, Bind(h, &H::ReadQuestionnaire)));
  router.Add("GET", "/fhir/Patient/{id}", FhirAuthed(auth, Bind(h, &H::ReadPatient)));
  router.Add("GET", "/fhir/QuestionnaireResponse",
             FhirAuthed(auth, Bind(h, &H::SearchQuestionnaireResponses)));
  router.Add("GET", "/fhir/Observation", FhirAuthed(auth, Bind(h, &H::SearchObservations)));
}

}  // namespace rapport
