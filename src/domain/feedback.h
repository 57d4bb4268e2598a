#pragma once
// Formal feedback's own vocabulary, beside the plan's (domain/plan.h): who answers a
// questionnaire, the alert an answer raises, and the pure state machine that moves an alert from
// open to acknowledged to resolved. No storage and no access rules: the store keeps these records
// and the service decides who may change them. Thread-compatible value types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "domain/alerts.h"
#include "domain/people.h"
#include "domain/severity.h"

namespace rapport {

using ResponseId = std::int64_t;
using AlertId = std::int64_t;

// Who answers a questionnaire.
enum class Respondent : std::uint8_t { kClient, kGuardian, kTherapist };
std::string_view ToString(Respondent respondent);           // "client", "guardian", "therapist"
Result<Respondent> ParseRespondent(std::string_view text);  // field "respondent"

// Alerts move open -> acknowledged -> resolved. Resolving straight from open is allowed too (an
// alert can be dealt with and closed in one step), but only with a note of what was done.
enum class AlertState : std::uint8_t { kOpen, kAcknowledged, kResolved };
std::string_view ToString(AlertState state);                // "open", "acknowledged", "resolved"
Result<AlertState> ParseAlertState(std::string_view text);  // field "state"

struct FeedbackAlert {
  AlertId id = 0;
  EpisodeId episode_id = 0;
  ClinicId clinic_id = 0;
  std::optional<ResponseId> response_id;  // none for missed feedback
  std::string rule_id;
  AlertKind kind = AlertKind::kRisk;
  Severity severity = Severity::kMedium;
  std::string title, explanation, next_step;
  Timestamp raised_at = 0;
  AlertState state = AlertState::kOpen;
  std::optional<UserId> acknowledged_by;
  std::optional<Timestamp> acknowledged_at;
  std::string acknowledge_note;
  std::optional<UserId> resolved_by;
  std::optional<Timestamp> resolved_at;
  std::string resolve_note;
};

// The longest note a person may leave on an alert, in bytes.
inline constexpr std::size_t kMaxAlertNoteLength = 4000;

// How long after a risk answer an acknowledged (not yet resolved) alert still counts as being
// followed up: the client's progress words stay plain meanwhile.
inline constexpr std::int64_t kRiskFollowUpMs = 14LL * 24 * 60 * 60 * 1000;

// The alert as acknowledged by `by` at `at` with `note` (trimmed). kInvalidArgument (field
// "note") without a note or with one too long; kFailedPrecondition unless the alert is open.
Result<FeedbackAlert> Acknowledged(FeedbackAlert alert, UserId by, Timestamp at,
                                   std::string_view note);
// The alert as resolved by `by` at `at`. The note (trimmed) may be empty once the alert was
// acknowledged; resolving an open alert needs the note its acknowledgement would have had.
// kInvalidArgument (field "note"), or kFailedPrecondition when it is already resolved.
Result<FeedbackAlert> Resolved(FeedbackAlert alert, UserId by, Timestamp at, std::string_view note);

// A risk answer (given or left blank) still being followed up at `now`: its alert is open, or
// acknowledged within kRiskFollowUpMs of being raised and not yet resolved.
bool RiskBeingFollowedUp(const FeedbackAlert& alert, Timestamp now);

}  // namespace rapport
