#include "domain/alerts.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <set>

#include "domain/scoring.h"
#include "domain/shipped_data.h"

namespace rapport {

namespace {

constexpr std::array<std::pair<AlertKind, std::string_view>, 10> kKinds{{
    {AlertKind::kRisk, "risk"},
    {AlertKind::kRiskUnanswered, "risk_unanswered"},
    {AlertKind::kRapportWorthExploring, "rapport_worth_exploring"},
    {AlertKind::kRapportFirstLow, "rapport_first_low"},
    {AlertKind::kRapportLow, "rapport_low"},
    {AlertKind::kRapportDrop, "rapport_drop"},
    {AlertKind::kNotOnTrack, "not_on_track"},
    {AlertKind::kReliableDeterioration, "reliable_deterioration"},
    {AlertKind::kMissedFeedback, "missed_feedback"},
    {AlertKind::kFitConcern, "fit_concern"},
}};

template <typename E, std::size_t N>
Result<E> FromName(std::string_view text,
                   const std::array<std::pair<E, std::string_view>, N>& names,
                   std::string_view field) {
  for (const auto& [v, n] : names) {
    if (n == text) return v;
  }
  std::string allowed;
  for (const auto& [v, n] : names) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
  return Fail(Error::Field(std::string(field), "must be one of: " + allowed));
}

template <typename E, std::size_t N>
std::string_view ToName(E value, const std::array<std::pair<E, std::string_view>, N>& names) {
  for (const auto& [v, n] : names) {
    if (v == value) return n;
  }
  return "unknown";
}

// The safety net: used only if a rules set somehow lacks a risk rule.
const AlertRule& BuiltInRiskRule() {
  static const AlertRule rule{
      .id = "risk-answer-built-in",
      .kind = AlertKind::kRisk,
      .severity = Severity::kHigh,
      .title = "Risk answer on {instrument}",
      .explanation = "{screen}{client} {answers} {risk}",
      .next_step =
          "Contact {client} today to check on their safety, following your clinic's "
          "risk procedure.",
  };
  return rule;
}

// The safety net for a blank risk question, used only if a rules set lacks its own rule.
const AlertRule& BuiltInRiskUnansweredRule() {
  static const AlertRule rule{
      .id = "risk-unanswered-built-in",
      .kind = AlertKind::kRiskUnanswered,
      .severity = Severity::kHigh,
      .title = "Risk question left unanswered on {instrument}",
      .explanation = "{client} left the question about {topic} unanswered; ask about it.",
      .next_step =
          "Ask {client} about it soon, gently and directly, following your clinic's "
          "risk procedure.",
  };
  return rule;
}

// "thoughts of self-harm", or the question itself when the definition gives no topic.
std::string Topics(const Instrument& inst, const std::vector<std::string>& items) {
  std::vector<std::string> topics;
  for (const std::string& id : items) {
    std::string topic;
    for (const RiskRule& rule : inst.risk) {
      if (rule.item == id && !rule.topic.empty()) topic = rule.topic;
    }
    if (topic.empty()) {
      const Item* item = inst.FindItem(id);
      topic = "\u201c" + (item != nullptr ? item->text : id) + "\u201d";
    }
    if (std::find(topics.begin(), topics.end(), topic) == topics.end()) topics.push_back(topic);
  }
  std::string out;
  for (std::size_t i = 0; i < topics.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == topics.size() ? " and " : ", ") + topics[i];
  }
  return out;
}

// Where `score` lies from the scale's worst possible score (0) to its best (1).
double FromWorst(const Scale& scale, double score) {
  const double range = scale.max_score - scale.min_score;
  if (!(range > 0)) return 1;
  const double up = (score - scale.min_score) / range;
  return scale.direction == Direction::kHigherIsBetter ? up : 1 - up;
}

RaisedAlert Raise(const AlertRule& rule, const std::map<std::string, std::string>& values) {
  return RaisedAlert{rule.id,
                     rule.kind,
                     rule.severity,
                     FillTemplate(rule.title, values),
                     FillTemplate(rule.explanation, values),
                     FillTemplate(rule.next_step, values)};
}

// "More than half the days" to: Thoughts that ... ends as a sentence, whatever the item's text.
std::string Sentence(std::string text) {
  if (!text.empty() && text.back() != '.' && text.back() != '?' && text.back() != '!') text += '.';
  return text;
}

// A screen result that alerts, or a risk answer: the risk alert must be raised.
bool NeedsRiskAlert(const ScoreResult& score) {
  return !score.risk_answers.empty() || !score.risk.empty() ||
         (score.screen && score.screen->severity);
}

// The risk alert names every answer given, in the client's own choice of words, and the screen's
// result where there is one; it takes the severity of the most urgent of them, the rule's own
// severity being the floor.
RaisedAlert RiskAlert(const AlertRule& rule, const Instrument& inst, const ScoreResult& score,
                      std::map<std::string, std::string> values) {
  Severity severity = rule.severity;
  std::vector<std::string> parts;
  std::vector<std::string> messages;
  const auto add_message = [&](const std::string& m) {
    if (!m.empty() && std::find(messages.begin(), messages.end(), m) == messages.end()) {
      messages.push_back(m);
    }
  };
  const auto text_of = [&](const std::string& id) {
    const Item* item = inst.FindItem(id);
    return item != nullptr ? item->text : "item " + id;
  };
  for (const RiskAnswer& a : score.risk_answers) {
    severity = std::max(severity, a.severity);
    parts.push_back(fmt::format("answered '{}' to: {}", a.label, text_of(a.item)));
    add_message(a.message);
  }
  // Item ids without their answers (a score built by hand) still alert, at the rule's severity.
  for (const std::string& id : score.risk) {
    const bool described = std::any_of(score.risk_answers.begin(), score.risk_answers.end(),
                                       [&](const RiskAnswer& a) { return a.item == id; });
    if (!described) parts.push_back(fmt::format("gave a risk answer to item {}", id));
  }
  std::string screen;
  if (score.screen && score.screen->severity) {
    severity = std::max(severity, *score.screen->severity);
    for (const std::string& id : score.screen->unanswered) {
      parts.push_back("left unanswered: " + text_of(id));
    }
    screen = fmt::format("{} screen {}", inst.code, score.screen->label);
    if (!score.screen->note.empty()) screen += ": " + score.screen->note;
    screen = Sentence(std::move(screen)) + " ";
    if (parts.empty()) parts.push_back("screened " + score.screen->label);
  }
  std::string answers;
  for (const std::string& part : parts) answers += (answers.empty() ? "" : "; and ") + part;
  std::string risk;
  for (const std::string& m : messages) risk += (risk.empty() ? "" : " ") + Sentence(m);
  values["answers"] = Sentence(std::move(answers));
  values["risk"] = risk;
  values["screen"] = screen;
  RaisedAlert alert = Raise(rule, values);
  while (!alert.explanation.empty() && alert.explanation.back() == ' ') {
    alert.explanation.pop_back();
  }
  alert.severity = severity;
  return alert;
}

}  // namespace

std::string_view ToString(AlertKind kind) {
  return ToName(kind, kKinds);
}
Result<AlertKind> ParseAlertKind(std::string_view text) {
  return FromName(text, kKinds, "kind");
}

const AlertRule* AlertRules::Find(AlertKind kind) const {
  for (const auto& r : rules) {
    if (r.kind == kind) return &r;
  }
  return nullptr;
}

std::string FillTemplate(std::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '{') {
      const std::size_t close = text.find('}', i);
      if (close != std::string_view::npos) {
        const auto it = values.find(std::string(text.substr(i + 1, close - i - 1)));
        if (it != values.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += text[i++];
  }
  return out;
}

Result<AlertRules> ParseAlertRules(const Json& definition) {
  std::vector<FieldError> errors;
  const auto take = [&](Status s) {
    if (!s) errors.insert(errors.end(), s.error().fields.begin(), s.error().fields.end());
  };
  AlertRules out;
  JsonObjectReader r(definition);
  out.version = r.RequiredString("version", 32).value_or("");
  r.OptionalString("note", 2000);
  if (const Json* rules = r.Required("rules")) {
    if (!rules->is_array()) {
      r.AddError("rules", "must be a list");
    } else {
      std::set<std::string> ids;
      for (std::size_t i = 0; i < rules->size(); ++i) {
        const std::string prefix = fmt::format("rules/{}/", i);
        JsonObjectReader k((*rules)[i], prefix);
        AlertRule rule;
        rule.id = k.RequiredString("id", 64).value_or("");
        if (!rule.id.empty() && !ids.insert(rule.id).second)
          k.AddError("id", "repeats another rule's id");
        bool kind_ok = false;
        if (auto kind = k.RequiredString("kind", 64)) {
          if (auto parsed = ParseAlertKind(*kind)) {
            rule.kind = *parsed;
            kind_ok = true;
          } else {
            k.AddError("kind", parsed.error().fields.at(0).message);
          }
        }
        if (auto severity = k.RequiredString("severity", 16)) {
          if (auto parsed = ParseSeverity(*severity)) {
            rule.severity = *parsed;
          } else {
            k.AddError("severity", parsed.error().fields.at(0).message);
          }
        }
        rule.title = k.RequiredString("title", 200).value_or("");
        rule.explanation = k.RequiredString("explanation", 2000).value_or("");
        rule.next_step = k.RequiredString("next_step", 2000).value_or("");
        if (auto v = k.OptionalNumber("min_drop")) {
          if (*v <= 0) k.AddError("min_drop", "must be greater than 0");
          rule.min_drop = *v;
        }
        if (auto v = k.OptionalInt("compare_with_last")) {
          if (*v < 1 || *v > kMaxCompareWithLast) {
            k.AddError("compare_with_last",
                       fmt::format("must be from 1 to {}", kMaxCompareWithLast));
          }
          rule.compare_with_last = static_cast<int>(*v);
        }
        if (auto v = k.OptionalNumber("bottom_fraction")) {
          if (!(*v > 0 && *v < 1)) k.AddError("bottom_fraction", "must be between 0 and 1");
          rule.bottom_fraction = *v;
        }
        if (auto v = k.OptionalInt("sessions")) {
          if (*v < 1) k.AddError("sessions", "must be 1 or more");
          rule.sessions = static_cast<int>(*v);
        }
        if (kind_ok && (rule.kind == AlertKind::kRisk || rule.kind == AlertKind::kRiskUnanswered) &&
            rule.severity < Severity::kHigh) {
          k.AddError("severity", "must be high or critical: a risk question is never routine");
        }
        take(k.Finish());
        out.rules.push_back(std::move(rule));
      }
      if (out.Find(AlertKind::kRisk) == nullptr) {
        r.AddError("rules", "must include a rule of kind 'risk': risk answers always alert");
      }
    }
  }
  take(r.Finish());
  if (!errors.empty()) {
    std::string summary = "The alert rules have problems: ";
    for (std::size_t i = 0; i < errors.size(); ++i) {
      summary += (i ? "; " : "") + errors[i].field + " " + errors[i].message;
    }
    return Fail(Error::InvalidArgument(std::move(summary), std::move(errors)));
  }
  return out;
}

const AlertRules& ShippedAlertRules() {
  // The shipped file is checked by a test; a broken one must never reach a clinic.
  static const AlertRules rules = [] {
    auto parsed = ParseAlertRules(Json::parse(ShippedAlertRulesJson(), nullptr, false));
    return parsed ? *parsed : AlertRules{};
  }();
  return rules;
}

std::vector<RaisedAlert> EvaluateSubmission(const AlertRules& rules, const SubmissionFacts& f) {
  std::vector<RaisedAlert> out;
  const Instrument& inst = *f.instrument;
  const ScoreResult& score = *f.score;
  const Scale& total = inst.TotalScale();
  std::map<std::string, std::string> values = {
      {"client", f.client_name.empty() ? "The client" : f.client_name},
      {"instrument", inst.code},
      {"max", FormatScore(total.max_score)},
      {"session", std::to_string(f.session_number)},
  };
  if (score.total) values["score"] = FormatScore(*score.total);
  if (total.cutoff) values["cutoff"] = FormatScore(*total.cutoff);
  // A cut-off nobody has validated must not sound like a norm.
  values["cutoff_basis"] = inst.validated
                               ? "the questionnaire's published cut-off"
                               : "a provisional cut-off chosen for this questionnaire and not yet "
                                 "validated";

  // Risk first, and unconditionally: every risk answer, however the rules file reads.
  if (NeedsRiskAlert(score)) {
    const AlertRule* rule = rules.Find(AlertKind::kRisk);
    RaisedAlert alert = RiskAlert(rule != nullptr ? *rule : BuiltInRiskRule(), inst, score, values);
    out.push_back(std::move(alert));
  }

  if (!score.risk_unanswered.empty()) {
    values["topic"] = Topics(inst, score.risk_unanswered);
    const AlertRule* rule = rules.Find(AlertKind::kRiskUnanswered);
    out.push_back(Raise(rule != nullptr ? *rule : BuiltInRiskUnansweredRule(), values));
  }

  if (score.total) {
    const double now = *score.total;
    const bool first = f.previous_totals.empty();
    if (inst.purpose == Purpose::kRapport) {
      if (first) {
        // A low first rating predicts dropping out, so it asks for more than curiosity; any
        // other first rating short of the best is an opening worth exploring.
        const double up = FromWorst(total, now);
        const AlertRule* low = rules.Find(AlertKind::kRapportFirstLow);
        const AlertRule* exploring = rules.Find(AlertKind::kRapportWorthExploring);
        if (low != nullptr && up <= low->bottom_fraction) {
          out.push_back(Raise(*low, values));
        } else if (exploring != nullptr && up < 1) {
          out.push_back(Raise(*exploring, values));
        }
      } else {
        bool raised_drop = false;
        if (const AlertRule* rule = rules.Find(AlertKind::kRapportDrop)) {
          const std::size_t n = std::min<std::size_t>(
              static_cast<std::size_t>(rule->compare_with_last), f.previous_totals.size());
          const double mean =
              std::accumulate(f.previous_totals.end() - static_cast<std::ptrdiff_t>(n),
                              f.previous_totals.end(), 0.0) /
              static_cast<double>(n);
          if (mean - now >= rule->min_drop) {
            values["drop"] = FormatScore(mean - now);
            values["previous"] = FormatScore(mean);
            out.push_back(Raise(*rule, values));
            raised_drop = true;
          }
        }
        if (!raised_drop && total.IsClinical(now)) {
          if (const AlertRule* rule = rules.Find(AlertKind::kRapportLow)) {
            out.push_back(Raise(*rule, values));
          }
        }
      }
    }
    if (inst.purpose == Purpose::kOutcome) {
      if (f.expected && IsOffTrack(total, *f.expected, now)) {
        if (const AlertRule* rule = rules.Find(AlertKind::kNotOnTrack)) {
          values["expected"] = FormatScore(f.expected->expected);
          out.push_back(Raise(*rule, values));
        }
      }
      if (f.change && f.change->deteriorated) {
        if (const AlertRule* rule = rules.Find(AlertKind::kReliableDeterioration)) {
          values["first"] = FormatScore(f.change->first);
          out.push_back(Raise(*rule, values));
        }
      }
    }
    if (inst.purpose == Purpose::kFit) {
      const bool wants_talk = f.fit_talk_answer.value_or(0) > 0;
      if (wants_talk || total.IsClinical(now)) {
        if (const AlertRule* rule = rules.Find(AlertKind::kFitConcern)) {
          values["fit_request"] =
              wants_talk ? ", and would like to talk about a different fit" : "";
          out.push_back(Raise(*rule, values));
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const RaisedAlert& a, const RaisedAlert& b) {
    return a.severity > b.severity;
  });
  return out;
}

std::vector<RaisedAlert> WithoutRepeats(std::vector<RaisedAlert> raised,
                                        std::span<const UnresolvedAlert> unresolved) {
  std::erase_if(raised, [&](const RaisedAlert& a) {
    if (a.kind == AlertKind::kRisk || a.kind == AlertKind::kRiskUnanswered) return false;
    return std::any_of(unresolved.begin(), unresolved.end(), [&](const UnresolvedAlert& u) {
      if (u.kind != a.kind) return false;
      return a.kind != AlertKind::kReliableDeterioration || !u.acknowledged;
    });
  });
  return raised;
}

std::optional<RaisedAlert> EvaluateMissedFeedback(const AlertRules& rules,
                                                  std::string_view client_name,
                                                  int sessions_without_feedback) {
  const AlertRule* rule = rules.Find(AlertKind::kMissedFeedback);
  if (rule == nullptr || sessions_without_feedback < rule->sessions) return std::nullopt;
  return Raise(*rule, {{"client", client_name.empty() ? "The client" : std::string(client_name)},
                       {"sessions", std::to_string(sessions_without_feedback)}});
}

}  // namespace rapport
