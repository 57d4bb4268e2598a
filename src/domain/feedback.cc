#include "domain/feedback.h"

#include <fmt/format.h>

#include "core/text.h"
#include "domain/enum_names.h"

namespace rapport {

namespace {

constexpr EnumNames<Respondent, 3> kRespondents{{{Respondent::kClient, "client"},
                                                 {Respondent::kGuardian, "guardian"},
                                                 {Respondent::kTherapist, "therapist"}}};
constexpr EnumNames<AlertState, 3> kAlertStates{{{AlertState::kOpen, "open"},
                                                 {AlertState::kAcknowledged, "acknowledged"},
                                                 {AlertState::kResolved, "resolved"}}};

constexpr std::string_view kSayWhatWasDone = "say what was done about this alert";

}  // namespace

std::string_view ToString(Respondent respondent) {
  return EnumName(respondent, kRespondents);
}

Result<Respondent> ParseRespondent(std::string_view text) {
  return ParseEnum(text, kRespondents, "respondent");
}

std::string_view ToString(AlertState state) {
  return EnumName(state, kAlertStates);
}

Result<AlertState> ParseAlertState(std::string_view text) {
  return ParseEnum(text, kAlertStates, "state");
}

Result<FeedbackAlert> Acknowledged(FeedbackAlert alert, UserId by, Timestamp at,
                                   std::string_view note) {
  std::string text(Trim(note));
  if (text.empty()) return Fail(Error::Field("note", std::string(kSayWhatWasDone)));
  if (text.size() > kMaxAlertNoteLength) return Fail(Error::Field("note", "is too long"));
  if (alert.state != AlertState::kOpen) {
    return Fail(
        Error::FailedPrecondition(fmt::format("This alert is already {}.", ToString(alert.state))));
  }
  alert.state = AlertState::kAcknowledged;
  alert.acknowledged_by = by;
  alert.acknowledged_at = at;
  alert.acknowledge_note = std::move(text);
  return alert;
}

Result<FeedbackAlert> Resolved(FeedbackAlert alert, UserId by, Timestamp at,
                               std::string_view note) {
  std::string text(Trim(note));
  if (text.size() > kMaxAlertNoteLength) return Fail(Error::Field("note", "is too long"));
  if (alert.state == AlertState::kResolved) {
    return Fail(Error::FailedPrecondition("This alert is already resolved."));
  }
  // Closing an alert nobody acknowledged needs the note the acknowledgement would have had.
  if (alert.state == AlertState::kOpen && text.empty()) {
    return Fail(Error::Field("note", std::string(kSayWhatWasDone)));
  }
  alert.state = AlertState::kResolved;
  alert.resolved_by = by;
  alert.resolved_at = at;
  alert.resolve_note = std::move(text);
  return alert;
}

bool RiskBeingFollowedUp(const FeedbackAlert& alert, Timestamp now) {
  const bool risk = alert.kind == AlertKind::kRisk || alert.kind == AlertKind::kRiskUnanswered;
  return risk && (alert.state == AlertState::kOpen || (alert.state == AlertState::kAcknowledged &&
                                                       alert.raised_at >= now - kRiskFollowUpMs));
}

}  // namespace rapport
