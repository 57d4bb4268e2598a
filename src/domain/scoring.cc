#include "domain/scoring.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/field_problems.h"

namespace rapport {

const ScaleScore* ScoreResult::FindScale(std::string_view id) const {
  for (const auto& s : scales) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

namespace {

std::string AcceptedValues(const Item& item) {
  if (item.type == ItemType::kSlider) {
    return fmt::format("a number from {} to {} in steps of {}", item.min, item.max, item.step);
  }
  std::string out = "one of ";
  for (std::size_t i = 0; i < item.options.size(); ++i) {
    if (i > 0) out += ", ";
    out += fmt::format("{}", item.options[i].value);
  }
  return out;
}

// True when any of `ids` is answered at or above `at_least`.
bool AnyAtLeast(const std::vector<std::string>& ids, double at_least, const Answers& answers) {
  return std::any_of(ids.begin(), ids.end(), [&](const std::string& id) {
    const auto it = answers.values.find(id);
    return it != answers.values.end() && it->second >= at_least;
  });
}

// Whether the item was put to the respondent: always, unless it follows another answer.
bool Asked(const Item& item, const Answers& answers) {
  return !item.asked_if || AnyAtLeast(item.asked_if->any_of, item.asked_if->at_least, answers);
}

// The first result that holds, else the screen's "otherwise".
ScreenResult ScreenOf(const Instrument& inst, const Screen& screen, const Answers& answers) {
  for (const ScreenOutcome& o : screen.results) {
    if (AnyAtLeast(o.any_of, o.at_least, answers)) return {o.label, o.note, o.severity, {}};
    if (!o.unanswered_counts) continue;
    std::vector<std::string> blank;
    for (const std::string& id : o.any_of) {
      if (!answers.values.contains(id) && Asked(*inst.FindItem(id), answers)) blank.push_back(id);
    }
    if (!blank.empty()) return {o.label, o.note, o.severity, std::move(blank)};
  }
  return {screen.otherwise_label, screen.otherwise_note, std::nullopt, {}};
}

// What the client saw next to the answer they chose.
std::string AnswerLabel(const Item& item, double value) {
  for (const ResponseOption& o : item.options) {
    if (o.value == value) return o.label;
  }
  return fmt::format("{}", value);
}

// Half away from zero, so 9.5 -> 10 as a clinician rounding by hand would.
double RoundScore(double x) {
  return std::round(x);
}

}  // namespace

Result<ScoreResult> Score(const Instrument& inst, const Answers& answers,
                          Completeness completeness) {
  std::vector<FieldError> errors;
  for (const auto& [id, value] : answers.values) {
    const Item* item = inst.FindItem(id);
    if (item == nullptr) {
      errors.push_back({"answers/" + id, fmt::format("is not an item of {}", inst.code)});
    } else if (item->type == ItemType::kText) {
      errors.push_back({"answers/" + id, "takes text, not a number"});
    } else if (!item->Accepts(value)) {
      errors.push_back({"answers/" + id, "must be " + AcceptedValues(*item)});
    }
  }
  for (const auto& [id, text] : answers.texts) {
    const Item* item = inst.FindItem(id);
    if (item == nullptr) {
      errors.push_back({"answers/" + id, fmt::format("is not an item of {}", inst.code)});
    } else if (item->type != ItemType::kText) {
      errors.push_back({"answers/" + id, "must be " + AcceptedValues(*item)});
    } else if (text.size() > item->max_length) {
      errors.push_back(
          {"answers/" + id, fmt::format("must be at most {} characters", item->max_length)});
    } else if (!IsCleanUtf8(text)) {
      errors.push_back({"answers/" + id, "must be valid text"});
    }
  }
  ScoreResult result;
  result.total_scale = inst.total_scale;
  for (const Item& item : inst.items) {
    const bool answered = answers.values.contains(item.id) ||
                          (item.type == ItemType::kText && answers.texts.contains(item.id));
    if (answered || !Asked(item, answers)) continue;
    if (item.scored || item.required) result.missing.push_back(item.id);
    if (completeness == Completeness::kRequireRequired && item.required) {
      errors.push_back({"answers/" + item.id, "needs an answer"});
    }
  }
  if (!errors.empty()) {
    return Fail(InvalidFields(fmt::format("Some answers to {} need attention: ", inst.code),
                              std::move(errors)));
  }

  for (const RiskRule& rule : inst.risk) {
    const auto it = answers.values.find(rule.item);
    if (it == answers.values.end()) {
      // A blank risk question is not a "no": the therapist needs to know it went unanswered.
      if (Asked(*inst.FindItem(rule.item), answers) &&
          std::find(result.risk_unanswered.begin(), result.risk_unanswered.end(), rule.item) ==
              result.risk_unanswered.end()) {
        result.risk_unanswered.push_back(rule.item);
      }
      continue;
    }
    const RiskLevel* level = rule.LevelFor(it->second);
    if (level == nullptr) continue;
    result.risk.push_back(rule.item);
    result.risk_answers.push_back({rule.item, it->second,
                                   AnswerLabel(*inst.FindItem(rule.item), it->second),
                                   level->severity, rule.message});
  }

  const auto blanks = [&](const Scale& scale) {
    return static_cast<int>(
        std::count_if(scale.items.begin(), scale.items.end(),
                      [&](const auto& id) { return !answers.values.contains(id); }));
  };
  for (const Scale& scale : inst.scales) {
    ScaleScore s;
    s.id = scale.id;
    double sum = 0;
    int answered = 0;
    for (const std::string& id : scale.items) {
      const auto it = answers.values.find(id);
      if (it == answers.values.end()) continue;
      const Item& item = *inst.FindItem(id);
      sum += item.reverse ? item.min + item.max - it->second : it->second;
      ++answered;
    }
    const int n = static_cast<int>(scale.items.size());
    const int missing = n - answered;
    if (scale.zero_up_to) {
      const Scale& over = scale.counted_over.empty() ? scale : *inst.FindScale(scale.counted_over);
      const int blank = blanks(over);
      if (blank <= *scale.zero_up_to) {
        s.score = sum;  // blanks count 0
      } else {
        s.band =
            fmt::format("invalid: {} of {} items unanswered ({} or more make the form invalid)",
                        blank, over.items.size(), *scale.zero_up_to + 1);
      }
    } else if (missing == 0) {
      s.score = sum;
    } else if (missing <= scale.prorate_up_to) {
      s.score = RoundScore(sum * n / answered);
      s.prorated = true;
    } else {
      s.band = fmt::format("not scored: {} of {} items unanswered ({})", missing, n,
                           scale.prorate_up_to == 0
                               ? "every item is needed"
                               : fmt::format("at most {} can be prorated", scale.prorate_up_to));
    }
    if (s.score) {
      if (const Band* band = scale.BandFor(*s.score)) s.band = band->label;
      s.clinical = scale.IsClinical(*s.score);
    }
    if (scale.id == inst.total_scale) {
      result.total = s.score;
      result.band = s.band;
    }
    result.scales.push_back(std::move(s));
  }
  if (inst.screen) {
    result.screen = ScreenOf(inst, *inst.screen, answers);
    result.band = result.screen->label;
  }
  return result;
}

Result<Answers> AnswersFromJson(const Instrument& inst, const Json& json) {
  if (!json.is_object()) {
    return Fail(Error::Field("answers", "must be an object of item id to answer"));
  }
  Answers answers;
  std::vector<FieldError> errors;
  for (const auto& [id, value] : json.items()) {
    if (value.is_null()) continue;
    const Item* item = inst.FindItem(id);
    if (item == nullptr) {
      errors.push_back({"answers/" + id, fmt::format("is not an item of {}", inst.code)});
    } else if (item->type == ItemType::kText) {
      if (!value.is_string()) {
        errors.push_back({"answers/" + id, "must be text"});
      } else if (!value.get_ref<const std::string&>().empty()) {
        answers.texts[id] = value.get<std::string>();
      }
    } else if (!value.is_number()) {
      errors.push_back({"answers/" + id, "must be a number"});
    } else {
      answers.values[id] = value.get<double>();
    }
  }
  if (!errors.empty()) {
    return Fail(InvalidFields("Some answers need attention: ", std::move(errors)));
  }
  return answers;
}

Result<Answers> AnswersFromList(const Instrument& inst, std::string_view list) {
  Answers answers;
  std::size_t index = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    std::string_view cell =
        list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
    while (!cell.empty() && cell.front() == ' ') cell.remove_prefix(1);
    while (!cell.empty() && cell.back() == ' ') cell.remove_suffix(1);
    if (index >= inst.items.size()) {
      if (!cell.empty() || comma != std::string_view::npos) {
        return Fail(Error::Field(
            "answers", fmt::format("{} has only {} items", inst.code, inst.items.size())));
      }
      break;
    }
    const Item& item = inst.items[index];
    if (!cell.empty() && cell != "NA") {
      if (item.type == ItemType::kText) {
        answers.texts[item.id] = std::string(cell);
      } else {
        double value = 0;
        const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), value);
        if (ec != std::errc{} || ptr != cell.data() + cell.size()) {
          return Fail(
              Error::Field("answers/" + item.id, fmt::format("'{}' is not a number", cell)));
        }
        answers.values[item.id] = value;
      }
    }
    ++index;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return answers;
}

Json AnswersToJson(const Answers& answers) {
  Json out = Json::object();
  for (const auto& [item, value] : answers.values) out[item] = value;
  for (const auto& [item, text] : answers.texts) out[item] = text;
  return out;
}

Json ScaleScoresToJson(const ScoreResult& result) {
  Json out = Json::object();
  for (const ScaleScore& s : result.scales) out[s.id] = s.score ? Json(*s.score) : Json(nullptr);
  return out;
}

namespace {
Json ScreenToJson(const ScreenResult& s) {
  return {{"result", s.label},
          {"note", s.note},
          {"severity", s.severity ? Json(std::string(ToString(*s.severity))) : Json(nullptr)},
          {"unanswered", s.unanswered}};
}
}  // namespace

Json ScoreResultToJson(const ScoreResult& r) {
  Json subscales = Json::object();
  for (const auto& s : r.scales) {
    if (s.id == r.total_scale) continue;
    subscales[s.id] = s.score ? Json(*s.score) : Json(nullptr);
  }
  Json scales = Json::array();
  for (const auto& s : r.scales) {
    scales.push_back({{"id", s.id},
                      {"score", s.score ? Json(*s.score) : Json(nullptr)},
                      {"prorated", s.prorated},
                      {"band", s.band.empty() ? Json(nullptr) : Json(s.band)},
                      {"clinical", s.clinical}});
  }
  Json risk_answers = Json::array();
  for (const RiskAnswer& a : r.risk_answers) {
    risk_answers.push_back({{"item", a.item},
                            {"value", a.value},
                            {"label", a.label},
                            {"severity", ToString(a.severity)},
                            {"message", a.message}});
  }
  return {{"total", r.total ? Json(*r.total) : Json(nullptr)},
          {"subscales", std::move(subscales)},
          {"band", r.band.empty() ? Json(nullptr) : Json(r.band)},
          {"risk", r.risk},
          {"risk_answers", std::move(risk_answers)},
          {"risk_unanswered", r.risk_unanswered},
          {"screen", r.screen ? ScreenToJson(*r.screen) : Json(nullptr)},
          {"missing", r.missing},
          {"scales", std::move(scales)}};
}

std::string FormatScore(double score) {
  if (std::abs(score - std::round(score)) < 1e-9) {
    return fmt::format("{}", static_cast<long long>(std::round(score)));
  }
  return fmt::format("{:.1f}", score);
}

}  // namespace rapport
