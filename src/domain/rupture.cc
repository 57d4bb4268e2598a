#include "domain/rupture.h"

#include <algorithm>
#include <utility>

#include "domain/enum_names.h"

namespace rapport {

namespace {

constexpr EnumNames<RuptureSource, 3> kSources{{
    {RuptureSource::kRapportAlert, "rapport-alert"},
    {RuptureSource::kInSession, "in-session"},
    {RuptureSource::kOther, "other"},
}};

// Reads the string `key` and puts it, normalised as EndingWords' texts are, into `text`; every
// problem goes to `r`.
void ReadText(JsonObjectReader& r, std::string_view key, bool required, std::string& text) {
  auto read = required ? r.RequiredString(key, kMaxTextReadBytes)
                       : r.OptionalString(key, kMaxTextReadBytes);
  if (!read) return;
  auto normal = NormalizeParagraphs(*read, key, kMaxRuptureText, required);
  if (normal) {
    text = std::move(*normal);
  } else {
    for (const FieldError& f : normal.error().fields) r.AddError(f.field, f.message);
  }
}

}  // namespace

std::string_view ToString(RuptureSource source) {
  return EnumName(source, kSources);
}
Result<RuptureSource> ParseRuptureSource(std::string_view text) {
  return ParseEnum(text, kSources, "source");
}

Result<RuptureNote> RuptureNoteFromJson(const Json& body) {
  JsonObjectReader r(body);
  RuptureNote note;
  std::optional<RuptureSource> source;
  if (const auto text = r.RequiredString("source", 100)) {
    if (auto parsed = ParseRuptureSource(*text)) {
      source = *parsed;
      note.source = *parsed;
    } else {
      r.AddError("source", parsed.error().fields.front().message);
    }
  }
  const bool alert_given =
      body.is_object() && body.contains("alert_id") && !body.find("alert_id")->is_null();
  const auto alert_id = r.OptionalInt("alert_id");  // a wrong type is reported here
  if (source == RuptureSource::kRapportAlert) {
    if (!alert_given) {
      r.AddError("alert_id", "is required when the source is rapport-alert");
    } else if (alert_id && *alert_id <= 0) {
      r.AddError("alert_id", "must be a positive id");
    } else {
      note.alert_id = alert_id;
    }
  } else if (source && alert_given) {
    r.AddError("alert_id", "is only given when the source is rapport-alert");
  }
  ReadText(r, "what_happened", true, note.what_happened);
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return note;
}

Result<RepairNote> RepairNoteFromJson(const Json& body) {
  JsonObjectReader r(body);
  RepairNote repair;
  ReadText(r, "what_was_said", true, repair.what_was_said);
  ReadText(r, "what_changes", false, repair.what_changes);
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return repair;
}

Recovery RecoveryOf(const Rupture& rupture, std::span<const RapportPoint> checks, double cutoff) {
  std::vector<RapportPoint> sorted(checks.begin(), checks.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const RapportPoint& a, const RapportPoint& b) { return a.at < b.at; });
  Recovery out;
  for (const RapportPoint& p : sorted) {
    if (p.at < rupture.noted_at) out.before = p.total;
  }
  // Coming back to a level that was already below the cutoff is not recovery.
  out.target = out.before ? std::max(*out.before, cutoff) : cutoff;
  if (!rupture.repaired_at) return out;
  for (const RapportPoint& p : sorted) {
    if (p.at <= *rupture.repaired_at) continue;
    out.after_repair.push_back(p);
    if (!out.recovered_at && p.total >= out.target) out.recovered_at = p.at;
  }
  return out;
}

bool IsUnrepairedPast(const Rupture& rupture, Timestamp now, Timestamp within_ms) {
  return !rupture.repair && now - rupture.noted_at > within_ms;
}

Json RuptureToJson(const Rupture& rupture, const Recovery& recovery) {
  Json repair = nullptr;
  if (rupture.repair) {
    repair = {{"what_was_said", rupture.repair->what_was_said},
              {"what_changes", rupture.repair->what_changes},
              {"repaired_by", rupture.repaired_by ? Json(*rupture.repaired_by) : Json(nullptr)},
              {"repaired_at",
               rupture.repaired_at ? Json(FormatIso8601(*rupture.repaired_at)) : Json(nullptr)}};
  }
  Json after = Json::array();
  for (const RapportPoint& p : recovery.after_repair) {
    after.push_back({{"at", FormatIso8601(p.at)}, {"total", p.total}});
  }
  return {{"id", rupture.id},
          {"episode_id", rupture.episode_id},
          {"noted_by", rupture.noted_by},
          {"noted_at", FormatIso8601(rupture.noted_at)},
          {"source", std::string(ToString(rupture.note.source))},
          {"alert_id", rupture.note.alert_id ? Json(*rupture.note.alert_id) : Json(nullptr)},
          {"what_happened", rupture.note.what_happened},
          {"repair", std::move(repair)},
          {"recovery",
           {{"before", recovery.before ? Json(*recovery.before) : Json(nullptr)},
            {"target", recovery.target},
            {"after_repair", std::move(after)},
            {"recovered_at", recovery.recovered_at ? Json(FormatIso8601(*recovery.recovered_at))
                                                   : Json(nullptr)}}}};
}

}  // namespace rapport
