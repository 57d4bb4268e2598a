#pragma once
// Internal to the store's SQL (store/sql/), for both engines: the queries behind formal client
// feedback (questionnaire drafts, the questionnaires assigned to an episode, responses with their
// series of kept totals, alerts, and the password-less feedback links). Each takes the connection
// it runs on (with its SealedFields where it reads or writes free text, which is sealed at rest),
// so the read pool and the write transaction share one text of every query.

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/caseload_records.h"
#include "store/feedback_records.h"
#include "store/sql/sealed_fields.h"
#include "store/sql/sql_connection.h"

// The columns of response_series that ReadSeries reads, in its order.
#define RAPPORT_SERIES_COLUMNS                                                            \
  "episode_id, instrument, respondent, answered, first_submitted_at, last_submitted_at, " \
  "first_total, first_total_id, recent"

namespace rapport::sql {

// Writes (the writer connection, inside its transaction).
Status PutFeedbackDraft(SealedFields& f, const FeedbackDraft& d);
Status DeleteFeedbackDraft(SqlConnection& c, EpisodeId episode_id, UserId author_id);
Status UpsertAssignment(SqlConnection& c, const InstrumentAssignment& a);
Status SetAssignmentSchedule(SqlConnection& c, EpisodeId episode_id, const std::string& instrument,
                             Respondent respondent, const std::optional<Schedule>& schedule);
// Also keeps the answer's total among its series' latest.
Result<ResponseId> InsertResponse(SealedFields& f, const FeedbackResponse& r);
Result<AlertId> InsertAlert(SealedFields& f, const FeedbackAlert& a);
Status UpdateAlertState(SealedFields& f, const FeedbackAlert& a);
Result<FeedbackLinkId> InsertFeedbackLink(SqlConnection& c, const FeedbackLink& l);
Status CountFeedbackLinkUse(SqlConnection& c, FeedbackLinkId id);

// Reads (any connection). kNotFound when there is nothing of the kind.
Result<FeedbackDraft> GetFeedbackDraft(SealedFields& f, EpisodeId episode_id, UserId author_id);
Result<std::vector<InstrumentAssignment>> ListAssignments(SqlConnection& c, EpisodeId id);
Result<FeedbackResponse> GetResponse(SealedFields& f, ResponseId id);
Result<std::vector<FeedbackResponse>> ListResponsesOfEpisode(SealedFields& f, EpisodeId id);
Result<std::vector<FeedbackResponse>> ListResponsesOfEndedEpisodes(SealedFields& f,
                                                                   ClinicId clinic_id,
                                                                   const std::string& instrument);
Result<ResponseSeries> GetResponseSeries(SqlConnection& c, EpisodeId episode_id,
                                         const std::string& instrument, Respondent respondent,
                                         int recent);
Result<FeedbackAlert> GetAlert(SealedFields& f, AlertId id);
Result<std::vector<FeedbackAlert>> ListAlertsOfEpisode(SealedFields& f, EpisodeId id);
Result<std::vector<FeedbackAlert>> ListAlertsOfTherapist(SealedFields& f, UserId therapist_id,
                                                         std::optional<AlertState> state);
Result<std::vector<FeedbackAlert>> ListUnresolvedAlertsOfInstrument(SealedFields& f,
                                                                    EpisodeId episode_id,
                                                                    const std::string& instrument);
Result<FeedbackLink> FindFeedbackLinkByTokenHash(SqlConnection& c, const std::string& token_hash);

// One summary row of an answer series (a query selecting RAPPORT_SERIES_COLUMNS), with the latest
// `recent` of its kept totals; the caseload's read shares it.
Result<ResponseSeries> ReadSeries(const SqlQuery& q, int recent);

}  // namespace rapport::sql
