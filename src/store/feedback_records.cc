#include "store/feedback_records.h"

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
  return Fail(
      Error::InvalidArgument("respondent: must be client, guardian or therapist",
                             {FieldError{"respondent", "must be client, guardian or therapist"}}));
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
  return Fail(
      Error::InvalidArgument("state: must be open, acknowledged or resolved",
                             {FieldError{"state", "must be open, acknowledged or resolved"}}));
}

}  // namespace rapport
