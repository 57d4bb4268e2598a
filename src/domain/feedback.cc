#include "domain/feedback.h"

#include <fmt/format.h>

namespace rapport {

std::string_view ToString(Respondent respondent) {
  switch (respondent) {
    case Respondent::kClient: return "client";
    case Respondent::kGuardian: return "guardian";
    case Respondent::kTherapist: return "therapist";
  }
  return "client";
}

Result<Respondent> ParseRespondent(std::string_view text) {
  for (Respondent r : {Respondent::kClient, Respondent::kGuardian, Respondent::kTherapist}) {
    if (text == ToString(r)) return r;
  }
  return Fail(Error::Field("respondent", "must be client, guardian or therapist"));
}

std::string_view ToString(AlertState state) {
  switch (state) {
    case AlertState::kOpen: return "open";
    case AlertState::kAcknowledged: return "acknowledged";
    case AlertState::kResolved: return "resolved";
  }
  return "open";
}

Result<AlertState> ParseAlertState(std::string_view text) {
  for (AlertState s : {AlertState::kOpen, AlertState::kAcknowledged, AlertState::kResolved}) {
    if (text == ToString(s)) return s;
  }
  return Fail(Error::Field("state", "must be open, acknowledged or resolved"));
}

namespace {

std::string Trimmed(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

constexpr std::string_view kSayWhatWasDone = "say what was done about this alert";

}  // namespace

Result<FeedbackAlert> Acknowledged(FeedbackAlert alert, UserId by, Timestamp at,
                                   std::string_view note) {
  std::string text = Trimmed(note);
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
  std::string text = Trimmed(note);
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
