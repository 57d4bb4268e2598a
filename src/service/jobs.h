#pragma once
// The server's time-caused work, as scheduler jobs: each escalation step of an unacknowledged
// alert (scheduled when the alert is raised), and the hourly missed-feedback check of every
// clinic and its feedback requests every 15 minutes (each run schedules the next; a server that
// was down runs the overdue check once when
// it starts, not once per missed hour). Thread-safe as the Scheduler is.

#include "core/clock.h"
#include "core/result.h"
#include "service/alert_notifier.h"
#include "service/auth_service.h"
#include "service/feedback_service.h"
#include "service/scheduler.h"
#include "store/store.h"

namespace rapport {

inline constexpr std::string_view kMissedFeedbackJob = "missed_feedback";
inline constexpr std::int64_t kMissedFeedbackEveryMs = 60LL * 60 * 1000;
inline constexpr std::string_view kFeedbackRequestsJob = "feedback_requests";
inline constexpr std::int64_t kFeedbackRequestsEveryMs = 15LL * 60 * 1000;
// Clients are reminded of their appointments the day before (service/appointment_service.h).
inline constexpr std::string_view kAppointmentRemindersJob = "appointment_reminders";
inline constexpr std::int64_t kAppointmentRemindersEveryMs = 15LL * 60 * 1000;
// Open episodes without contact for the clinic's no_contact_after_days are flagged to their
// therapist (service/course_service.h), checked every six hours.
inline constexpr std::string_view kNoContactJob = "no_contact";
inline constexpr std::int64_t kNoContactEveryMs = 6LL * 60 * 60 * 1000;
// Homework planned with caregivers is reminded between sessions (service/plan_service.h), checked
// every six hours.
inline constexpr std::string_view kHomeworkRemindersJob = "homework_reminders";
inline constexpr std::int64_t kHomeworkRemindersEveryMs = 6LL * 60 * 60 * 1000;
// Sessions past their idle or absolute timeout are removed, not kept until presented.
inline constexpr std::string_view kPruneSessionsJob = "prune_sessions";
inline constexpr std::int64_t kPruneSessionsEveryMs = 15LL * 60 * 1000;
// After a clinic's data key is rotated (store/data_keys.h schedules kResealDataKeysJob in the
// same write), the values under its former keys are sealed again under the new one, this many
// rows a write, each step scheduling the next at once until the pass is done. Not periodic.
inline constexpr int kResealRowsPerWrite = 200;

// Registers the handlers for every kind of job above, FeedbackService's kUnsentRiskJob and the
// store's kResealDataKeysJob. Borrows everything.
void RegisterJobs(Scheduler& scheduler, Store& store, FeedbackService& feedback,
                  const NotifierConfig& notifier, const AuthOptions& auth);

// Makes sure every clinic has its next periodic job (idempotent; call at start-up).
Status SchedulePeriodicJobs(Store& store, Timestamp now);

}  // namespace rapport
