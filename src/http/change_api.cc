#include "http/change_api.h"

#include <utility>

#include "domain/handover.h"
#include "domain/rupture.h"
#include "http/route_support.h"
#include "service/auth_service.h"
#include "service/change_service.h"
#include "service/rupture_service.h"
#include "service/support_service.h"

namespace rapport {

namespace {

Json ChangeJson(const ChangeView& v) {
  const TherapistChange& c = v.change;
  Json out = {{"id", c.id},
              {"episode_id", c.episode_id},
              {"client_id", c.client_id},
              {"client_name", v.client_name},
              {"from_therapist_id", c.from_therapist_id},
              {"from_therapist_name", v.from_therapist_name},
              {"kind", std::string(ToString(c.kind))},
              {"requested_by_name", v.requested_by_name},
              {"requested_at", FormatIso8601(c.requested_at)},
              {"reason", c.reason},
              {"to_therapist_id", c.to_therapist_id ? Json(*c.to_therapist_id) : Json(nullptr)},
              {"to_therapist_name", OptionalText(v.to_therapist_name)},
              {"to_outside", c.to_outside},
              {"status", std::string(ToString(c.status))},
              {"consented_at", OptionalTime(c.consented_at)},
              {"new_episode_id", c.new_episode_id ? Json(*c.new_episode_id) : Json(nullptr)},
              {"new_therapist_name", OptionalText(v.new_therapist_name)},
              {"decided_at", OptionalTime(c.decided_at)},
              {"packet", v.packet ? HandoverPacketToJson(*v.packet) : Json(nullptr)}};
  return out;
}

Json ChangesJson(const std::vector<ChangeView>& views) {
  Json out = Json::array();
  for (const ChangeView& v : views) out.push_back(ChangeJson(v));
  return out;
}

Json FitFollowupJson(const FitFollowupView& v) {
  Json latest = nullptr;
  if (v.latest) {
    latest = {{"choice", std::string(ToString(v.latest->choice))},
              {"chosen_at", FormatIso8601(v.latest->chosen_at)}};
  }
  return {{"offer", v.offer},
          {"latest", std::move(latest)},
          {"open_change_id", v.open_change ? Json(*v.open_change) : Json(nullptr)}};
}

Json RuptureViewJson(const RuptureView& v) {
  Json out = RuptureToJson(v.rupture, v.recovery);
  out["noted_by_name"] = v.noted_by_name;
  if (out["repair"].is_object()) out["repair"]["repaired_by_name"] = v.repaired_by_name;
  return out;
}

}  // namespace

void AddChangeRoutes(Router& router, AuthService& auth, TherapistChangeService& changes) {
  // From the client: {} (no reason is asked). From the therapist: a referral.
  router.Add(
      "POST", "/api/v1/episodes/{id}/therapist-changes",
      IdRoute(auth,
              [&changes](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request, /*allow_empty=*/true);
                if (!body) return std::unexpected(std::move(body.error()));
                if (actor.role == Role::kClient) {
                  JsonObjectReader reader(*body);
                  if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                  return Respond(201, changes.AskForChange(actor, id), ChangeJson);
                }
                auto referral = ReferralRequestFromJson(*body);
                if (!referral) return ErrorReply(referral.error());
                return Respond(201, changes.Refer(actor, id, *referral), ChangeJson);
              }));
  router.Add("GET", "/api/v1/therapist-changes",
             Authed(auth, [&changes](const HttpRequest& request, const Actor& actor) -> Reply {
               std::optional<ChangeStatus> status;
               if (auto text = request.QueryParam("status")) {
                 auto parsed = ParseChangeStatus(*text);
                 if (!parsed) return ErrorReply(parsed.error());
                 status = *parsed;
               }
               return Respond(200, changes.List(actor, status), ChangesJson);
             }));
  router.Add("GET", "/api/v1/therapist-changes/{id}",
             IdRoute(auth, [&changes](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, changes.Get(actor, id), ChangeJson);
             }));
  router.Add(
      "POST", "/api/v1/therapist-changes/{id}/consent",
      IdRoute(auth,
              [&changes](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request);
                if (!body) return std::unexpected(std::move(body.error()));
                auto consent = PacketConsentFromJson(*body);
                if (!consent) return ErrorReply(consent.error());
                return Respond(200, changes.Consent(actor, id, *consent), ChangeJson);
              }));
  router.Add(
      "POST", "/api/v1/therapist-changes/{id}/assignment",
      IdRoute(auth,
              [&changes](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request, /*allow_empty=*/true);
                if (!body) return std::unexpected(std::move(body.error()));
                JsonObjectReader reader(*body);
                const auto therapist = reader.OptionalInt("therapist_id");
                if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                std::optional<UserId> therapist_id;
                if (therapist) therapist_id = *therapist;
                return Respond(200, changes.Assign(actor, id, therapist_id), ChangeJson);
              }));
  router.Add("POST", "/api/v1/therapist-changes/{id}/withdrawal",
             IdRoute(auth, [&changes](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, changes.Withdraw(actor, id), ChangeJson);
             }));
  router.Add("GET", "/api/v1/episodes/{id}/handover",
             IdRoute(auth, [&changes](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, changes.Handover(actor, id), [](const HandoverView& h) {
                 Json out = HandoverPacketToJson(h.packet);
                 out["change_id"] = h.change_id;
                 out["from_episode_id"] = h.from_episode_id;
                 return out;
               });
             }));
  router.Add("GET", "/api/v1/episodes/{id}/fit-followup",
             IdRoute(auth, [&changes](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, changes.FitFollowupOf(actor, id), FitFollowupJson);
             }));
  router.Add(
      "POST", "/api/v1/episodes/{id}/fit-followup",
      IdRoute(auth,
              [&changes](const HttpRequest& request, const Actor& actor, std::int64_t id) -> Reply {
                auto body = ReadJsonObject(request);
                if (!body) return std::unexpected(std::move(body.error()));
                JsonObjectReader reader(*body);
                const auto text = reader.RequiredString("choice", 40);
                if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
                auto choice = ParseFitChoice(*text);
                if (!choice) return ErrorReply(choice.error());
                return Respond(200, changes.ChooseAfterFit(actor, id, *choice), FitFollowupJson);
              }));
}

void AddRuptureRoutes(Router& router, AuthService& auth, RuptureService& ruptures) {
  router.Add("POST", "/api/v1/episodes/{id}/ruptures",
             IdRoute(auth,
                     [&ruptures](const HttpRequest& request, const Actor& actor,
                                 std::int64_t id) -> Reply {
                       auto body = ReadJsonObject(request);
                       if (!body) return std::unexpected(std::move(body.error()));
                       auto note = RuptureNoteFromJson(*body);
                       if (!note) return ErrorReply(note.error());
                       return Respond(201, ruptures.Note(actor, id, *note), RuptureViewJson);
                     }));
  router.Add("POST", "/api/v1/ruptures/{id}/repair",
             IdRoute(auth,
                     [&ruptures](const HttpRequest& request, const Actor& actor,
                                 std::int64_t id) -> Reply {
                       auto body = ReadJsonObject(request);
                       if (!body) return std::unexpected(std::move(body.error()));
                       auto repair = RepairNoteFromJson(*body);
                       if (!repair) return ErrorReply(repair.error());
                       return Respond(200, ruptures.Repair(actor, id, *repair), RuptureViewJson);
                     }));
  router.Add("GET", "/api/v1/episodes/{id}/ruptures",
             IdRoute(auth, [&ruptures](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, ruptures.OfEpisode(actor, id),
                              [](const std::vector<RuptureView>& views) {
                                Json out = Json::array();
                                for (const RuptureView& v : views)
                                  out.push_back(RuptureViewJson(v));
                                return out;
                              });
             }));
  router.Add("GET", "/api/v1/ruptures/unrepaired",
             Authed(auth, [&ruptures](const HttpRequest&, const Actor& actor) -> Reply {
               return Respond(200, ruptures.Unrepaired(actor),
                              [](const std::vector<WaitingRupture>& waiting) {
                                Json out = Json::array();
                                for (const WaitingRupture& w : waiting) {
                                  Json item = RuptureToJson(w.rupture, Recovery{});
                                  item.erase("recovery");
                                  item["client_name"] = w.client_name;
                                  item["therapist_name"] = w.therapist_name;
                                  item["therapist_id"] = w.therapist_id;
                                  item["waiting_hours"] = w.waiting_ms / (60 * 60 * 1000);
                                  out.push_back(std::move(item));
                                }
                                return out;
                              });
             }));
}

namespace {

Json SupportCheckJson(const SupportCheckView& v) {
  Json findings = Json::array();
  for (const SupportFinding& f : v.findings) findings.push_back(SupportFindingToJson(f));
  return {{"requested_at", OptionalTime(v.requested_at)}, {"waiting", v.waiting},
          {"answered_at", OptionalTime(v.answered_at)},   {"findings", std::move(findings)},
          {"life_events_comment", v.life_events_comment}, {"validated", false}};
}

}  // namespace

void AddSupportRoutes(Router& router, AuthService& auth, SupportService& support) {
  router.Add("POST", "/api/v1/episodes/{id}/support-check",
             IdRoute(auth, [&support](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(201, support.Request(actor, id), SupportCheckJson);
             }));
  router.Add("GET", "/api/v1/episodes/{id}/support-check",
             IdRoute(auth, [&support](const HttpRequest&, const Actor& actor, std::int64_t id) {
               return Respond(200, support.Of(actor, id), SupportCheckJson);
             }));
}

}  // namespace rapport
