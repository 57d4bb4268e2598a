#include "http/family_api.h"

#include <utility>

#include "domain/family.h"
#include "http/route_support.h"
#include "service/auth_service.h"
#include "service/family_service.h"

namespace rapport {

namespace {

Json StandingJson(const GuardianStandingView& v) {
  const GuardianStanding& s = v.standing;
  return {{"link_id", v.link_id},
          {"guardian_id", v.guardian_id},
          {"guardian_name", v.guardian_name},
          {"relationship", std::string(ToString(s.relationship))},
          {"authority", std::string(ToString(s.authority))},
          {"court_order", s.court_order},
          {"contact_channel", std::string(ToString(s.contact_channel))},
          {"contact_note", s.contact_note},
          {"sections", s.sections ? GuardianSectionsToJson(*s.sections) : Json(nullptr)},
          {"recorded", v.standing_recorded},
          {"updated_at", v.standing_recorded ? Json(FormatIso8601(s.updated_at)) : Json(nullptr)},
          {"sees", GuardianSectionsToJson(v.sees)},
          {"sees_by_policy", v.sees_by_policy}};
}

Json ConsentJson(const ConsentView& v) {
  const CareConsent& c = v.consent;
  return {{"id", c.id},
          {"kind", std::string(ToString(c.kind))},
          {"guardian_link_id", c.guardian_link_id != 0 ? Json(c.guardian_link_id) : Json(nullptr)},
          {"given_by_name", OptionalText(v.given_by_name)},
          {"given_on", c.given_on},
          {"renew_by", c.renew_by},
          {"note", c.note},
          {"state", std::string(ToString(v.state))},
          {"latest", v.latest},
          {"recorded_by_name", v.recorded_by_name},
          {"recorded_at", FormatIso8601(c.recorded_at)}};
}

Json DisclosureJson(const DisclosureView& v) {
  const SafetyDisclosure& d = v.disclosure;
  return {{"id", d.id},
          {"episode_id", d.episode_id},
          {"guardian_link_id", d.guardian_link_id != 0 ? Json(d.guardian_link_id) : Json(nullptr)},
          {"guardian_name", OptionalText(v.guardian_name)},
          {"item", d.item_key},
          {"item_words", v.item_words},
          {"reason", d.reason},
          {"disclosed_by_name", v.disclosed_by_name},
          {"disclosed_at", FormatIso8601(d.disclosed_at)}};
}

Json FamilyJson(const FamilyView& v) {
  Json guardians = Json::array();
  for (const auto& g : v.guardians) guardians.push_back(StandingJson(g));
  Json consents = Json::array();
  for (const auto& c : v.consents) consents.push_back(ConsentJson(c));
  Json missing = Json::array();
  for (const ConsentKind k : v.missing) missing.push_back(std::string(ToString(k)));
  Json confidential = Json::array();
  for (const auto& c : v.confidential) {
    confidential.push_back(
        {{"episode_id", c.episode_id}, {"key", c.key}, {"kind", c.kind}, {"words", c.words}});
  }
  Json disclosures = Json::array();
  for (const auto& d : v.disclosures) disclosures.push_back(DisclosureJson(d));
  return {{"child_id", v.child_id},
          {"child_name", v.child_name},
          {"age_band", std::string(ToString(v.band))},
          {"age", v.age >= 0 ? Json(v.age) : Json(nullptr)},
          {"guardians", std::move(guardians)},
          {"consents", std::move(consents)},
          {"missing_consents", std::move(missing)},
          {"confidential", std::move(confidential)},
          {"disclosures", std::move(disclosures)}};
}

// {"relationship", "authority", "court_order", "contact_channel", "contact_note", "sections"}:
// every field but the notes and "sections" required; "sections" null or absent to follow the
// clinic's policy.
Result<GuardianStanding> StandingFromJson(const Json& body) {
  JsonObjectReader reader(body);
  GuardianStanding s;
  if (auto text = reader.RequiredString("relationship", 64)) {
    if (auto parsed = ParseGuardianRelationship(*text)) {
      s.relationship = *parsed;
    } else {
      reader.AddError("relationship", parsed.error().fields.front().message);
    }
  }
  if (auto text = reader.RequiredString("authority", 64)) {
    if (auto parsed = ParseLegalAuthority(*text)) {
      s.authority = *parsed;
    } else {
      reader.AddError("authority", parsed.error().fields.front().message);
    }
  }
  if (auto text = reader.RequiredString("contact_channel", 64)) {
    if (auto parsed = ParseContactChannel(*text)) {
      s.contact_channel = *parsed;
    } else {
      reader.AddError("contact_channel", parsed.error().fields.front().message);
    }
  }
  s.court_order = reader.OptionalString("court_order", 8000).value_or("");
  s.contact_note = reader.OptionalString("contact_note", 2000).value_or("");
  if (const Json* sections = reader.Optional("sections"); sections && !sections->is_null()) {
    if (auto parsed = GuardianSectionsFromJson(*sections, "sections")) {
      s.sections = *parsed;
    } else {
      for (const FieldError& f : parsed.error().fields) reader.AddError(f.field, f.message);
    }
  }
  RAPPORT_RETURN_IF_ERROR(reader.Finish());
  return s;
}

// {"kind", "guardian_link_id" (a guardian's consent only), "given_on", "renew_by", "note"}.
Result<CareConsent> ConsentFromJson(const Json& body) {
  JsonObjectReader reader(body);
  CareConsent c;
  if (auto text = reader.RequiredString("kind", 64)) {
    if (auto parsed = ParseConsentKind(*text)) {
      c.kind = *parsed;
    } else {
      reader.AddError("kind", parsed.error().fields.front().message);
    }
  }
  if (const Json* link = reader.Optional("guardian_link_id"); link && !link->is_null()) {
    if (link->is_number_integer()) {
      c.guardian_link_id = link->get<std::int64_t>();
    } else {
      reader.AddError("guardian_link_id", "must be the id of a guardian link");
    }
  }
  c.given_on = reader.RequiredString("given_on", 10).value_or("");
  c.renew_by = reader.RequiredString("renew_by", 10).value_or("");
  c.note = reader.OptionalString("note", 8000).value_or("");
  RAPPORT_RETURN_IF_ERROR(reader.Finish());
  return c;
}

// The handlers of AddFamilyRoutes, one per route, named for what it answers. A value holding
// references: the services outlive the router.
struct FamilyHandlers {
  FamilyService& family;

  Reply GetFamily(const HttpRequest&, const Actor& actor, std::int64_t id) const {
    return Respond(200, family.Family(actor, id), FamilyJson);
  }

  Reply SetStanding(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto standing = StandingFromJson(*body);
    if (!standing) return ErrorReply(standing.error());
    return Respond(200, family.SetStanding(actor, id, *std::move(standing)), StandingJson);
  }

  Reply RecordConsent(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    auto consent = ConsentFromJson(*body);
    if (!consent) return ErrorReply(consent.error());
    return Respond(201, family.RecordConsent(actor, id, *std::move(consent)), ConsentJson);
  }

  // {"guardian_link_id", "item", "reason"}.
  Reply DiscloseForSafety(const HttpRequest& request, const Actor& actor, std::int64_t id) const {
    auto body = ReadJsonObject(request);
    if (!body) return std::unexpected(std::move(body.error()));
    JsonObjectReader reader(*body);
    const auto link = reader.RequiredInt("guardian_link_id");
    const auto item = reader.RequiredString("item", 16);
    const auto reason = reader.RequiredString("reason", 16000);
    if (auto ok = reader.Finish(); !ok) return ErrorReply(ok.error());
    return Respond(201, family.DiscloseForSafety(actor, id, *link, *item, *reason), DisclosureJson);
  }
};

}  // namespace

void AddFamilyRoutes(Router& router, AuthService& auth, FamilyService& family) {
  using H = FamilyHandlers;
  const H h{family};
  router.Add("GET", "/api/v1/clients/{id}/family", IdRoute(auth, Bind(h, &H::GetFamily)));
  router.Add("PUT", "/api/v1/guardian-links/{id}/standing",
             IdRoute(auth, Bind(h, &H::SetStanding)));
  router.Add("POST", "/api/v1/clients/{id}/consents", IdRoute(auth, Bind(h, &H::RecordConsent)));
  router.Add("POST", "/api/v1/episodes/{id}/safety-disclosures",
             IdRoute(auth, Bind(h, &H::DiscloseForSafety)));
}

}  // namespace rapport
