#include "domain/instrument.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/field_problems.h"

namespace rapport {

bool Item::Accepts(double value) const {
  if (!std::isfinite(value)) return false;
  switch (type) {
    case ItemType::kChoice:
      return std::any_of(options.begin(), options.end(),
                         [&](const ResponseOption& o) { return o.value == value; });
    case ItemType::kSlider: {
      if (value < min || value > max) return false;
      const double steps = (value - min) / step;
      return std::abs(steps - std::round(steps)) < 1e-9;
    }
    case ItemType::kText: return false;
  }
  return false;
}

const RiskLevel* RiskRule::LevelFor(double value) const {
  const RiskLevel* reached = nullptr;
  for (const RiskLevel& level : levels) {
    if (value >= level.at_least) reached = &level;
  }
  return reached;
}

const Band* Scale::BandFor(double score) const {
  for (const Band& band : bands) {
    if (score >= band.min && score <= band.max) return &band;
  }
  return nullptr;
}

bool Scale::IsClinical(double score) const {
  if (!cutoff) return false;
  return direction == Direction::kHigherIsWorse ? score >= *cutoff : score < *cutoff;
}

const Item* Instrument::FindItem(std::string_view id) const {
  for (const Item& item : items) {
    if (item.id == id) return &item;
  }
  return nullptr;
}

const Scale* Instrument::FindScale(std::string_view id) const {
  for (const Scale& scale : scales) {
    if (scale.id == id) return &scale;
  }
  return nullptr;
}

const Scale& Instrument::TotalScale() const {
  return *FindScale(total_scale);
}

std::string_view ToString(Purpose purpose) {
  switch (purpose) {
    case Purpose::kOutcome: return "outcome";
    case Purpose::kRapport: return "rapport";
    case Purpose::kFit: return "fit";
    case Purpose::kScreen: return "screen";
    case Purpose::kSupport: return "support";
  }
  return "outcome";
}

std::string_view ToString(AskWhen ask) {
  return ask == AskWhen::kBeforeSession ? "before_session" : "after_session";
}

namespace {

// A week: a form that opens earlier than that describes a different fortnight from the session's.
constexpr int kMaxOpensHoursBefore = 168;

std::optional<ResponseOption> ParseOption(const Json& j, const std::string& path,
                                          FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  ResponseOption o;
  auto value = r.RequiredNumber("value");
  auto label = r.RequiredString("label");
  o.loinc = r.OptionalString("loinc").value_or("");
  p.Take(r.Finish());
  if (!value || !label) return std::nullopt;
  o.value = *value;
  o.label = *label;
  return o;
}

std::vector<ResponseOption> ParseOptions(const Json& j, const std::string& path, FieldProblems& p) {
  std::vector<ResponseOption> out;
  if (!j.is_array() || j.empty()) {
    p.Add(path, "must be a non-empty list of {value, label}");
    return out;
  }
  std::set<double> seen;
  for (std::size_t i = 0; i < j.size(); ++i) {
    const std::string at = fmt::format("{}/{}", path, i);
    if (auto o = ParseOption(j[i], at, p)) {
      if (!seen.insert(o->value).second) p.Add(at + "/value", "repeats another option's value");
      out.push_back(std::move(*o));
    }
  }
  return out;
}

// A non-empty list of item ids, read as text; whether they name items is checked once every
// item is known (CheckItemIds).
std::vector<std::string> ItemIds(const Json* j, JsonObjectReader& r, std::string_view key) {
  std::vector<std::string> ids;
  if (j == nullptr) return ids;
  if (!j->is_array() || j->empty()) {
    r.AddError(key, "must be a non-empty list of item ids");
    return ids;
  }
  for (std::size_t i = 0; i < j->size(); ++i) {
    if (!(*j)[i].is_string()) {
      r.AddError(fmt::format("{}/{}", key, i), "must be an item id");
    } else {
      ids.push_back((*j)[i].get<std::string>());
    }
  }
  return ids;
}

// Each id names an item that takes a number, other than `self`.
void CheckItemIds(const Instrument& inst, const std::vector<std::string>& ids,
                  const std::string& path, std::string_view self, FieldProblems& p) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const Item* item = inst.FindItem(ids[i]);
    const std::string at = fmt::format("{}/{}", path, i);
    if (item == nullptr) {
      p.Add(at, fmt::format("names no item ('{}')", ids[i]));
    } else if (item->type == ItemType::kText) {
      p.Add(at, fmt::format("'{}' takes text, not a number", ids[i]));
    } else if (ids[i] == self) {
      p.Add(at, "an item cannot depend on its own answer");
    }
  }
}

std::optional<ScreenOutcome> ParseScreenOutcome(const Json& j, const std::string& path,
                                                FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  ScreenOutcome out;
  out.label = r.RequiredString("label", 100).value_or("");
  out.any_of = ItemIds(r.Required("any_of"), r, "any_of");
  out.at_least = r.RequiredNumber("at_least").value_or(1);
  out.unanswered_counts = r.OptionalBool("unanswered_counts").value_or(false);
  out.note = r.OptionalString("note", 1000).value_or("");
  if (const auto severity = r.OptionalString("severity", 16)) {
    if (auto parsed = ParseSeverity(*severity)) {
      out.severity = *parsed;
      // A screen result that alerts is a risk finding, never routine.
      if (*parsed < Severity::kHigh) r.AddError("severity", "must be high or critical");
    } else {
      r.AddError("severity", parsed.error().fields.at(0).message);
    }
  }
  const bool ok = !r.HasErrors();
  p.Take(r.Finish());
  if (!ok) return std::nullopt;
  return out;
}

std::optional<Screen> ParseScreen(const Json& j, const Instrument& inst, FieldProblems& p) {
  JsonObjectReader r(j, "screen/");
  Screen screen;
  if (const Json* results = r.Required("results")) {
    if (!results->is_array() || results->empty()) {
      r.AddError("results", "must be a non-empty list of {label, any_of, at_least}");
    } else {
      for (std::size_t i = 0; i < results->size(); ++i) {
        const std::string path = fmt::format("screen/results/{}", i);
        if (auto outcome = ParseScreenOutcome((*results)[i], path, p)) {
          CheckItemIds(inst, outcome->any_of, path + "/any_of", "", p);
          screen.results.push_back(std::move(*outcome));
        }
      }
    }
  }
  if (const Json* otherwise = r.Required("otherwise")) {
    JsonObjectReader o(*otherwise, "screen/otherwise/");
    screen.otherwise_label = o.RequiredString("label", 100).value_or("");
    screen.otherwise_note = o.OptionalString("note", 1000).value_or("");
    p.Take(o.Finish());
  }
  const bool ok = !r.HasErrors();
  p.Take(r.Finish());
  if (!ok || screen.results.empty()) return std::nullopt;
  return screen;
}

std::optional<Item> ParseItem(const Json& j, const std::string& path,
                              const std::map<std::string, std::vector<ResponseOption>>& sets,
                              FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  Item item;
  auto id = r.RequiredString("id", 64);
  auto text = r.RequiredString("text", 2000);
  item.loinc = r.OptionalString("loinc", 32).value_or("");
  const std::string type = r.OptionalString("type", 16).value_or("choice");
  const auto response_set = r.OptionalString("response_set", 64);
  const Json* options = r.Optional("options");
  item.required = r.OptionalBool("required").value_or(true);
  item.scored = r.OptionalBool("scored").value_or(true);
  item.reverse = r.OptionalBool("reverse").value_or(false);
  const auto min = r.OptionalNumber("min");
  const auto max = r.OptionalNumber("max");
  const auto step = r.OptionalNumber("step");
  item.low_label = r.OptionalString("low_label", 200).value_or("");
  item.high_label = r.OptionalString("high_label", 200).value_or("");
  const auto max_length = r.OptionalInt("max_length");
  if (const Json* asked_if = r.Optional("asked_if")) {
    JsonObjectReader a(*asked_if, r.FieldName("asked_if") + "/");
    AskedIf condition;
    condition.any_of = ItemIds(a.Required("any_of"), a, "any_of");
    condition.at_least = a.RequiredNumber("at_least").value_or(1);
    const bool ok = !a.HasErrors();
    p.Take(a.Finish());
    if (ok) item.asked_if = std::move(condition);
  }

  if (id) {
    const bool ok = !id->empty() && std::all_of(id->begin(), id->end(), [](unsigned char c) {
      return std::isalnum(c) || c == '_' || c == '-' || c == '.';
    });
    if (!ok) r.AddError("id", "must use only letters, digits, '_', '-' and '.'");
  }
  if (type == "choice") {
    item.type = ItemType::kChoice;
    if (response_set && options) {
      r.AddError("options", "give either options or response_set, not both");
    } else if (response_set) {
      const auto it = sets.find(*response_set);
      if (it == sets.end()) {
        r.AddError("response_set", fmt::format("names no response set ('{}')", *response_set));
      } else {
        item.options = it->second;
      }
    } else if (options) {
      item.options = ParseOptions(*options, r.FieldName("options"), p);
    } else {
      r.AddError("options", "a choice item needs options or a response_set");
    }
    if (!item.options.empty()) {
      const auto [lo, hi] = std::minmax_element(
          item.options.begin(), item.options.end(),
          [](const ResponseOption& a, const ResponseOption& b) { return a.value < b.value; });
      item.min = lo->value;
      item.max = hi->value;
    }
  } else if (type == "slider") {
    item.type = ItemType::kSlider;
    if (!min || !max) {
      r.AddError("max", "a slider needs min and max");
    } else if (!(*min < *max)) {
      r.AddError("max", "must be greater than min");
    } else {
      item.min = *min;
      item.max = *max;
      item.step = step.value_or(1);
      if (!(item.step > 0)) r.AddError("step", "must be greater than 0");
    }
  } else if (type == "text") {
    item.type = ItemType::kText;
    item.scored = false;
    if (max_length) {
      if (*max_length < 1 || *max_length > 20000) {
        r.AddError("max_length", "must be between 1 and 20000");
      } else {
        item.max_length = static_cast<std::size_t>(*max_length);
      }
    }
  } else {
    r.AddError("type", "must be one of: choice, slider, text");
  }
  p.Take(r.Finish());
  if (!id || !text) return std::nullopt;
  item.id = *id;
  item.text = *text;
  return item;
}

std::optional<Population> ParsePopulation(const Json* j, const std::string& path,
                                          FieldProblems& p) {
  if (j == nullptr) return std::nullopt;
  JsonObjectReader r(*j, path + "/");
  auto mean = r.RequiredNumber("mean");
  auto sd = r.RequiredNumber("sd");
  auto source = r.OptionalString("source", 2000);
  if (sd && !(*sd > 0)) r.AddError("sd", "must be greater than 0");
  const bool ok = !r.HasErrors();
  p.Take(r.Finish());
  if (!ok || !mean || !sd) return std::nullopt;
  return Population{*mean, *sd, source.value_or("")};
}

std::optional<Scale> ParseScale(const Json& j, const std::string& path, const Instrument& inst,
                                FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  Scale s;
  auto id = r.RequiredString("id", 64);
  s.label = r.OptionalString("label", 200).value_or(id.value_or(""));
  const Json* items = r.Required("items");
  const std::string direction = r.OptionalString("higher_is", 16).value_or("worse");
  if (direction == "worse") {
    s.direction = Direction::kHigherIsWorse;
  } else if (direction == "better") {
    s.direction = Direction::kHigherIsBetter;
  } else {
    r.AddError("higher_is", "must be 'worse' or 'better'");
  }
  if (const Json* missing = r.Optional("missing")) {
    JsonObjectReader m(*missing, r.FieldName("missing") + "/");
    const auto n = m.OptionalInt("prorate_up_to");
    if (n && *n < 0) m.AddError("prorate_up_to", "must be 0 or more");
    s.prorate_up_to = static_cast<int>(n.value_or(0));
    if (const auto zero = m.OptionalInt("zero_up_to")) {
      if (*zero < 0) m.AddError("zero_up_to", "must be 0 or more");
      if (s.prorate_up_to > 0) {
        m.AddError("zero_up_to", "give either prorate_up_to or zero_up_to, not both");
      }
      s.zero_up_to = static_cast<int>(*zero);
    }
    s.counted_over = m.OptionalString("counted_over", 64).value_or("");
    if (!s.counted_over.empty() && !s.zero_up_to) {
      m.AddError("counted_over", "only goes with zero_up_to");
    }
    p.Take(m.Finish());
  }

  // Items: exist, scored, numeric, unique.
  if (items != nullptr) {
    if (!items->is_array() || items->empty()) {
      r.AddError("items", "must be a non-empty list of item ids");
    } else {
      std::set<std::string> seen;
      for (std::size_t i = 0; i < items->size(); ++i) {
        const std::string field = fmt::format("items/{}", i);
        const Json& e = (*items)[i];
        if (!e.is_string()) {
          r.AddError(field, "must be an item id");
          continue;
        }
        const auto& item_id = e.get_ref<const std::string&>();
        const Item* item = inst.FindItem(item_id);
        if (item == nullptr) {
          r.AddError(field, fmt::format("names no item ('{}')", item_id));
        } else if (!item->scored || item->type == ItemType::kText) {
          r.AddError(field, fmt::format("'{}' is not a scored item", item_id));
        } else if (!seen.insert(item_id).second) {
          r.AddError(field, fmt::format("'{}' is listed twice", item_id));
        } else {
          s.items.push_back(item_id);
          s.min_score += item->min;
          s.max_score += item->max;
        }
      }
    }
  }
  if (s.prorate_up_to >= static_cast<int>(std::max<std::size_t>(1, s.items.size())) &&
      !s.items.empty()) {
    r.AddError("missing/prorate_up_to", "must be fewer than the scale's items");
  }

  if (const Json* bands = r.Optional("bands")) {
    if (!bands->is_array()) {
      r.AddError("bands", "must be a list of {min, max, label}");
    } else {
      for (std::size_t i = 0; i < bands->size(); ++i) {
        JsonObjectReader b((*bands)[i], fmt::format("{}bands/{}/", r.FieldName(""), i));
        auto lo = b.RequiredNumber("min");
        auto hi = b.RequiredNumber("max");
        auto label = b.RequiredString("label", 100);
        if (lo && hi && *lo > *hi) b.AddError("max", "must not be below min");
        const bool ok = !b.HasErrors();
        p.Take(b.Finish());
        if (ok && lo && hi && label) s.bands.push_back({*lo, *hi, *label});
      }
      std::sort(s.bands.begin(), s.bands.end(),
                [](const Band& a, const Band& b) { return a.min < b.min; });
      // Bands must cover the whole score range without gaps or overlaps (integer scores).
      if (!s.bands.empty() && !s.items.empty()) {
        if (s.bands.front().min != s.min_score || s.bands.back().max != s.max_score) {
          r.AddError("bands", fmt::format("must cover the whole score range {} to {}", s.min_score,
                                          s.max_score));
        }
        for (std::size_t i = 1; i < s.bands.size(); ++i) {
          if (s.bands[i].min != s.bands[i - 1].max + 1) {
            r.AddError("bands", fmt::format("'{}' must start right after '{}' ends",
                                            s.bands[i].label, s.bands[i - 1].label));
          }
        }
      }
    }
  }
  if (const Json* cutoff = r.Optional("cutoff")) {
    JsonObjectReader c(*cutoff, r.FieldName("cutoff") + "/");
    s.cutoff = c.RequiredNumber("value");
    s.cutoff_note = c.OptionalString("note", 1000).value_or("");
    if (s.cutoff && !s.items.empty() && (*s.cutoff < s.min_score || *s.cutoff > s.max_score)) {
      c.AddError("value", "must lie within the scale's score range");
    }
    p.Take(c.Finish());
  }
  if (const Json* caseness = r.Optional("recovery_caseness")) {
    JsonObjectReader c(*caseness, r.FieldName("recovery_caseness") + "/");
    s.recovery_caseness = c.RequiredNumber("value");
    s.recovery_caseness_note = c.OptionalString("note", 1000).value_or("");
    if (s.recovery_caseness && !s.items.empty() &&
        (*s.recovery_caseness < s.min_score || *s.recovery_caseness > s.max_score)) {
      c.AddError("value", "must lie within the scale's score range");
    }
    p.Take(c.Finish());
  }
  if (const Json* rc = r.Optional("reliable_change")) {
    JsonObjectReader c(*rc, r.FieldName("reliable_change") + "/");
    s.reliable_change.threshold = c.OptionalNumber("threshold");
    s.reliable_change.sd = c.OptionalNumber("sd");
    s.reliable_change.reliability = c.OptionalNumber("reliability");
    s.reliable_change.note = c.OptionalString("note", 1000).value_or("");
    const auto& d = s.reliable_change;
    if (d.threshold && !(*d.threshold > 0)) c.AddError("threshold", "must be greater than 0");
    if (d.sd.has_value() != d.reliability.has_value()) {
      c.AddError("reliability", "sd and reliability go together");
    }
    if (d.sd && !(*d.sd > 0)) c.AddError("sd", "must be greater than 0");
    if (d.reliability && !(*d.reliability > 0 && *d.reliability < 1)) {
      c.AddError("reliability", "must be between 0 and 1");
    }
    if (!d.threshold && !d.sd) c.AddError("threshold", "give a threshold, or sd and reliability");
    p.Take(c.Finish());
  }
  if (const Json* norms = r.Optional("norms")) {
    JsonObjectReader n(*norms, r.FieldName("norms") + "/");
    s.norms.clinical = ParsePopulation(n.Optional("clinical"), n.FieldName("clinical"), p);
    s.norms.nonclinical = ParsePopulation(n.Optional("nonclinical"), n.FieldName("nonclinical"), p);
    p.Take(n.Finish());
  }
  if (const Json* traj = r.Optional("trajectory")) {
    JsonObjectReader t(*traj, r.FieldName("trajectory") + "/");
    const auto model = t.RequiredString("model", 32);
    if (model && *model != "exponential") t.AddError("model", "must be 'exponential'");
    TrajectoryNorm norm;
    const auto fraction = t.RequiredNumber("improvement_fraction");
    const auto rate = t.RequiredNumber("rate_per_session");
    const auto band = t.RequiredNumber("band");
    norm.note = t.OptionalString("note", 1000).value_or("");
    if (fraction && !(*fraction >= 0 && *fraction <= 1)) {
      t.AddError("improvement_fraction", "must be between 0 and 1");
    }
    if (rate && !(*rate > 0)) t.AddError("rate_per_session", "must be greater than 0");
    if (band && !(*band >= 0)) t.AddError("band", "must be 0 or more");
    const bool ok = !t.HasErrors();
    p.Take(t.Finish());
    if (ok && fraction && rate && band) {
      norm.improvement_fraction = *fraction;
      norm.rate_per_session = *rate;
      norm.band = *band;
      s.trajectory = norm;
    }
  }
  p.Take(r.Finish());
  if (!id) return std::nullopt;
  s.id = *id;
  return s;
}

std::optional<RiskLevel> ParseRiskLevel(const Json& j, const std::string& path, FieldProblems& p) {
  JsonObjectReader r(j, path + "/");
  RiskLevel level;
  const auto at_least = r.RequiredNumber("at_least");
  if (const auto severity = r.RequiredString("severity", 16)) {
    if (auto parsed = ParseSeverity(*severity)) {
      level.severity = *parsed;
      // A risk answer is never routine: it always reaches the therapist as a high alert or above.
      if (level.severity < Severity::kHigh) r.AddError("severity", "must be high or critical");
    } else {
      r.AddError("severity", parsed.error().fields.at(0).message);
    }
  }
  const bool ok = !r.HasErrors();
  p.Take(r.Finish());
  if (!ok || !at_least) return std::nullopt;
  level.at_least = *at_least;
  return level;
}

std::optional<RiskRule> ParseRiskRule(const Json& j, const std::string& path,
                                      const Instrument& inst, FieldProblems& p) {
  JsonObjectReader k(j, path + "/");
  RiskRule rule;
  const auto item_id = k.RequiredString("item", 64);
  const auto at_least = k.OptionalNumber("at_least");
  const Json* levels = k.Optional("levels");
  rule.message = k.RequiredString("message", 1000).value_or("");
  rule.topic = k.OptionalString("topic", 200).value_or("");
  const Item* item = item_id ? inst.FindItem(*item_id) : nullptr;
  if (item_id && item == nullptr) {
    k.AddError("item", fmt::format("names no item ('{}')", *item_id));
  } else if (item != nullptr && item->type == ItemType::kText) {
    k.AddError("item", fmt::format("'{}' takes text; a risk item must take a number", *item_id));
  }
  if (at_least && levels != nullptr) {
    k.AddError("levels", "give either at_least or levels, not both");
  } else if (at_least) {
    rule.levels.push_back({*at_least, Severity::kCritical});
  } else if (levels != nullptr) {
    if (!levels->is_array() || levels->empty()) {
      k.AddError("levels", "must be a non-empty list of {at_least, severity}");
    } else {
      for (std::size_t i = 0; i < levels->size(); ++i) {
        const std::string at = fmt::format("{}/levels/{}", path, i);
        auto level = ParseRiskLevel((*levels)[i], at, p);
        if (!level) continue;
        if (!rule.levels.empty() && level->at_least <= rule.levels.back().at_least) {
          p.Add(at + "/at_least", "must be above the previous level's");
        } else if (!rule.levels.empty() && level->severity < rule.levels.back().severity) {
          p.Add(at + "/severity", "must not be below the previous level's");
        } else {
          rule.levels.push_back(*level);
        }
      }
    }
  } else {
    k.AddError("levels", "give the risk levels (or at_least for one critical level)");
  }
  if (item != nullptr && item->type != ItemType::kText) {
    for (std::size_t i = 0; i < rule.levels.size(); ++i) {
      const std::string field = at_least ? "at_least" : fmt::format("levels/{}/at_least", i);
      if (rule.levels[i].at_least <= item->min) {
        k.AddError(field,
                   "must be above the item's lowest answer, or every answer is a risk answer");
      } else if (rule.levels[i].at_least > item->max) {
        k.AddError(field, "must not be above the item's highest answer, or no answer reaches it");
      }
    }
  }
  const bool ok = !k.HasErrors();
  p.Take(k.Finish());
  if (!ok || !item_id || rule.levels.empty()) return std::nullopt;
  rule.item = *item_id;
  return rule;
}

}  // namespace

namespace {

// Who the definition is and what it is for: code, titles, version, source, licence, purpose,
// domain and who answers it.
void ReadIdentity(JsonObjectReader& r, Instrument& inst) {
  inst.code = r.RequiredString("code", 32).value_or("");
  inst.title = r.RequiredString("title", 200).value_or("");
  inst.plain_title = r.OptionalString("plain_title", 200).value_or("");
  inst.version = r.RequiredString("version", 32).value_or("");
  inst.language = r.RequiredString("language", 16).value_or("");
  inst.source = r.RequiredString("source", 4000).value_or("");
  inst.licence = r.RequiredString("licence", 2000).value_or("");
  inst.preamble = r.OptionalString("preamble", 2000).value_or("");
  inst.faces = r.OptionalBool("faces").value_or(false);
  inst.total_scale = r.RequiredString("total", 64).value_or("");
  const std::string purpose = r.RequiredString("purpose", 16).value_or("");
  if (purpose == "outcome") {
    inst.purpose = Purpose::kOutcome;
  } else if (purpose == "rapport") {
    inst.purpose = Purpose::kRapport;
  } else if (purpose == "fit") {
    inst.purpose = Purpose::kFit;
  } else if (purpose == "screen") {
    inst.purpose = Purpose::kScreen;
  } else if (purpose == "support") {
    inst.purpose = Purpose::kSupport;
  } else if (!purpose.empty()) {
    r.AddError("purpose", "must be one of: outcome, rapport, fit, screen, support");
  }
  inst.domain = r.OptionalString("domain", 64).value_or("");
  if (!std::all_of(inst.domain.begin(), inst.domain.end(),
                   [](unsigned char c) { return (c >= 'a' && c <= 'z') || c == '-'; })) {
    r.AddError("domain", "must be lower-case words joined by '-', such as child-and-family");
  }
  if (!inst.code.empty()) {
    const bool ok = std::all_of(inst.code.begin(), inst.code.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '-' || c == '_' || c == '.';
    });
    if (!ok) r.AddError("code", "must use only letters, digits, '-', '_' and '.'");
  }
  if (const Json* respondents = r.Required("respondents")) {
    if (!respondents->is_array() || respondents->empty()) {
      r.AddError("respondents", "must list who answers: client, guardian, therapist");
    } else {
      for (std::size_t i = 0; i < respondents->size(); ++i) {
        const Json& e = (*respondents)[i];
        if (!e.is_string() || (e != "client" && e != "guardian" && e != "therapist")) {
          r.AddError(fmt::format("respondents/{}", i), "must be client, guardian or therapist");
        } else {
          inst.respondents.push_back(e.get<std::string>());
        }
      }
    }
  }
}

// How it is described and asked: validation, LOINC codes, timing and schedule.
void ReadAdministration(JsonObjectReader& r, Instrument& inst, FieldProblems& p) {
  if (const Json* validation = r.Required("validation")) {
    JsonObjectReader v(*validation, "validation/");
    const auto validated = v.OptionalBool("validated");
    if (!validated) v.AddError("validated", "is required (true or false)");
    inst.validated = validated.value_or(false);
    inst.validation_note = v.OptionalString("note", 2000).value_or("");
    p.Take(v.Finish());
  }
  if (const Json* loinc = r.Optional("loinc")) {
    JsonObjectReader l(*loinc, "loinc/");
    inst.loinc_panel = l.OptionalString("panel", 32).value_or("");
    inst.loinc_total = l.OptionalString("total", 32).value_or("");
    p.Take(l.Finish());
  }
  if (const Json* timing = r.Optional("timing")) {
    JsonObjectReader t(*timing, "timing/");
    Timing parsed;
    const auto ask = t.RequiredString("ask", 32);
    if (ask && *ask == "before_session") {
      parsed.ask = AskWhen::kBeforeSession;
    } else if (ask && *ask == "after_session") {
      parsed.ask = AskWhen::kAfterSession;
    } else if (ask) {
      t.AddError("ask", "must be before_session or after_session");
    }
    if (const auto hours = t.OptionalInt("opens_hours_before")) {
      if (parsed.ask != AskWhen::kBeforeSession) {
        t.AddError("opens_hours_before", "only goes with ask: before_session");
      } else if (*hours < 0 || *hours > kMaxOpensHoursBefore) {
        t.AddError("opens_hours_before",
                   fmt::format("must be between 0 and {}", kMaxOpensHoursBefore));
      } else {
        parsed.opens_hours_before = static_cast<int>(*hours);
      }
    }
    const bool ok = !t.HasErrors();
    p.Take(t.Finish());
    if (ok) inst.timing = parsed;
  }
  if (const Json* schedule = r.Optional("schedule")) {
    auto parsed = ScheduleFromJson(*schedule, "schedule/");
    p.Take(parsed);
    if (parsed) inst.schedule = *parsed;
  }
}

// The response sets and items, then the checks that need every item read (faces, asked_if).
void ReadItems(JsonObjectReader& r, Instrument& inst, FieldProblems& p) {
  std::map<std::string, std::vector<ResponseOption>> sets;
  if (const Json* rs = r.Optional("response_sets")) {
    if (!rs->is_object()) {
      r.AddError("response_sets", "must be an object of named option lists");
    } else {
      for (const auto& [name, options] : rs->items()) {
        sets[name] = ParseOptions(options, "response_sets/" + name, p);
      }
    }
  }
  if (const Json* items = r.Required("items")) {
    if (!items->is_array() || items->empty()) {
      r.AddError("items", "must be a non-empty list");
    } else {
      std::set<std::string> ids;
      for (std::size_t i = 0; i < items->size(); ++i) {
        const std::string path = fmt::format("items/{}", i);
        if (auto item = ParseItem((*items)[i], path, sets, p)) {
          if (!ids.insert(item->id).second) p.Add(path + "/id", "repeats another item's id");
          inst.items.push_back(std::move(*item));
        }
      }
    }
  }
  if (inst.faces) {
    for (std::size_t i = 0; i < inst.items.size(); ++i) {
      const Item& item = inst.items[i];
      if (item.type != ItemType::kChoice || item.options.size() != 5) {
        p.Add(fmt::format("items/{}", i),
              "must be a choice of five answers to be answered on faces");
      }
    }
  }
  for (std::size_t i = 0; i < inst.items.size(); ++i) {
    if (const auto& condition = inst.items[i].asked_if) {
      CheckItemIds(inst, condition->any_of, fmt::format("items/{}/asked_if/any_of", i),
                   inst.items[i].id, p);
    }
  }
}

// The risk rules and the screen, which name items.
void ReadRiskAndScreen(JsonObjectReader& r, Instrument& inst, FieldProblems& p) {
  if (const Json* risk = r.Optional("risk")) {
    if (!risk->is_array()) {
      r.AddError("risk", "must be a list of {item, levels or at_least, message}");
    } else {
      for (std::size_t i = 0; i < risk->size(); ++i) {
        if (auto rule = ParseRiskRule((*risk)[i], fmt::format("risk/{}", i), inst, p)) {
          inst.risk.push_back(std::move(*rule));
        }
      }
    }
  }
  if (const Json* screen = r.Optional("screen")) inst.screen = ParseScreen(*screen, inst, p);
}

// The scales, then the checks that need every scale read (counted_over, the total).
void ReadScales(JsonObjectReader& r, Instrument& inst, FieldProblems& p) {
  if (const Json* scales = r.Required("scales")) {
    if (!scales->is_array() || scales->empty()) {
      r.AddError("scales", "must be a non-empty list");
    } else {
      std::set<std::string> ids;
      for (std::size_t i = 0; i < scales->size(); ++i) {
        const std::string path = fmt::format("scales/{}", i);
        if (auto scale = ParseScale((*scales)[i], path, inst, p)) {
          if (!ids.insert(scale->id).second) p.Add(path + "/id", "repeats another scale's id");
          inst.scales.push_back(std::move(*scale));
        }
      }
    }
  }
  for (std::size_t i = 0; i < inst.scales.size(); ++i) {
    const std::string& over = inst.scales[i].counted_over;
    if (!over.empty() && inst.FindScale(over) == nullptr) {
      p.Add(fmt::format("scales/{}/missing/counted_over", i),
            fmt::format("names no scale ('{}')", over));
    }
  }
  if (!inst.total_scale.empty() && !inst.scales.empty() &&
      inst.FindScale(inst.total_scale) == nullptr) {
    r.AddError("total", fmt::format("names no scale ('{}')", inst.total_scale));
  }
}

}  // namespace

Result<Instrument> ParseInstrument(const Json& definition) {
  FieldProblems p;
  JsonObjectReader r(definition);
  Instrument inst;
  ReadIdentity(r, inst);
  ReadAdministration(r, inst, p);
  ReadItems(r, inst, p);
  ReadRiskAndScreen(r, inst, p);
  ReadScales(r, inst, p);
  p.Take(r.Finish());
  if (!p.Empty()) {
    const std::string lead = fmt::format("The definition of {} has {} problem{}: ",
                                         inst.code.empty() ? "a questionnaire" : inst.code,
                                         p.Size(), p.Size() == 1 ? "" : "s");
    return Fail(p.ToError(lead));
  }
  return inst;
}

namespace {
Json OptionsToJson(const std::vector<ResponseOption>& options) {
  Json out = Json::array();
  for (const auto& o : options) {
    Json j = {{"value", o.value}, {"label", o.label}};
    if (!o.loinc.empty()) j["loinc"] = o.loinc;
    out.push_back(std::move(j));
  }
  return out;
}
Json MissingToJson(const Scale& s) {
  if (!s.zero_up_to) return {{"prorate_up_to", s.prorate_up_to}};
  Json j = {{"zero_up_to", *s.zero_up_to}};
  if (!s.counted_over.empty()) j["counted_over"] = s.counted_over;
  return j;
}
Json PopulationToJson(const Population& p) {
  return {{"mean", p.mean}, {"sd", p.sd}, {"source", p.source}};
}
}  // namespace

Json InstrumentToJson(const Instrument& inst) {
  Json items = Json::array();
  for (const Item& item : inst.items) {
    Json j = {
        {"id", item.id}, {"text", item.text}, {"required", item.required}, {"scored", item.scored}};
    if (!item.loinc.empty()) j["loinc"] = item.loinc;
    switch (item.type) {
      case ItemType::kChoice:
        j["type"] = "choice";
        j["options"] = OptionsToJson(item.options);
        break;
      case ItemType::kSlider:
        j["type"] = "slider";
        j["min"] = item.min;
        j["max"] = item.max;
        j["step"] = item.step;
        j["low_label"] = item.low_label;
        j["high_label"] = item.high_label;
        break;
      case ItemType::kText:
        j["type"] = "text";
        j["max_length"] = item.max_length;
        break;
    }
    if (item.reverse) j["reverse"] = true;
    if (item.asked_if) {
      j["asked_if"] = {{"any_of", item.asked_if->any_of}, {"at_least", item.asked_if->at_least}};
    }
    items.push_back(std::move(j));
  }
  Json risk = Json::array();
  for (const RiskRule& rule : inst.risk) {
    Json levels = Json::array();
    for (const RiskLevel& level : rule.levels) {
      levels.push_back({{"at_least", level.at_least}, {"severity", ToString(level.severity)}});
    }
    Json j = {{"item", rule.item}, {"levels", std::move(levels)}, {"message", rule.message}};
    if (!rule.topic.empty()) j["topic"] = rule.topic;
    risk.push_back(std::move(j));
  }
  Json scales = Json::array();
  for (const Scale& s : inst.scales) {
    Json j = {{"id", s.id},
              {"label", s.label},
              {"items", s.items},
              {"higher_is", s.direction == Direction::kHigherIsWorse ? "worse" : "better"},
              {"missing", MissingToJson(s)},
              {"min", s.min_score},
              {"max", s.max_score}};
    Json bands = Json::array();
    for (const Band& b : s.bands)
      bands.push_back({{"min", b.min}, {"max", b.max}, {"label", b.label}});
    j["bands"] = std::move(bands);
    if (s.cutoff) j["cutoff"] = {{"value", *s.cutoff}, {"note", s.cutoff_note}};
    if (s.recovery_caseness) {
      j["recovery_caseness"] = {{"value", *s.recovery_caseness},
                                {"note", s.recovery_caseness_note}};
    }
    const auto& rc = s.reliable_change;
    if (rc.threshold || rc.sd) {
      Json r = {{"note", rc.note}};
      if (rc.threshold) r["threshold"] = *rc.threshold;
      if (rc.sd) r["sd"] = *rc.sd;
      if (rc.reliability) r["reliability"] = *rc.reliability;
      j["reliable_change"] = std::move(r);
    }
    if (s.norms.clinical || s.norms.nonclinical) {
      Json n = Json::object();
      if (s.norms.clinical) n["clinical"] = PopulationToJson(*s.norms.clinical);
      if (s.norms.nonclinical) n["nonclinical"] = PopulationToJson(*s.norms.nonclinical);
      j["norms"] = std::move(n);
    }
    if (s.trajectory) {
      j["trajectory"] = {{"model", "exponential"},
                         {"improvement_fraction", s.trajectory->improvement_fraction},
                         {"rate_per_session", s.trajectory->rate_per_session},
                         {"band", s.trajectory->band},
                         {"note", s.trajectory->note}};
    }
    scales.push_back(std::move(j));
  }
  Json loinc = Json::object();
  if (!inst.loinc_panel.empty()) loinc["panel"] = inst.loinc_panel;
  if (!inst.loinc_total.empty()) loinc["total"] = inst.loinc_total;
  Json out = {{"code", inst.code},
              {"title", inst.title},
              {"plain_title", inst.PlainTitle()},
              {"version", inst.version},
              {"language", inst.language},
              {"purpose", ToString(inst.purpose)},
              {"domain", inst.domain},
              {"respondents", inst.respondents},
              {"source", inst.source},
              {"licence", inst.licence},
              {"validation", {{"validated", inst.validated}, {"note", inst.validation_note}}},
              {"loinc", std::move(loinc)},
              {"preamble", inst.preamble},
              {"faces", inst.faces},
              {"items", std::move(items)},
              {"risk", std::move(risk)},
              {"scales", std::move(scales)},
              {"total", inst.total_scale}};
  if (inst.screen) {
    Json results = Json::array();
    for (const ScreenOutcome& o : inst.screen->results) {
      Json j = {{"label", o.label},
                {"any_of", o.any_of},
                {"at_least", o.at_least},
                {"unanswered_counts", o.unanswered_counts},
                {"note", o.note}};
      if (o.severity) j["severity"] = ToString(*o.severity);
      results.push_back(std::move(j));
    }
    out["screen"] = {
        {"results", std::move(results)},
        {"otherwise",
         {{"label", inst.screen->otherwise_label}, {"note", inst.screen->otherwise_note}}}};
  }
  if (inst.timing) {
    Json timing = {{"ask", ToString(inst.timing->ask)}};
    if (inst.timing->opens_hours_before) {
      timing["opens_hours_before"] = *inst.timing->opens_hours_before;
    }
    out["timing"] = std::move(timing);
  }
  // As a definition file gives it, so that a shown definition loads again.
  out["schedule"] = ScheduleToJson(DefaultSchedule(inst));
  return out;
}

}  // namespace rapport
