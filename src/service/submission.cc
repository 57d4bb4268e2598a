#include "service/submission.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "domain/change.h"

namespace rapport {

SubmissionFacts FactsOf(const Instrument& instrument, const ScoreResult& score,
                        std::string client_name, std::optional<double> fit_talk_answer,
                        const std::vector<double>& previous, int session,
                        const std::vector<std::vector<double>>& pool) {
  const Scale& total_scale = instrument.TotalScale();
  SubmissionFacts facts;
  facts.client_name = std::move(client_name);
  facts.instrument = &instrument;
  facts.score = &score;
  facts.previous_totals = previous;
  facts.session_number = session;
  facts.fit_talk_answer = fit_talk_answer;
  if (score.total && !previous.empty()) {
    if (auto c = ComputeChange(total_scale, previous.front(), *score.total)) facts.change = *c;
  }
  if (score.total && instrument.purpose == Purpose::kOutcome && session > 0) {
    const double baseline = previous.empty() ? *score.total : previous.front();
    std::vector<TrajectoryPoint> expected;
    if (auto similar = ComputeChange(total_scale, baseline, baseline)) {
      expected = ExpectedTrajectoryFromEpisodes(pool, baseline, similar->reliable_threshold,
                                                session, kMinClinicEpisodes);
    }
    if (expected.size() > static_cast<std::size_t>(session)) {
      facts.expected = expected[static_cast<std::size_t>(session)];
    } else if (auto norm = ExpectedPointFromNorm(total_scale, baseline, session)) {
      facts.expected = *norm;  // one point: the cost does not grow with the session number
    }
  }
  return facts;
}

FeedbackResponse ResponseRecord(const SubmissionOrigin& origin, const Instrument& instrument,
                                std::string answers_json, const ScoreResult& score) {
  FeedbackResponse response;
  response.episode_id = origin.episode_id;
  response.appointment_id = origin.appointment_id;
  response.instrument = instrument.code;
  response.instrument_version = instrument.version;
  response.respondent = origin.respondent;
  response.respondent_user_id = origin.respondent_user_id;
  response.submitted_at = origin.submitted_at;
  response.session_number = origin.session_number;
  response.answers_json = std::move(answers_json);
  response.total = score.total;
  response.band = score.band;
  response.scales_json = ScaleScoresToJson(score).dump();
  response.risk_json = Json(score.risk).dump();
  return response;
}

FeedbackAlert AlertRecord(const RaisedAlert& raised, EpisodeId episode_id, ClinicId clinic_id,
                          std::optional<ResponseId> response, Timestamp at) {
  FeedbackAlert a;
  a.episode_id = episode_id;
  a.clinic_id = clinic_id;
  a.response_id = response;
  a.rule_id = raised.rule_id;
  a.kind = raised.kind;
  a.severity = raised.severity;
  a.title = raised.title;
  a.explanation = raised.explanation;
  a.next_step = raised.next_step;
  a.raised_at = at;
  a.state = AlertState::kOpen;
  return a;
}

namespace {

Error DraftFieldError(std::string field, std::string message) {
  return Error::InvalidArgument(fmt::format("{}: {}", field, message),
                                {FieldError{std::move(field), std::move(message)}});
}

}  // namespace

Result<std::vector<DraftPart>> ReadDraft(const InstrumentCatalog& catalog,
                                         const std::vector<std::string>& allowed,
                                         const Json& answers) {
  if (!answers.is_object()) return Fail(DraftFieldError("answers", "must be an object"));
  if (answers.size() > kMaxDraftAnswers) {
    return Fail(
        DraftFieldError("answers", fmt::format("holds at most {} answers", kMaxDraftAnswers)));
  }
  std::map<std::string, Json> by_code;
  for (const auto& [key, value] : answers.items()) {
    const auto slash = key.rfind('/');
    const std::string field = "answers/" + key;
    if (slash == std::string::npos || slash == 0 || slash + 1 == key.size()) {
      return Fail(DraftFieldError(field, "must be named \"QUESTIONNAIRE/item\""));
    }
    const std::string code = key.substr(0, slash);
    if (std::find(allowed.begin(), allowed.end(), code) == allowed.end()) {
      return Fail(DraftFieldError(field, "is not a questionnaire you answer here"));
    }
    if (value.is_null()) continue;
    auto [slot, fresh] = by_code.try_emplace(code, Json::object());
    slot->second[key.substr(slash + 1)] = value;
  }
  std::vector<DraftPart> parts;
  for (const std::string& code : allowed) {
    const auto found = by_code.find(code);
    if (found == by_code.end()) continue;
    DraftPart part;
    part.instrument = catalog.Find(code);
    if (part.instrument == nullptr) continue;  // allowed names only what the catalog holds
    // Item errors are named "answers/<item>"; a draft names them "answers/CODE/<item>".
    const auto renamed = [&](Error error) {
      for (FieldError& f : error.fields) {
        if (f.field.starts_with("answers/")) f.field = "answers/" + code + f.field.substr(7);
      }
      return error;
    };
    auto read = AnswersFromJson(*part.instrument, found->second);
    if (!read) return Fail(renamed(read.error()));
    auto score = Score(*part.instrument, *read, Completeness::kAllowMissing);
    if (!score) return Fail(renamed(score.error()));
    part.answers = std::move(found->second);
    part.score = std::move(*score);
    parts.push_back(std::move(part));
  }
  return parts;
}

Json DraftJson(const std::vector<DraftPart>& parts) {
  Json out = Json::object();
  for (const DraftPart& part : parts) {
    for (const auto& [item, value] : part.answers.items()) {
      out[part.instrument->code + "/" + item] = value;
    }
  }
  return out;
}

std::vector<RaisedAlert> UnsentRiskAlerts(const AlertRules& rules, const std::string& client_name,
                                          const std::vector<DraftPart>& parts) {
  std::vector<RaisedAlert> out;
  for (const DraftPart& part : parts) {
    if (part.score.risk_answers.empty()) continue;
    // Only the answers given: blank risk items and a screen's verdict wait for the whole form.
    ScoreResult given;
    given.risk_answers = part.score.risk_answers;
    given.risk = part.score.risk;
    SubmissionFacts facts;
    facts.client_name = client_name;
    facts.instrument = part.instrument;
    facts.score = &given;
    for (RaisedAlert alert : EvaluateSubmission(rules, facts)) {
      if (alert.kind != AlertKind::kRisk) continue;
      alert.rule_id += ":unsent";
      alert.title = "Not sent: " + alert.title;
      alert.explanation += fmt::format(
          " {} chose this in a check-in that has not been sent, and it has stood for some "
          "minutes.",
          client_name);
      out.push_back(std::move(alert));
    }
  }
  return out;
}

}  // namespace rapport
