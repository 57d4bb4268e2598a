#pragma once
// Internal to service/: how a scored questionnaire becomes what the alert rules judge and what the
// store keeps. FeedbackService uses it for every submission and the demo seeder for its histories,
// so that seeded responses and alerts are exactly what a real submission would have left.
// Pure functions of their arguments; thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "core/json.h"
#include "domain/alerts.h"
#include "domain/catalog.h"
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

// --- Drafts: answers in progress ---

// A draft holds at most this many answers (every item of every questionnaire a person answers).
inline constexpr std::size_t kMaxDraftAnswers = 400;

// One questionnaire's part of a draft, checked and scored as far as it goes.
struct DraftPart {
  const Instrument* instrument = nullptr;
  Json answers;  // {"item id": value}, nulls dropped
  ScoreResult score;
};

// Reads a draft {"CODE/item": number | string | null, ...}: every CODE must be in `allowed` (the
// questionnaires the author answers on the episode, found in `catalog`), every item and value must
// be one the questionnaire accepts. Errors name the field "answers/CODE/item" ("answers" for the
// shape or size). Parts come in the order of `allowed`; a null answer is no answer.
Result<std::vector<DraftPart>> ReadDraft(const InstrumentCatalog& catalog,
                                         const std::vector<std::string>& allowed,
                                         const Json& answers);

// The draft as stored: {"CODE/item": value} for every part.
Json DraftJson(const std::vector<DraftPart>& parts);

// The draft's risk alerts, one per questionnaire with a risk answer given (risk items merely left
// blank do not count: a draft is unfinished by nature), marked as not yet sent.
std::vector<RaisedAlert> UnsentRiskAlerts(const AlertRules& rules, const std::string& client_name,
                                          const std::vector<DraftPart>& parts);

}  // namespace rapport
