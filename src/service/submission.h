#pragma once
// Internal to service/: how a scored questionnaire becomes what the alert rules judge and what the
// store keeps. FeedbackService uses it for every submission and the demo seeder for its histories,
// so that seeded responses and alerts are exactly what a real submission would have left.
// Pure functions of their arguments; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "domain/alerts.h"
#include "domain/instrument.h"
#include "domain/scoring.h"
#include "store/feedback_records.h"

namespace rapport {

// A clinic needs this many similar ended episodes before its own course replaces the norm.
inline constexpr int kMinClinicEpisodes = 20;

// The facts the alert rules judge a submission by. `previous`: the earlier totals of this
// questionnaire from this respondent in the episode, oldest first; `session`: how many earlier
// responses there were; `pool`: the clinic's ended episodes' totals by session (empty: the
// questionnaire's norm gives the expected course). `instrument` and `score` must outlive the facts.
SubmissionFacts FactsOf(const Instrument& instrument, const ScoreResult& score,
                        std::string client_name, std::optional<double> fit_talk_answer,
                        const std::vector<double>& previous, int session,
                        const std::vector<std::vector<double>>& pool);

// Who submitted what, when: the parts of a response that are not the score.
struct SubmissionOrigin {
  EpisodeId episode_id = 0;
  std::optional<AppointmentId> appointment_id;
  Respondent respondent = Respondent::kClient;
  UserId respondent_user_id = 0;
  Timestamp submitted_at = 0;
  int session_number = 0;
};

// The response as the store keeps it (id 0: the store assigns one).
FeedbackResponse ResponseRecord(const SubmissionOrigin& origin, const Instrument& instrument,
                                std::string answers_json, const ScoreResult& score);

// An open alert as the store keeps it (id 0).
FeedbackAlert AlertRecord(const RaisedAlert& raised, EpisodeId episode_id, ClinicId clinic_id,
                          std::optional<ResponseId> response, Timestamp at);

}  // namespace rapport
