#include "http/matching_api.h"

#include <fmt/format.h>

#include "core/csv.h"
#include "domain/messaging.h"
#include "http/route_support.h"
#include "service/matching_service.h"

namespace rapport {

namespace {

Json OfferFor(const TherapistOffer& offer, const Actor& actor) {
  return actor.role == Role::kClient || actor.role == Role::kGuardian ? OfferToClientJson(offer)
                                                                      : OfferToJson(offer);
}

Json RateJson(const std::optional<RateFigure>& figure) {
  if (!figure) return nullptr;
  return {{"events", figure->events},
          {"n", figure->n},
          {"raw", figure->shrunk.raw},
          {"estimate", figure->shrunk.estimate},
          {"lower", figure->shrunk.lower},
          {"upper", figure->shrunk.upper},
          {"standard_error", figure->shrunk.standard_error}};
}

Json MeanJson(const std::optional<MeanFigure>& figure) {
  if (!figure) return nullptr;
  return {{"n", figure->n},
          {"raw", figure->shrunk.raw},
          {"estimate", figure->shrunk.estimate},
          {"weight", figure->shrunk.weight},
          {"standard_error", figure->shrunk.standard_error}};
}

std::string TherapistName(const OutcomeReportView& view, std::int64_t id) {
  if (id == 0) return "The clinic";
  const auto name = view.therapist_names.find(id);
  return name == view.therapist_names.end() ? std::string() : name->second;
}

std::string Cell(double value) {
  return fmt::format("{:.4f}", value);
}

// The limit of matches asked for: 1 to 50, 3 unless given.
Or<int> LimitParam(const HttpRequest& request) {
  auto limit = QueryInt(request, "limit", 3);
  if (!limit) return std::unexpected(std::move(limit.error()));
  if (*limit < 1 || *limit > 50) {
    return ErrorReply(Error::Field("limit", "must be a whole number from 1 to 50"));
  }
  return static_cast<int>(*limit);
}

}  // namespace

Json MatchesJson(const MatchesView& view, const Actor& actor) {
  Json out = MatchResultToJson(view.result);
  for (Json& match : out["matches"]) {
    const auto offer = view.offers.find(match["therapist_id"].get<UserId>());
    if (offer != view.offers.end()) match["offer"] = OfferFor(offer->second, actor);
    // Clients never see a league table, not even one number of it.
    if (!view.show_outcome) match.erase("outcome");
  }
  return out;
}

Json OutcomeReportJson(const OutcomeReportView& view) {
  Json rows = Json::array();
  Json domains = Json::array();
  for (const OutcomeRow& row : view.report.rows) {
    if (domains.empty() || domains.back() != row.domain) domains.push_back(row.domain);
    rows.push_back({{"therapist_id", row.therapist_id},
                    {"therapist", TherapistName(view, row.therapist_id)},
                    {"domain", row.domain},
                    {"ended", row.ended},
                    {"measured", row.measured},
                    {"improvement", RateJson(row.improvement)},
                    {"deterioration", RateJson(row.deterioration)},
                    {"dropout", RateJson(row.dropout)},
                    {"change", MeanJson(row.change)}});
  }
  return {{"min_episodes", view.report.min_episodes},
          {"domains", std::move(domains)},
          {"rows", std::move(rows)}};
}

std::string OutcomeReportCsv(const OutcomeReportView& view) {
  std::string out =
      "domain,therapist_id,therapist,ended,measured,"
      "improvement_events,improvement_n,improvement_raw,improvement_estimate,improvement_lower,"
      "improvement_upper,deterioration_events,deterioration_n,deterioration_raw,"
      "deterioration_estimate,deterioration_lower,deterioration_upper,dropout_events,dropout_n,"
      "dropout_raw,dropout_estimate,dropout_lower,dropout_upper,change_n,change_raw,"
      "change_estimate,change_standard_error\r\n";
  const auto rate = [](const std::optional<RateFigure>& f) -> std::string {
    if (!f) return ",,,,,";
    return fmt::format("{},{},{},{},{},{}", f->events, f->n, Cell(f->shrunk.raw),
                       Cell(f->shrunk.estimate), Cell(f->shrunk.lower), Cell(f->shrunk.upper));
  };
  for (const OutcomeRow& row : view.report.rows) {
    std::string change = ",,,";
    if (row.change) {
      change =
          fmt::format("{},{},{},{}", row.change->n, Cell(row.change->shrunk.raw),
                      Cell(row.change->shrunk.estimate), Cell(row.change->shrunk.standard_error));
    }
    out += fmt::format("{},{},{},{},{},{},{},{},{}\r\n", CsvField(row.domain), row.therapist_id,
                       CsvField(TherapistName(view, row.therapist_id)), row.ended, row.measured,
                       rate(row.improvement), rate(row.deterioration), rate(row.dropout), change);
  }
  return out;
}

namespace {

// The handlers of AddMatchingRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct MatchingHandlers {
  MatchingService& matching;

  // Every active therapist's offer in one answer, so that a list of therapists is one request.
  Reply ListOffers(const HttpRequest&, const Actor& actor) const {
    return Respond(200, matching.Offers(actor), [&](const std::vector<TherapistOffer>& offers) {
      Json out = Json::array();
      for (const TherapistOffer& o : offers) {
        out.push_back(OfferFor(o, actor));
      }
      return Json{{"offers", std::move(out)}};
    });
  }

  Reply GetOffer(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, matching.Offer(actor, id),
                   [&](const TherapistOffer& o) { return OfferFor(o, actor); });
  }

  Reply PutOffer(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto offer = OfferFromJson(*body);
    if (!offer) return ErrorReply(offer.error());
    return Respond(200, matching.SaveOffer(actor, id, std::move(*offer)),
                   [](const TherapistOffer& o) { return OfferToJson(o); });
  }

  Reply VerifyOffer(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto verified = reader.OptionalBool("verified");
    if (!verified && !reader.HasErrors()) {
      reader.AddError("verified", "is required (true or false)");
    }
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(200, matching.VerifyLicence(actor, id, *verified),
                   [](const TherapistOffer& o) { return OfferToJson(o); });
  }

  Reply GetPreferences(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, matching.Preferences(actor, id), PreferencesToJson);
  }

  Reply Matches(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto limit = LimitParam(request);
    if (!limit) return std::unexpected(std::move(limit.error()));
    return Respond(200, matching.Matches(actor, id, *limit),
                   [&](const MatchesView& v) { return MatchesJson(v, actor); });
  }

  Reply GetFirstStep(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, matching.GetFirstStep(actor, id), FirstStepToJson);
  }

  Reply PutFirstStep(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto step = FirstStepFromJson(*body);
    if (!step) return ErrorReply(step.error());
    return Respond(200, matching.SaveFirstStep(actor, id, std::move(*step)), FirstStepToJson);
  }

  Reply OutcomeReport(const HttpRequest& request, const Actor& actor) const {
    const std::optional<std::string> format = request.QueryParam("format");
    if (format && *format != "csv" && *format != "json") {
      return ErrorReply(Error::Field("format", "must be csv or json"));
    }
    auto view = matching.Outcomes(actor);
    if (!view) return ErrorReply(view.error());
    if (!format || *format == "json") {
      return HttpResponse::JsonBody(200, OutcomeReportJson(*view));
    }
    return Download("text/csv; charset=utf-8", OutcomeReportCsv(*view), "outcome-report.csv");
  }

  Reply PutPreferences(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto preferences = PreferencesFromJson(*body);
    if (!preferences) return ErrorReply(preferences.error());
    return Respond(200, matching.SavePreferences(actor, id, std::move(*preferences)),
                   PreferencesToJson);
  }

  Reply BookFirstAppointment(const HttpRequest& request, const Actor& actor,
                             std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto therapist = reader.RequiredInt("therapist_id");
    const auto note = reader.OptionalString("note", 4 * kMaxMessageChars);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201, matching.AskForFirstAppointment(actor, id, *therapist, note.value_or("")),
                   [](const Episode& e) {
                     return Json{{"episode_id", e.id},
                                 {"therapist_id", e.therapist_id},
                                 {"status", std::string(ToString(e.status))}};
                   });
  }
};

}  // namespace

void AddMatchingRoutes(Router& router, AuthService& auth, MatchingService& matching) {
  using H = MatchingHandlers;
  const H h{matching};
  router.Add("GET", "/api/v1/therapists/offers", Authed(auth, Bind(h, &H::ListOffers)));
  router.Add("GET", "/api/v1/therapists/{id}/offer", IdRoute(auth, Bind(h, &H::GetOffer)));
  router.Add("PUT", "/api/v1/therapists/{id}/offer", IdRoute(auth, Bind(h, &H::PutOffer)));
  router.Add("POST", "/api/v1/therapists/{id}/offer/verification",
             IdRoute(auth, Bind(h, &H::VerifyOffer)));
  router.Add("GET", "/api/v1/clients/{id}/preferences", IdRoute(auth, Bind(h, &H::GetPreferences)));
  router.Add("PUT", "/api/v1/clients/{id}/preferences", IdRoute(auth, Bind(h, &H::PutPreferences)));
  router.Add("GET", "/api/v1/clients/{id}/matches", IdRoute(auth, Bind(h, &H::Matches)));
  router.Add("POST", "/api/v1/clients/{id}/first-appointment",
             IdRoute(auth, Bind(h, &H::BookFirstAppointment)));
  router.Add("GET", "/api/v1/clients/{id}/first-step", IdRoute(auth, Bind(h, &H::GetFirstStep)));
  router.Add("PUT", "/api/v1/clients/{id}/first-step", IdRoute(auth, Bind(h, &H::PutFirstStep)));
  router.Add("GET", "/api/v1/reports/outcomes", Authed(auth, Bind(h, &H::OutcomeReport)));
}

}  // namespace rapport
