#pragma once
// The records of formal client feedback as the Store keeps them: which questionnaires
// an episode uses, the responses and the password-less feedback links. Respondents and alerts
// are the domain's (domain/feedback.h).
// Plain value types, copyable and thread-compatible.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "domain/alerts.h"
#include "domain/feedback.h"
#include "domain/people.h"
#include "domain/schedule.h"

namespace rapport {

using FeedbackLinkId = std::int64_t;

// A questionnaire an episode uses, and who answers it.
struct InstrumentAssignment {
  EpisodeId episode_id = 0;
  std::string instrument;  // code, e.g. "PHQ-9"
  Respondent respondent = Respondent::kClient;
  Timestamp assigned_at = 0;
  std::optional<Schedule> schedule;  // none: the questionnaire's default (DefaultSchedule)
};

struct FeedbackResponse {
  ResponseId id = 0;
  EpisodeId episode_id = 0;
  std::optional<AppointmentId> appointment_id;
  std::string instrument;  // code
  std::string instrument_version;
  Respondent respondent = Respondent::kClient;
  UserId respondent_user_id = 0;
  Timestamp submitted_at = 0;
  int session_number = 0;    // 0 for the episode's first measurement with this questionnaire
  std::string answers_json;  // {"item": value | "text" | null}
  std::optional<double> total;
  std::string band;
  std::string scales_json;  // {"scale id": score | null}
  std::string risk_json;    // ["item id", ...]
};

// Answers in progress, kept so that nothing a person has given is lost before they send it. One per
// author and episode; every questionnaire's answers together, keyed "CODE/item".
struct FeedbackDraft {
  EpisodeId episode_id = 0;
  UserId author_id = 0;
  std::string answers_json = "{}";  // {"PHQ-9/q1": 2, "RAPPORT-CHECK/comment": "text"}
  Timestamp updated_at = 0;
  // Since when a risk answer has stood in the draft unsent (none: no risk answer now), and when
  // the care team was alerted to it.
  std::optional<Timestamp> risk_since;
  std::optional<Timestamp> risk_alerted_at;
};

// A password-less link to the feedback forms of one appointment. Only a hash of the token is kept.
struct FeedbackLink {
  FeedbackLinkId id = 0;
  AppointmentId appointment_id = 0;
  UserId created_by = 0;
  std::string token_hash;  // hex BLAKE2b-256 of the token in the link
  Timestamp created_at = 0;
  Timestamp expires_at = 0;
  int uses = 0;  // submissions made through it
  // The guardian the link is for, who answers their own questionnaires through it; none: the
  // appointment's client.
  std::optional<UserId> guardian_id{};
};

}  // namespace rapport
