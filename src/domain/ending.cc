#include "domain/ending.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <utility>

#include "core/field_problems.h"
#include "domain/enum_names.h"
#include "domain/scoring.h"

namespace rapport {

namespace {

constexpr EnumNames<EndReason, 7> kEndReasons{{
    {EndReason::kGoalsMet, "goals-met"},
    {EndReason::kMutualAgreement, "mutual-agreement"},
    {EndReason::kClientChoseToStop, "client-chose-to-stop"},
    {EndReason::kNoContact, "no-contact"},
    {EndReason::kTransferred, "transferred"},
    {EndReason::kReferredOut, "referred-out"},
    {EndReason::kOther, "other"},
}};

constexpr EnumNames<EndReason, 7> kEndReasonWords{{
    {EndReason::kGoalsMet, "Goals met"},
    {EndReason::kMutualAgreement, "Ended by mutual agreement"},
    {EndReason::kClientChoseToStop, "The client chose to stop"},
    {EndReason::kNoContact, "No contact"},
    {EndReason::kTransferred, "Transferred to another therapist"},
    {EndReason::kReferredOut, "Referred to care outside the clinic"},
    {EndReason::kOther, "Other"},
}};

// The fields of EndingWords that are free text, in the order they are read and written.
constexpr std::array<std::pair<std::string_view, std::string EndingWords::*>, 5> kTexts{{
    {"ending_note", &EndingWords::ending_note},
    {"what_helped", &EndingWords::what_helped},
    {"what_did_not", &EndingWords::what_did_not},
    {"relapse_signs", &EndingWords::relapse_signs},
    {"if_it_returns", &EndingWords::if_it_returns},
}};

// Puts `text`, normalised, back into `text`; an error goes to `errors` instead.
void Normalise(std::string& text, const std::string& field, std::size_t max_chars, bool required,
               std::vector<FieldError>& errors) {
  auto normal = NormalizeParagraphs(text, field, max_chars, required);
  if (normal) {
    text = std::move(*normal);
  } else {
    for (const FieldError& f : normal.error().fields) errors.push_back(f);
  }
}

// The goal-achievement code `text` names; plan.h writes the codes and has no reader of its own.
std::optional<Achievement> ParseAchievement(std::string_view text) {
  for (const Achievement a :
       {Achievement::kInProgress, Achievement::kImproving, Achievement::kWorsening,
        Achievement::kNoChange, Achievement::kAchieved, Achievement::kNotAchieved}) {
    if (ToString(a) == text) return a;
  }
  return std::nullopt;
}

Status Verdict(std::vector<FieldError> errors) {
  if (errors.empty()) return {};
  return Fail(InvalidFields("Some fields need attention: ", std::move(errors)));
}

}  // namespace

std::string_view ToString(EndReason reason) {
  return EnumName(reason, kEndReasons);
}
Result<EndReason> ParseEndReason(std::string_view text) {
  return ParseEnum(text, kEndReasons, "reason");
}
std::string_view Display(EndReason reason) {
  return EnumName(reason, kEndReasonWords);
}

bool IsDropout(EndReason reason) {
  return reason == EndReason::kClientChoseToStop || reason == EndReason::kNoContact;
}

bool IsCompleted(EndReason reason) {
  return reason == EndReason::kGoalsMet || reason == EndReason::kMutualAgreement;
}

Status ValidateEnding(const EndingWords& words) {
  EndingWords copy = words;
  std::vector<FieldError> errors;
  for (const auto& [name, member] : kTexts) {
    const bool required = name == "ending_note" && words.reason == EndReason::kOther;
    Normalise(copy.*member, std::string(name), kMaxEndingText, required, errors);
  }
  if (words.referrals.size() > kMaxReferrals) {
    errors.push_back({"referrals", fmt::format("may list at most {} places", kMaxReferrals)});
  }
  if (words.reason == EndReason::kReferredOut && words.referrals.empty()) {
    errors.push_back({"referrals", "name at least one place the client is referred to"});
  }
  for (std::size_t i = 0; i < words.referrals.size(); ++i) {
    Referral r = words.referrals[i];
    const std::string at = fmt::format("referrals/{}/", i);
    Normalise(r.name, at + "name", 200, true, errors);
    Normalise(r.contact, at + "contact", 500, false, errors);
    Normalise(r.why, at + "why", 1000, false, errors);
  }
  return Verdict(std::move(errors));
}

Result<EndingWords> EndingWordsFromJson(const Json& body) {
  JsonObjectReader r(body);
  EndingWords words;
  std::vector<FieldError> errors;
  const auto reason = r.RequiredString("reason", 100);
  if (reason) {
    if (auto parsed = ParseEndReason(*reason)) {
      words.reason = *parsed;
    } else {
      errors.push_back(parsed.error().fields.front());
    }
  }
  for (const auto& [name, member] : kTexts) {
    words.*member = r.OptionalString(name, kMaxTextReadBytes).value_or("");
  }
  if (const Json* list = r.Optional("referrals")) {
    if (!list->is_array()) {
      r.AddError("referrals", "must be a list");
    } else {
      for (std::size_t i = 0; i < list->size(); ++i) {
        JsonObjectReader item((*list)[i], fmt::format("referrals/{}/", i));
        Referral referral;
        referral.name = item.RequiredString("name", kMaxTextReadBytes).value_or("");
        referral.contact = item.OptionalString("contact", kMaxTextReadBytes).value_or("");
        referral.why = item.OptionalString("why", kMaxTextReadBytes).value_or("");
        if (Status read = item.Finish(); !read) {
          for (const FieldError& f : read.error().fields) errors.push_back(f);
        }
        words.referrals.push_back(std::move(referral));
      }
    }
  }
  if (Status read = r.Finish(); !read) {
    auto fields = read.error().fields;
    errors.insert(errors.begin(), fields.begin(), fields.end());
  }
  RAPPORT_RETURN_IF_ERROR(Verdict(errors));
  RAPPORT_RETURN_IF_ERROR(ValidateEnding(words));
  // Store and show the normalised text.
  std::vector<FieldError> none;
  for (const auto& [name, member] : kTexts) {
    Normalise(words.*member, std::string(name), kMaxEndingText, false, none);
  }
  for (Referral& referral : words.referrals) {
    Normalise(referral.name, "name", 200, false, none);
    Normalise(referral.contact, "contact", 500, false, none);
    Normalise(referral.why, "why", 1000, false, none);
  }
  return words;
}

Json EndingWordsToJson(const EndingWords& words) {
  Json out = {{"reason", std::string(ToString(words.reason))},
              {"reason_words", std::string(Display(words.reason))}};
  for (const auto& [name, member] : kTexts) out[std::string(name)] = words.*member;
  Json referrals = Json::array();
  for (const Referral& r : words.referrals) {
    referrals.push_back({{"name", r.name}, {"contact", r.contact}, {"why", r.why}});
  }
  out["referrals"] = std::move(referrals);
  return out;
}

std::string MeasureSentence(const MeasureSummary& m) {
  if (m.answers < 2) {
    return fmt::format("{} was answered {}; there is no second answer to compare with.", m.title,
                       m.answers == 1 ? "once" : "never");
  }
  std::string sentence = fmt::format("{} went from {} to {} over {} answers", m.title,
                                     FormatScore(m.first), FormatScore(m.last), m.answers);
  if (!m.change) return sentence + "; this questionnaire has no measure of reliable change.";
  if (m.change->improved) return sentence + ": a reliable improvement.";
  if (m.change->deteriorated) return sentence + ": reliably worse.";
  return sentence + fmt::format(": less than the {} points that count as a reliable change.",
                                FormatScore(m.change->reliable_threshold));
}

Json MeasureSummaryToJson(const MeasureSummary& m) {
  return {{"instrument", m.instrument},
          {"title", m.title},
          {"higher_is", m.direction == Direction::kHigherIsWorse ? "worse" : "better"},
          {"max", m.max},
          {"answers", m.answers},
          {"first", m.answers > 0 ? Json(m.first) : Json(nullptr)},
          {"last", m.answers > 0 ? Json(m.last) : Json(nullptr)},
          {"first_at", m.answers > 0 ? Json(FormatIso8601(m.first_at)) : Json(nullptr)},
          {"last_at", m.answers > 0 ? Json(FormatIso8601(m.last_at)) : Json(nullptr)},
          {"change", m.change ? ChangeResultToJson(*m.change) : Json(nullptr)},
          {"sentence", MeasureSentence(m)}};
}

Result<MeasureSummary> MeasureSummaryFromJson(const Json& json, std::string prefix) {
  JsonObjectReader r(json, prefix);
  MeasureSummary m;
  std::vector<FieldError> errors;
  m.instrument = r.RequiredString("instrument", kMaxTextReadBytes).value_or("");
  m.title = r.RequiredString("title", kMaxTextReadBytes).value_or("");
  if (const auto higher_is = r.RequiredString("higher_is", 100)) {
    if (*higher_is == "worse") {
      m.direction = Direction::kHigherIsWorse;
    } else if (*higher_is == "better") {
      m.direction = Direction::kHigherIsBetter;
    } else {
      r.AddError("higher_is", "must be one of: worse, better");
    }
  }
  m.max = r.RequiredNumber("max").value_or(0);
  if (const auto answers = r.RequiredInt("answers")) {
    if (*answers < 0 || *answers > std::numeric_limits<int>::max()) {
      r.AddError("answers", "must be a count");
    } else {
      m.answers = static_cast<int>(*answers);
    }
  }
  m.first = r.OptionalNumber("first").value_or(0);
  m.last = r.OptionalNumber("last").value_or(0);
  for (const auto& [key, member] : {std::pair{"first_at", &MeasureSummary::first_at},
                                    std::pair{"last_at", &MeasureSummary::last_at}}) {
    if (const auto text = r.OptionalString(key, 100)) {
      if (auto at = ParseIso8601(*text)) {
        m.*member = *at;
      } else {
        r.AddError(key, "must be an ISO 8601 time");
      }
    }
  }
  if (const Json* change = r.Optional("change")) {
    if (auto read = ChangeResultFromJson(*change, r.FieldName("change/"))) {
      m.change = std::move(*read);
    } else {
      errors = std::move(read.error().fields);
    }
  }
  r.OptionalString("sentence", kMaxTextReadBytes);  // derived from the rest
  if (Status read = r.Finish(); !read) {
    const auto& fields = read.error().fields;
    errors.insert(errors.begin(), fields.begin(), fields.end());
  }
  RAPPORT_RETURN_IF_ERROR(Verdict(std::move(errors)));
  return m;
}

Json GoalSummaryToJson(const GoalSummary& g) {
  return {{"key", g.key},
          {"description", g.description},
          {"achievement", std::string(ToString(g.achievement))},
          {"achievement_words", std::string(Display(g.achievement))},
          {"gas_level", g.gas_level ? Json(*g.gas_level) : Json(nullptr)}};
}

Result<GoalSummary> GoalSummaryFromJson(const Json& json, std::string prefix) {
  JsonObjectReader r(json, prefix);
  GoalSummary g;
  g.key = r.RequiredString("key", kMaxTextReadBytes).value_or("");
  g.description = r.RequiredString("description", kMaxTextReadBytes).value_or("");
  if (const auto achievement = r.RequiredString("achievement", 100)) {
    if (auto parsed = ParseAchievement(*achievement)) {
      g.achievement = *parsed;
    } else {
      r.AddError("achievement", "is not a goal-achievement code");
    }
  }
  r.OptionalString("achievement_words", kMaxTextReadBytes);  // derived from the achievement
  if (const auto level = r.OptionalInt("gas_level")) {
    if (*level < -2 || *level > 2) {
      r.AddError("gas_level", "must be from -2 to +2");
    } else {
      g.gas_level = static_cast<int>(*level);
    }
  }
  RAPPORT_RETURN_IF_ERROR(r.Finish());
  return g;
}

Json DischargeSummaryToJson(const DischargeSummary& s) {
  Json measures = Json::array();
  for (const MeasureSummary& m : s.measures) measures.push_back(MeasureSummaryToJson(m));
  Json goals = Json::array();
  for (const GoalSummary& g : s.goals) goals.push_back(GoalSummaryToJson(g));
  return {{"episode_id", s.episode_id},
          {"draft", !s.ended_at.has_value()},
          {"client_name", s.client_name},
          {"therapist_name", s.therapist_name},
          {"started_at", FormatIso8601(s.started_at)},
          {"ended_at", s.ended_at ? Json(FormatIso8601(*s.ended_at)) : Json(nullptr)},
          {"sessions_attended", s.sessions_attended},
          {"ending", s.words ? EndingWordsToJson(*s.words) : Json(nullptr)},
          {"measures", std::move(measures)},
          {"goals", std::move(goals)},
          {"gas_t_score", s.gas_t_score ? Json(*s.gas_t_score) : Json(nullptr)},
          {"where_to_get_help", s.where_to_get_help},
          {"looking_back", s.looking_back
                               ? Json{{"total", s.looking_back->total},
                                      {"max", s.looking_back->max},
                                      {"submitted_at", FormatIso8601(s.looking_back->submitted_at)}}
                               : Json(nullptr)}};
}

}  // namespace rapport
