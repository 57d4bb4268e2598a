#include "service/jobs.h"

#include <fmt/format.h>

namespace rapport {

namespace {

// One key per clinic and hour: a restart within the hour finds the job it already has.
Job MissedFeedbackJob(ClinicId clinic_id, Timestamp due) {
  Job job;
  job.clinic_id = clinic_id;
  job.kind = std::string(kMissedFeedbackJob);
  job.key =
      fmt::format("missed_feedback:clinic={}:hour={}", clinic_id, due / kMissedFeedbackEveryMs);
  job.due_at = due;
  return job;
}

}  // namespace

void RegisterJobs(Scheduler& scheduler, FeedbackService& feedback, const NotifierConfig& notifier) {
  scheduler.Handle(std::string(kEscalateJob), [notifier](WriteTxn& txn, const Job&,
                                                         const Json& payload, Timestamp now) {
    if (!payload.contains("alert_id") || !payload["alert_id"].is_number_integer() ||
        !payload.contains("step") || !payload["step"].is_number_integer()) {
      return Status(Fail(Error::Internal("an escalation job without its alert")));
    }
    return EscalateAlert(txn, notifier, payload["alert_id"].get<AlertId>(),
                         payload["step"].get<int>(), now);
  });
  scheduler.Handle(
      std::string(kMissedFeedbackJob),
      [&feedback](WriteTxn& txn, const Job& job, const Json&, Timestamp now) -> Status {
        RAPPORT_RETURN_IF_ERROR(feedback.RaiseMissedFeedback(txn, job.clinic_id, now));
        const Timestamp next = (now / kMissedFeedbackEveryMs + 1) * kMissedFeedbackEveryMs;
        RAPPORT_RETURN_IF_ERROR(txn.InsertJob(MissedFeedbackJob(job.clinic_id, next)));
        return Ok();
      });
}

Status SchedulePeriodicJobs(Store& store, Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const auto clinics, store.ListClinics());
  return store.Write([&](WriteTxn& txn) -> Status {
    for (const Clinic& clinic : clinics) {
      RAPPORT_ASSIGN_OR_RETURN(const auto pending, store.ListJobs(clinic.id, kMissedFeedbackJob));
      const bool scheduled = std::any_of(pending.begin(), pending.end(), [](const Job& j) {
        return j.state == JobState::kPending;
      });
      if (scheduled) continue;
      RAPPORT_RETURN_IF_ERROR(txn.InsertJob(MissedFeedbackJob(clinic.id, now)));
    }
    return Ok();
  });
}

}  // namespace rapport
