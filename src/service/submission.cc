#include "service/submission.h"

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
    if (expected.size() <= static_cast<std::size_t>(session)) {
      if (auto norm = ExpectedTrajectoryFromNorm(total_scale, baseline, session)) {
        expected = *norm;
      }
    }
    if (expected.size() > static_cast<std::size_t>(session)) {
      facts.expected = expected[static_cast<std::size_t>(session)];
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

}  // namespace rapport
