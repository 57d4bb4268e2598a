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

// The handlers of AddChangeRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct ChangeHandlers {
  TherapistChangeService& changes;

  // From the client: {} (no reason is asked). From the therapist: a referral.
  Reply StartChange(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
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
  }

  Reply ListChanges(const HttpRequest& request, const Actor& actor) const {
    std::optional<ChangeStatus> status;
    if (auto text = request.QueryParam("status")) {
      auto parsed = ParseChangeStatus(*text);
      if (!parsed) return ErrorReply(parsed.error());
      status = *parsed;
    }
    return Respond(200, changes.List(actor, status), ChangesJson);
  }

  Reply GetChange(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, changes.Get(actor, id), ChangeJson);
  }

  Reply Consent(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto consent = PacketConsentFromJson(*body);
    if (!consent) return ErrorReply(consent.error());
    return Respond(200, changes.Consent(actor, id, *consent), ChangeJson);
  }

  Reply Assign(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request, /*allow_empty=*/true);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto therapist = reader.OptionalInt("therapist_id");
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    std::optional<UserId> therapist_id;
    if (therapist) therapist_id = *therapist;
    return Respond(200, changes.Assign(actor, id, therapist_id), ChangeJson);
  }

  Reply Withdraw(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, changes.Withdraw(actor, id), ChangeJson);
  }

  Reply Handover(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, changes.Handover(actor, id), [](const HandoverView& h) {
      Json out = HandoverPacketToJson(h.packet);
      out["change_id"] = h.change_id;
      out["from_episode_id"] = h.from_episode_id;
      return out;
    });
  }

  Reply FitFollowup(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, changes.FitFollowupOf(actor, id), FitFollowupJson);
  }

  Reply ChooseAfterFit(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto text = reader.RequiredString("choice", 40);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    auto choice = ParseFitChoice(*text);
    if (!choice) return ErrorReply(choice.error());
    return Respond(200, changes.ChooseAfterFit(actor, id, *choice), FitFollowupJson);
  }
};

// The handlers of AddRuptureRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct RuptureHandlers {
  RuptureService& ruptures;

  Reply NoteRupture(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto note = RuptureNoteFromJson(*body);
    if (!note) return ErrorReply(note.error());
    return Respond(201, ruptures.Note(actor, id, *note), RuptureViewJson);
  }

  Reply Repair(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto repair = RepairNoteFromJson(*body);
    if (!repair) return ErrorReply(repair.error());
    return Respond(200, ruptures.Repair(actor, id, *repair), RuptureViewJson);
  }

  Reply RupturesOfEpisode(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, ruptures.OfEpisode(actor, id), [](const std::vector<RuptureView>& views) {
      Json out = Json::array();
      for (const RuptureView& v : views) out.push_back(RuptureViewJson(v));
      return out;
    });
  }

  Reply Unrepaired(const HttpRequest&, const Actor& actor) const {
    return Respond(200, ruptures.Unrepaired(actor), [](const std::vector<WaitingRupture>& waiting) {
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
  }
};

}  // namespace

void AddChangeRoutes(Router& router, AuthService& auth, TherapistChangeService& changes) {
  using H = ChangeHandlers;
  const H h{changes};
  router.Add("POST", "/api/v1/episodes/{id}/therapist-changes",
             IdRoute(auth, Bind(h, &H::StartChange)));
  router.Add("GET", "/api/v1/therapist-changes", Authed(auth, Bind(h, &H::ListChanges)));
  router.Add("GET", "/api/v1/therapist-changes/{id}", IdRoute(auth, Bind(h, &H::GetChange)));
  router.Add("POST", "/api/v1/therapist-changes/{id}/consent", IdRoute(auth, Bind(h, &H::Consent)));
  router.Add("POST", "/api/v1/therapist-changes/{id}/assignment",
             IdRoute(auth, Bind(h, &H::Assign)));
  router.Add("POST", "/api/v1/therapist-changes/{id}/withdrawal",
             IdRoute(auth, Bind(h, &H::Withdraw)));
  router.Add("GET", "/api/v1/episodes/{id}/handover", IdRoute(auth, Bind(h, &H::Handover)));
  router.Add("GET", "/api/v1/episodes/{id}/fit-followup", IdRoute(auth, Bind(h, &H::FitFollowup)));
  router.Add("POST", "/api/v1/episodes/{id}/fit-followup",
             IdRoute(auth, Bind(h, &H::ChooseAfterFit)));
}

void AddRuptureRoutes(Router& router, AuthService& auth, RuptureService& ruptures) {
  using H = RuptureHandlers;
  const H h{ruptures};
  router.Add("POST", "/api/v1/episodes/{id}/ruptures", IdRoute(auth, Bind(h, &H::NoteRupture)));
  router.Add("POST", "/api/v1/ruptures/{id}/repair", IdRoute(auth, Bind(h, &H::Repair)));
  router.Add("GET", "/api/v1/episodes/{id}/ruptures",
             IdRoute(auth, Bind(h, &H::RupturesOfEpisode)));
  router.Add("GET", "/api/v1/ruptures/unrepaired", Authed(auth, Bind(h, &H::Unrepaired)));
}

namespace {

Json SupportCheckJson(const SupportCheckView& v) {
  Json findings = Json::array();
  for (const SupportFinding& f : v.findings) findings.push_back(SupportFindingToJson(f));
  return {{"requested_at", OptionalTime(v.requested_at)}, {"waiting", v.waiting},
          {"answered_at", OptionalTime(v.answered_at)},   {"findings", std::move(findings)},
          {"life_events_comment", v.life_events_comment}, {"validated", false}};
}

// The handlers of AddSupportRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct SupportHandlers {
  SupportService& support;

  Reply RequestCheck(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(201, support.Request(actor, id), SupportCheckJson);
  }

  Reply GetCheck(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, support.Of(actor, id), SupportCheckJson);
  }
};

}  // namespace

void AddSupportRoutes(Router& router, AuthService& auth, SupportService& support) {
  using H = SupportHandlers;
  const H h{support};
  router.Add("POST", "/api/v1/episodes/{id}/support-check",
             IdRoute(auth, Bind(h, &H::RequestCheck)));
  router.Add("GET", "/api/v1/episodes/{id}/support-check", IdRoute(auth, Bind(h, &H::GetCheck)));
}

}  // namespace rapport
