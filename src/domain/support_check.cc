#include "domain/support_check.h"

#include <fmt/format.h>

#include <utility>

#include "domain/shipped_data.h"

namespace rapport {

namespace {

std::optional<RepairStrategy> ReadStrategy(const Json& json, const std::string& at,
                                           JsonObjectReader& outer) {
  JsonObjectReader r(json, at);
  RepairStrategy s;
  s.title = r.RequiredString("title", 200).value_or("");
  s.text = r.RequiredString("text", 2000).value_or("");
  s.citation = r.RequiredString("citation", 1000).value_or("");
  if (auto ok = r.Finish(); !ok) {
    for (const FieldError& e : ok.error().fields) outer.AddError(e.field, e.message);
    return std::nullopt;
  }
  if (s.title.empty()) outer.AddError(at + "title", "must not be empty");
  if (s.citation.empty()) outer.AddError(at + "citation", "must not be empty");
  return s;
}

}  // namespace

Result<SupportRules> SupportRulesFromJson(const Json& file) {
  JsonObjectReader r(file);
  r.OptionalString("about", 4000);
  SupportRules rules;
  if (const Json* areas = r.Required("areas")) {
    if (!areas->is_array() || areas->empty()) r.AddError("areas", "must list at least one area");
    for (std::size_t i = 0; areas->is_array() && i < areas->size(); ++i) {
      const std::string at = fmt::format("areas/{}/", i);
      JsonObjectReader a((*areas)[i], at);
      SupportArea area;
      area.scale = a.RequiredString("scale", 64).value_or("");
      area.concern_below_mean = a.OptionalNumber("concern_below_mean");
      area.concern_at_least = a.OptionalNumber("concern_at_least");
      if (area.concern_below_mean.has_value() == area.concern_at_least.has_value()) {
        a.AddError("concern_below_mean",
                   "give exactly one of concern_below_mean and "
                   "concern_at_least");
      }
      if (const Json* list = a.Required("strategies")) {
        if (!list->is_array() || list->empty()) a.AddError("strategies", "must list strategies");
        for (std::size_t k = 0; list->is_array() && k < list->size(); ++k) {
          if (auto s = ReadStrategy((*list)[k], fmt::format("{}strategies/{}/", at, k), r)) {
            area.strategies.push_back(std::move(*s));
          }
        }
      }
      if (auto ok = a.Finish(); !ok) {
        for (const FieldError& e : ok.error().fields) r.AddError(e.field, e.message);
      }
      rules.areas.push_back(std::move(area));
    }
  }
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return rules;
}

const SupportRules& ShippedSupportRules() {
  static const SupportRules rules = [] {
    const Json file = Json::parse(ShippedRepairStrategiesJson(), nullptr, false);
    return SupportRulesFromJson(file).value_or(SupportRules{});
  }();
  return rules;
}

std::vector<SupportFinding> SupportFindings(const Instrument& instrument, const Json& scales,
                                            const SupportRules& rules) {
  std::vector<SupportFinding> out;
  for (const SupportArea& area : rules.areas) {
    const Scale* scale = instrument.FindScale(area.scale);
    if (scale == nullptr || scale->items.empty()) continue;
    SupportFinding f;
    f.scale = area.scale;
    f.label = scale->label;
    for (const std::string& id : scale->items) {
      if (const Item* item = instrument.FindItem(id)) f.item_max = std::max(f.item_max, item->max);
    }
    const auto score = scales.is_object() ? scales.find(area.scale) : scales.end();
    if (scales.is_object() && score != scales.end() && score->is_number()) {
      f.mean = score->get<double>() / static_cast<double>(scale->items.size());
    }
    if (f.mean) {
      f.concern = area.concern_below_mean ? *f.mean < *area.concern_below_mean
                                          : *f.mean >= *area.concern_at_least;
    }
    if (f.concern) f.strategies = area.strategies;
    out.push_back(std::move(f));
  }
  return out;
}

Json SupportFindingToJson(const SupportFinding& f) {
  Json strategies = Json::array();
  for (const RepairStrategy& s : f.strategies) {
    strategies.push_back({{"title", s.title}, {"text", s.text}, {"citation", s.citation}});
  }
  return {{"scale", f.scale},
          {"label", f.label},
          {"mean", f.mean ? Json(*f.mean) : Json(nullptr)},
          {"item_max", f.item_max},
          {"concern", f.concern},
          {"strategies", std::move(strategies)}};
}

}  // namespace rapport
