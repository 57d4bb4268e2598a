#include "service/jobs.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>

#include "service/appointment_service.h"
#include "service/course_service.h"
#include "service/plan_service.h"

namespace rapport {

namespace {

// One key per clinic and period: a restart within the period finds the job it already has.
Job PeriodicJob(std::string_view kind, std::int64_t every_ms, ClinicId clinic_id, Timestamp due) {
  Job job;
  job.clinic_id = clinic_id;
  job.kind = std::string(kind);
  job.key = fmt::format("{}:clinic={}:period={}", kind, clinic_id, due / every_ms);
  job.due_at = due;
  return job;
}

// A handler that does `work` and schedules the kind's next run at the start of the next period.
Scheduler::Handler Periodic(std::string_view kind, std::int64_t every_ms,
                            std::function<Status(WriteTxn&, ClinicId, Timestamp)> work) {
  return [kind = std::string(kind), every_ms, work = std::move(work)](
             WriteTxn& txn, const Job& job, const Json&, Timestamp now) -> Status {
    RAPPORT_RETURN_IF_ERROR(work(txn, job.clinic_id, now));
    const Timestamp next = (now / every_ms + 1) * every_ms;
    RAPPORT_RETURN_IF_ERROR(txn.InsertJob(PeriodicJob(kind, every_ms, job.clinic_id, next)));
    return Ok();
  };
}

struct PeriodicKind {
  std::string_view kind;
  std::int64_t every_ms;
};
constexpr PeriodicKind kPeriodic[] = {{kMissedFeedbackJob, kMissedFeedbackEveryMs},
                                      {kFeedbackRequestsJob, kFeedbackRequestsEveryMs},
                                      {kAppointmentRemindersJob, kAppointmentRemindersEveryMs},
                                      {kPruneSessionsJob, kPruneSessionsEveryMs},
                                      {kNoContactJob, kNoContactEveryMs},
                                      {kHomeworkRemindersJob, kHomeworkRemindersEveryMs}};

}  // namespace

void RegisterJobs(Scheduler& scheduler, Store& store, FeedbackService& feedback,
                  const NotifierConfig& notifier, const AuthOptions& auth) {
  scheduler.Handle(std::string(kAppointmentRemindersJob),
                   Periodic(kAppointmentRemindersJob, kAppointmentRemindersEveryMs,
                            [&store, base_url = notifier.base_url](WriteTxn& txn, ClinicId clinic,
                                                                   Timestamp now) -> Status {
                              return QueueAppointmentReminders(txn, store, clinic, now, base_url);
                            }));
  scheduler.Handle(
      std::string(kHomeworkRemindersJob),
      Periodic(kHomeworkRemindersJob, kHomeworkRemindersEveryMs,
               [&store, base_url = notifier.base_url](WriteTxn& txn, ClinicId clinic,
                                                      Timestamp now) -> Status {
                 RAPPORT_RETURN_IF_ERROR(QueueHomeworkReminders(txn, store, clinic, now, base_url));
                 return Ok();
               }));
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
      Periodic(kMissedFeedbackJob, kMissedFeedbackEveryMs,
               [&feedback](WriteTxn& txn, ClinicId clinic, Timestamp now) -> Status {
                 RAPPORT_RETURN_IF_ERROR(feedback.RaiseMissedFeedback(txn, clinic, now));
                 return Ok();
               }));
  scheduler.Handle(std::string(kPruneSessionsJob),
                   Periodic(kPruneSessionsJob, kPruneSessionsEveryMs,
                            [idle = auth.idle_timeout, absolute = auth.absolute_timeout](
                                WriteTxn& txn, ClinicId clinic, Timestamp now) -> Status {
                              RAPPORT_RETURN_IF_ERROR(txn.DeleteExpiredSessions(
                                  clinic, now - idle.count(), now - absolute.count()));
                              return Ok();
                            }));
  scheduler.Handle(std::string(kUnsentRiskJob), [&feedback](WriteTxn& txn, const Job&,
                                                            const Json& payload, Timestamp now) {
    if (!payload.contains("episode_id") || !payload["episode_id"].is_number_integer() ||
        !payload.contains("author_id") || !payload["author_id"].is_number_integer()) {
      return Status(Fail(Error::Internal("an unsent-risk job without its draft")));
    }
    return feedback.RaiseUnsentRisk(txn, payload["episode_id"].get<EpisodeId>(),
                                    payload["author_id"].get<UserId>(), now);
  });
  scheduler.Handle(
      std::string(kNoContactJob),
      Periodic(kNoContactJob, kNoContactEveryMs,
               [&store](WriteTxn& txn, ClinicId clinic, Timestamp now) -> Status {
                 RAPPORT_RETURN_IF_ERROR(FlagEpisodesWithoutContact(txn, store, clinic, now));
                 return Ok();
               }));
  scheduler.Handle(std::string(kResealDataKeysJob),
                   [](WriteTxn& txn, const Job& job, const Json& payload, Timestamp now) -> Status {
                     std::string position;
                     if (payload.contains("position")) {
                       if (!payload["position"].is_string()) {
                         return Fail(Error::Internal("a re-seal job whose position does not read"));
                       }
                       position = payload["position"].get<std::string>();
                     }
                     RAPPORT_ASSIGN_OR_RETURN(const ResealPass step,
                                              txn.ResealRetiringValues(job.clinic_id, position,
                                                                       kResealRowsPerWrite, now));
                     if (step.finished) return Ok();
                     // The next step, at once (or when the pass may begin), as a job of its own:
                     // each step is its own write, so the server keeps serving between them.
                     Job next;
                     next.clinic_id = job.clinic_id;
                     next.kind = job.kind;
                     next.key = fmt::format("{}:clinic={}:after-job={}", kResealDataKeysJob,
                                            job.clinic_id, job.id);
                     next.payload_json = Json{{"position", step.position}}.dump();
                     next.due_at = std::max(now, step.not_before);
                     RAPPORT_RETURN_IF_ERROR(txn.InsertJob(next));
                     return Ok();
                   });
  scheduler.Handle(
      std::string(kFeedbackRequestsJob),
      Periodic(kFeedbackRequestsJob, kFeedbackRequestsEveryMs,
               [&feedback](WriteTxn& txn, ClinicId clinic, Timestamp now) -> Status {
                 RAPPORT_RETURN_IF_ERROR(feedback.QueueFeedbackRequests(txn, clinic, now));
                 return Ok();
               }));
}

Status SchedulePeriodicJobs(Store& store, Timestamp now) {
  RAPPORT_ASSIGN_OR_RETURN(const auto clinics, store.ListClinics());
  return store.Write([&](WriteTxn& txn) -> Status {
    for (const Clinic& clinic : clinics) {
      for (const PeriodicKind& p : kPeriodic) {
        RAPPORT_ASSIGN_OR_RETURN(const auto jobs, store.ListJobs(clinic.id, p.kind));
        const bool scheduled = std::any_of(
            jobs.begin(), jobs.end(), [](const Job& j) { return j.state == JobState::kPending; });
        if (scheduled) continue;
        RAPPORT_RETURN_IF_ERROR(txn.InsertJob(PeriodicJob(p.kind, p.every_ms, clinic.id, now)));
      }
    }
    return Ok();
  });
}

}  // namespace rapport
