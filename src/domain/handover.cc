#include "domain/handover.h"

#include <fmt/format.h>

#include <array>
#include <limits>
#include <utility>

#include "domain/enum_names.h"

namespace rapport {

namespace {

constexpr EnumNames<TherapistChangeKind, 2> kKinds{{
    {TherapistChangeKind::kClientRequest, "client-request"},
    {TherapistChangeKind::kReferral, "referral"},
}};

constexpr EnumNames<ChangeStatus, 4> kStatuses{{
    {ChangeStatus::kAwaitingConsent, "awaiting-consent"},
    {ChangeStatus::kConsented, "consented"},
    {ChangeStatus::kDone, "done"},
    {ChangeStatus::kWithdrawn, "withdrawn"},
}};

constexpr EnumNames<PacketSection, 4> kSections{{
    {PacketSection::kPlan, "plan"},
    {PacketSection::kMeasures, "measures"},
    {PacketSection::kWhatHelped, "what-helped"},
    {PacketSection::kPreferences, "preferences"},
}};

constexpr EnumNames<FitChoice, 3> kFitChoices{{
    {FitChoice::kTalk, "talk"},
    {FitChoice::kMoreSessions, "more-sessions"},
    {FitChoice::kChange, "change"},
}};

constexpr std::size_t kMaxPacketText = 4000;
constexpr std::size_t kMaxReferralReason = 2000;
constexpr std::size_t kMaxOutside = 500;

// The client's words in a consent, in the order they are read.
constexpr std::array<std::pair<std::string_view, std::string PacketConsent::*>, 3> kConsentTexts{{
    {"what_helped", &PacketConsent::what_helped},
    {"what_did_not", &PacketConsent::what_did_not},
    {"preferences", &PacketConsent::preferences},
}};

// Every field of `error` into `r` (whose prefix is empty, so the fields keep their names).
void Absorb(JsonObjectReader& r, const Error& error) {
  for (const FieldError& f : error.fields) r.AddError(f.field, f.message);
}

// Puts `text`, normalised as EndingWords' texts are, back into `text`; an error goes to `r`.
void Normalise(JsonObjectReader& r, std::string& text, std::string_view field,
               std::size_t max_chars, bool required) {
  auto normal = NormalizeParagraphs(text, field, max_chars, required);
  if (normal) {
    text = std::move(*normal);
  } else {
    Absorb(r, normal.error());
  }
}

// The list of sections under `key`: each one known, none twice. Errors name "key/N".
std::set<PacketSection> ReadSections(JsonObjectReader& r, std::string_view key) {
  std::set<PacketSection> sections;
  const Json* list = r.Required(key);
  if (list == nullptr) return sections;
  if (!list->is_array()) {
    r.AddError(key, "must be a list");
    return sections;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const std::string at = fmt::format("{}/{}", key, i);
    const Json& item = (*list)[i];
    if (!item.is_string()) {
      r.AddError(at, "must be a string");
      continue;
    }
    auto section = ParsePacketSection(item.get_ref<const std::string&>());
    if (!section) {
      r.AddError(at, section.error().fields.front().message);
    } else if (!sections.insert(*section).second) {
      r.AddError(at, "is listed twice");
    }
  }
  return sections;
}

}  // namespace

std::string_view ToString(TherapistChangeKind kind) {
  return EnumName(kind, kKinds);
}

std::string_view ToString(ChangeStatus status) {
  return EnumName(status, kStatuses);
}
Result<ChangeStatus> ParseChangeStatus(std::string_view text) {
  return ParseEnum(text, kStatuses, "status");
}
bool IsOpen(ChangeStatus status) {
  return status == ChangeStatus::kAwaitingConsent || status == ChangeStatus::kConsented;
}

std::string_view ToString(PacketSection section) {
  return EnumName(section, kSections);
}
Result<PacketSection> ParsePacketSection(std::string_view text) {
  return ParseEnum(text, kSections, "share");
}

std::string_view ToString(FitChoice choice) {
  return EnumName(choice, kFitChoices);
}
Result<FitChoice> ParseFitChoice(std::string_view text) {
  return ParseEnum(text, kFitChoices, "choice");
}

Result<PacketConsent> PacketConsentFromJson(const Json& body) {
  JsonObjectReader r(body);
  PacketConsent consent;
  consent.share = ReadSections(r, "share");
  for (const auto& [name, member] : kConsentTexts) {
    if (auto text = r.OptionalString(name, kMaxTextReadBytes)) {
      consent.*member = std::move(*text);
      Normalise(r, consent.*member, name, kMaxPacketText, false);
    }
  }
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return consent;
}

HandoverPacket SharedOnly(HandoverPacket packet, const std::set<PacketSection>& share) {
  if (!share.contains(PacketSection::kPlan)) {
    packet.goals.clear();
    packet.gas_t_score.reset();
  }
  if (!share.contains(PacketSection::kMeasures)) packet.measures.clear();
  if (!share.contains(PacketSection::kWhatHelped)) {
    packet.what_helped.clear();
    packet.what_did_not.clear();
  }
  if (!share.contains(PacketSection::kPreferences)) packet.preferences.clear();
  packet.shared = share;
  return packet;
}

Json HandoverPacketToJson(const HandoverPacket& packet) {
  Json shared = Json::array();
  for (const PacketSection section : kAllSections) {
    if (packet.shared.contains(section)) shared.push_back(std::string(ToString(section)));
  }
  Json out = {{"client_name", packet.client_name},
              {"from_therapist_name", packet.from_therapist_name},
              {"started_at", FormatIso8601(packet.started_at)},
              {"sessions_attended", packet.sessions_attended},
              {"shared", std::move(shared)}};
  if (packet.shared.contains(PacketSection::kPlan)) {
    Json goals = Json::array();
    for (const GoalSummary& g : packet.goals) goals.push_back(GoalSummaryToJson(g));
    out["goals"] = std::move(goals);
    out["gas_t_score"] = packet.gas_t_score ? Json(*packet.gas_t_score) : Json(nullptr);
  }
  if (packet.shared.contains(PacketSection::kMeasures)) {
    Json measures = Json::array();
    for (const MeasureSummary& m : packet.measures) measures.push_back(MeasureSummaryToJson(m));
    out["measures"] = std::move(measures);
  }
  if (packet.shared.contains(PacketSection::kWhatHelped)) {
    out["what_helped"] = packet.what_helped;
    out["what_did_not"] = packet.what_did_not;
  }
  if (packet.shared.contains(PacketSection::kPreferences)) {
    out["preferences"] = packet.preferences;
  }
  return out;
}

Result<HandoverPacket> HandoverPacketFromJson(const Json& json) {
  JsonObjectReader r(json);
  HandoverPacket packet;
  packet.client_name = r.RequiredString("client_name", kMaxTextReadBytes).value_or("");
  packet.from_therapist_name =
      r.RequiredString("from_therapist_name", kMaxTextReadBytes).value_or("");
  if (const auto started = r.RequiredString("started_at", 100)) {
    if (auto at = ParseIso8601(*started)) {
      packet.started_at = *at;
    } else {
      r.AddError("started_at", "must be an ISO 8601 time");
    }
  }
  if (const auto sessions = r.RequiredInt("sessions_attended")) {
    if (*sessions < 0 || *sessions > std::numeric_limits<int>::max()) {
      r.AddError("sessions_attended", "must be a count");
    } else {
      packet.sessions_attended = static_cast<int>(*sessions);
    }
  }
  packet.shared = ReadSections(r, "shared");
  // Only the shared sections are read: a section that is not shared is an unknown field.
  if (packet.shared.contains(PacketSection::kPlan)) {
    if (const Json* goals = r.Required("goals")) {
      if (!goals->is_array()) {
        r.AddError("goals", "must be a list");
      } else {
        for (std::size_t i = 0; i < goals->size(); ++i) {
          auto goal = GoalSummaryFromJson((*goals)[i], fmt::format("goals/{}/", i));
          if (goal) {
            packet.goals.push_back(std::move(*goal));
          } else {
            Absorb(r, goal.error());
          }
        }
      }
    }
    packet.gas_t_score = r.OptionalNumber("gas_t_score");
  }
  if (packet.shared.contains(PacketSection::kMeasures)) {
    if (const Json* measures = r.Required("measures")) {
      if (!measures->is_array()) {
        r.AddError("measures", "must be a list");
      } else {
        for (std::size_t i = 0; i < measures->size(); ++i) {
          auto measure = MeasureSummaryFromJson((*measures)[i], fmt::format("measures/{}/", i));
          if (measure) {
            packet.measures.push_back(std::move(*measure));
          } else {
            Absorb(r, measure.error());
          }
        }
      }
    }
  }
  if (packet.shared.contains(PacketSection::kWhatHelped)) {
    packet.what_helped = r.OptionalString("what_helped", kMaxTextReadBytes).value_or("");
    packet.what_did_not = r.OptionalString("what_did_not", kMaxTextReadBytes).value_or("");
  }
  if (packet.shared.contains(PacketSection::kPreferences)) {
    packet.preferences = r.OptionalString("preferences", kMaxTextReadBytes).value_or("");
  }
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return packet;
}

Result<ReferralRequest> ReferralRequestFromJson(const Json& body) {
  JsonObjectReader r(body);
  ReferralRequest referral;
  if (auto reason = r.RequiredString("reason", kMaxTextReadBytes)) {
    referral.reason = std::move(*reason);
    Normalise(r, referral.reason, "reason", kMaxReferralReason, true);
  }
  if (const auto to = r.OptionalInt("to_therapist_id")) {
    if (*to <= 0) {
      r.AddError("to_therapist_id", "must be a positive id");
    } else {
      referral.to_therapist_id = *to;
    }
  }
  if (auto outside = r.OptionalString("to_outside", kMaxTextReadBytes)) {
    referral.to_outside = std::move(*outside);
    Normalise(r, referral.to_outside, "to_outside", kMaxOutside, false);
  }
  if (referral.to_therapist_id && !referral.to_outside.empty()) {
    r.AddError("to_outside",
               "cannot be given with to_therapist_id: refer within the clinic or outside it");
  }
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return referral;
}

}  // namespace rapport
