#pragma once
// What the store keeps and reads for finding a therapist and for the clinic's outcome report.

#include <optional>
#include <string>

#include "domain/ending.h"
#include "domain/feedback.h"
#include "domain/people.h"

namespace rapport {

// One ended episode and one questionnaire series of it (an episode without answers gives one row
// with an empty `instrument`): what the outcome report classifies.
struct EndedEpisodeMeasure {
  EpisodeId episode_id = 0;
  UserId therapist_id = 0;
  int completed_sessions = 0;
  std::optional<EndReason> end_reason;  // nullopt: ended before endings were recorded
  std::string instrument;               // empty: the episode has no answers with a total
  Respondent respondent = Respondent::kClient;
  std::optional<double> first_total;   // the baseline
  std::optional<double> latest_total;  // the latest total, only when it came after the baseline
};

}  // namespace rapport
