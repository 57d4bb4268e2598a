#include "http/feedback_api.h"

#include <fmt/format.h>

#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "http/route_support.h"
#include "http/safety_api.h"
#include "service/actor.h"
#include "service/auth_service.h"
#include "service/feedback_service.h"

namespace rapport {

namespace {

// When the questionnaire is asked; a definition that does not say is asked after the session.
Json TimingJson(const std::optional<Timing>& timing) {
  const Timing t = timing.value_or(Timing{});
  Json out = {{"ask", std::string(ToString(t.ask))}};
  if (t.opens_hours_before) out["opens_hours_before"] = *t.opens_hours_before;
  return out;
}

Json InstrumentSummaryJson(const Instrument& instrument) {
  return {{"code", instrument.code},
          {"title", instrument.title},
          {"plain_title", instrument.PlainTitle()},
          {"purpose", std::string(ToString(instrument.purpose))},
          {"respondents", instrument.respondents},
          {"validated", instrument.validated},
          {"version", instrument.version},
          {"timing", TimingJson(instrument.timing)}};
}

Json AssignedJson(const std::vector<AssignedInstrument>& list) {
  Json out = Json::array();
  for (const AssignedInstrument& a : list) {
    out.push_back({{"code", a.code},
                   {"title", a.title},
                   {"plain_title", a.plain_title},
                   {"purpose", std::string(ToString(a.purpose))},
                   {"respondent", std::string(ToString(a.respondent))},
                   {"schedule", ScheduleToJson(a.schedule)},
                   {"schedule_words", Describe(a.schedule)},
                   {"chosen_schedule", a.chosen_schedule},
                   {"due", a.due},
                   {"session_id", a.session_id ? Json(*a.session_id) : Json()}});
  }
  return out;
}

Json ScalesJson(const std::vector<ScaleScore>& scales, const std::string& total_scale) {
  Json out = Json::object();
  for (const ScaleScore& s : scales) {
    if (s.id == total_scale) continue;
    out[s.id] = OptionalNumber(s.score);
  }
  return out;
}

Json SubmitJson(const SubmitResult& result) {
  Json alerts = Json::array();
  for (const AlertView& a : result.raised) alerts.push_back(AlertJson(a));
  const ScoreResult& s = result.score;
  return {{"response",
           {{"id", result.response.id},
            {"instrument", result.response.instrument},
            {"submitted_at", FormatIso8601(result.response.submitted_at)},
            {"session_number", result.response.session_number}}},
          {"scores",
           {{"total", OptionalNumber(s.total)},
            {"subscales", ScalesJson(s.scales, s.total_scale)},
            {"band", OptionalText(s.band)},
            {"risk", s.risk},
            {"missing", s.missing}}},
          {"change", result.change ? ChangeResultToJson(*result.change) : Json(nullptr)},
          {"alerts", std::move(alerts)},
          {"crisis", result.crisis ? HelpJson(*result.crisis) : Json(nullptr)}};
}

// The body of a submission; field errors name the JSON keys the client sent.
Or<SubmitRequest> ReadSubmit(const HttpRequest& request, bool with_respondent) {
  auto body = ReadJsonObject(request);
  if (!body) return std::unexpected(std::move(body.error()));
  JsonObjectReader reader(*body);
  SubmitRequest submit;
  auto instrument = reader.RequiredString("instrument", 64);
  std::optional<std::string> respondent;
  if (with_respondent) respondent = reader.RequiredString("respondent", 32);
  std::optional<std::int64_t> appointment;
  if (with_respondent) appointment = reader.OptionalInt("appointment_id");
  const Json* answers = reader.Required("answers");
  if (answers != nullptr && !answers->is_object()) {
    reader.AddError("answers", "must be an object of item id to answer");
  }
  if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
  // Finish() succeeded, so the required fields are present.
  submit.instrument = instrument.value_or("");
  submit.respondent = respondent.value_or("client");
  submit.answers = *answers;
  submit.appointment_id = appointment;
  return submit;
}

// A draft's body: {"answers": {"CODE/item": value}}.
Or<Json> ReadDraftAnswers(const HttpRequest& request) {
  auto body = ReadJsonObject(request);
  if (!body) return std::unexpected(std::move(body.error()));
  JsonObjectReader reader(*body);
  const Json* answers = reader.Required("answers");
  if (answers != nullptr && !answers->is_object()) {
    reader.AddError("answers", "must be an object of \"QUESTIONNAIRE/item\" to answer");
  }
  if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
  return *answers;
}

Json DraftJson(const FeedbackDraftView& draft) {
  return {{"answers", draft.answers},
          {"updated_at", OptionalTime(draft.updated_at)},
          {"crisis", draft.crisis ? HelpJson(*draft.crisis) : Json(nullptr)}};
}

Json ProgressJson(const EpisodeProgress& progress) {
  Json instruments = Json::array();
  for (const QuestionnaireProgress& q : progress.questionnaires) {
    const QuestionnaireSummary& d = q.definition;
    Json points = Json::array();
    for (const ProgressPoint& p : q.points) {
      Json subscales = Json::object();
      for (const ScaleScore& s : p.subscales) subscales[s.id] = OptionalNumber(s.score);
      points.push_back(
          {{"response_id", p.response_id},
           {"session_number", p.session_number},
           {"submitted_at", FormatIso8601(p.submitted_at)},
           {"appointment_id", p.appointment_id ? Json(*p.appointment_id) : Json()},
           {"respondent", std::string(ToString(p.respondent))},
           {"guardian",
            p.guardian_id ? Json{{"id", *p.guardian_id}, {"name", p.guardian_name}} : Json()},
           {"total", OptionalNumber(p.total)},
           {"band", OptionalText(p.band)},
           {"subscales", std::move(subscales)}});
    }
    Json expected = nullptr;
    if (q.expected_source != TrajectorySource::kNone && !q.expected.empty()) {
      Json list = Json::array();
      for (const TrajectoryPoint& t : q.expected) {
        list.push_back({{"session", t.session},
                        {"expected", t.expected},
                        {"lower", t.lower},
                        {"upper", t.upper}});
      }
      expected = {{"source", std::string(ToString(q.expected_source))}, {"points", list}};
    }
    instruments.push_back(
        {{"code", d.code},
         {"title", d.title},
         {"plain_title", d.plain_title},
         {"purpose", std::string(ToString(d.purpose))},
         {"min", d.min},
         {"max", d.max},
         {"cutoff", OptionalNumber(d.cutoff)},
         {"higher_is", d.direction == Direction::kHigherIsBetter ? "better" : "worse"},
         {"reliable_threshold", OptionalNumber(d.reliable_threshold)},
         {"points", std::move(points)},
         {"change", q.change ? ChangeResultToJson(*q.change) : Json(nullptr)},
         {"expected", std::move(expected)},
         {"plain_words", q.plain_words}});
  }
  Json alerts = Json::array();
  for (const AlertView& a : progress.alerts) alerts.push_back(AlertJson(a));
  Json recovery = nullptr;
  if (const auto& r = progress.recovery) {
    recovery = {{"case_at_start", r->case_at_start},
                {"below_caseness_at_end", r->below_caseness_at_end},
                {"reliably_improved", r->reliably_improved},
                {"reliably_deteriorated", r->reliably_deteriorated},
                {"reliable_recovery", r->reliable_recovery}};
  }
  return {{"episode_id", progress.episode_id},   {"client_id", progress.client_id},
          {"client_name", progress.client_name}, {"instruments", std::move(instruments)},
          {"alerts", std::move(alerts)},         {"summary", progress.summary},
          {"recovery", std::move(recovery)}};
}

// The label of the option a value chose, for choice items.
Json OptionLabel(const Item& item, const Json& value) {
  if (!value.is_number()) return nullptr;
  const double v = value.get<double>();
  for (const ResponseOption& o : item.options) {
    if (o.value == v) return o.label;
  }
  return nullptr;
}

Json ResponseDetailJson(const FeedbackResponse& response, const Instrument* instrument) {
  auto answers = ParseJson(response.answers_json);
  const Json stored = answers && answers->is_object() ? *answers : Json::object();
  Json items = Json::array();
  if (instrument != nullptr) {
    for (const Item& item : instrument->items) {
      const Json value = stored.contains(item.id) ? stored[item.id] : Json(nullptr);
      items.push_back({{"id", item.id},
                       {"text", item.text},
                       {"value", value},
                       {"label", OptionLabel(item, value)}});
    }
  } else {
    // A definition no longer loaded: the stored answers are still shown, without wording.
    for (const auto& [id, value] : stored.items()) {
      items.push_back({{"id", id}, {"text", ""}, {"value", value}, {"label", nullptr}});
    }
  }
  return {{"id", response.id},
          {"instrument", response.instrument},
          {"version", response.instrument_version},
          {"respondent", std::string(ToString(response.respondent))},
          {"submitted_at", FormatIso8601(response.submitted_at)},
          {"session_number", response.session_number},
          {"total", OptionalNumber(response.total)},
          {"band", OptionalText(response.band)},
          {"items", std::move(items)}};
}

std::optional<double> RapportMax(const InstrumentCatalog& catalog) {
  const Instrument* rc = catalog.Find("RAPPORT-CHECK");
  return rc != nullptr ? std::optional<double>(rc->TotalScale().max_score) : std::nullopt;
}

Json DashboardRowJson(const DashboardRow& r, std::optional<double> rapport_max) {
  Json last_outcome = nullptr;
  if (!r.outcome_instrument.empty() && r.last_outcome_total) {
    last_outcome = {{"code", r.outcome_instrument},
                    {"total", *r.last_outcome_total},
                    {"band", OptionalText(r.last_outcome_band)}};
  }
  Json last_rapport = nullptr;
  if (r.last_rapport_total) {
    last_rapport = {{"total", *r.last_rapport_total}, {"max", OptionalNumber(rapport_max)}};
  }
  return {{"client_id", r.client_id},
          {"client_name", r.client_name},
          {"episode_id", r.episode_id},
          {"episode_status", std::string(ToString(r.episode_status))},
          {"therapist_id", r.therapist_id},
          {"therapist_name", r.therapist_name},
          {"open_alerts", r.open_alerts},
          {"top_severity",
           r.top_severity ? Json(std::string(ToString(*r.top_severity))) : Json(nullptr)},
          {"last_outcome", std::move(last_outcome)},
          {"last_rapport", std::move(last_rapport)},
          {"outcome_trend", r.outcome_trend},
          {"rapport_trend", r.rapport_trend},
          {"last_feedback_at", OptionalTime(r.last_feedback_at)},
          {"next_appointment_at", OptionalTime(r.next_appointment_at)},
          {"plan_status", r.plan_status},
          {"plan_review_due", r.plan_review_due}};
}

Json DashboardJson(const std::vector<DashboardRow>& rows, const InstrumentCatalog& catalog) {
  const std::optional<double> rapport_max = RapportMax(catalog);
  Json clients = Json::array();
  for (const DashboardRow& r : rows) clients.push_back(DashboardRowJson(r, rapport_max));
  return {{"clients", std::move(clients)}};
}

// Everything the caseload page shows, one client a line.
Json CaseloadJson(const std::vector<CaseloadClient>& rows, const InstrumentCatalog& catalog) {
  const std::optional<double> rapport_max = RapportMax(catalog);
  Json clients = Json::array();
  for (const CaseloadClient& c : rows) {
    const Episode& e = c.episode;
    Json next = nullptr;
    if (c.next_appointment) {
      const Appointment& a = *c.next_appointment;
      next = {{"id", a.id},
              {"episode_id", a.episode_id},
              {"starts_at", FormatIso8601(a.starts_at)},
              {"duration_minutes", a.duration_minutes},
              {"modality", std::string(ToString(a.modality))},
              {"status", std::string(ToString(a.status))}};
    }
    clients.push_back(
        {{"client",
          {{"id", c.client_id}, {"display_name", c.display_name}, {"is_minor", c.is_minor}}},
         {"episode",
          {{"id", e.id},
           {"status", std::string(ToString(e.status))},
           {"therapist_id", e.therapist_id},
           {"therapist_name", c.therapist_name},
           {"started_at", FormatIso8601(e.started_at)},
           {"ended_at", OptionalTime(e.ended_at)}}},
         {"next_appointment", std::move(next)},
         {"feedback", c.feedback ? DashboardRowJson(*c.feedback, rapport_max) : Json(nullptr)}});
  }
  return {{"clients", std::move(clients)}};
}

std::string FirstName(const std::string& name) {
  const std::size_t space = name.find(' ');
  return space == std::string::npos ? name : name.substr(0, space);
}

}  // namespace

Json AlertJson(const AlertView& view) {
  const FeedbackAlert& a = view.alert;
  return {{"id", a.id},
          {"episode_id", a.episode_id},
          {"client_id", view.client_id},
          {"client_name", view.client_name},
          {"therapist_id", view.therapist_id},
          {"response_id", a.response_id ? Json(*a.response_id) : Json(nullptr)},
          {"kind", std::string(ToString(a.kind))},
          {"severity", std::string(ToString(a.severity))},
          {"title", a.title},
          {"explanation", a.explanation},
          {"next_step", a.next_step},
          {"state", std::string(ToString(a.state))},
          {"created_at", FormatIso8601(a.raised_at)},
          {"acknowledged_at", OptionalTime(a.acknowledged_at)},
          {"acknowledged_by", a.acknowledged_by ? Json(*a.acknowledged_by) : Json(nullptr)},
          {"acknowledge_note", OptionalText(a.acknowledge_note)},
          {"resolved_at", OptionalTime(a.resolved_at)},
          {"resolved_by", a.resolved_by ? Json(*a.resolved_by) : Json(nullptr)},
          {"resolve_note", OptionalText(a.resolve_note)},
          {"therapist_name", OptionalText(view.therapist_name)},
          {"acknowledged_by_name", OptionalText(view.acknowledged_by_name)},
          {"resolved_by_name", OptionalText(view.resolved_by_name)}};
}

namespace {

using AlertChange =
    std::function<Result<AlertView>(const Actor&, AlertId, const std::optional<std::string>& note)>;

// Acknowledging or resolving alert {id}: a body that is empty or holds an optional "note".
Handler AlertChangeRoute(AuthService& auth, AlertChange change) {
  return IdRoute(auth,
                 [change = std::move(change)](const HttpRequest& request, const Actor& actor,
                                              AlertId id) -> Reply {
                   auto body = ReadJsonObject(request, /*allow_empty=*/true);
                   if (!body) return std::unexpected(std::move(body.error()));
                   JsonObjectReader reader(*body);
                   auto note = reader.OptionalString("note", 4000);
                   if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                   return Respond(200, change(actor, id, note), AlertJson);
                 });
}

// One handler per route, named for what it answers. A value holding references: the services
// outlive the router.
struct FeedbackHandlers {
  FeedbackService& feedback;
  const InstrumentCatalog& catalog;

  Reply ListInstruments(const HttpRequest&, const Actor&) const {
    Json out = Json::array();
    for (const CatalogEntry& e : catalog.entries())
      out.push_back(InstrumentSummaryJson(e.instrument));
    return HttpResponse::JsonBody(200, out);
  }

  Reply GetInstrument(const HttpRequest& request, const Actor&) const {
    const Instrument* instrument = catalog.Find(request.Param("code"));
    if (instrument == nullptr) return ErrorReply(Error::NotFound("no such questionnaire"));
    return HttpResponse::JsonBody(200, InstrumentToJson(*instrument));
  }

  // `?appointment=N`: which are due for that session (default: now).
  Reply AssignedInstruments(const HttpRequest& request, const Actor& actor, EpisodeId id) const {
    std::optional<AppointmentId> appointment;
    if (const auto text = request.QueryParam("appointment"); text) {
      AppointmentId parsed = 0;
      const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), parsed);
      if (ec != std::errc() || end != text->data() + text->size() || parsed <= 0) {
        return ErrorReply(
            Error::Field("appointment", "must be an appointment id (a whole number)"));
      }
      appointment = parsed;
    }
    return Respond(200, feedback.AssignedInstruments(actor, id, appointment), AssignedJson);
  }

  // The therapist assigns a questionnaire and says how often it is asked:
  // {"respondent": "client", "schedule": {"every_weeks": 2} | ... | null (its default)}.
  Reply AssignInstrument(const HttpRequest& request, const Actor& actor, EpisodeId id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    auto respondent = reader.RequiredString("respondent", 32);
    const Json* schedule_json = reader.Optional("schedule");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    std::optional<std::optional<Schedule>> schedule;
    if (schedule_json != nullptr) {
      if (schedule_json->is_null()) {
        schedule = std::optional<Schedule>();
      } else {
        auto parsed = ScheduleFromJson(*schedule_json, "schedule/");
        if (!parsed) return ErrorReply(parsed.error());
        schedule = std::optional<Schedule>(*parsed);
      }
    }
    return Respond(200,
                   feedback.AssignInstrument(actor, id, std::string(request.Param("code")),
                                             *respondent, schedule),
                   AssignedJson);
  }

  Reply SubmitResponse(const HttpRequest& request, const Actor& actor, EpisodeId id) const {
    auto submit = ReadSubmit(request, /*with_respondent=*/true);
    if (!submit) return std::unexpected(std::move(submit.error()));
    return Respond(201, feedback.SubmitResponse(actor, id, *submit), SubmitJson);
  }

  Reply Progress(const HttpRequest&, const Actor& actor, EpisodeId id) const {
    return Respond(200, feedback.Progress(actor, id), ProgressJson);
  }

  Reply GetResponse(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto response_id = PathId(request, "response");
    if (!response_id) return std::unexpected(std::move(response_id.error()));
    auto response = feedback.GetResponse(actor, *response_id);
    if (!response) return ErrorReply(response.error());
    // A response reached through another episode's path names no record there.
    if (response->episode_id != *id) return ErrorReply(Error::NotFound("no such record"));
    return HttpResponse::JsonBody(
        200, ResponseDetailJson(*response, catalog.Find(response->instrument)));
  }

  // Answers in progress, the author's own: restored after a refresh, a sign-out or on another
  // device.
  Reply GetDraft(const HttpRequest&, const Actor& actor, EpisodeId id) const {
    return Respond(200, feedback.GetDraft(actor, id), DraftJson);
  }

  Reply SaveDraft(const HttpRequest& request, const Actor& actor, EpisodeId id) const {
    auto answers = ReadDraftAnswers(request);
    if (!answers) return std::unexpected(std::move(answers.error()));
    return Respond(200, feedback.SaveDraft(actor, id, *answers), DraftJson);
  }

  Reply ExportCsv(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto csv = feedback.ExportEpisodeCsv(actor, *id);
    if (!csv) return ErrorReply(csv.error());
    return Download("text/csv; charset=utf-8", std::move(*csv), fmt::format("episode-{}.csv", *id));
  }

  Reply ListAlerts(const HttpRequest& request, const Actor& actor) const {
    std::optional<AlertState> state;
    if (auto text = request.QueryParam("state"); text && !text->empty()) {
      auto parsed = ParseAlertState(*text);
      if (!parsed) {
        return ErrorReply(Error::Field("state", "must be one of open, acknowledged, resolved"));
      }
      state = *parsed;
    }
    auto list = feedback.ListAlerts(actor, state);
    if (!list) return ErrorReply(list.error());
    Json out = Json::array();
    for (const AlertView& a : *list) out.push_back(AlertJson(a));
    return HttpResponse::JsonBody(200, out);
  }

  // The service names "note" when acknowledging without one.
  Result<AlertView> Acknowledge(const Actor& actor, AlertId id,
                                const std::optional<std::string>& note) const {
    return feedback.Acknowledge(actor, id, note.value_or(""));
  }

  Result<AlertView> Resolve(const Actor& actor, AlertId id,
                            const std::optional<std::string>& note) const {
    return feedback.Resolve(actor, id, note);
  }

  Reply Dashboard(const HttpRequest&, const Actor& actor) const {
    auto rows = feedback.Dashboard(actor);
    if (!rows) return ErrorReply(rows.error());
    return HttpResponse::JsonBody(200, DashboardJson(*rows, catalog));
  }

  Reply Caseload(const HttpRequest&, const Actor& actor) const {
    auto rows = feedback.Caseload(actor);
    if (!rows) return ErrorReply(rows.error());
    return HttpResponse::JsonBody(200, CaseloadJson(*rows, catalog));
  }

  // {"guardian_id": N}: a link for that parent or carer; none: for the client.
  Reply CreateFeedbackLink(const HttpRequest& request, const Actor& actor) const {
    auto id = PathId(request);
    if (!id) return std::unexpected(std::move(id.error()));
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    std::optional<UserId> guardian_id;
    JsonObjectReader reader(*body);
    if (const Json* g = reader.Optional("guardian_id"); g != nullptr) {
      if (g->is_number_integer() && g->get<std::int64_t>() > 0) {
        guardian_id = g->get<UserId>();
      } else if (!g->is_null()) {
        reader.AddError("guardian_id", "must be a user id");
      }
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto link = feedback.CreateFeedbackLink(actor, *id, guardian_id);
    if (!link) return ErrorReply(link.error());
    // A path, not an absolute URL: a forged Host header cannot redirect it.
    return HttpResponse::JsonBody(
        201, {{"url", link->path}, {"expires_at", FormatIso8601(link->expires_at)}});
  }

  Reply PeekFeedbackLink(const HttpRequest& request) const {
    auto info = feedback.PeekFeedbackLink(std::string(request.Param("token")));
    if (!info) return ErrorReply(info.error());
    Json instruments = Json::array();
    for (const AssignedInstrument& a : info->pending) {
      if (const Instrument* i = catalog.Find(a.code); i != nullptr) {
        instruments.push_back(InstrumentToJson(*i));
      }
    }
    return HttpResponse::JsonBody(
        200, {{"client_first_name", FirstName(info->client_name)},
              {"respondent", std::string(ToString(info->respondent))},
              {"guardian_name", OptionalText(info->guardian_name)},
              {"therapist_name", info->therapist_name},
              {"clinic_name", info->clinic_name},
              {"appointment_starts_at", FormatIso8601(info->appointment_starts_at)},
              {"expires_at", FormatIso8601(info->expires_at)},
              {"instruments", std::move(instruments)}});
  }

  // The link's draft: the token is the credential, as for its responses.
  Reply GetDraftViaLink(const HttpRequest& request) const {
    return Respond(200, feedback.GetDraftViaLink(std::string(request.Param("token"))), DraftJson);
  }

  Reply SaveDraftViaLink(const HttpRequest& request) const {
    auto answers = ReadDraftAnswers(request);
    if (!answers) return std::unexpected(std::move(answers.error()));
    return Respond(200, feedback.SaveDraftViaLink(std::string(request.Param("token")), *answers),
                   DraftJson);
  }

  // No session and no CSRF token: the single-use, expiring token in the path is the credential,
  // and it can only add a response to its own appointment.
  Reply SubmitViaLink(const HttpRequest& request) const {
    auto submit = ReadSubmit(request, /*with_respondent=*/false);
    if (!submit) return std::unexpected(std::move(submit.error()));
    auto result = feedback.SubmitViaLink(std::string(request.Param("token")), *submit,
                                         request.remote_address);
    if (!result) return ErrorReply(result.error());
    return HttpResponse::JsonBody(
        201, {{"crisis", result->crisis ? HelpJson(*result->crisis) : Json(nullptr)},
              {"response",
               {{"id", result->response.id},
                {"instrument", result->response.instrument},
                {"submitted_at", FormatIso8601(result->response.submitted_at)}}}});
  }
};

}  // namespace

void AddFeedbackRoutes(Router& router, AuthService& auth, FeedbackService& feedback,
                       const InstrumentCatalog& catalog) {
  using H = FeedbackHandlers;
  const H h{feedback, catalog};
  // Definitions are published questionnaire wording, not clinical data: any signed-in user.
  router.Add("GET", "/api/v1/instruments", Authed(auth, Bind(h, &H::ListInstruments)));
  router.Add("GET", "/api/v1/instruments/{code}", Authed(auth, Bind(h, &H::GetInstrument)));

  router.Add("GET", "/api/v1/episodes/{id}/instruments",
             IdRoute(auth, Bind(h, &H::AssignedInstruments)));
  router.Add("PUT", "/api/v1/episodes/{id}/instruments/{code}",
             IdRoute(auth, Bind(h, &H::AssignInstrument)));
  router.Add("POST", "/api/v1/episodes/{id}/responses", IdRoute(auth, Bind(h, &H::SubmitResponse)));
  router.Add("GET", "/api/v1/episodes/{id}/progress", IdRoute(auth, Bind(h, &H::Progress)));
  router.Add("GET", "/api/v1/episodes/{id}/responses/{response}",
             Authed(auth, Bind(h, &H::GetResponse)));
  router.Add("GET", "/api/v1/episodes/{id}/feedback-draft", IdRoute(auth, Bind(h, &H::GetDraft)));
  router.Add("PUT", "/api/v1/episodes/{id}/feedback-draft", IdRoute(auth, Bind(h, &H::SaveDraft)));
  router.Add("GET", "/api/v1/episodes/{id}/export.csv", Authed(auth, Bind(h, &H::ExportCsv)));

  router.Add("GET", "/api/v1/alerts", Authed(auth, Bind(h, &H::ListAlerts)));
  router.Add("POST", "/api/v1/alerts/{id}/acknowledge",
             AlertChangeRoute(auth, Bind(h, &H::Acknowledge)));
  router.Add("POST", "/api/v1/alerts/{id}/resolve", AlertChangeRoute(auth, Bind(h, &H::Resolve)));

  router.Add("GET", "/api/v1/dashboard", Authed(auth, Bind(h, &H::Dashboard)));
  router.Add("GET", "/api/v1/caseload", Authed(auth, Bind(h, &H::Caseload)));

  router.Add("POST", "/api/v1/appointments/{id}/feedback-link",
             Authed(auth, Bind(h, &H::CreateFeedbackLink)));
  router.Add("GET", "/api/v1/feedback-links/{token}", Public(Bind(h, &H::PeekFeedbackLink)));
  router.Add("GET", "/api/v1/feedback-links/{token}/draft", Public(Bind(h, &H::GetDraftViaLink)));
  router.Add("PUT", "/api/v1/feedback-links/{token}/draft", Public(Bind(h, &H::SaveDraftViaLink)));
  router.Add("POST", "/api/v1/feedback-links/{token}/responses",
             Public(Bind(h, &H::SubmitViaLink)));
}

}  // namespace rapport
